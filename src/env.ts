/**
 * Runtime detection, done once. Nothing else in the library reads globals to
 * find out where it runs.
 */

/** The JavaScript runtime the library is running in. */
export type RuntimeName = 'node' | 'deno' | 'browser' | 'unknown'

/** Facts about the current runtime. */
export interface RuntimeEnv {
  readonly runtime: RuntimeName
  /** True inside a worker (web worker, Deno worker or Node worker_thread). */
  readonly isWorker: boolean
  /** True when `navigator.gpu` exists (a WebGPU implementation is present, not necessarily an adapter). */
  readonly hasWebGpu: boolean
  /** Logical cores, for sizing the worker pool. */
  readonly hardwareConcurrency: number
}

interface GlobalProbe {
  Deno?: { version?: { deno?: string } }
  process?: { versions?: { node?: string } }
  window?: unknown
  document?: unknown
  WorkerGlobalScope?: unknown
  navigator?: { gpu?: unknown; hardwareConcurrency?: number }
}

function detect(): RuntimeEnv {
  const g = globalThis as unknown as GlobalProbe
  let runtime: RuntimeName = 'unknown'
  if (g.Deno?.version?.deno) runtime = 'deno'
  else if (g.process?.versions?.node) runtime = 'node'
  else if (g.window !== undefined || g.WorkerGlobalScope !== undefined) runtime = 'browser'
  const isWorker = g.WorkerGlobalScope !== undefined && g.document === undefined && g.window === undefined
  return Object.freeze({
    runtime,
    isWorker,
    hasWebGpu: g.navigator?.gpu !== undefined,
    hardwareConcurrency: Math.max(1, g.navigator?.hardwareConcurrency ?? 1),
  })
}

/** The current runtime, detected once at import. */
export const ENV: RuntimeEnv = detect()

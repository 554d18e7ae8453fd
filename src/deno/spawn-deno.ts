/**
 * Spawning Deno Workers (module web workers) running a built-in worker script.
 * Deno runs the `.ts` worker sources directly; the build's `.js` files work too.
 * No `node:*` imports: this file only uses Web APIs Deno provides.
 */
import { webWorkerSpawner } from '../pool/spawn-web.js'
import type { SpawnWorker } from '../pool/worker-pool.js'

/** Which worker script to run. */
export type DenoWorkerKind = 'inference' | 'trivial'

/** Name prefix of the Deno workers (visible in Deno's messages; tests check it). */
export const DENO_WORKER_NAME = 'survey-classifier-deno'

/**
 * The URL of a built-in web worker script: `workers/<kind>.worker.ts` from
 * the sources, `.js` from the build.
 * @example new Worker(denoWorkerUrl('inference'), { type: 'module' })
 */
export function denoWorkerUrl(kind: DenoWorkerKind): URL {
  const fromSource = import.meta.url.endsWith('.ts')
  return new URL(`../../workers/${kind}.worker.${fromSource ? 'ts' : 'js'}`, import.meta.url)
}

/**
 * A spawner of Deno Workers (`new Worker(url, { type: 'module' })`) for the
 * worker pool; the workers inherit the main program's permissions. A worker
 * that fails to load reports through the pool's `died` promise.
 * @example annotateCatalog({ ..., spawn: denoWorkerSpawner('inference'), wasmPath: denoWasmPath() })
 */
export function denoWorkerSpawner(kind: DenoWorkerKind = 'inference'): SpawnWorker {
  return webWorkerSpawner(denoWorkerUrl(kind), `${DENO_WORKER_NAME}-${kind}`)
}

/**
 * Folder of tfjs-backend-wasm's `.wasm` files for Deno workers, resolved
 * through Deno's npm resolution (a `node_modules` folder or Deno's npm cache).
 * tfjs-wasm reads the files with Node's `fs` in Deno (it sees `process`), so
 * this is a file-system path with a trailing slash.
 * Throws when the package cannot be resolved.
 */
export function denoWasmPath(): string {
  const entry = new URL('./', import.meta.resolve('@tensorflow/tfjs-backend-wasm'))
  return entry.protocol === 'file:' ? decodeURIComponent(entry.pathname) : entry.href
}

/**
 * Spawning workers as Node worker_threads, behind the pool's spawn interface.
 */
import { fileURLToPath } from 'node:url'
import { Worker } from 'node:worker_threads'
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs'
import type { SpawnWorker, WorkerHandle } from '../pool/worker-pool.js'

/** Which worker script to run. */
export type NodeWorkerKind = 'inference' | 'trivial'

/** Options for {@link nodeWorkerSpawner}. */
export interface NodeSpawnOptions {
  /** Heap limit per worker in MB (a worker over it dies and is replaced); default: Node's. */
  readonly maxHeapMb?: number
  /**
   * Young-generation size per worker in MB; default {@link DEFAULT_WORKER_YOUNG_GENERATION_MB}.
   * Under a steady stream of batches V8 grows each worker's young generation to its maximum
   * (48 MB on 64-bit) although a batch's garbage dies with the batch; the cap keeps every worker
   * ~15–25 MB smaller for good, which adds up with one worker per core.
   */
  readonly youngGenerationMb?: number
  /** Run a worker script from an explicit URL instead of a built-in kind (tests: fault injection). */
  readonly url?: URL
}

/**
 * The URL of a built-in worker script. When the library runs from its
 * TypeScript sources (tests, `tsx`), the worker is the `.ts` file and is
 * started with the tsx loader; from the build it is the `.js` file.
 */
export function nodeWorkerUrl(kind: NodeWorkerKind): URL {
  const fromSource = import.meta.url.endsWith('.ts')
  return new URL(`../../workers/${kind}.node-worker.${fromSource ? 'ts' : 'js'}`, import.meta.url)
}

/** Default young-generation size of a worker in MB (see {@link NodeSpawnOptions.youngGenerationMb}). */
export const DEFAULT_WORKER_YOUNG_GENERATION_MB = 8

/** A spawner of Node worker_threads running a built-in worker. */
export function nodeWorkerSpawner(kind: NodeWorkerKind, options: NodeSpawnOptions = {}): SpawnWorker {
  const url = options.url ?? nodeWorkerUrl(kind)
  // TypeScript sources (tests, tsx) need the tsx loader registered inside the worker first
  const fromSource = url.pathname.endsWith('.ts')
  const bootstrap = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(url.href)}) })`
  const resourceLimits = {
    maxYoungGenerationSizeMb: options.youngGenerationMb ?? DEFAULT_WORKER_YOUNG_GENERATION_MB,
    ...(options.maxHeapMb ? { maxOldGenerationSizeMb: options.maxHeapMb } : {}),
  }
  return (index: number): WorkerHandle => {
    const worker = new Worker(fromSource ? bootstrap : fileURLToPath(url), {
      eval: fromSource,
      name: `survey-classifier-${kind}-${index}`,
      resourceLimits,
    })
    let terminating = false
    const died = new Promise<Error>((resolve) => {
      worker.once('error', (error) => resolve(new Error(`worker ${index} failed: ${error.message}`, { cause: error })))
      // a deliberate stop settles `died` too, so calls still queued on the worker fail over
      worker.once('exit', (code) => resolve(new Error(terminating ? `worker ${index} was stopped` : `worker ${index} exited with code ${code}`)))
    })
    return {
      endpoint: nodeEndpoint(worker),
      died,
      terminate: () => {
        terminating = true
        return worker.terminate()
      },
    }
  }
}

/** Absolute folder URL of tfjs-backend-wasm's .wasm files, for workers. */
export function nodeWasmPath(): string {
  const entry = import.meta.resolve('@tensorflow/tfjs-backend-wasm')
  return new URL('./', entry).href.replace(/^file:\/\//, '')
}

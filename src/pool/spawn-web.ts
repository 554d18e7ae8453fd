/**
 * Spawning module workers in browsers and Deno (`new Worker(url, { type: 'module' })`).
 */
import type { SpawnWorker, WorkerHandle } from './worker-pool.js'

/** A spawner for module workers at `url` (browsers, Deno). */
export function webWorkerSpawner(url: URL | string, name = 'survey-classifier'): SpawnWorker {
  return (index: number): WorkerHandle => {
    const worker = new Worker(url, { type: 'module', name: `${name}-${index}` })
    let stopped: (error: Error) => void = () => {}
    const died = new Promise<Error>((resolve) => {
      stopped = resolve
      worker.addEventListener('error', (event: ErrorEvent) => {
        event.preventDefault()
        resolve(new Error(`worker ${index} failed: ${event.message || 'unknown error (out of memory or a script that failed to load?)'}`))
      })
      worker.addEventListener('messageerror', () => resolve(new Error(`worker ${index} received a message it could not deserialise`)))
    })
    return {
      endpoint: worker,
      died,
      terminate: () => {
        worker.terminate()
        // a deliberate stop settles `died` too, so calls still queued on the worker fail over
        stopped(new Error(`worker ${index} was stopped`))
      },
    }
  }
}

/**
 * A pool of Comlink workers with crash recovery: a worker that throws, exits
 * or runs out of memory is replaced and its batch retried on the new one.
 */
import { releaseProxy, transfer, wrap, type Endpoint, type Remote } from 'comlink'
import { SurveyError, errorMessage } from '../errors.js'
import { installErrorTransfer } from './error-transfer.js'
import type { InferenceBatch, InferenceResult, WorkerApi, WorkerInfo, WorkerInit } from '../protocol.js'

/** A started worker, whatever the runtime. */
export interface WorkerHandle {
  readonly endpoint: Endpoint
  /** Settles (never rejects) with an error when the worker dies or is stopped. */
  readonly died: Promise<Error>
  terminate(): void | Promise<unknown>
}

/** Starts one worker; `index` is the pool slot (for names in messages). */
export type SpawnWorker = (index: number) => WorkerHandle

/** A batch and the buffers to transfer with it; built afresh for every attempt, since transferring detaches them. */
export interface BatchPayload {
  readonly batch: InferenceBatch
  readonly transfer: readonly Transferable[]
}

/** Options for {@link WorkerPool.create}. */
export interface WorkerPoolOptions {
  /** Number of workers; default 1. */
  readonly size?: number
  readonly spawn: SpawnWorker
  readonly init: WorkerInit
  /** Attempts after the first for a failing batch; default 2. */
  readonly maxRetries?: number
  /**
   * Batches handed to one worker at a time; default 2, so a worker always has its next batch
   * queued while the main thread is busy (encoding output, reading input).
   */
  readonly queuePerWorker?: number
  /** Called when a worker fails and is replaced. */
  readonly onWorkerFailure?: (event: { slot: number; batchIndex: number; attempt: number; error: Error }) => void
}

/**
 * Races calls on one worker against its death. `Promise.race([call, handle.died.then(…)])` would
 * leak: every race adds a reaction to the long-lived `died` promise, and that reaction keeps the
 * race's settled promise (the batch result) alive until the worker exits — memory growing with
 * the number of batches. Here one reaction on `died` serves all calls, and each call's hook is
 * dropped when the call settles.
 */
class DeathWatch {
  private readonly pending = new Set<(error: Error) => void>()
  private error: Error | undefined

  constructor(died: Promise<Error>) {
    void died.then((error) => {
      this.error = error
      for (const reject of this.pending) reject(error)
      this.pending.clear()
    })
  }

  /** `work`'s outcome, or a rejection with the worker's death (the error mapped by `onDeath`) if that comes first. */
  race<T>(work: Promise<T>, onDeath: (error: Error) => Error = (error) => error): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (this.error) {
        reject(onDeath(this.error))
        return
      }
      const died = (error: Error): void => reject(onDeath(error))
      this.pending.add(died)
      work.then(resolve, reject).finally(() => this.pending.delete(died))
    })
  }
}

interface Slot {
  index: number
  handle: WorkerHandle
  api: Remote<WorkerApi>
  death: DeathWatch
  /** Batches dispatched to this worker and not yet settled. */
  running: number
  /** Bumped at every restart, so concurrent failures of one worker restart it once. */
  generation: number
  /** Set while the worker is being restarted. */
  restarting?: Promise<void>
}

/** A batch whose every attempt failed: its rows should carry an error status. */
export class BatchFailure extends SurveyError {
  constructor(readonly batchIndex: number, readonly attempts: number, cause: Error) {
    super('worker', `worker failed on batch ${batchIndex} after ${attempts} attempts: ${cause.message}`, { cause })
  }
}

/** A fixed-size pool of workers running the inference contract. */
export class WorkerPool {
  private readonly slots: Slot[] = []
  private readonly waiting: { resolve: (slot: Slot) => void; reject: (error: Error) => void }[] = []
  private closed = false

  private constructor(private readonly options: WorkerPoolOptions, readonly info: WorkerInfo) {}

  /**
   * Start the workers and initialise each (backend, models). A worker that
   * fails to initialise fails the whole pool: errors are thrown on the
   * returned promise with their original code (e.g. `backend`, `model`).
   */
  static async create(options: WorkerPoolOptions): Promise<WorkerPool> {
    installErrorTransfer()
    const size = Math.max(1, options.size ?? 1)
    const slots: Slot[] = []
    try {
      for (let i = 0; i < size; i++) slots.push(await WorkerPool.start(options, i))
    } catch (error) {
      for (const slot of slots) await WorkerPool.stop(slot)
      throw error
    }
    const pool = new WorkerPool(options, (slots[0] as Slot & { info: WorkerInfo }).info)
    pool.slots.push(...slots)
    return pool
  }

  private static async start(options: WorkerPoolOptions, index: number): Promise<Slot & { info: WorkerInfo }> {
    const handle = options.spawn(index)
    const api = wrap<WorkerApi>(handle.endpoint)
    const death = new DeathWatch(handle.died)
    const slot: Slot = { index, handle, api, death, running: 0, generation: 0 }
    try {
      const info = await death.race(
        api.init(options.init),
        (error) => new SurveyError('worker', `worker ${index} died during start-up: ${error.message}`, { cause: error }),
      )
      return { ...slot, info }
    } catch (error) {
      await WorkerPool.stop(slot)
      throw error
    }
  }

  private static async stop(slot: Slot): Promise<void> {
    try {
      slot.api[releaseProxy]()
    } catch {
      // the proxy may already be released by a dead worker
    }
    await slot.handle.terminate()
  }

  /** Number of workers. */
  get size(): number {
    return this.slots.length
  }

  private get capacity(): number {
    return Math.max(1, this.options.queuePerWorker ?? 2)
  }

  /** The least loaded worker with room, or wait for one. */
  private acquire(): Promise<Slot> {
    let best: Slot | undefined
    for (const s of this.slots) if (!s.restarting && s.running < this.capacity && (!best || s.running < best.running)) best = s
    if (best) {
      best.running++
      return Promise.resolve(best)
    }
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }))
  }

  /** A dispatch on `slot` settled: hand its room to a waiting batch. */
  private release(slot: Slot): void {
    slot.running--
    if (slot.restarting || !this.slots.includes(slot)) return
    const next = this.waiting.shift()
    if (next) {
      slot.running++
      next.resolve(slot)
    }
  }

  /**
   * Run a batch on the next free worker. On failure the worker is replaced
   * and the batch retried (payload rebuilt by `make`) up to `maxRetries`
   * times; then the promise rejects with a {@link BatchFailure}.
   */
  async run(make: () => BatchPayload): Promise<InferenceResult> {
    const maxRetries = this.options.maxRetries ?? 2
    let lastError: Error = new Error('not run')
    let batchIndex = -1
    for (let attempt = 1; attempt <= maxRetries + 1; attempt++) {
      if (this.closed) throw new SurveyError('cancelled', 'worker pool is closed')
      const slot = await this.acquire()
      if (this.closed) throw new SurveyError('cancelled', 'worker pool is closed')
      const payload = make()
      batchIndex = payload.batch.batchIndex
      const { api, death, generation } = slot
      try {
        const result = await death.race(api.infer(transfer(payload.batch, [...payload.transfer])))
        this.release(slot)
        return result
      } catch (error) {
        if (this.closed) throw new SurveyError('cancelled', 'worker pool is closed')
        // The first failure of a worker is the batch it was running: that attempt counts, and it
        // restarts the worker. Batches queued behind it fail with it through no fault of their
        // own: they wait for the restart and go again without spending an attempt.
        const collateral = slot.generation !== generation || slot.restarting !== undefined
        if (collateral) {
          attempt--
        } else {
          lastError = error instanceof Error ? error : new Error(errorMessage(error))
          this.options.onWorkerFailure?.({ slot: slot.index, batchIndex, attempt, error: lastError })
          slot.restarting = this.replace(slot)
        }
        const restarting = slot.restarting
        this.release(slot)
        await restarting
      }
    }
    throw new BatchFailure(batchIndex, maxRetries + 1, lastError)
  }

  private async replace(slot: Slot): Promise<void> {
    await WorkerPool.stop(slot).catch(() => {})
    try {
      const fresh = await WorkerPool.start(this.options, slot.index)
      slot.handle = fresh.handle
      slot.api = fresh.api
      slot.death = fresh.death
      slot.generation++
      slot.restarting = undefined
      // the fresh worker has room again: wake as many waiting batches as it can take
      while (slot.running < this.capacity && this.waiting.length > 0) {
        slot.running++
        this.waiting.shift()!.resolve(slot)
      }
    } catch (error) {
      // a worker that cannot even restart leaves the pool smaller; with none left, fail loudly
      this.slots.splice(this.slots.indexOf(slot), 1)
      if (this.slots.length === 0) {
        this.closed = true
        const fatal = new SurveyError('worker', `no worker could be restarted: ${errorMessage(error)}`, { cause: error })
        for (const waiter of this.waiting.splice(0)) waiter.reject(fatal)
        throw fatal
      }
    }
  }

  /** Terminate every worker; pending and later `run` calls reject as cancelled. */
  async terminate(): Promise<void> {
    if (this.closed && this.slots.length === 0) return
    this.closed = true
    const cancelled = new SurveyError('cancelled', 'worker pool is closed')
    for (const waiter of this.waiting.splice(0)) waiter.reject(cancelled)
    const slots = this.slots.splice(0)
    await Promise.all(slots.map((s) => WorkerPool.stop(s).catch(() => {})))
  }
}

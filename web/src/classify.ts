/**
 * `classifyInBrowser`: the plain JS API under the `<survey-classifier>`
 * element. It starts a coordinator module worker (which runs the engine and
 * the inference worker pool), streams display rows into a {@link ResultStore}
 * and resolves with the annotated catalog as a Parquet Blob.
 */
import type { Progress, RunSummary } from '../../src/annotate.js'
import { SurveyError } from '../../src/errors.js'
import type { EvaluationReport } from '../../src/evaluate/report.js'
import type { BackendRequest, WorkerInfo } from '../../src/protocol.js'
import type { FromCoordinator, OutputFormat, RunInput, RunRequest, StartedMessage, ToCoordinator } from './protocol.js'
import { ResultStore } from './results.js'

/** The input of a run: a File/Blob, a URL (read with range requests) or the simulated sample. */
export type ClassifyInput = Blob | string | URL | { readonly sample: number; readonly seed?: number }

/** Progress as the page sees it: the engine's progress plus the backend in use. */
export interface BrowserProgress extends Progress {
  readonly backend: string
  readonly adapter: string | undefined
  readonly workers: number
}

/** Options for {@link classifyInBrowser}. */
export interface ClassifyInBrowserOptions {
  readonly input: ClassifyInput
  /** Pipeline name (see `pipelines/registry.ts`) or 'trivial' (no model: pixel means); default 'default'. */
  readonly models?: string
  /** MC-dropout passes; default: the pipeline's. */
  readonly passes?: number
  /** Rows per batch; default: the pipeline's. */
  readonly batchSize?: number
  /** Default 'auto': WebGPU on a hardware adapter, else WASM, else CPU. */
  readonly backend?: BackendRequest
  /** Inference workers; default `navigator.hardwareConcurrency`. */
  readonly workers?: number
  /** Where the models and the tfjs wasm files are served (a sub-path or another origin with CORS); default: the folder of this script. */
  readonly assetsBase?: string | URL
  /** Where the worker scripts are served; must be the page's origin (browsers start workers from there only); default `assetsBase`. */
  readonly workerBase?: string | URL
  /** Leave the cutout column out of the output (no thumbnails then); default false. */
  readonly dropCutouts?: boolean
  /** Rows that get a thumbnail (the first ones; 768 bytes each); default 100,000. */
  readonly thumbnailLimit?: number
  /** Rows per row group of the Parquet output; default 2048. */
  readonly rowGroupSize?: number
  /** Cancels the run: the rows done so far are kept (the promise resolves with `summary.cancelled`). */
  readonly signal?: AbortSignal
  readonly onStart?: (info: StartedMessage, results: ResultStore) => void
  readonly onRows?: (results: ResultStore, rowStart: number, numRows: number) => void
  readonly onProgress?: (progress: BrowserProgress) => void
}

/** A finished (or cancelled) run. */
export interface BrowserRun {
  readonly summary: RunSummary
  readonly started: StartedMessage
  /** The annotated catalog, Parquet. */
  readonly output: Blob
  readonly results: ResultStore
  /** The annotated catalog in a download format (Arrow and CSV are converted in a worker). */
  download(format: OutputFormat): Promise<Blob>
  /**
   * The evaluation report of the output against its truth columns (the `evaluate` command's,
   * computed in a worker), or undefined with the reason when the catalog has none.
   */
  evaluate(): Promise<EvaluationResult>
}

/** Result of {@link BrowserRun.evaluate}. */
export type EvaluationResult = { readonly report: EvaluationReport; readonly reason?: undefined } | { readonly report: undefined; readonly reason: string }

/** Default base URL of the assets: the folder the element bundle was loaded from. */
export function defaultAssetsBase(): URL {
  return new URL('./', import.meta.url)
}

function folderUrl(value: string | URL, base: string | URL): URL {
  const url = new URL(value, base)
  if (!url.pathname.endsWith('/')) url.pathname += '/'
  return url
}

function startCoordinator(workerBase: URL): Worker {
  if (workerBase.origin !== globalThis.location.origin) {
    throw new SurveyError('option', `worker base ${workerBase.href} is not on this page's origin (${globalThis.location.origin}): browsers start module workers from the page's origin only; serve coordinator.worker.js, inference.worker.js and trivial.worker.js from this origin and set worker-base (models and wasm may stay at assets-base)`)
  }
  return new Worker(new URL('coordinator.worker.js', workerBase), { type: 'module', name: 'survey-classifier-coordinator' })
}

function workerFailure(worker: Worker, url: string): Promise<never> {
  return new Promise((_, reject) => {
    worker.addEventListener('error', (event) => {
      event.preventDefault()
      reject(new SurveyError('worker', `survey-classifier: worker ${url} failed: ${event.message || 'the script did not load (missing file, wrong MIME type or blocked by the Content-Security-Policy?)'}`))
    })
  })
}

function runInput(input: ClassifyInput): RunInput {
  if (input instanceof Blob) return { kind: 'file', file: input, name: (input as { name?: string }).name || 'catalog' }
  if (typeof input === 'string' || input instanceof URL) return { kind: 'url', url: new URL(input, globalThis.document?.baseURI ?? globalThis.location.href).href }
  if (!Number.isInteger(input.sample) || input.sample < 1) throw new SurveyError('option', `option sample must be a positive integer, got ${input.sample}`)
  return { kind: 'sample', n: input.sample, seed: input.seed ?? 1 }
}

/**
 * Convert a finished Parquet output to another format in a short-lived worker.
 * Errors are thrown on the returned promise.
 */
export async function convertOutput(parquet: Blob, format: OutputFormat, workerBase: string | URL = defaultAssetsBase()): Promise<Blob> {
  if (format === 'parquet') return parquet
  return oneShot(workerBase, { type: 'convert', parquet, format }, `${format} conversion`, (m) => (m.type === 'converted' ? m.blob : undefined))
}

/**
 * Evaluate a finished Parquet output against its truth columns in a short-lived worker (the
 * metrics and plots of `survey-classify evaluate`). Resolves with no report, and the reason,
 * when the catalog has no truth or no model output columns; other errors reject.
 */
export async function evaluateOutput(parquet: Blob, workerBase: string | URL = defaultAssetsBase()): Promise<EvaluationResult> {
  return oneShot(workerBase, { type: 'evaluate', parquet }, 'evaluation', (m) =>
    m.type === 'evaluated' ? (m.report ? { report: m.report } : { report: undefined, reason: m.reason }) : undefined)
}

/** Send one request to a fresh coordinator and resolve with the first answer `pick` accepts. */
async function oneShot<T>(workerBase: string | URL, request: ToCoordinator, what: string, pick: (m: FromCoordinator) => T | undefined): Promise<T> {
  const base = folderUrl(workerBase, globalThis.location.href)
  const worker = startCoordinator(base)
  try {
    const result = new Promise<T>((resolve, reject) => {
      worker.addEventListener('message', (event: MessageEvent<FromCoordinator>) => {
        const m = event.data
        if (m.type === 'error') {
          reject(new SurveyError('output', `survey-classifier: ${what} failed: ${m.message}`))
          return
        }
        const value = pick(m)
        if (value !== undefined) resolve(value)
      })
    })
    worker.postMessage(request)
    return await Promise.race([result, workerFailure(worker, 'coordinator.worker.js')])
  } finally {
    worker.terminate()
  }
}

/**
 * Classify a catalog in this browser. Nothing blocks the main thread: the
 * catalog is read, batched, classified and written in workers.
 *
 * Errors (not a catalog, a URL without range support, a catalog the models
 * cannot use, a model that fails verification, a backend that cannot start)
 * reject the promise with a `SurveyError` whose message names the input.
 * Aborting `signal` stops the run and resolves with the rows done so far
 * (`summary.cancelled`); if it is aborted before any row was written the
 * promise rejects with code 'cancelled'.
 *
 * @example
 * const run = await classifyInBrowser({ input: file, backend: 'wasm', onProgress: (p) => console.log(p.rowsDone) })
 * const csv = await run.download('csv')
 */
export async function classifyInBrowser(options: ClassifyInBrowserOptions): Promise<BrowserRun> {
  options.signal?.throwIfAborted()
  const assetsBase = folderUrl(options.assetsBase ?? defaultAssetsBase(), globalThis.location.href)
  const workerBase = folderUrl(options.workerBase ?? assetsBase, globalThis.location.href)
  const workers = Math.max(1, Math.floor(options.workers ?? globalThis.navigator?.hardwareConcurrency ?? 1))
  for (const [name, value] of [['passes', options.passes], ['batchSize', options.batchSize], ['workers', options.workers]] as const) {
    if (value !== undefined && (!Number.isInteger(value) || value < 1)) throw new SurveyError('option', `option ${name} must be a positive integer, got ${value}`)
  }
  const request: RunRequest = {
    type: 'run',
    input: runInput(options.input),
    models: options.models ?? 'default',
    passes: options.passes,
    batchSize: options.batchSize,
    backend: options.backend ?? 'auto',
    workers,
    assetsBase: assetsBase.href,
    workerBase: workerBase.href,
    dropCutouts: options.dropCutouts ?? false,
    thumbnailLimit: options.thumbnailLimit ?? 100_000,
    rowGroupSize: options.rowGroupSize ?? 2048,
  }
  const worker = startCoordinator(workerBase)
  let started: StartedMessage | undefined
  let results: ResultStore | undefined
  let backend: WorkerInfo = { backend: 'starting' }
  let onAbort: (() => void) | undefined
  try {
    const done = new Promise<BrowserRun>((resolve, reject) => {
      worker.addEventListener('message', (event: MessageEvent<FromCoordinator>) => {
        const m = event.data
        switch (m.type) {
          case 'started':
            started = m
            backend = m.backend
            results = new ResultStore(m.columns, m.thumbSize)
            options.onStart?.(m, results)
            break
          case 'rows':
            if (!results) break
            results.append(m)
            options.onRows?.(results, m.rowStart, m.numRows)
            break
          case 'progress':
            options.onProgress?.({ ...m.progress, backend: backend.backend, adapter: backend.adapter, workers })
            break
          case 'complete':
            if (!started || !results) {
              reject(new SurveyError('worker', 'survey-classifier: the run completed without starting'))
              break
            }
            resolve({
              summary: m.summary, started, output: m.output, results,
              download: (format) => convertOutput(m.output, format, workerBase),
              evaluate: () => evaluateOutput(m.output, workerBase),
            })
            break
          case 'error':
            reject(new SurveyError(m.code === 'internal' ? 'worker' : (m.code as SurveyError['code']), m.message))
            break
          case 'converted':
          case 'evaluated':
            break
        }
      })
    })
    const cancelled = new Promise<never>((_, reject) => {
      onAbort = () => {
        worker.postMessage({ type: 'cancel' } satisfies ToCoordinator)
        // a coordinator busy loading models or decoding answers late: stop it outright after a grace period
        setTimeout(() => reject(new SurveyError('cancelled', 'survey-classifier: cancelled by the user')), 3000)
      }
      options.signal?.addEventListener('abort', onAbort, { once: true })
    })
    worker.postMessage(request satisfies ToCoordinator)
    return await Promise.race([done, cancelled, workerFailure(worker, 'coordinator.worker.js')])
  } finally {
    if (onAbort) options.signal?.removeEventListener('abort', onAbort)
    worker.terminate()
  }
}

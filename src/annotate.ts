/**
 * The engine: catalog source → batches → worker pool (≤ K batches in flight)
 * → results in input order → catalog writer.
 */
import { Subject, concatMap, defer, finalize, from, lastValueFrom, map, mergeMap, scan, takeUntil, fromEvent, EMPTY, tap, type Observable } from 'rxjs'
import { NONFINITE_COLUMN, STATUS_COLUMN, STATUS_DETAIL_COLUMN } from '../catalogs/columns.js'
import type { CatalogSource, NativeSchema } from './catalog/source.js'
import type { CatalogChunk, CatalogSchema, ColumnSpec, ColumnValues } from './catalog/types.js'
import type { CatalogWriter } from './catalog/writer.js'
import { SurveyError, errorMessage, isSurveyError } from './errors.js'
import { photometryColumns as photometryColumnNames, photometryColumnValues } from './models/photometry.js'
import { checkPdfGrid, type PdfGrid } from './pdf-grid.js'
import { pullOnDemand } from './operators/pull-on-demand.js'
import { rebatch, type RowBatch } from './operators/rebatch.js'
import { reorderByIndex } from './operators/reorder-by-index.js'
import { fetchBatchCutouts, packCutouts, planColumns, planCutouts, type CutoutOptions, type FetchedCutouts } from './pipeline/cutout-input.js'
import { BatchFailure, WorkerPool, type SpawnWorker } from './pool/worker-pool.js'
import type { BackendRequest, InferenceResult, ModelPayload, OutputValues, WorkerInfo } from './protocol.js'

/** Progress of a run, emitted after every written batch. */
export interface Progress {
  readonly rowsDone: number
  /** Total rows when the format says (Parquet); undefined for Arrow streams. */
  readonly totalRows: number | undefined
  readonly rowsOk: number
  readonly rowsFailed: number
  readonly elapsedSeconds: number
  readonly rowsPerSecond: number
  /** Seconds left at the current rate; undefined when the total is unknown. */
  readonly etaSeconds: number | undefined
}

/** What a finished (or cancelled) run did. */
export interface RunSummary extends Progress {
  readonly cancelled: boolean
  readonly backend: WorkerInfo
  readonly workers: number
  readonly outputColumns: readonly ColumnSpec[]
  readonly startedAt: string
  readonly finishedAt: string
}

/** Writer factory: called once the output schema and provenance are known (after workers start). */
export type WriterFactory = (schema: CatalogSchema, native: NativeSchema | undefined, metadata: Record<string, string>) => Promise<CatalogWriter>

/** Options for {@link annotateCatalog}. */
export interface AnnotateOptions {
  readonly source: CatalogSource
  readonly createWriter: WriterFactory
  /** Starts one worker (see `webWorkerSpawner`, `nodeWorkerSpawner`). */
  readonly spawn: SpawnWorker
  /** Verified models (see `loadModelBundle`); empty for the trivial worker. */
  readonly models: readonly ModelPayload[]
  /** Output columns the workers produce; derived from the models by the caller (see `outputColumnsFor`). */
  readonly outputColumns: readonly ColumnSpec[]
  /** Default 'auto'. */
  readonly backend?: BackendRequest
  readonly wasmPath?: string
  /** Workers in the pool; default 1. */
  readonly workers?: number
  /** Rows per batch; default 64. */
  readonly batchSize?: number
  /** Batches read but not yet written, at most; default 2 × workers. Bounds memory. */
  readonly maxInFlight?: number
  /** MC-dropout passes; default 1 (deterministic). */
  readonly passes?: number
  /** Seed for MC dropout; default 0. */
  readonly seed?: number
  /** Test-time augmentation over the 8 rotations/flips (combinable with MC dropout); default false. */
  readonly tta?: boolean
  /** Adaptive MC dropout (see WorkerInit.adaptive); `passes` is then the maximum. Not combinable with `tta`. */
  readonly adaptive?: { readonly tolerance: number; readonly minPasses?: number }
  /** Mixture-density models: also store each PDF on this fixed grid (see WorkerInit.pdfGrid). */
  readonly pdfGrid?: PdfGrid
  readonly cutouts?: CutoutOptions
  /** Leave the raw cutout column out of the output; default false. */
  readonly dropCutouts?: boolean
  /** Retries of a batch whose worker fails; default 2. */
  readonly maxRetries?: number
  readonly signal?: AbortSignal
  /** On cancellation: 'keep-partial' (default) finishes a valid file holding the rows done so far, in order; 'discard' removes it. */
  readonly onCancel?: 'keep-partial' | 'discard'
  readonly onProgress?: (progress: Progress) => void
  /** Called once the workers are up, with the backend (and WebGPU adapter) they chose. */
  readonly onStart?: (info: { readonly backend: WorkerInfo; readonly workers: number }) => void
  readonly onWorkerFailure?: (event: { slot: number; batchIndex: number; attempt: number; error: Error }) => void
  /** Extra provenance entries (tool version, command line…). */
  readonly provenance?: Readonly<Record<string, string>>
}

interface Prepared {
  readonly batch: RowBatch
  readonly fetched: FetchedCutouts | undefined
}

interface Done {
  readonly batch: RowBatch
  readonly result: InferenceResult
}

function failedResult(batch: RowBatch, error: unknown): InferenceResult {
  const message = errorMessage(error)
  return {
    batchIndex: batch.batchIndex,
    numRows: batch.numRows,
    status: new Array<string>(batch.numRows).fill('worker-failed'),
    detail: new Array<string>(batch.numRows).fill(message),
    outputs: {},
  }
}

function outputValues(spec: ColumnSpec, values: OutputValues | undefined, status: readonly string[], numRows: number): ColumnValues {
  const out = new Array<unknown>(numRows)
  for (let i = 0; i < numRows; i++) {
    const v = values ? (values as ArrayLike<unknown>)[i] : null
    out[i] = v === undefined || (typeof v === 'number' && Number.isNaN(v)) || (status[i] !== 'ok' && spec.name !== NONFINITE_COLUMN.name) ? null : v
  }
  return out
}

/**
 * Annotate a catalog: every input row comes out exactly once, in input order,
 * with the output columns and a `status` column appended.
 *
 * Memory is bounded by `batchSize × maxInFlight` rows whatever the catalog's
 * size. Fatal errors (unreadable input, model or backend that will not load,
 * no worker left) reject the promise and remove the partial output; a row
 * that cannot be processed gets a status instead. Cancelling through
 * `signal` stops reading, terminates the workers and, by default, closes the
 * output as a valid file holding the rows finished so far; the promise then
 * resolves with `cancelled: true`.
 *
 * @example
 * const summary = await annotateCatalog({ source, createWriter, spawn, models, outputColumns })
 */
export async function annotateCatalog(options: AnnotateOptions): Promise<RunSummary> {
  try {
    return await annotate(options)
  } finally {
    await options.source.close?.()
  }
}

async function annotate(options: AnnotateOptions): Promise<RunSummary> {
  const startedAt = new Date()
  const source = options.source
  const batchSize = options.batchSize ?? 64
  const workers = Math.max(1, options.workers ?? 1)
  const maxInFlight = Math.max(1, options.maxInFlight ?? 2 * workers)
  const passes = options.passes ?? 1
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new SurveyError('option', `option batchSize must be a positive integer, got ${batchSize}`)
  if (!Number.isInteger(passes) || passes < 1) throw new SurveyError('option', `option passes must be a positive integer, got ${passes}`)
  if (options.adaptive) {
    const { tolerance, minPasses } = options.adaptive
    if (!(tolerance > 0)) throw new SurveyError('option', `option adaptive.tolerance must be > 0, got ${tolerance}`)
    if (minPasses !== undefined && !(Number.isInteger(minPasses) && minPasses >= 2)) throw new SurveyError('option', `option adaptive.minPasses must be an integer ≥ 2, got ${minPasses}`)
    if (passes < 2) throw new SurveyError('option', `option adaptive needs passes ≥ 2 (the maximum number of passes), got ${passes}`)
    if (options.tta) throw new SurveyError('option', 'options adaptive and tta cannot be combined: adaptive MC dropout samples dropout masks of the plain cutout only')
  }
  if (options.pdfGrid) checkPdfGrid(options.pdfGrid)
  const plan = planCutouts(source.schema, source.name, options.cutouts)
  if (plan.bands.length > 0) {
    for (const m of options.models) {
      const missing = m.manifest.input.bands.filter((b) => !plan.bands.includes(b))
      if (missing.length > 0) {
        throw new SurveyError('input', `catalog ${source.name}: model ${m.manifest.name} needs bands ${m.manifest.input.bands.join(',')} but ${plan.where} has ${plan.bands.join(',')} (missing ${missing.join(',')}); name the stored bands with --bands if they are mislabelled`)
      }
    }
  }
  // catalog photometry that models take as a second input: columns checked now, sent with each batch
  const photometryColumns = [...new Set(options.models.flatMap((m) => (m.manifest.photometry ? photometryColumnNames(m.manifest.photometry) : [])))]
  for (const m of options.models) {
    const needed = m.manifest.photometry ? photometryColumnNames(m.manifest.photometry) : []
    const missing = needed.filter((c) => !source.schema.columns.some((col) => col.name === c))
    if (missing.length > 0) {
      throw new SurveyError('input', `catalog ${source.name}: model ${m.manifest.name} takes catalog photometry, but the catalog has no column ${missing.map((c) => `"${c}"`).join(', ')} (rename the catalog's magnitude/error columns to ${needed.join(', ')}, or use models without photometry, e.g. --pipeline cutouts-only)`)
    }
  }
  const dropped = new Set(options.dropCutouts && plan.kind !== 'service' ? [plan.column] : [])
  const inputColumns = source.schema.columns.filter((c) => !dropped.has(c.name))
  const taken = new Set(inputColumns.map((c) => c.name))
  const appended = [STATUS_COLUMN, STATUS_DETAIL_COLUMN, ...options.outputColumns]
  for (const c of appended) {
    if (taken.has(c.name)) throw new SurveyError('input', `catalog ${source.name} already has a column "${c.name}", which the output would overwrite; rename it first`)
  }
  const schema: CatalogSchema = { columns: [...inputColumns, ...appended], metadata: source.schema.metadata }
  const readColumns = [...new Set([...inputColumns.map((c) => c.name), ...planColumns(plan), ...photometryColumns])]

  options.signal?.throwIfAborted()
  const pool = await WorkerPool.create({
    size: workers,
    spawn: options.spawn,
    init: {
      backend: options.backend ?? 'auto',
      ...(options.wasmPath ? { wasmPath: options.wasmPath } : {}),
      models: options.models,
      passes,
      seed: options.seed ?? 0,
      ...(options.tta ? { tta: true } : {}),
      ...(options.adaptive ? { adaptive: options.adaptive } : {}),
      ...(options.pdfGrid ? { pdfGrid: options.pdfGrid } : {}),
    },
    maxRetries: options.maxRetries ?? 2,
    ...(options.onWorkerFailure ? { onWorkerFailure: options.onWorkerFailure } : {}),
  })
  options.onStart?.({ backend: pool.info, workers })
  const provenance: Record<string, string> = {
    ...options.provenance,
    'survey_classifier:run_started': startedAt.toISOString(),
    'survey_classifier:backend': JSON.stringify(pool.info),
    'survey_classifier:models': JSON.stringify(options.models.map((m) => ({
      name: m.manifest.name, version: m.manifest.version, task: m.manifest.task, trained: m.manifest.trained,
      manifest_sha256: m.manifestHash, files_sha256: m.manifest.files,
    }))),
    'survey_classifier:options': JSON.stringify({ batchSize, workers, maxInFlight, passes, seed: options.seed ?? 0, tta: options.tta ?? false, adaptive: options.adaptive ?? null, pdfGrid: options.pdfGrid ?? null, cutouts: plan.kind === 'service' ? { service: plan.service.template } : { column: plan.column, kind: plan.kind }, dropCutouts: options.dropCutouts ?? false }),
    'survey_classifier:input': source.name,
  }
  let writer: CatalogWriter
  try {
    writer = await options.createWriter(schema, source.native, provenance)
  } catch (error) {
    await pool.terminate()
    throw error
  }

  const abort = new AbortController()
  const signal = options.signal ? AbortSignal.any([options.signal, abort.signal]) : abort.signal
  const credit = new Subject<void>()
  let rowsDone = 0
  let rowsOk = 0
  const t0 = performance.now()
  const progressOf = (): Progress => {
    const elapsed = (performance.now() - t0) / 1000
    const rate = elapsed > 0 ? rowsDone / elapsed : 0
    const total = source.numRows
    return {
      rowsDone, totalRows: total, rowsOk, rowsFailed: rowsDone - rowsOk, elapsedSeconds: elapsed, rowsPerSecond: rate,
      etaSeconds: total !== undefined && rate > 0 ? (total - rowsDone) / rate : undefined,
    }
  }

  const write = async ({ batch, result }: Done): Promise<void> => {
    if (result.numRows !== batch.numRows || result.status.length !== batch.numRows) {
      throw new SurveyError('worker', `worker returned ${result.numRows} rows for batch ${batch.batchIndex} of ${batch.numRows}`)
    }
    const columns: Record<string, ColumnValues> = {}
    for (const c of inputColumns) columns[c.name] = batch.columns[c.name]!
    columns[STATUS_COLUMN.name] = [...result.status]
    columns[STATUS_DETAIL_COLUMN.name] = result.detail.map((d, i) => (result.status[i] === 'ok' ? null : d))
    for (const spec of options.outputColumns) columns[spec.name] = outputValues(spec, result.outputs[spec.name], result.status, batch.numRows)
    const chunk: CatalogChunk = { rowStart: batch.rowStart, numRows: batch.numRows, columns }
    await writer.write(chunk)
    rowsDone += batch.numRows
    for (const s of result.status) if (s === 'ok') rowsOk++
  }

  const run = async (prepared: Prepared): Promise<Done> => {
    const { batch, fetched } = prepared
    try {
      const result = await pool.run(() => {
        const packed = packCutouts(plan, batch, fetched)
        const photometry = photometryColumns.length > 0 ? photometryColumnValues(photometryColumns, batch.columns, batch.numRows) : undefined
        return {
          batch: {
            batchIndex: batch.batchIndex, rowStart: batch.rowStart, numRows: batch.numRows, where: plan.where, cutouts: packed.payload, preStatus: packed.preStatus, preDetail: packed.preDetail,
            ...(photometry ? { photometry } : {}),
          },
          transfer: [...packed.transfer, ...Object.values(photometry ?? {}).map((v: Float64Array) => v.buffer)],
        }
      })
      return { batch, result }
    } catch (error) {
      if (error instanceof BatchFailure) return { batch, result: failedResult(batch, error) }
      throw error
    }
  }

  const batches = rebatch(source.chunks({ columns: readColumns, signal }), batchSize)
  const pipeline$: Observable<Progress> = defer(() => pullOnDemand(batches, maxInFlight, credit)).pipe(
    concatMap((batch) => from(fetchBatchCutouts(plan, batch, signal)).pipe(map((fetched): Prepared => ({ batch, fetched })))),
    mergeMap((prepared) => from(run(prepared)), maxInFlight),
    reorderByIndex((done: Done) => done.batch.batchIndex),
    concatMap((done) => from(write(done))),
    map(progressOf),
    tap((progress) => {
      options.onProgress?.(progress)
      credit.next()
    }),
    takeUntil(options.signal ? fromEvent(options.signal, 'abort') : EMPTY),
    finalize(() => abort.abort()),
    scan((_, p) => p, progressOf()),
  )

  let failure: unknown
  try {
    await lastValueFrom(pipeline$, { defaultValue: progressOf() })
  } catch (error) {
    failure = error
  } finally {
    await pool.terminate()
  }
  const cancelled = options.signal?.aborted === true
  if (failure !== undefined && !(cancelled && isSurveyError(failure) && failure.code === 'cancelled')) {
    await writer.abort().catch(() => {})
    throw failure
  }
  if (!cancelled && source.numRows !== undefined && rowsDone !== source.numRows) {
    await writer.abort().catch(() => {})
    throw new SurveyError('input', `catalog ${source.name} declares ${source.numRows} rows but ${rowsDone} were read`)
  }
  const finishedAt = new Date()
  if (cancelled && options.onCancel === 'discard') {
    await writer.abort()
  } else {
    await writer.close({
      'survey_classifier:run_finished': finishedAt.toISOString(),
      'survey_classifier:rows': String(rowsDone),
      'survey_classifier:complete': String(!cancelled),
    })
  }
  return { ...progressOf(), cancelled, backend: pool.info, workers, outputColumns: options.outputColumns, startedAt: startedAt.toISOString(), finishedAt: finishedAt.toISOString() }
}

/**
 * The coordinator: a module worker that runs the whole engine off the page's
 * main thread — opening the catalog (File, URL with range requests, or the
 * simulated sample), verifying the models, `annotateCatalog` with a pool of
 * nested inference workers, the Parquet output, and thumbnails and display
 * columns for the page. Also converts a finished output to Arrow or CSV.
 *
 * Output: the annotated catalog is written once, as Parquet, into a Blob
 * (browsers page large Blobs to disk). A tee around the writer forwards each
 * written chunk's display columns (never the cutouts) and thumbnails to the
 * page. Arrow and CSV downloads are made on demand by reading that Parquet
 * Blob back (random access, one row group at a time).
 */
import {
  PIXEL_MEAN_COLUMN, SurveyError, annotateCatalog, blobBuffer, createArrowWriter, createParquetWriter,
  fetchModelFiles, isSurveyError, loadModelBundle, modelOutputColumns, openArrowCatalog, openParquetCatalog,
  planCutouts, sniffCatalogFormat, urlBuffer, webWorkerSpawner,
  type ByteSink, type CatalogChunk, type CatalogSource, type CatalogWriter, type ColumnSpec, type ModelPayload, type WorkerInfo,
} from '../../src/index.js'
import { errorMessage } from '../../src/errors.js'
import { simulatedSource } from '../../src/pipeline/simulated-source.js'
import { decodeCutoutBytes } from '../../src/cutouts/sniff.js'
import { pipelineSpec } from '../../pipelines/registry.js'
import type { CutoutPlan } from '../../src/pipeline/cutout-input.js'
import { catalogToCsv } from './csv.js'
import { chooseDisplayColumns, packDisplayValues } from './display.js'
import { evaluateCatalog } from '../../src/evaluate/evaluate.js'
import type { ConvertRequest, DisplayColumn, EvaluateRequest, FromCoordinator, RunInput, RunRequest, ToCoordinator } from './protocol.js'
import { THUMB_BYTES, THUMB_SIZE, renderThumbnail } from './thumbnails.js'

interface WorkerScope {
  postMessage(message: unknown, transfer: Transferable[]): void
  addEventListener(type: 'message', listener: (event: MessageEvent<ToCoordinator>) => void): void
}
const scope = globalThis as unknown as WorkerScope
const post = (message: FromCoordinator, transfer: Transferable[] = []): void => scope.postMessage(message, transfer)

/** A sink that keeps the output as Blob parts (which the browser may page to disk). */
function blobSink(name: string): ByteSink & { blob(type: string): Blob } {
  let parts: Blob[] = []
  return {
    name,
    write: async (bytes) => {
      parts.push(new Blob([bytes as Uint8Array<ArrayBuffer>]))
    },
    close: async () => {},
    abort: async () => {
      parts = []
    },
    blob: (type) => new Blob(parts, { type }),
  }
}

function hexHead(bytes: Uint8Array): string {
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join(' ')
}

async function* fetchStream(url: string, signal: AbortSignal): AsyncGenerator<Uint8Array> {
  const res = await fetch(url, { signal })
  if (!res.ok || !res.body) throw new SurveyError('input', `catalog url ${url} answered HTTP ${res.status}`)
  const reader = res.body.getReader()
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) return
      yield value
    }
  } finally {
    reader.releaseLock()
  }
}

/** Open the input as a catalog source; a non-catalog input is an `input` error naming it. */
async function openInput(input: RunInput, signal: AbortSignal): Promise<CatalogSource> {
  if (input.kind === 'sample') return simulatedSource({ n: input.n, seed: input.seed }, 32)
  if (input.kind === 'file') {
    const head = new Uint8Array(await input.file.slice(0, 8).arrayBuffer())
    const format = sniffCatalogFormat(head)
    if (format === 'parquet') return openParquetCatalog(blobBuffer(input.file, input.name))
    const file = input.file
    if (format === 'arrow') return openArrowCatalog(() => file.stream(), input.name)
    if (file.size === 0) throw new SurveyError('input', `catalog ${input.name} is empty (0 bytes)`)
    throw new SurveyError('input', `catalog ${input.name} is neither Parquet nor Arrow IPC (first bytes: ${hexHead(head)})`)
  }
  const buffer = await urlBuffer(input.url, { signal })
  const head = new Uint8Array(await buffer.slice(0, Math.min(8, buffer.byteLength)))
  const format = sniffCatalogFormat(head)
  if (format === 'parquet') return openParquetCatalog(buffer)
  if (format === 'arrow') return openArrowCatalog(() => fetchStream(input.url, signal), input.url)
  throw new SurveyError('input', `catalog url ${input.url} is neither Parquet nor Arrow IPC (first bytes: ${hexHead(head)})`)
}

/** Refuse, before any worker starts, a catalog whose cutouts lack a band a model needs. */
function checkUsable(source: CatalogSource, plan: CutoutPlan, models: readonly ModelPayload[]): void {
  if (plan.kind === 'service' || plan.bands.length === 0 || plan.bands.every((b) => /^band\d+$/.test(b))) return
  for (const model of models) {
    const missing = model.manifest.input.bands.filter((b) => !plan.bands.includes(b))
    if (missing.length > 0) {
      throw new SurveyError('input', `catalog ${source.name} cannot be used by model ${model.manifest.name}: it needs bands ${model.manifest.input.bands.join(',')}, the cutouts in ${plan.where} have ${plan.bands.join(',')} (missing ${missing.join(',')})`)
    }
  }
}

/** Thumbnails of the first rows of a chunk (those below the limit). */
async function chunkThumbnails(chunk: CatalogChunk, plan: CutoutPlan, count: number): Promise<Uint8Array | undefined> {
  if (count <= 0 || plan.kind === 'service') return undefined
  const values = chunk.columns[plan.column] as ArrayLike<unknown> | undefined
  if (!values) return undefined
  const out = new Uint8Array(count * THUMB_BYTES)
  for (let i = 0; i < count; i++) {
    const v = values[i]
    if (v === null || v === undefined) continue
    try {
      if (plan.kind === 'pixels' && plan.shape) {
        const [height, width, bands] = plan.shape
        renderThumbnail(v as ArrayLike<number>, { height, width, bands, layout: plan.layout }, out, i * THUMB_BYTES)
      } else if (plan.kind === 'encoded' && v instanceof Uint8Array) {
        const decoded = await decodeCutoutBytes(v, `row ${chunk.rowStart + i}`)
        renderThumbnail(decoded.data, decoded, out, i * THUMB_BYTES)
      }
    } catch {
      // a cutout the workers cannot decode gets a status in the output; its thumbnail stays black
    }
  }
  return out
}

let running: AbortController | undefined

async function run(req: RunRequest): Promise<void> {
  const controller = new AbortController()
  running = controller
  const signal = controller.signal
  const source = await openInput(req.input, signal)
  const spec = req.models === 'trivial' ? undefined : pipelineSpec(req.models)
  const models: ModelPayload[] = []
  for (const dir of spec?.models ?? []) {
    const base = new URL(`models/${dir}/`, req.assetsBase)
    models.push(await loadModelBundle(fetchModelFiles(base), base.href.replace(/\/$/, '')))
    signal.throwIfAborted()
  }
  const passes = req.passes ?? spec?.passes ?? 1
  const batchSize = req.batchSize ?? spec?.batchSize ?? 32
  const outputColumns: ColumnSpec[] = spec ? models.flatMap((m) => modelOutputColumns(m.manifest, passes)) : [PIXEL_MEAN_COLUMN]
  const plan = planCutouts(source.schema, source.name)
  checkUsable(source, plan, models)
  const thumbable = !req.dropCutouts && ((plan.kind === 'pixels' && plan.shape !== undefined) || plan.kind === 'encoded')
  const display: DisplayColumn[] = chooseDisplayColumns(source.schema.columns, outputColumns)
  let thumbsSent = 0

  const tee = (inner: CatalogWriter): CatalogWriter => ({
    get rowsWritten() {
      return inner.rowsWritten
    },
    async write(chunk) {
      await inner.write(chunk)
      const columns: Record<string, Float64Array | (string | null)[]> = {}
      const transfer: Transferable[] = []
      for (const column of display) {
        const packed = packDisplayValues(column, chunk.columns[column.name], chunk.numRows)
        columns[column.name] = packed
        if (packed instanceof Float64Array) transfer.push(packed.buffer)
      }
      const thumbRows = thumbable ? Math.max(0, Math.min(chunk.numRows, req.thumbnailLimit - thumbsSent)) : 0
      const thumbs = await chunkThumbnails(chunk, plan, thumbRows)
      thumbsSent += thumbRows
      if (thumbs) transfer.push(thumbs.buffer)
      post({ type: 'rows', rowStart: chunk.rowStart, numRows: chunk.numRows, columns, thumbs, thumbRows: thumbs ? thumbRows : 0 }, transfer)
    },
    close: (metadata) => inner.close(metadata),
    abort: () => inner.abort(),
  })

  const sink = blobSink('annotated.parquet')
  const summary = await annotateCatalog({
    source,
    spawn: webWorkerSpawner(new URL(spec ? 'inference.worker.js' : 'trivial.worker.js', req.workerBase), spec ? 'survey-classifier' : 'survey-classifier-trivial'),
    wasmPath: new URL('tfjs-wasm/', req.assetsBase).href,
    models,
    outputColumns,
    backend: req.backend,
    workers: req.workers,
    batchSize,
    passes,
    dropCutouts: req.dropCutouts,
    signal,
    createWriter: async (schema, native, metadata) => {
      let backend: WorkerInfo = { backend: 'unknown' }
      try {
        backend = JSON.parse(metadata['survey_classifier:backend'] ?? '{}') as WorkerInfo
      } catch {
        // provenance is informative only
      }
      post({
        type: 'started', input: source.name, backend, workers: req.workers, totalRows: source.numRows, columns: display,
        outputColumns: outputColumns.map((c) => c.name), thumbSize: thumbable ? THUMB_SIZE : 0, untrained: models.some((m) => !m.manifest.trained),
      })
      return tee(createParquetWriter(sink, schema, { ...(native ? { native } : {}), rowGroupSize: req.rowGroupSize, metadata }))
    },
    onProgress: (progress) => post({ type: 'progress', progress }),
    provenance: { 'survey_classifier:tool': 'survey-classifier web embed' },
  })
  post({ type: 'complete', summary, output: sink.blob('application/vnd.apache.parquet') })
}

async function convert(req: ConvertRequest): Promise<void> {
  if (req.format === 'parquet') {
    post({ type: 'converted', blob: req.parquet })
    return
  }
  const source = await openParquetCatalog(blobBuffer(req.parquet, 'annotated.parquet'))
  if (req.format === 'csv') {
    post({ type: 'converted', blob: await catalogToCsv(source) })
    return
  }
  const sink = blobSink('annotated.arrow')
  const metadata = Object.fromEntries(Object.entries(source.schema.metadata).filter(([key]) => key !== 'ARROW:schema'))
  const writer = createArrowWriter(sink, source.schema, { metadata })
  for await (const chunk of source.chunks()) await writer.write(chunk)
  await writer.close()
  post({ type: 'converted', blob: sink.blob('application/vnd.apache.arrow.stream') })
}

async function evaluate(req: EvaluateRequest): Promise<void> {
  const source = await openParquetCatalog(blobBuffer(req.parquet, 'annotated.parquet'))
  try {
    post({ type: 'evaluated', report: await evaluateCatalog(source), reason: '' })
  } catch (error) {
    // a catalog without truth columns (or without model outputs) has nothing to evaluate
    if (isSurveyError(error) && error.code === 'input') post({ type: 'evaluated', report: undefined, reason: error.message })
    else throw error
  }
}

// a CSP violation inside the worker goes to its console, where devtools and the browser tests see it
;(globalThis as unknown as { addEventListener(type: string, fn: (e: SecurityPolicyViolationEvent) => void): void }).addEventListener(
  'securitypolicyviolation',
  (e) => console.error(`survey-classifier coordinator: content security policy violation: ${e.violatedDirective} ${e.blockedURI}`),
)

scope.addEventListener('message', (event) => {
  const message = event.data
  if (message.type === 'cancel') {
    running?.abort(new SurveyError('cancelled', 'cancelled by the user'))
    return
  }
  const task = message.type === 'run' ? run(message) : message.type === 'evaluate' ? evaluate(message) : convert(message)
  task.catch((error: unknown) => {
    post({ type: 'error', message: errorMessage(error), code: isSurveyError(error) ? error.code : 'internal' })
  })
})

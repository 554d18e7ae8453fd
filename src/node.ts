/**
 * The Node entry: everything in the browser entry plus file I/O and
 * worker_threads.
 */
import { readFile } from 'node:fs/promises'
import { availableParallelism } from 'node:os'
import { join } from 'node:path'
import { annotateCatalog, type AnnotateOptions, type RunSummary } from './annotate.js'
import { createArrowWriter } from './catalog/arrow-sink.js'
import { openArrowCatalog } from './catalog/arrow-reader.js'
import { formatFromName, sniffCatalogFormat, type CatalogFormat } from './catalog/open.js'
import { openParquetCatalog } from './catalog/parquet-reader.js'
import { createParquetWriter } from './catalog/parquet-sink.js'
import type { CatalogSource } from './catalog/source.js'
import type { CatalogWriter } from './catalog/writer.js'
import type { CatalogSchema } from './catalog/types.js'
import type { NativeSchema } from './catalog/source.js'
import { SurveyError } from './errors.js'
import { loadModelBundle } from './models/bundle.js'
import { fileBuffer, fileSink, fileStream } from './node/fs-io.js'
import { nodeWasmPath, nodeWorkerSpawner, type NodeSpawnOptions, type NodeWorkerKind } from './node/spawn-node.js'
import type { ModelPayload } from './protocol.js'

export * from './index.js'
export { fileBuffer, fileSink, fileStream } from './node/fs-io.js'
export { nodeWorkerSpawner, nodeWasmPath, nodeWorkerUrl } from './node/spawn-node.js'
export { DEFAULT_HEAP_GROWING_PERCENT, HEAP_GROWING_ENV, tuneHeapForStreaming, type HeapTuning, type HeapTuningContext } from './node/heap.js'

/**
 * Open a local Parquet or Arrow IPC catalog, recognised by its first bytes.
 * Errors name the path: missing, not a catalog, truncated.
 */
export async function openCatalogFile(path: string): Promise<CatalogSource> {
  const buffer = await fileBuffer(path)
  const head = new Uint8Array(await buffer.slice(0, Math.min(8, buffer.byteLength)))
  const format = sniffCatalogFormat(head)
  if (format === 'parquet') return openParquetCatalog(buffer)
  await buffer.close()
  if (format === 'arrow') return openArrowCatalog(() => fileStream(path), path)
  if (buffer.byteLength === 0) throw new SurveyError('input', `catalog ${path} is empty (0 bytes)`)
  throw new SurveyError('input', `catalog ${path} is neither Parquet nor Arrow IPC (first bytes: ${[...head].map((b) => b.toString(16).padStart(2, '0')).join(' ')})`)
}

/** A writer factory for a local output file; the format follows the extension unless given. */
export function fileWriterFactory(path: string, format?: CatalogFormat, options: { rowGroupSize?: number } = {}) {
  const chosen = format ?? formatFromName(path)
  if (!chosen) throw new SurveyError('option', `output ${path}: cannot tell the format from the extension; use .parquet or .arrow (or --format)`)
  return async (schema: CatalogSchema, native: NativeSchema | undefined, metadata: Record<string, string>): Promise<CatalogWriter> => {
    const sink = await fileSink(path)
    return chosen === 'parquet'
      ? createParquetWriter(sink, schema, { ...(native ? { native } : {}), ...options, metadata })
      : createArrowWriter(sink, schema, { ...(native ? { native } : {}), metadata })
  }
}

/** Load and verify a model bundle from a local folder (manifest.json inside). */
export function loadModelDir(dir: string): Promise<ModelPayload> {
  return loadModelBundle(async (path) => new Uint8Array(await readFile(join(dir, path))), dir)
}

/** Options for {@link annotateFile}. */
export interface AnnotateFileOptions extends Omit<AnnotateOptions, 'source' | 'createWriter' | 'spawn' | 'wasmPath'> {
  readonly input: string
  readonly output: string
  readonly format?: CatalogFormat
  readonly rowGroupSize?: number
  /** Worker script: the model worker (default) or the trivial one. */
  readonly worker?: NodeWorkerKind
  readonly spawnOptions?: NodeSpawnOptions
}

/**
 * Annotate a local catalog file into a local output file with worker_threads.
 * Worker count defaults to the number of cores.
 */
export async function annotateFile(options: AnnotateFileOptions): Promise<RunSummary> {
  const source = await openCatalogFile(options.input)
  const { input: _input, output, format, rowGroupSize, worker, spawnOptions, ...rest } = options
  return annotateCatalog({
    ...rest,
    source,
    workers: options.workers ?? availableParallelism(),
    createWriter: fileWriterFactory(output, format, rowGroupSize !== undefined ? { rowGroupSize } : {}),
    spawn: nodeWorkerSpawner(worker ?? 'inference', spawnOptions),
    wasmPath: nodeWasmPath(),
  })
}

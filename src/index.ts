/**
 * survey-classifier: the browser-safe entry (also the base of the Node and
 * Deno entries).
 */
export { SurveyError, isSurveyError, type ErrorCode } from './errors.js'
export { ENV, type RuntimeEnv, type RuntimeName } from './env.js'
export type { CatalogChunk, CatalogSchema, ColumnSpec, ColumnValues, LogicalType, ScalarType } from './catalog/types.js'
export type { CatalogSource, ReadOptions, NativeSchema } from './catalog/source.js'
export type { CatalogWriter } from './catalog/writer.js'
export { blobBuffer, urlBuffer, type NamedBuffer, type UrlBufferOptions } from './catalog/byte-source.js'
export { openParquetCatalog } from './catalog/parquet-reader.js'
export { openArrowCatalog, type ByteStream } from './catalog/arrow-reader.js'
export { createParquetWriter, type ParquetWriterOptions } from './catalog/parquet-sink.js'
export { createArrowWriter, type ArrowWriterOptions } from './catalog/arrow-sink.js'
export { memorySink, type ByteSink, type MemorySink } from './catalog/sink.js'
export { sniffCatalogFormat, formatFromName, type CatalogFormat } from './catalog/open.js'
export { annotateCatalog, type AnnotateOptions, type Progress, type RunSummary, type WriterFactory } from './annotate.js'
export { planCutouts, type CutoutOptions, type CutoutPlan } from './pipeline/cutout-input.js'
export { WorkerPool, BatchFailure, type SpawnWorker, type WorkerHandle, type WorkerPoolOptions } from './pool/worker-pool.js'
export { webWorkerSpawner } from './pool/spawn-web.js'
export { loadModelBundle, fetchModelFiles, sha256Hex, type ReadModelFile } from './models/bundle.js'
export { validateManifest, type ModelManifest, type OutputSpec, type Task } from './models/manifest.js'
export type { BackendRequest, ModelPayload, WorkerInfo } from './protocol.js'
export { modelOutputColumns, outputColumnsFor, STATUS_COLUMN, STATUS_DETAIL_COLUMN, NONFINITE_COLUMN, PIXEL_MEAN_COLUMN } from '../catalogs/columns.js'

/**
 * Messages between the page (element / `classifyInBrowser`) and the
 * coordinator worker that runs `annotateCatalog`. Type-only; every value is
 * structured-cloneable (Blobs and Files are passed by reference).
 */
import type { Progress, RunSummary } from '../../src/annotate.js'
import type { EvaluationReport } from '../../src/evaluate/report.js'
import type { BackendRequest, WorkerInfo } from '../../src/protocol.js'

/** Where the rows come from. */
export type RunInput =
  | { readonly kind: 'file'; readonly file: Blob; readonly name: string }
  | { readonly kind: 'url'; readonly url: string }
  | { readonly kind: 'sample'; readonly n: number; readonly seed: number }

/** Download formats of the annotated catalog. */
export type OutputFormat = 'parquet' | 'arrow' | 'csv'

/** Start a run (page → coordinator). */
export interface RunRequest {
  readonly type: 'run'
  readonly input: RunInput
  /** Pipeline name from `pipelines/registry.ts`, or 'trivial' for the no-model worker. */
  readonly models: string
  /** MC-dropout passes; undefined = the pipeline's default. */
  readonly passes: number | undefined
  /** Rows per batch; undefined = the pipeline's default. */
  readonly batchSize: number | undefined
  readonly backend: BackendRequest
  readonly workers: number
  /** Absolute URL (trailing slash) of the models and tfjs wasm files. */
  readonly assetsBase: string
  /** Absolute URL (trailing slash) of the worker scripts (same origin as the page). */
  readonly workerBase: string
  readonly dropCutouts: boolean
  /** Rows that get a thumbnail (the first ones); thumbnails cost THUMB_SIZE² × 3 bytes a row. */
  readonly thumbnailLimit: number
  /** Rows per Parquet row group of the output. */
  readonly rowGroupSize: number
}

/** Convert a finished Parquet output into another format (page → coordinator). */
export interface ConvertRequest {
  readonly type: 'convert'
  readonly parquet: Blob
  readonly format: OutputFormat
}

/** Evaluate a finished Parquet output against its truth columns (page → coordinator). */
export interface EvaluateRequest {
  readonly type: 'evaluate'
  readonly parquet: Blob
}

/** Page → coordinator. */
export type ToCoordinator = RunRequest | ConvertRequest | EvaluateRequest | { readonly type: 'cancel' }

/** What a display column shows. */
export type ColumnRole = 'id' | 'status' | 'label' | 'probability' | 'uncertainty' | 'redshift' | 'magnitude' | 'value'

/** A column kept for the results table and the plots (never the cutouts). */
export interface DisplayColumn {
  readonly name: string
  readonly kind: 'number' | 'string'
  readonly role: ColumnRole
  readonly unit: string
  readonly description: string
}

/** The run started: workers are up, the output schema is known. */
export interface StartedMessage {
  readonly type: 'started'
  readonly input: string
  readonly backend: WorkerInfo
  readonly workers: number
  readonly totalRows: number | undefined
  readonly columns: readonly DisplayColumn[]
  readonly outputColumns: readonly string[]
  /** Thumbnail edge in pixels; 0 when the catalog's cutouts cannot be shown. */
  readonly thumbSize: number
  readonly untrained: boolean
}

/** Display values of rows just written, in order. */
export interface RowsMessage {
  readonly type: 'rows'
  readonly rowStart: number
  readonly numRows: number
  /** Numbers (NaN = null) as Float64Array; strings as arrays. */
  readonly columns: Readonly<Record<string, Float64Array | readonly (string | null)[]>>
  /** RGB thumbnails, `thumbRows` × thumbSize² × 3 bytes, for the first `thumbRows` rows of this message. */
  readonly thumbs: Uint8Array | undefined
  readonly thumbRows: number
}

/** Coordinator → page. */
export type FromCoordinator =
  | StartedMessage
  | RowsMessage
  | { readonly type: 'progress'; readonly progress: Progress }
  | { readonly type: 'complete'; readonly summary: RunSummary; readonly output: Blob }
  | { readonly type: 'converted'; readonly blob: Blob }
  /** The evaluation report; undefined when the catalog has no truth columns for the models' tasks. */
  | { readonly type: 'evaluated'; readonly report: EvaluationReport | undefined; readonly reason: string }
  | { readonly type: 'error'; readonly message: string; readonly code: string }

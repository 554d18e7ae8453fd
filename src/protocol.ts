/**
 * The worker contract: what crosses the boundary between the main thread and
 * an inference worker. Type-only; every value here is structured-cloneable.
 */
import type { SerialisedError } from './errors.js'
import type { ModelManifest } from './models/manifest.js'
import type { PdfGrid } from './pdf-grid.js'

/** Compute backend request. `auto`: WebGPU on a hardware adapter, else WASM, else CPU. */
export type BackendRequest = 'auto' | 'webgpu' | 'wasm' | 'cpu'

/** A model ready to send to workers: verified files, parsed. */
export interface ModelPayload {
  readonly manifest: ModelManifest
  /** sha256 of the manifest file itself, for provenance. */
  readonly manifestHash: string
  /** The parsed model.json (topology + weightsManifest). */
  readonly modelJson: unknown
  /** All weight shards concatenated in weightsManifest order. */
  readonly weights: ArrayBuffer
}

/** Worker start-up configuration. */
export interface WorkerInit {
  readonly backend: BackendRequest
  /** Folder URL (trailing slash) holding tfjs-backend-wasm's .wasm files. */
  readonly wasmPath?: string
  readonly models: readonly ModelPayload[]
  /** MC dropout passes; 1 = one deterministic pass (dropout off). */
  readonly passes: number
  /** Seed for MC dropout masks; with the same batches the outputs are reproducible. */
  readonly seed: number
  /** Test-time augmentation: every pass also runs the 8 rotations/flips of each cutout (samples = passes × 8). */
  readonly tta?: boolean
  /**
   * Adaptive MC dropout: stop sampling an object once the MC standard error is below
   * `tolerance`, after at least `minPasses` (default 5); `passes` is then the maximum.
   * Classifiers: the standard error of every class's mean probability. Mixture-density models:
   * the standard error of the mean redshift over passes, divided by (1 + z) of the first pass.
   * Not combinable with `tta`.
   */
  readonly adaptive?: { readonly tolerance: number; readonly minPasses?: number }
  /** Mixture-density models: also sample each predictive PDF on this grid (column `<q>_pdf_grid`). */
  readonly pdfGrid?: PdfGrid
  /** Largest sub-batch sent through a model at once. */
  readonly maxTensorBatch?: number
}

/** What a worker reports after start-up. */
export interface WorkerInfo {
  readonly backend: string
  /** The WebGPU adapter description, when WebGPU is used. */
  readonly adapter?: string
}

/** Cutouts of a batch, packed for transfer. */
export type CutoutPayload =
  /** Numeric pixels: row i is `data[offsets[i]..offsets[i+1])` with shape `shapes[3i..3i+3)` = [height, width, bands] in `layout`. */
  | {
      readonly kind: 'pixels'
      readonly data: Float32Array | Float64Array | Int16Array | Uint8Array
      readonly offsets: Int32Array
      readonly shapes: Int32Array
      readonly layout: 'hwc' | 'chw'
      readonly bands: readonly string[]
    }
  /** Encoded image files (FITS/PNG/JPEG): row i is `data[offsets[i]..offsets[i+1])`. */
  | { readonly kind: 'encoded'; readonly data: Uint8Array; readonly offsets: Int32Array; readonly bands: readonly string[] }

/** One batch of rows for a worker. */
export interface InferenceBatch {
  readonly batchIndex: number
  readonly rowStart: number
  readonly numRows: number
  /** Where the cutouts come from, for messages: e.g. 'column "cutout" of survey.parquet'. */
  readonly where: string
  readonly cutouts: CutoutPayload
  /** Per-row status set before dispatch (e.g. a cutout the service could not deliver); null = fine so far. */
  readonly preStatus: readonly (string | null)[]
  /** Per-row detail for a `preStatus` that is set. */
  readonly preDetail: readonly (string | null)[]
  /** Catalog photometry columns the models take (see ModelManifest.photometry), NaN for nulls. */
  readonly photometry?: Readonly<Record<string, Float64Array>>
}

/** Output values of one column for a batch (null where the row failed). */
export type OutputValues = Float32Array | Int32Array | readonly (string | null)[] | readonly (Float32Array | null)[]

/** What a worker returns for a batch. */
export interface InferenceResult {
  readonly batchIndex: number
  readonly numRows: number
  /** Per row: 'ok' or an error code such as 'cutout-decode-error'. */
  readonly status: readonly string[]
  /** Per row: human-readable detail for non-ok rows, else null. */
  readonly detail: readonly (string | null)[]
  readonly outputs: Readonly<Record<string, OutputValues>>
}

/** The API every inference worker exposes through Comlink. */
export interface WorkerApi {
  init(config: WorkerInit): Promise<WorkerInfo>
  infer(batch: InferenceBatch): Promise<InferenceResult>
}

/** Error shape a worker returns when `init` fails (kept as data so it crosses the boundary intact). */
export type InitFailure = { readonly error: SerialisedError }

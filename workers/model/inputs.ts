/**
 * Turn a batch's cutout payload into model input tensors' data, row by row,
 * recording a status for every row that cannot be used.
 */
import { preprocessCutout, type CutoutLayout, type PreprocessSpec } from '../../src/cutouts/preprocess.js'
import { decodeCutoutBytes } from '../../src/cutouts/sniff.js'
import { errorMessage } from '../../src/errors.js'
import { photometryFeatureCount, photometryFeatures, rawPhotometryFeatures, type PhotometrySpec } from '../../src/models/photometry.js'
import type { CutoutPayload, InferenceBatch } from '../../src/protocol.js'

/** A row's decoded pixels and their layout. */
interface RowPixels {
  pixels: Float32Array | Float64Array | Int16Array | Uint8Array
  layout: CutoutLayout
}

/** Decoded cutouts of a batch, shared by every model that reads them. */
export interface DecodedBatch {
  readonly numRows: number
  readonly rows: readonly (RowPixels | null)[]
  readonly status: string[]
  readonly detail: (string | null)[]
}

function bandNames(bands: readonly string[], count: number): readonly string[] {
  if (bands.length === count) return bands
  return Array.from({ length: count }, (_, i) => bands[i] ?? `band${i}`)
}

/** Decode (FITS/PNG/JPEG) or slice (numeric pixels) every row of a batch. */
export async function decodeBatch(batch: InferenceBatch): Promise<DecodedBatch> {
  const n = batch.numRows
  const status = batch.preStatus.map((s) => s ?? 'ok')
  const detail: (string | null)[] = batch.preDetail.map((d, i) => (batch.preStatus[i] ? d : null))
  const rows: (RowPixels | null)[] = new Array(n).fill(null)
  const payload: CutoutPayload = batch.cutouts
  for (let i = 0; i < n; i++) {
    if (status[i] !== 'ok') continue
    const start = payload.offsets[i]!
    const end = payload.offsets[i + 1]!
    const where = `row ${batch.rowStart + i} of ${batch.where}`
    if (end <= start) {
      status[i] = 'cutout-missing'
      detail[i] = `no cutout in ${where}`
      continue
    }
    if (payload.kind === 'pixels') {
      const h = payload.shapes[3 * i]!
      const w = payload.shapes[3 * i + 1]!
      const c = payload.shapes[3 * i + 2]!
      if (h * w * c !== end - start) {
        status[i] = 'cutout-shape-error'
        detail[i] = `cutout in ${where} has ${end - start} values, expected ${h}×${w}×${c} = ${h * w * c}`
        continue
      }
      rows[i] = { pixels: payload.data.subarray(start, end), layout: { height: h, width: w, bands: bandNames(payload.bands, c), layout: payload.layout } }
    } else {
      try {
        const decoded = await decodeCutoutBytes(payload.data.subarray(start, end), where)
        rows[i] = {
          pixels: decoded.data,
          layout: { height: decoded.height, width: decoded.width, bands: bandNames(payload.bands, decoded.bands), layout: decoded.layout },
        }
      } catch (cause) {
        status[i] = 'cutout-decode-error'
        detail[i] = errorMessage(cause)
      }
    }
  }
  return { numRows: n, rows, status, detail }
}

/**
 * Pack the usable rows into one model-input buffer (HWC, float32).
 * Rows that fail preprocessing get a status; `index` maps packed → batch rows.
 */
export function packInputs(decoded: DecodedBatch, spec: PreprocessSpec): { x: Float32Array; index: Int32Array; nonFinite: Int32Array } {
  const [h, w, c] = spec.inputShape
  const size = h * w * c
  const usable: number[] = []
  for (let i = 0; i < decoded.numRows; i++) if (decoded.status[i] === 'ok' && decoded.rows[i]) usable.push(i)
  const x = new Float32Array(usable.length * size)
  const nonFinite = new Int32Array(decoded.numRows).fill(-1)
  const index: number[] = []
  for (const i of usable) {
    const row = decoded.rows[i]!
    try {
      const r = preprocessCutout(row.pixels, row.layout, spec, x, index.length * size)
      nonFinite[i] = r.nonFinite
      const total = row.layout.height * row.layout.width * spec.bands.length
      if (r.nonFinite >= total) {
        decoded.status[i] = 'cutout-nonfinite'
        decoded.detail[i] = `every pixel of the cutout is NaN or infinite`
        continue
      }
      index.push(i)
    } catch (cause) {
      decoded.status[i] = 'cutout-shape-error'
      decoded.detail[i] = errorMessage(cause)
    }
  }
  return { x: x.subarray(0, index.length * size), index: Int32Array.from(index), nonFinite }
}

/**
 * Marks every usable row whose catalog photometry a model cannot take (a magnitude that is
 * not finite, an error that is not positive) as `photometry-missing`, naming the column, so no
 * model answers for it.
 */
export function checkPhotometry(decoded: DecodedBatch, batch: InferenceBatch, specs: readonly Pick<PhotometrySpec, 'magnitudes' | 'errors' | 'reference'>[]): void {
  if (specs.length === 0) return
  const scratch = new Float64Array(64)
  for (let i = 0; i < decoded.numRows; i++) {
    if (decoded.status[i] !== 'ok') continue
    for (const spec of specs) {
      const bad = rawPhotometryFeatures(spec, (column) => batch.photometry?.[column]?.[i] ?? Number.NaN, scratch, 0)
      if (bad === undefined) continue
      const value = batch.photometry?.[bad]?.[i]
      decoded.status[i] = 'photometry-missing'
      decoded.detail[i] = `row ${batch.rowStart + i}: column "${bad}" is ${value === undefined || Number.isNaN(value) ? 'null or NaN' : String(value)}, which the photometry input cannot take`
      break
    }
  }
}

/** The standardised photometry features of the packed rows (`index` → batch rows), n × 2B. */
export function packPhotometry(spec: PhotometrySpec, batch: InferenceBatch, index: Int32Array): Float32Array {
  const F = photometryFeatureCount(spec.bands.length)
  const out = new Float32Array(index.length * F)
  for (let j = 0; j < index.length; j++) {
    const i = index[j]!
    const bad = photometryFeatures(spec, (column) => batch.photometry?.[column]?.[i] ?? Number.NaN, out, j * F)
    if (bad !== undefined) throw new Error(`inputs: row ${batch.rowStart + i} reached packPhotometry with an unusable "${bad}" (checkPhotometry first)`)
  }
  return out
}

/**
 * Catalog photometry as a model input (photo-z networks that take the cutout plus
 * magnitudes, Pasquet+19, D'Isanto & Polsterer 18): which catalog columns a model reads and
 * how they become its feature vector. Declared in the manifest (`photometry`), so a model
 * trained on one catalog's column names is run on another's by renaming columns, not code.
 *
 * The feature vector of B bands (magnitudes m_1..m_B in band order, errors e_1..e_B) is
 * [m_ref, m_1 − m_2, …, m_{B−1} − m_B, ln e_1, …, ln e_B] (2B values), each standardised
 * with the training set's mean and standard deviation.
 */
import { SurveyError } from '../errors.js'

/** The manifest's description of a model's photometry input. */
export interface PhotometrySpec {
  /** Band names, in the order of `magnitudes`/`errors`. */
  readonly bands: readonly string[]
  /** Catalog column of each band's AB magnitude. */
  readonly magnitudes: readonly string[]
  /** Catalog column of each band's 1σ magnitude error. */
  readonly errors: readonly string[]
  /** Index of the band whose magnitude is the first feature. */
  readonly reference: number
  /** Standardisation of the 2B features: (value − mean) / std. */
  readonly mean: readonly number[]
  readonly std: readonly number[]
}

/** Number of features of a spec over B bands: 2B. */
export function photometryFeatureCount(bands: number): number {
  return 2 * bands
}

/** Names of the features, for manifests and messages. */
export function photometryFeatureNames(spec: Pick<PhotometrySpec, 'magnitudes' | 'errors' | 'reference'>): string[] {
  const m = spec.magnitudes
  const names = [m[spec.reference]!]
  for (let i = 0; i + 1 < m.length; i++) names.push(`${m[i]} − ${m[i + 1]}`)
  for (const e of spec.errors) names.push(`ln ${e}`)
  return names
}

/** The catalog columns a spec reads: its magnitudes, then its errors. */
export function photometryColumns(spec: Pick<PhotometrySpec, 'magnitudes' | 'errors'>): string[] {
  return [...spec.magnitudes, ...spec.errors]
}

/**
 * The unstandardised features of one row into `out` at `offset`; returns the name of the first
 * column whose value is not finite (or, for an error, not positive), or undefined when all are usable.
 */
export function rawPhotometryFeatures(spec: Pick<PhotometrySpec, 'magnitudes' | 'errors' | 'reference'>, value: (column: string) => number, out: Float32Array | Float64Array, offset: number): string | undefined {
  const m = spec.magnitudes.map(value)
  const e = spec.errors.map(value)
  for (let i = 0; i < m.length; i++) if (!Number.isFinite(m[i]!)) return spec.magnitudes[i]
  for (let i = 0; i < e.length; i++) if (!(e[i]! > 0 && Number.isFinite(e[i]!))) return spec.errors[i]
  let k = offset
  out[k++] = m[spec.reference]!
  for (let i = 0; i + 1 < m.length; i++) out[k++] = m[i]! - m[i + 1]!
  for (const err of e) out[k++] = Math.log(err)
  return undefined
}

/**
 * Standardised features of one row (see {@link rawPhotometryFeatures}); returns the unusable
 * column's name, or undefined.
 */
export function photometryFeatures(spec: PhotometrySpec, value: (column: string) => number, out: Float32Array, offset: number): string | undefined {
  const bad = rawPhotometryFeatures(spec, value, out, offset)
  if (bad !== undefined) return bad
  for (let j = 0; j < spec.mean.length; j++) out[offset + j] = (out[offset + j]! - spec.mean[j]!) / spec.std[j]!
  return undefined
}

/** Checks a manifest's `photometry` object; errors name the manifest and field. */
export function validatePhotometrySpec(value: unknown, where: string): PhotometrySpec {
  const fail = (field: string, expected: string, found: unknown): never => {
    throw new SurveyError('model', `model manifest ${where}: field "photometry.${field}" should be ${expected}, found ${JSON.stringify(found)}`)
  }
  if (typeof value !== 'object' || value === null) fail('(object)', 'an object', value)
  const p = value as Record<string, unknown>
  const strings = (field: string): string[] => {
    const v = p[field]
    if (!Array.isArray(v) || v.length === 0 || !v.every((s) => typeof s === 'string' && s !== '')) fail(field, 'a non-empty list of names', v)
    return v as string[]
  }
  const bands = strings('bands')
  const magnitudes = strings('magnitudes')
  const errors = strings('errors')
  if (magnitudes.length !== bands.length) fail('magnitudes', `${bands.length} column names (one per band)`, magnitudes)
  if (errors.length !== bands.length) fail('errors', `${bands.length} column names (one per band)`, errors)
  const reference = p['reference']
  if (!(Number.isInteger(reference) && (reference as number) >= 0 && (reference as number) < bands.length)) fail('reference', `a band index in [0, ${bands.length})`, reference)
  const F = photometryFeatureCount(bands.length)
  for (const field of ['mean', 'std'] as const) {
    const v = p[field]
    if (!Array.isArray(v) || v.length !== F || !v.every((x) => typeof x === 'number' && Number.isFinite(x) && (field === 'mean' || x > 0))) {
      fail(field, `${F} finite numbers${field === 'std' ? ' > 0' : ''}`, v)
    }
  }
  return { bands, magnitudes, errors, reference: reference as number, mean: p['mean'] as number[], std: p['std'] as number[] }
}

/** Standardises rows of unstandardised features (row-major n × 2B) in place with the spec's mean and std. */
export function standardisePhotometryFeatures(spec: Pick<PhotometrySpec, 'mean' | 'std'>, features: Float32Array): Float32Array {
  const F = spec.mean.length
  for (let k = 0; k < features.length; k++) features[k] = (features[k]! - spec.mean[k % F]!) / spec.std[k % F]!
  return features
}

/**
 * The named catalog columns of a batch as Float64Arrays (null and missing values become NaN),
 * as the engine sends them to the workers with each batch.
 */
export function photometryColumnValues(columns: readonly string[], values: Readonly<Record<string, unknown>>, numRows: number): Record<string, Float64Array> {
  const out: Record<string, Float64Array> = {}
  for (const name of columns) {
    const column = values[name] as ArrayLike<unknown> | undefined
    const packed = new Float64Array(numRows)
    for (let i = 0; i < numRows; i++) {
      const v = column?.[i]
      packed[i] = v === null || v === undefined ? Number.NaN : Number(v)
    }
    out[name] = packed
  }
  return out
}

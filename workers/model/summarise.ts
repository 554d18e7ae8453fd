/**
 * Turn raw model outputs over T passes into the catalog's output columns.
 */
import { classColumnNames, classLabels, classifierSummaryNames, mdnColumnNames, PDF_SUMMARIES } from '../../catalogs/columns.js'
import { applyTemperature, logitsFromProbabilities } from '../../src/metrics/calibration.js'
import { combineMixtures, mixturePdfOnGrid, reduceMixtures, summariseMixtures, type GaussianMixtures } from '../../src/metrics/mixture.js'
import type { ModelManifest } from '../../src/models/manifest.js'
import { pdfGridPoints, type PdfGrid } from '../../src/pdf-grid.js'
import type { OutputValues } from '../../src/protocol.js'
import { summariseClassifierPasses, type ClassifierSummary } from './uncertainty.js'

/** Mixture components kept per object in the PDF list columns. */
export const PDF_COMPONENTS_KEPT = 5

function scatter(values: Float32Array | Float64Array, index: Int32Array, numRows: number, stride = 1, offset = 0): Float32Array {
  const out = new Float32Array(numRows).fill(Number.NaN)
  for (let j = 0; j < index.length; j++) out[index[j]!] = values[j * stride + offset]!
  return out
}

/** Options of {@link summariseOutputs}. */
export interface SummariseOptions {
  /** Mixture-density models: also sample each pooled PDF on this grid. */
  readonly pdfGrid?: PdfGrid
  /**
   * Adaptive MC dropout: passes each packed row took (its later passes in `raw` are unused and
   * zero); adds the passes column. Mixture-density models only: classifiers summarise through
   * the accumulator ({@link classifierColumns}).
   */
  readonly passesTaken?: Int32Array
}

/** A per-row count column (rows not in `index`, which failed, get 0; the engine writes them as null). */
export function passesColumn(passesTaken: Int32Array, index: Int32Array, numRows: number): Int32Array {
  const out = new Int32Array(numRows)
  for (let j = 0; j < index.length; j++) out[index[j]!] = passesTaken[j]!
  return out
}

/**
 * Output columns of one model for a batch. `raw` is [pass][packed row][unit];
 * `index` maps packed rows to batch rows; rows not in `index` get NaN/null.
 */
export function summariseOutputs(manifest: ModelManifest, raw: Float32Array, passes: number, index: Int32Array, numRows: number, options: SummariseOptions = {}): Record<string, OutputValues> {
  const n = index.length
  const out: Record<string, OutputValues> = {}
  const spec = manifest.output
  if (spec.kind === 'mdn') {
    const K = spec.components
    const taken = options.passesTaken
    if (taken) {
      // passes an object did not take: weight 0 (already) and a valid width, so they add nothing
      for (let t = 0; t < passes; t++) {
        for (let j = 0; j < n; j++) if (t >= taken[j]!) raw.fill(1, (t * n + j) * 3 * K + 2 * K, (t * n + j + 1) * 3 * K)
      }
    }
    const combined = passMixtures(raw, passes, n, K, manifest.calibration?.widthScale ?? 1, manifest.calibration?.redshiftShift ?? 0)
    const summary = summariseMixtures(combined.weights, combined.means, combined.stds, n, combined.components)
    const names = mdnColumnNames(manifest)
    for (const [s] of PDF_SUMMARIES) out[names.summary[s]] = scatter(summary[s], index, numRows)
    const kept = Math.min(PDF_COMPONENTS_KEPT, combined.components)
    const reduced = reduceMixtures(combined.weights, combined.means, combined.stds, n, combined.components, kept)
    const lists = (values: Float32Array): (Float32Array | null)[] => {
      const rows: (Float32Array | null)[] = new Array(numRows).fill(null)
      for (let j = 0; j < n; j++) rows[index[j]!] = values.slice(j * kept, (j + 1) * kept)
      return rows
    }
    out[names.weights] = lists(reduced.weights)
    out[names.means] = lists(reduced.means)
    out[names.stds] = lists(reduced.stds)
    if (options.pdfGrid) {
      const grid = pdfGridPoints(options.pdfGrid)
      const M = combined.components
      const rows: (Float32Array | null)[] = new Array(numRows).fill(null)
      for (let j = 0; j < n; j++) {
        const at = (a: Float32Array): Float32Array => a.subarray(j * M, (j + 1) * M)
        rows[index[j]!] = mixturePdfOnGrid(at(combined.weights), at(combined.means), at(combined.stds), grid, {}, new Float32Array(grid.length)) as Float32Array
      }
      out[names.grid] = rows
    }
    if (taken) out[names.passes] = passesColumn(taken, index, numRows)
    return out
  }
  const probs = classProbabilities(manifest, raw, passes * n)
  return classifierColumns(manifest, summariseClassifierPasses(probs, passes, n, classLabels(manifest).length), index, numRows)
}

/**
 * The predictive mixture of each object from raw mixture-density outputs laid
 * out [pass][row][w_1..w_K | μ_1..μ_K | σ_1..σ_K]: the T passes' mixtures
 * pooled (weights / T), every mean moved as (1 + μ) → (1 + μ)(1 + `redshiftShift`) and every σ
 * multiplied by `widthScale` (calibration).
 */
export function passMixtures(raw: Float32Array, passes: number, n: number, K: number, widthScale = 1, redshiftShift = 0): GaussianMixtures {
  const w = new Float32Array(passes * n * K)
  const mu = new Float32Array(passes * n * K)
  const sd = new Float32Array(passes * n * K)
  for (let r = 0; r < passes * n; r++) {
    for (let k = 0; k < K; k++) {
      w[r * K + k] = raw[r * 3 * K + k]!
      mu[r * K + k] = raw[r * 3 * K + K + k]! + redshiftShift * (1 + raw[r * 3 * K + K + k]!)
      sd[r * K + k] = raw[r * 3 * K + 2 * K + k]! * widthScale
    }
  }
  return combineMixtures(w, mu, sd, passes, n, K)
}

/**
 * Class probabilities [row][class] from raw classifier outputs of `rows` rows,
 * with the manifest's temperature (and softmax class biases) applied (sigmoid: one unit → two classes).
 */
export function classProbabilities(manifest: ModelManifest, raw: Float32Array, rows: number): Float32Array {
  const C = classLabels(manifest).length
  const temperature = manifest.calibration?.temperature ?? 1
  const sigmoid = manifest.output.kind === 'sigmoid'
  const bias = sigmoid ? undefined : manifest.calibration?.classBias
  const units = sigmoid ? 1 : C
  const scaled = temperature !== 1 || bias !== undefined
  // the same logit transform the calibration was fitted with (src/metrics/calibration.ts)
  const calibrated = scaled ? applyTemperature(logitsFromProbabilities(raw.subarray(0, rows * units), rows, units), rows, units, temperature, undefined, bias) : raw.subarray(0, rows * units)
  if (!sigmoid) {
    if (scaled) return calibrated
    const probs = new Float32Array(rows * C)
    for (let r = 0; r < rows; r++) {
      let total = 0
      for (let c = 0; c < C; c++) total += raw[r * C + c]!
      for (let c = 0; c < C; c++) probs[r * C + c] = raw[r * C + c]! / total
    }
    return probs
  }
  const probs = new Float32Array(rows * 2)
  for (let r = 0; r < rows; r++) {
    probs[r * 2] = 1 - calibrated[r]!
    probs[r * 2 + 1] = calibrated[r]!
  }
  return probs
}

/** Output columns of a classifier from its per-object summary (packed rows → batch rows via `index`). */
export function classifierColumns(manifest: ModelManifest, s: ClassifierSummary, index: Int32Array, numRows: number): Record<string, OutputValues> {
  const n = index.length
  const C = classLabels(manifest).length
  const labels = classLabels(manifest)
  const spec = manifest.output
  const out: Record<string, OutputValues> = {}
  const shown = spec.kind === 'sigmoid' ? [1] : labels.map((_, c) => c)
  for (const c of shown) {
    const names = classColumnNames(manifest, labels[c]!)
    out[names.p] = scatter(s.mean, index, numRows, C, c)
    out[names.std] = scatter(s.std, index, numRows, C, c)
  }
  const names = classifierSummaryNames(manifest)
  const labelColumn: (string | null)[] = new Array(numRows).fill(null)
  for (let j = 0; j < n; j++) labelColumn[index[j]!] = labels[s.label[j]!] ?? null
  out[names.label] = labelColumn
  out[names.entropy] = scatter(s.entropy, index, numRows)
  out[names.mutualInformation] = scatter(s.mutualInformation, index, numRows)
  return out
}

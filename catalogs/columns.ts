/**
 * Output columns: names, types, units and descriptions, in one place.
 *
 * Workers name their outputs with these same functions, so a column's name is
 * spelled once for the whole project.
 */
import type { ModelManifest } from '../src/models/manifest.js'
import type { ColumnSpec } from '../src/catalog/types.js'
import type { PdfGrid } from '../src/pdf-grid.js'

/** Per-row status column: 'ok' or an error code. */
export const STATUS_COLUMN: ColumnSpec = {
  name: 'status',
  type: 'utf8',
  nullable: false,
  unit: '',
  description: "per-row processing status: 'ok', or an error code (cutout-missing, cutout-decode-error, cutout-shape-error, cutout-nonfinite, cutout-http-<code>, photometry-missing, worker-failed)",
}

/** Human-readable detail for non-ok rows. */
export const STATUS_DETAIL_COLUMN: ColumnSpec = {
  name: 'status_detail',
  type: 'utf8',
  nullable: true,
  unit: '',
  description: 'why the row is not ok (null when status is ok)',
}

/** Number of non-finite (NaN/Inf) cutout pixels replaced before inference. */
export const NONFINITE_COLUMN: ColumnSpec = {
  name: 'cutout_nonfinite_pixels',
  type: 'int32',
  nullable: true,
  unit: '',
  description: 'number of NaN/Inf cutout pixels (masked or missing data) replaced by the manifest nanFill value before inference',
}

/** Output column of the trivial worker used for plumbing benchmarks and tests. */
export const PIXEL_MEAN_COLUMN: ColumnSpec = {
  name: 'pixel_mean',
  type: 'float32',
  nullable: true,
  unit: '',
  description: 'mean of the finite cutout pixel values (trivial worker: pipeline plumbing without a model)',
}

/** Make a label safe to use inside a column name. */
export function labelSlug(label: string): string {
  return label.toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_|_$/g, '')
}

/** The column prefix of a model's outputs. */
export function columnPrefix(manifest: ModelManifest): string {
  return manifest.columnPrefix ?? manifest.task
}

/** Class labels of a classifier manifest, in output order ([negative, positive] for sigmoid). */
export function classLabels(manifest: ModelManifest): readonly string[] {
  const out = manifest.output
  if (out.kind === 'sigmoid') return [out.negative, out.positive]
  if (out.kind === 'softmax') return out.labels
  return []
}

/** Names of a classifier's per-class columns. */
export function classColumnNames(manifest: ModelManifest, label: string): { p: string; std: string } {
  const base = `${columnPrefix(manifest)}_p_${labelSlug(label)}`
  return { p: base, std: `${base}_std` }
}

/** Names of a classifier's summary columns. */
export function classifierSummaryNames(manifest: ModelManifest): { label: string; entropy: string; mutualInformation: string; passes: string } {
  const prefix = columnPrefix(manifest)
  return { label: `${prefix}_label`, entropy: `${prefix}_entropy`, mutualInformation: `${prefix}_mutual_info`, passes: `${prefix}_mc_passes` }
}

/** Quantities summarising a redshift PDF, with their column suffix and description. */
export const PDF_SUMMARIES = [
  ['mean', 'mean of the predictive PDF'],
  ['median', 'median of the predictive PDF'],
  ['mode', 'mode (peak) of the predictive PDF'],
  ['std', 'standard deviation of the predictive PDF'],
  ['p16', '16th percentile of the predictive PDF'],
  ['p84', '84th percentile of the predictive PDF'],
  ['p025', '2.5th percentile of the predictive PDF'],
  ['p975', '97.5th percentile of the predictive PDF'],
] as const

/** Summary statistics of a redshift PDF. */
export type PdfSummaryName = (typeof PDF_SUMMARIES)[number][0]

/** Column names of a mixture-density model's outputs. */
export function mdnColumnNames(manifest: ModelManifest): { summary: Record<PdfSummaryName, string>; weights: string; means: string; stds: string; grid: string; passes: string } {
  const q = manifest.output.kind === 'mdn' ? manifest.output.quantity : 'z'
  const summary = Object.fromEntries(PDF_SUMMARIES.map(([s]) => [s, `${q}_${s}`])) as Record<PdfSummaryName, string>
  return { summary, weights: `${q}_pdf_weights`, means: `${q}_pdf_means`, stds: `${q}_pdf_stds`, grid: `${q}_pdf_grid`, passes: `${q}_mc_passes` }
}

/** Options that add columns to a model's outputs. */
export interface OutputColumnOptions {
  /** Adaptive MC dropout: a per-object count of the passes taken. */
  readonly adaptive?: boolean
  /** Mixture-density models: the PDF also sampled on this fixed grid (qp "interp"). */
  readonly pdfGrid?: PdfGrid
}

function passesColumnSpec(name: string, task: string, maxPasses: number): ColumnSpec {
  return { name, type: 'int32', nullable: true, unit: '', description: `${task}: MC-dropout passes taken for this object (adaptive mode: sampling stops once the Monte Carlo standard error is below the tolerance; at most ${maxPasses})` }
}

/**
 * All output columns a model adds, with types, units and descriptions.
 * `passes` is the number of MC-dropout passes (1 = deterministic).
 */
export function modelOutputColumns(manifest: ModelManifest, passes: number, options: OutputColumnOptions = {}): ColumnSpec[] {
  const mc = passes > 1 ? (options.adaptive ? ` over up to ${passes} MC-dropout passes (adaptive)` : ` over ${passes} MC-dropout passes`) : ' (single deterministic pass)'
  const model = `${manifest.name} ${manifest.version}${manifest.trained ? '' : ' — UNTRAINED seeded weights, not a scientific result'}`
  const out = manifest.output
  if (out.kind === 'mdn') {
    const names = mdnColumnNames(manifest)
    const cols: ColumnSpec[] = PDF_SUMMARIES.map(([s, text]) => ({
      name: names.summary[s], type: 'float32', nullable: true, unit: out.unit, description: `${out.quantity}: ${text}${mc}; ${model}`,
    }))
    cols.push(
      { name: names.weights, type: { list: 'float32' }, nullable: true, unit: '', description: `${out.quantity} PDF as a Gaussian mixture (qp "mixmod"): component weights; ${model}` },
      { name: names.means, type: { list: 'float32' }, nullable: true, unit: out.unit, description: `${out.quantity} PDF Gaussian mixture: component means` },
      { name: names.stds, type: { list: 'float32' }, nullable: true, unit: out.unit, description: `${out.quantity} PDF Gaussian mixture: component standard deviations` },
    )
    const grid = options.pdfGrid
    if (grid) {
      cols.push({
        name: names.grid, type: { list: 'float32' }, nullable: true, unit: out.unit === '' ? '' : `${out.unit}-1`,
        description: `${out.quantity} PDF (probability density) on the fixed grid of ${grid.n} points from ${grid.start} to ${grid.stop} inclusive (qp "interp": xvals from the column metadata); ${model}`,
        metadata: { pdf_grid_start: String(grid.start), pdf_grid_stop: String(grid.stop), pdf_grid_points: String(grid.n) },
      })
    }
    if (options.adaptive) cols.push(passesColumnSpec(names.passes, manifest.task, passes))
    return cols
  }
  const labels = classLabels(manifest)
  const shown = out.kind === 'sigmoid' ? [out.positive] : labels
  const cols: ColumnSpec[] = []
  for (const label of shown) {
    const names = classColumnNames(manifest, label)
    cols.push(
      { name: names.p, type: 'float32', nullable: true, unit: '', description: `${manifest.task}: mean probability of class "${label}"${mc}; ${model}` },
      { name: names.std, type: 'float32', nullable: true, unit: '', description: `${manifest.task}: standard deviation of the probability of "${label}"${mc} (0 for one pass)` },
    )
  }
  const s = classifierSummaryNames(manifest)
  cols.push(
    { name: s.label, type: 'utf8', nullable: true, unit: '', description: `${manifest.task}: most probable class (${labels.join(' | ')})` },
    { name: s.entropy, type: 'float32', nullable: true, unit: 'nat', description: `${manifest.task}: predictive entropy of the mean class probabilities (total uncertainty)` },
    { name: s.mutualInformation, type: 'float32', nullable: true, unit: 'nat', description: `${manifest.task}: mutual information between prediction and weights (epistemic uncertainty, BALD); 0 for one pass` },
  )
  if (options.adaptive) cols.push(passesColumnSpec(s.passes, manifest.task, passes))
  return cols
}

/** Every output column of a run with these models: each model's columns, then the non-finite pixel count. */
export function outputColumnsFor(manifests: readonly ModelManifest[], passes: number, options: OutputColumnOptions = {}): ColumnSpec[] {
  return [...manifests.flatMap((m) => modelOutputColumns(m, passes, options)), NONFINITE_COLUMN]
}

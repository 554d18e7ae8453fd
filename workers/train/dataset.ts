/**
 * Labelled training sets read from any catalog the readers accept: cutouts
 * preprocessed exactly as the model's manifest says (so training and inference
 * see the same pixels), labels converted per task.
 */
import type { CatalogSource } from '../../src/catalog/source.js'
import type { PreprocessSpec } from '../../src/cutouts/preprocess.js'
import { SurveyError, errorMessage } from '../../src/errors.js'
import { sha256Hex } from '../../src/models/bundle.js'
import { packCutouts, planColumns, planCutouts, type CutoutOptions } from '../../src/pipeline/cutout-input.js'
import { rebatch } from '../../src/operators/rebatch.js'
import type { InferenceBatch } from '../../src/protocol.js'
import { checkPhotometry, decodeBatch, packInputs } from '../model/inputs.js'
import { photometryColumnValues, photometryColumns as photometryColumnNames, photometryFeatureCount, rawPhotometryFeatures, type PhotometrySpec } from '../../src/models/photometry.js'
import type { TrainData } from './train.js'

/** How a task's target is read from its label column. */
export type LabelKind =
  | { readonly kind: 'binary'; readonly positive: string }
  | { readonly kind: 'classes'; readonly labels: readonly string[] }
  | { readonly kind: 'value' }

/** Options of {@link loadTrainingSet}. */
export interface TrainingSetOptions {
  readonly source: CatalogSource
  /** Label/target column; without one every usable cutout is read (targets 0), e.g. to measure the sky. */
  readonly label?: string
  readonly target: LabelKind
  readonly spec: PreprocessSpec
  readonly cutouts?: CutoutOptions
  /** Use at most this many usable rows. */
  readonly limit?: number
  /** Also read catalog photometry: `data.features` holds the unstandardised features (rows without usable photometry are skipped). */
  readonly photometry?: Pick<PhotometrySpec, 'magnitudes' | 'errors' | 'reference'>
}

/** A loaded training set. */
export interface TrainingSet {
  readonly data: TrainData
  /** Rows left out (no usable cutout, missing label). */
  readonly skipped: number
  /** sha256 of the preprocessed inputs and targets, recorded in the manifest. */
  readonly sha256: string
}

function targetOf(value: unknown, target: LabelKind, where: string): number | null {
  if (value === null || value === undefined) return null
  switch (target.kind) {
    case 'value': {
      const v = Number(value)
      return Number.isFinite(v) ? v : null
    }
    case 'binary': {
      if (typeof value === 'string') return value === target.positive ? 1 : 0
      if (typeof value === 'boolean') return value ? 1 : 0
      const v = Number(value)
      if (v !== 0 && v !== 1) throw new SurveyError('input', `${where}: binary label must be 0/1, true/false or a class name, found ${JSON.stringify(value)}`)
      return v
    }
    case 'classes': {
      const i = target.labels.indexOf(String(value))
      if (i < 0) throw new SurveyError('input', `${where}: label ${JSON.stringify(value)} is not one of ${target.labels.join(', ')}`)
      return i
    }
  }
}

/**
 * Read a catalog into a training set: every row with a usable cutout and a
 * label, preprocessed by `spec`. Errors name the catalog, column and row.
 */
export async function loadTrainingSet(options: TrainingSetOptions): Promise<TrainingSet> {
  const { source, spec } = options
  const plan = planCutouts(source.schema, source.name, options.cutouts)
  const label = options.label
  if (label !== undefined && !source.schema.columns.some((c) => c.name === label)) {
    throw new SurveyError('input', `catalog column "${options.label}" missing in ${source.name} (the label/target column; columns: ${source.schema.columns.map((c) => c.name).join(', ')})`)
  }
  const [h, w, c] = spec.inputShape
  const per = h * w * c
  const limit = options.limit ?? Number.POSITIVE_INFINITY
  const parts: Float32Array[] = []
  const targets: number[] = []
  let skipped = 0
  const photometry = options.photometry
  const photometryColumns = photometry ? photometryColumnNames(photometry) : []
  for (const column of photometryColumns) {
    if (!source.schema.columns.some((col) => col.name === column)) throw new SurveyError('input', `catalog column "${column}" missing in ${source.name} (a photometry input column)`)
  }
  const F = photometry ? photometryFeatureCount(photometry.magnitudes.length) : 0
  const featureParts: Float32Array[] = []
  for await (const batch of rebatch(source.chunks({ columns: [...new Set([...planColumns(plan), ...(label !== undefined ? [label] : []), ...photometryColumns])] }), 256)) {
    const packed = packCutouts(plan, batch)
    const columns = photometryColumnValues(photometryColumns, batch.columns, batch.numRows)
    const inference: InferenceBatch = { batchIndex: batch.batchIndex, rowStart: batch.rowStart, numRows: batch.numRows, where: plan.where, cutouts: packed.payload, preStatus: packed.preStatus, preDetail: packed.preDetail, ...(photometry ? { photometry: columns } : {}) }
    const decoded = await decodeBatch(inference)
    if (photometry) checkPhotometry(decoded, inference, [photometry])
    const labels = label !== undefined ? (batch.columns[label] as ArrayLike<unknown>) : undefined
    const rowTargets: (number | null)[] = []
    for (let i = 0; i < batch.numRows; i++) {
      const t = labels ? targetOf(labels[i], options.target, `row ${batch.rowStart + i} of column "${label}" in ${source.name}`) : 0
      rowTargets.push(t)
      if (t === null) decoded.status[i] = 'no-label'
    }
    let inputs
    try {
      inputs = packInputs(decoded, spec)
    } catch (cause) {
      throw new SurveyError('input', `catalog ${source.name}: cutouts from row ${batch.rowStart} cannot be prepared: ${errorMessage(cause)}`, { cause })
    }
    const take = Math.min(inputs.index.length, limit - targets.length)
    parts.push(inputs.x.slice(0, take * per))
    if (photometry) {
      const f = new Float32Array(take * F)
      for (let j = 0; j < take; j++) rawPhotometryFeatures(photometry, (column) => columns[column]![inputs.index[j]!]!, f, j * F)
      featureParts.push(f)
    }
    for (let j = 0; j < take; j++) targets.push(rowTargets[inputs.index[j]!]!)
    skipped += batch.numRows - inputs.index.length
    if (targets.length >= limit) break
  }
  const n = targets.length
  if (n === 0) throw new SurveyError('input', `catalog ${source.name} has no row with a usable cutout${label !== undefined ? ` and a label in "${label}"` : ''}`)
  const x = new Float32Array(n * per)
  let at = 0
  for (const p of parts) {
    x.set(p, at)
    at += p.length
  }
  const y = options.target.kind === 'classes' ? Int32Array.from(targets) : Float32Array.from(targets)
  const features = photometry ? new Float32Array(n * F) : undefined
  if (features) {
    let k = 0
    for (const f of featureParts) {
      features.set(f, k)
      k += f.length
    }
  }
  const hashInput = new Uint8Array(x.byteLength + y.byteLength + (features?.byteLength ?? 0))
  hashInput.set(new Uint8Array(x.buffer), 0)
  hashInput.set(new Uint8Array(y.buffer), x.byteLength)
  if (features) hashInput.set(new Uint8Array(features.buffer), x.byteLength + y.byteLength)
  return { data: { x, y, n, inputShape: [h, w, c], ...(features ? { features } : {}) }, skipped, sha256: await sha256Hex(hashInput) }
}

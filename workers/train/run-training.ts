/**
 * The `train` command's work: load a labelled catalog, build the task's
 * architecture, train it, measure it on held-out data with the anchor papers'
 * metrics, and save a model bundle with its manifest.
 */
import * as tf from '@tensorflow/tfjs'
import { classLabels } from '../../catalogs/columns.js'
import type { CatalogSource } from '../../src/catalog/source.js'
import type { PreprocessSpec } from '../../src/cutouts/preprocess.js'
import { SurveyError } from '../../src/errors.js'
import { accuracy, auroc, confusionMatrix, expectedCalibrationError, tprAtFalsePositives } from '../../src/metrics/classification.js'
import { mixtureCdfAt, summariseMixtures } from '../../src/metrics/mixture.js'
import { intervalCoverage, ksUniform, meanCrps, outlierFraction, railOutlierFraction, sigmaMad, bias } from '../../src/metrics/photoz.js'
import type { ModelManifest, OutputSpec, Task } from '../../src/models/manifest.js'
import { standardisePhotometryFeatures, type PhotometrySpec } from '../../src/models/photometry.js'
import type { CutoutOptions } from '../../src/pipeline/cutout-input.js'
import { planCutouts } from '../../src/pipeline/cutout-input.js'
import type { ModelPayload } from '../../src/protocol.js'
import { loadModel } from '../model/run-model.js'
import { passMixtures } from '../model/summarise.js'
import { MERGER_CLASSES, buildMergerClassifier, buildPhotozMdn, buildSeedCnn, parameterCount, summaryTable } from '../model/architectures.js'
import { LECTURE_AUGMENTATION } from './augment.js'
import type { CheckpointStore } from './checkpoint.js'
import { loadTrainingSet, type LabelKind, type TrainingSet } from './dataset.js'
import { saveLayersModel } from './save.js'
import { selectTrainingBackend, trainModel, type TrainData, type TrainProgress, type TrainTask } from './train.js'

/** Architectures the train command can build. */
export type ArchitectureName = 'seed-cnn' | 'small-cnn' | 'small4-cnn'

/** Options of {@link trainTaskModel}. */
export interface TrainTaskOptions {
  readonly task: Task
  readonly train: CatalogSource
  /** Held-out catalog for early stopping and the manifest's metrics; without it a seeded 20% split is used. */
  readonly validation?: CatalogSource
  readonly label?: string
  readonly architecture: ArchitectureName
  readonly epochs: number
  readonly batchSize: number
  readonly learningRate: number
  readonly seed: number
  readonly patience: number
  /** Multiply the learning rate by `factor` after `patience` epochs without a better validation loss. */
  readonly reduceLrOnPlateau?: { readonly factor: number; readonly patience: number }
  readonly augment: boolean
  readonly float16: boolean
  readonly limit?: number
  readonly components?: number
  /**
   * Class weights of the cross-entropy (classifiers): 'balanced' gives class c the weight
   * n / (C · n_c) over the training rows (Keras/scikit-learn's "balanced"), or one weight per
   * class in label order. Default: none (all 1).
   */
  readonly classWeights?: 'balanced' | readonly number[]
  /**
   * photoz: also feed catalog photometry of these bands into the dense layers (Pasquet+19):
   * magnitude columns `mag_<band>` and errors `magerr_<band>` unless given; features and their
   * standardisation are recorded in the manifest (`photometry`).
   */
  readonly photometry?: { readonly bands: readonly string[]; readonly magnitudes?: readonly string[]; readonly errors?: readonly string[] }
  readonly cutouts?: CutoutOptions
  /**
   * Start from a trained bundle's weights instead of He-normal initialisation (fine-tuning,
   * e.g. a shipped model on a survey's own labels). Its task, architecture, bands and photometry
   * must match this run; its input normalisation and photometry standardisation are kept, so
   * the weights see inputs scaled as they were trained on. Recorded in the manifest.
   */
  readonly initFrom?: ModelPayload
  readonly checkpoint?: CheckpointStore
  readonly resume?: boolean
  readonly backend?: 'auto' | 'wasm' | 'cpu'
  readonly name: string
  readonly version: string
  readonly command: string
  readonly writeFile: (path: string, bytes: Uint8Array) => Promise<void>
  readonly onProgress?: (event: TrainProgress) => void
  readonly log?: (line: string) => void
}

/** Default label column per task, matching the simulated survey's truth columns. */
export const DEFAULT_LABELS: Readonly<Record<Task, string>> = Object.freeze({
  lens: 'truth_is_lens',
  morphology: 'truth_morphology',
  merger: 'truth_merger_stage',
  photoz: 'truth_z',
})

function outputSpec(task: Task, components: number): OutputSpec {
  switch (task) {
    case 'lens':
      return { kind: 'sigmoid', positive: 'lens', negative: 'non-lens' }
    case 'morphology':
      return { kind: 'sigmoid', positive: 'early', negative: 'late' }
    case 'merger':
      return { kind: 'softmax', labels: [...MERGER_CLASSES] }
    case 'photoz':
      return { kind: 'mdn', components, quantity: 'z', unit: '' }
  }
}

function labelKind(task: Task): LabelKind {
  switch (task) {
    case 'lens':
      return { kind: 'binary', positive: 'lens' }
    case 'morphology':
      return { kind: 'binary', positive: 'early' }
    case 'merger':
      return { kind: 'classes', labels: [...MERGER_CLASSES] }
    case 'photoz':
      return { kind: 'value' }
  }
}

function trainTask(task: Task): TrainTask {
  return task === 'merger' ? 'categorical' : task === 'photoz' ? 'mdn' : 'binary'
}

function buildModel(task: Task, arch: ArchitectureName, seed: number, components: number, features = 0): tf.LayersModel {
  const small = arch !== 'seed-cnn'
  const smallBlocks = arch === 'small4-cnn' ? ({ smallBlocks: 4 } as const) : {}
  const inputShape: [number, number, number] = [64, 64, 3]
  switch (task) {
    case 'lens':
    case 'morphology':
      return buildSeedCnn({ inputShape, outputs: 1, head: 'sigmoid', seed, small, ...smallBlocks, name: `${task}_${arch.replace(/-/g, '_')}` })
    case 'merger':
      return buildMergerClassifier({ inputShape, seed, small, ...smallBlocks })
    case 'photoz':
      return buildPhotozMdn({ inputShape, components, seed, small, ...smallBlocks, ...(features > 0 ? { features } : {}) })
  }
}

/** Per-band robust sky noise (1.4826 × MAD of pixel values) of the first cutouts: the asinh softening. */
async function skyNoise(source: CatalogSource, bands: readonly string[], cutouts: CutoutOptions | undefined): Promise<number[]> {
  const probe: PreprocessSpec = { inputShape: [64, 64, bands.length], bands, normalisation: { kind: 'none' } }
  const set = await loadTrainingSet({ source, target: { kind: 'value' }, spec: probe, ...(cutouts ? { cutouts } : {}), limit: 128 })
  const per = 64 * 64 * bands.length
  return bands.map((_, b) => {
    const values: number[] = []
    for (let r = 0; r < set.data.n; r++) for (let p = b; p < per; p += bands.length) values.push(set.data.x[r * per + p]!)
    values.sort((a, c) => a - c)
    const median = values[values.length >> 1]!
    const dev = values.map((v) => Math.abs(v - median)).sort((a, c) => a - c)
    return Math.max(1e-6, 1.4826 * dev[dev.length >> 1]!)
  })
}

async function predict(model: tf.LayersModel, x: Float32Array, n: number, features?: Float32Array, batch = 64): Promise<Float32Array> {
  const [, h, w, c] = model.inputs[0]!.shape as number[]
  const units = model.outputs[0]!.shape[1] as number
  const F = features ? features.length / n : 0
  const out = new Float32Array(n * units)
  for (let s = 0; s < n; s += batch) {
    const count = Math.min(batch, n - s)
    const y = tf.tidy(() => {
      const image = tf.tensor4d(x.subarray(s * h! * w! * c!, (s + count) * h! * w! * c!), [count, h!, w!, c!])
      return model.predict(features ? [image, tf.tensor2d(features.subarray(s * F, (s + count) * F), [count, F])] : image) as tf.Tensor
    })
    out.set((await y.data()) as Float32Array, s * units)
    y.dispose()
  }
  return out
}

/** Validation metrics with the anchor papers' definitions (Metcalf+19 lens metrics; Pasquet+18 / RAIL photo-z). */
function validationMetrics(task: Task, manifestOutput: OutputSpec, raw: Float32Array, set: TrainingSet): Record<string, unknown> {
  const n = set.data.n
  const y = set.data.y
  if (task === 'lens' || task === 'morphology') {
    const preds = Float32Array.from(raw, (p) => (p > 0.5 ? 1 : 0))
    return {
      n, accuracy: accuracy(y, preds), auroc: auroc(raw, y),
      ...(task === 'lens' ? { tpr0: tprAtFalsePositives(raw, y, 0), tpr10: tprAtFalsePositives(raw, y, 10) } : {}),
      ece: expectedCalibrationError(raw, y),
    }
  }
  if (task === 'merger') {
    const C = 4
    const preds = new Int32Array(n)
    for (let i = 0; i < n; i++) {
      let best = 0
      for (let c = 1; c < C; c++) if (raw[i * C + c]! > raw[i * C + best]!) best = c
      preds[i] = best
    }
    return { n, accuracy: accuracy(y, preds), labels: classLabels({ output: manifestOutput } as ModelManifest), confusion: Array.from(confusionMatrix(y, preds, C)), ece: expectedCalibrationError(raw, y) }
  }
  const mix = passMixtures(raw, 1, n, manifestOutput.kind === 'mdn' ? manifestOutput.components : 1)
  const summary = summariseMixtures(mix.weights, mix.means, mix.stds, n, mix.components)
  const pitValues = mixtureCdfAt(mix.weights, mix.means, mix.stds, n, mix.components, y)
  const rail = railOutlierFraction(summary.median, y)
  return {
    n, point: 'median',
    sigmaMad: sigmaMad(summary.median, y), biasMean: bias(summary.median, y), biasMedian: bias(summary.median, y, { statistic: 'median' }),
    outlierFraction005: outlierFraction(summary.median, y, 0.05), railOutlierFraction: rail.fraction, railOutlierCut: rail.cut,
    pitKs: ksUniform(pitValues), crps: meanCrps(mix.weights, mix.means, mix.stds, n, mix.components, y),
    coverage68: intervalCoverage(summary.p16, summary.p84, y), coverage95: intervalCoverage(summary.p025, summary.p975, y),
  }
}

/** The photometry columns of a photoz training run (simulator names `mag_<band>`, `magerr_<band>` by default). */
function photometryColumnsFor(task: Task, p: NonNullable<TrainTaskOptions['photometry']>): Pick<PhotometrySpec, 'bands' | 'magnitudes' | 'errors' | 'reference'> {
  if (task !== 'photoz') throw new SurveyError('option', `option --photometry applies to photoz models, not ${task}`)
  if (p.bands.length < 2) throw new SurveyError('option', `option --photometry needs at least two bands (colours), got ${p.bands.join(',')}`)
  const magnitudes = p.magnitudes ?? p.bands.map((b) => `mag_${b}`)
  const errors = p.errors ?? p.bands.map((b) => `magerr_${b}`)
  if (magnitudes.length !== p.bands.length || errors.length !== p.bands.length) throw new SurveyError('option', `option --photometry: ${p.bands.length} bands need ${p.bands.length} magnitude and error columns`)
  const r = p.bands.indexOf('r')
  return { bands: [...p.bands], magnitudes: [...magnitudes], errors: [...errors], reference: r >= 0 ? r : p.bands.length >> 1 }
}

/** Standardises the features of the fitting and held-out sets in place with the fitting set's mean and std. */
function standardisePhotometry(columns: Pick<PhotometrySpec, 'bands' | 'magnitudes' | 'errors' | 'reference'>, fit: TrainData, held: TrainData): PhotometrySpec {
  const f = fit.features!
  const F = f.length / fit.n
  const mean = new Array<number>(F).fill(0)
  const std = new Array<number>(F).fill(0)
  for (let r = 0; r < fit.n; r++) for (let j = 0; j < F; j++) mean[j]! += f[r * F + j]! / fit.n
  for (let r = 0; r < fit.n; r++) for (let j = 0; j < F; j++) std[j]! += (f[r * F + j]! - mean[j]!) ** 2 / fit.n
  const spec: PhotometrySpec = { ...columns, mean: mean.map((m) => Number(m.toPrecision(7))), std: std.map((v) => Number(Math.max(1e-6, Math.sqrt(v)).toPrecision(7))) }
  return applyStandardisation(spec, fit, held)
}

/**
 * The class weights for a classifier task: 'balanced' → n / (C · n_c) from the training labels
 * `y` (class indices), or the given list checked for length. Errors name the catalog and label.
 */
export function resolveClassWeights(task: Task, weights: 'balanced' | readonly number[], y: ArrayLike<number>, catalog: string, label: string): number[] {
  if (task === 'photoz') throw new SurveyError('option', 'option --class-weight applies to classifiers (lens, morphology, merger), not photoz')
  const C = task === 'merger' ? 4 : 2
  if (weights !== 'balanced') {
    if (weights.length !== C || weights.some((w) => !(w >= 0 && Number.isFinite(w)))) throw new SurveyError('option', `option --class-weight for ${task} needs ${C} non-negative weights (in label order), got ${weights.join(',')}`)
    return [...weights]
  }
  const counts = new Float64Array(C)
  for (let i = 0; i < y.length; i++) counts[y[i]!]!++
  const empty = [...counts.keys()].filter((c) => counts[c] === 0)
  if (empty.length > 0) throw new SurveyError('input', `catalog ${catalog}: label "${label}" has no training rows of class ${empty.join(', ')}, so balanced class weights are undefined`)
  return Array.from(counts, (n) => y.length / (C * n))
}

/** Refuse an initial model that does not fit this run; the error names the model and the field. */
function checkInitialModel(m: ModelManifest, o: TrainTaskOptions, bands: readonly string[]): void {
  const where = `option --init-from: model ${m.name}`
  const mismatch = (field: string, theirs: unknown, ours: unknown): never => {
    throw new SurveyError('option', `${where} has ${field} ${JSON.stringify(theirs)}, this run needs ${JSON.stringify(ours)}`)
  }
  if (m.task !== o.task) mismatch('task', m.task, o.task)
  if (m.architecture !== o.architecture) mismatch('architecture', m.architecture, o.architecture)
  if (m.input.bands.join(',') !== bands.join(',')) mismatch('input.bands', m.input.bands, bands)
  if (m.input.inputShape.join(',') !== '64,64,3') mismatch('input.inputShape', m.input.inputShape, [64, 64, 3])
  if (m.output.kind === 'mdn' && m.output.components !== (o.components ?? 5)) mismatch('output.components', m.output.components, o.components ?? 5)
  const ourBands = o.photometry?.bands.join(',') ?? null
  if ((m.photometry?.bands.join(',') ?? null) !== ourBands) mismatch('photometry bands', m.photometry?.bands ?? null, o.photometry?.bands ?? null)
}

/** Standardise the fitting and held-out rows' photometry features with `spec`'s mean and std (fitted here, or an initial model's). */
function applyStandardisation(spec: PhotometrySpec, fit: TrainData, held: TrainData): PhotometrySpec {
  standardisePhotometryFeatures(spec, fit.features!)
  standardisePhotometryFeatures(spec, held.features!)
  return spec
}

/** Copy a bundle's weights into a freshly built model of the same architecture, shape by shape. */
async function copyInitialWeights(init: ModelPayload, model: tf.LayersModel): Promise<void> {
  const loaded = await loadModel(init)
  const from = loaded.model.getWeights()
  const to = model.getWeights()
  if (from.length !== to.length) throw new SurveyError('model', `option --init-from: model ${init.manifest.name} has ${from.length} weight tensors, the ${model.name} network has ${to.length}`)
  to.forEach((w, i) => {
    const f = from[i]!
    if (f.shape.join('x') !== w.shape.join('x')) throw new SurveyError('model', `option --init-from: model ${init.manifest.name} weight ${i} (${loaded.model.weights[i]?.name}) has shape [${f.shape.join(', ')}], the network needs [${w.shape.join(', ')}]`)
  })
  model.setWeights(from)
  loaded.model.dispose()
}

/** Train a model for a task and save its bundle; returns the manifest written. */
export async function trainTaskModel(o: TrainTaskOptions): Promise<ModelManifest> {
  const log = o.log ?? (() => {})
  const label = o.label ?? DEFAULT_LABELS[o.task]
  const components = o.components ?? 5
  const plan = planCutouts(o.train.schema, o.train.name, o.cutouts)
  if (plan.bands.length !== 3) throw new SurveyError('input', `catalog ${o.train.name}: the shipped architectures take 3 bands; ${plan.where} has ${plan.bands.length} (${plan.bands.join(',')})`)
  const init = o.initFrom
  if (init) checkInitialModel(init.manifest, o, plan.bands)
  // a fine-tuned model keeps the preprocessing its weights were trained with
  const spec: PreprocessSpec & { pixelScale: number } = init
    ? { ...init.manifest.input }
    : {
        inputShape: [64, 64, 3],
        bands: plan.bands,
        pixelScale: Number(o.train.schema.columns.find((c) => c.name === (plan.kind === 'service' ? '' : plan.column))?.metadata?.['pixel_scale'] ?? 0.262),
        resize: 'crop-or-pad',
        normalisation: { kind: 'asinh', softening: (await skyNoise(o.train, plan.bands, o.cutouts)).map((s) => Number(s.toPrecision(4))), scale: [0.25, 0.25, 0.25] },
        nanFill: 0,
      }
  const target = labelKind(o.task)
  const phot = o.photometry ? photometryColumnsFor(o.task, o.photometry) : undefined
  const photOption = phot ? { photometry: phot } : {}
  log(`reading training set ${o.train.name} (label "${label}")${phot ? ` with photometry ${phot.magnitudes.join(', ')} ± ${phot.errors.join(', ')}` : ''}`)
  const train = await loadTrainingSet({ source: o.train, label, target, spec, ...photOption, ...(o.cutouts ? { cutouts: o.cutouts } : {}), ...(o.limit ? { limit: o.limit } : {}) })
  let fit = train
  let held: TrainingSet
  if (o.validation) {
    log(`reading validation set ${o.validation.name}`)
    held = await loadTrainingSet({ source: o.validation, label, target, spec, ...photOption, ...(o.cutouts ? { cutouts: o.cutouts } : {}) })
  } else {
    // every fifth row is held out: deterministic, and independent of the shuffle seed
    const per = 64 * 64 * 3
    const pick = (keep: (i: number) => boolean): TrainingSet => {
      const idx = [...Array(train.data.n).keys()].filter(keep)
      const x = new Float32Array(idx.length * per)
      const Y = train.data.y instanceof Int32Array ? Int32Array : Float32Array
      const y = new Y(idx.length)
      const F = train.data.features ? train.data.features.length / train.data.n : 0
      const features = train.data.features ? new Float32Array(idx.length * F) : undefined
      idx.forEach((r, j) => {
        x.set(train.data.x.subarray(r * per, (r + 1) * per), j * per)
        y[j] = train.data.y[r]!
        features?.set(train.data.features!.subarray(r * F, (r + 1) * F), j * F)
      })
      return { data: { x, y, n: idx.length, inputShape: [64, 64, 3], ...(features ? { features } : {}) }, skipped: 0, sha256: train.sha256 }
    }
    held = pick((i) => i % 5 === 4)
    fit = pick((i) => i % 5 !== 4)
  }
  // photometry features are standardised with the fitting rows' mean and std (recorded in the manifest)
  const photometry = phot ? (init?.manifest.photometry ? applyStandardisation(init.manifest.photometry, fit.data, held.data) : standardisePhotometry(phot, fit.data, held.data)) : undefined
  const classWeights = o.classWeights === undefined ? undefined : resolveClassWeights(o.task, o.classWeights, fit.data.y, o.train.name, label)
  if (classWeights) log(`class weights: ${classWeights.map((w) => w.toFixed(3)).join(', ')}`)
  await selectTrainingBackend({ prefer: o.backend ?? 'auto' })
  const model = buildModel(o.task, o.architecture, o.seed, components, photometry ? photometry.mean.length : 0)
  if (init) {
    await copyInitialWeights(init, model)
    log(`starting from the weights of ${init.manifest.name} ${init.manifest.version}`)
  }
  log(summaryTable(model))
  const started = performance.now()
  const result = await trainModel({
    model,
    data: fit.data,
    validationData: held.data,
    task: trainTask(o.task),
    epochs: o.epochs,
    batchSize: o.batchSize,
    learningRate: o.learningRate,
    seed: o.seed,
    earlyStopping: { patience: o.patience, monitor: 'val_loss' },
    ...(o.reduceLrOnPlateau ? { reduceLrOnPlateau: { factor: o.reduceLrOnPlateau.factor, patience: o.reduceLrOnPlateau.patience } } : {}),
    restoreBestWeights: true,
    augmentation: o.augment ? LECTURE_AUGMENTATION : false,
    ...(classWeights ? { classWeights } : {}),
    ...(o.checkpoint ? { checkpoint: o.checkpoint, resume: o.resume ?? false } : {}),
    backend: o.backend ?? 'auto',
    ...(o.onProgress ? { onProgress: o.onProgress } : {}),
  })
  const wallSeconds = (performance.now() - started) / 1000
  const output = outputSpec(o.task, components)
  const raw = await predict(model, held.data.x, held.data.n, held.data.features)
  const metrics = validationMetrics(o.task, output, raw, held)
  const saved = await saveLayersModel(model, { writeFile: o.writeFile, float16: o.float16 })
  const manifest: ModelManifest = {
    schema: 'survey-classifier/model-manifest@1',
    name: o.name,
    version: o.version,
    task: o.task,
    description: `${o.task} model, ${o.architecture} architecture (${parameterCount(model).toLocaleString('en')} parameters), trained by survey-classify train on ${train.data.n.toLocaleString('en')} labelled cutouts of ${o.train.name}${init ? `, starting from ${init.manifest.name} ${init.manifest.version}` : ''}`,
    trained: true,
    architecture: o.architecture,
    format: 'tfjs-layers',
    modelFile: 'model.json',
    files: Object.fromEntries(saved.files.map((f) => [f.path, f.sha256])),
    input: spec,
    output,
    ...(photometry ? { photometry } : {}),
    mcDropout: { defaultPasses: 30 },
    training: {
      command: o.command, catalog: o.train.name, validation: o.validation?.name ?? 'every fifth row of the training catalog',
      ...(init ? { initFrom: { name: init.manifest.name, version: init.manifest.version, manifestSha256: init.manifestHash, files: init.manifest.files } } : {}),
      label, rows: fit.data.n, validationRows: held.data.n, skippedRows: train.skipped, dataSha256: train.sha256,
      epochsRun: result.history.length, bestEpoch: result.bestEpoch + 1, stoppedEarly: result.stoppedEarly, batchSize: o.batchSize,
      learningRate: o.learningRate, ...(o.reduceLrOnPlateau ? { reduceLrOnPlateau: o.reduceLrOnPlateau } : {}), seed: o.seed, ...(classWeights ? { classWeights } : {}), augmentation: o.augment ? LECTURE_AUGMENTATION : 'none', backend: result.backend,
      wallSeconds: Math.round(wallSeconds), weightStorage: o.float16 ? 'float16' : 'float32', parameters: parameterCount(model),
      history: result.history,
    },
    metrics,
  }
  await o.writeFile('manifest.json', new TextEncoder().encode(`${JSON.stringify(manifest, null, 2)}\n`))
  return manifest
}

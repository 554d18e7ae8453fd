/**
 * Post-hoc calibration of a model on a labelled validation catalog:
 * temperature scaling for binary classifiers, bias-corrected temperature scaling for
 * softmax classifiers, a redshift shift and PDF width scaling for mixture-density
 * photo-z models. The fitted values go into the manifest and are applied at
 * inference by the workers.
 */
import type { CatalogSource } from '../../src/catalog/source.js'
import { SurveyError } from '../../src/errors.js'
import { accuracy, expectedCalibrationError } from '../../src/metrics/classification.js'
import { argmaxRows } from '../../src/metrics/stats.js'
import { applyTemperature, fitBiasCorrectedTemperature, fitPdfWidthScale, fitRedshiftShift, fitTemperature, logitsFromProbabilities } from '../../src/metrics/calibration.js'
import { summariseMixtures } from '../../src/metrics/mixture.js'
import { meanCrps } from '../../src/metrics/photoz.js'
import type { ModelManifest } from '../../src/models/manifest.js'
import type { CutoutOptions } from '../../src/pipeline/cutout-input.js'
import type { ModelPayload } from '../../src/protocol.js'
import { standardisePhotometryFeatures } from '../../src/models/photometry.js'
import { loadModel, runPasses, withSeededRandom } from '../model/run-model.js'
import { classProbabilities, passMixtures } from '../model/summarise.js'
import { selectTrainingBackend } from './backend.js'
import { loadTrainingSet, type LabelKind } from './dataset.js'
import { DEFAULT_LABELS } from './run-training.js'

/** What {@link calibrateModel} fitted, as stored in `manifest.calibration` (plus a record). */
export interface CalibrationResult {
  readonly calibration: NonNullable<ModelManifest['calibration']>
  readonly record: Readonly<Record<string, unknown>>
}

function labelKind(manifest: ModelManifest): LabelKind {
  const out = manifest.output
  if (out.kind === 'sigmoid') return { kind: 'binary', positive: out.positive }
  if (out.kind === 'softmax') return { kind: 'classes', labels: out.labels }
  return { kind: 'value' }
}

/**
 * Fit the calibration of `model` on a labelled catalog, with `passes` MC
 * passes as at inference (1 = deterministic). Errors name the catalog and column.
 */
export async function calibrateModel(options: {
  readonly model: ModelPayload
  readonly source: CatalogSource
  readonly label?: string
  readonly passes?: number
  readonly seed?: number
  readonly cutouts?: CutoutOptions
}): Promise<CalibrationResult> {
  const manifest: ModelManifest = { ...options.model.manifest }
  delete (manifest as { calibration?: unknown }).calibration
  const passes = options.passes ?? 1
  const label = options.label ?? DEFAULT_LABELS[manifest.task]
  await selectTrainingBackend()
  const photometry = manifest.photometry
  const set = await loadTrainingSet({ source: options.source, label, target: labelKind(manifest), spec: manifest.input, ...(photometry ? { photometry } : {}), ...(options.cutouts ? { cutouts: options.cutouts } : {}) })
  const loaded = await loadModel({ ...options.model, manifest })
  const n = set.data.n
  const features = photometry && set.data.features ? { features: standardisePhotometryFeatures(photometry, set.data.features) } : {}
  const raw = await withSeededRandom(options.seed ?? 0, 0, () => runPasses(loaded, set.data.x, n, passes, 32, features))
  const fittedOn = { catalog: options.source.name, label, rows: n, passes, dataSha256: set.sha256 }
  if (manifest.output.kind === 'mdn') {
    // first the median bias in Δz/(1 + z), then the width by CRPS on the re-centred mixtures
    const raw0 = passMixtures(raw, passes, n, manifest.output.components)
    const median = summariseMixtures(raw0.weights, raw0.means, raw0.stds, n, raw0.components).median
    const shift = Number(fitRedshiftShift(median, set.data.y).toPrecision(6))
    const mix = passMixtures(raw, passes, n, manifest.output.components, 1, shift)
    const fit = fitPdfWidthScale(mix.weights, mix.means, mix.stds, set.data.y, mix.components)
    return {
      calibration: { redshiftShift: shift, widthScale: fit.scale },
      record: { ...fittedOn, method: 'redshift shift (1 + μ) → (1 + μ)(1 + b) to zero median Δz/(1 + z), then PDF width scaling (σ → sσ) minimising mean CRPS', crpsUncalibrated: meanCrps(raw0.weights, raw0.means, raw0.stds, n, raw0.components, set.data.y), crpsShifted: fit.before, crpsAfter: fit.after },
    }
  }
  const C = manifest.output.kind === 'sigmoid' ? 2 : manifest.output.labels.length
  const probs = classProbabilities(manifest, raw, passes * n)
  const mean = new Float32Array(n * C)
  for (let t = 0; t < passes; t++) for (let i = 0; i < n * C; i++) mean[i] = mean[i]! + probs[t * n * C + i]! / passes
  const y = set.data.y
  if (manifest.output.kind === 'sigmoid') {
    const p = Float32Array.from({ length: n }, (_, i) => mean[2 * i + 1]!)
    const fit = fitTemperature(logitsFromProbabilities(p, n, 1), y, n, 1)
    const after = Float32Array.from(p, (v) => 1 / (1 + Math.exp(-Math.log(v / (1 - v)) / fit.temperature)))
    return { calibration: { temperature: fit.temperature }, record: { ...fittedOn, method: 'temperature scaling of the logit', nllBefore: fit.nllBefore, nllAfter: fit.nllAfter, eceBefore: expectedCalibrationError(p, y), eceAfter: expectedCalibrationError(after, y) } }
  }
  if (y.length !== n) throw new SurveyError('input', `calibration labels: expected ${n} class indices`)
  const logits = logitsFromProbabilities(mean, n, C)
  const fit = fitBiasCorrectedTemperature(logits, y, n, C)
  const classBias = fit.bias.map((b) => Number(b.toPrecision(6)))
  const top = (p: Float32Array): number => accuracy(y, argmaxRows(p, n, C))
  const after = applyTemperature(logits, n, C, fit.temperature, undefined, classBias)
  return {
    calibration: { temperature: fit.temperature, classBias },
    record: {
      ...fittedOn,
      method: 'bias-corrected temperature scaling of the log-probabilities (softmax(ln p / T + b); Alexandari et al. 2020), which also corrects for class priors that differ between the training set and this catalog',
      nllBefore: fit.nllBefore, nllAfter: fit.nllAfter, accuracyBefore: top(mean), accuracyAfter: top(after),
    },
  }
}

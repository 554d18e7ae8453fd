/**
 * The model manifest: what a model is, what it expects and what it outputs.
 * Every model the pipeline runs — shipped or user-supplied — has one.
 */
import type { PreprocessSpec } from '../cutouts/preprocess.js'
import { SurveyError } from '../errors.js'
import { validatePhotometrySpec, type PhotometrySpec } from './photometry.js'

/** Science tasks a model can perform. */
export type Task = 'morphology' | 'lens' | 'photoz' | 'merger'

/** How a model's raw output tensor is to be read. */
export type OutputSpec =
  /** One sigmoid unit: probability of `positive` (vs `negative`). */
  | { readonly kind: 'sigmoid'; readonly positive: string; readonly negative: string }
  /** C softmax units, one per label, in order. */
  | { readonly kind: 'softmax'; readonly labels: readonly string[] }
  /** Mixture density: 3K units laid out [weights(K, softmaxed) | means(K) | sigmas(K)]. */
  | { readonly kind: 'mdn'; readonly components: number; readonly quantity: string; readonly unit: string }

/** A model manifest (`manifest.json` beside `model.json`). */
export interface ModelManifest {
  readonly schema: 'survey-classifier/model-manifest@1'
  readonly name: string
  readonly version: string
  readonly task: Task
  readonly description: string
  /** False for models with seeded, untrained weights (plumbing tests only); recorded in output provenance. */
  readonly trained: boolean
  readonly architecture: string
  readonly format: 'tfjs-layers'
  /** Path of the tfjs model.json, relative to the manifest. */
  readonly modelFile: string
  /** sha256 (hex) of every file the model needs (model.json and each weight shard), keyed by relative path. */
  readonly files: Readonly<Record<string, string>>
  /** Cutout preprocessing; `pixelScale` is arcsec/pixel the model was trained at. */
  readonly input: PreprocessSpec & { readonly pixelScale: number }
  readonly output: OutputSpec
  /**
   * Catalog photometry the model also takes (a second model input after the cutout): the
   * columns and the standardisation of the features (see `src/models/photometry.ts`).
   */
  readonly photometry?: PhotometrySpec
  /** Prefix of the output columns; defaults to the task name. */
  readonly columnPrefix?: string
  readonly mcDropout?: { readonly defaultPasses: number }
  /**
   * Post-hoc calibration applied at inference: `temperature` (classifiers: logits / T);
   * `classBias` (softmax classifiers: one per label, added to logits / T: bias-corrected
   * temperature scaling, which also undoes a change of class priors between the training set
   * and the survey); mixture densities: every component mean (1 + μ) → (1 + μ)(1 +
   * `redshiftShift`), then every σ → `widthScale`·σ (`survey-classify calibrate`).
   */
  readonly calibration?: { readonly temperature?: number; readonly classBias?: readonly number[]; readonly widthScale?: number; readonly redshiftShift?: number }
  readonly training?: Readonly<Record<string, unknown>>
  readonly metrics?: Readonly<Record<string, unknown>>
}

const TASKS: readonly Task[] = ['morphology', 'lens', 'photoz', 'merger']

function fail(where: string, field: string, expected: string, found: unknown): never {
  throw new SurveyError('model', `model manifest ${where}: field "${field}" should be ${expected}, found ${JSON.stringify(found)}`)
}

/**
 * Check that parsed JSON is a usable manifest; errors name the manifest and
 * the field, with what was expected and what was found.
 */
export function validateManifest(value: unknown, where: string): ModelManifest {
  if (typeof value !== 'object' || value === null) fail(where, '(root)', 'an object', value)
  const m = value as Record<string, unknown>
  if (m['schema'] !== 'survey-classifier/model-manifest@1') fail(where, 'schema', '"survey-classifier/model-manifest@1"', m['schema'])
  for (const key of ['name', 'version', 'description', 'architecture', 'modelFile'] as const) {
    if (typeof m[key] !== 'string' || m[key] === '') fail(where, key, 'a non-empty string', m[key])
  }
  if (!TASKS.includes(m['task'] as Task)) fail(where, 'task', `one of ${TASKS.join(', ')}`, m['task'])
  if (typeof m['trained'] !== 'boolean') fail(where, 'trained', 'true or false', m['trained'])
  if (m['format'] !== 'tfjs-layers') fail(where, 'format', '"tfjs-layers"', m['format'])
  const files = m['files'] as Record<string, unknown> | undefined
  if (typeof files !== 'object' || files === null) fail(where, 'files', 'an object of path → sha256', files)
  for (const [path, hash] of Object.entries(files)) {
    if (typeof hash !== 'string' || !/^[0-9a-f]{64}$/.test(hash)) fail(where, `files["${path}"]`, 'a lowercase hex sha256', hash)
  }
  if (!(m['modelFile'] as string in files)) fail(where, 'files', `to include modelFile "${String(m['modelFile'])}"`, Object.keys(files))
  const input = m['input'] as Record<string, unknown> | undefined
  if (typeof input !== 'object' || input === null) fail(where, 'input', 'an object', input)
  const shape = input['inputShape']
  if (!Array.isArray(shape) || shape.length !== 3 || !shape.every((d) => Number.isInteger(d) && d > 0)) fail(where, 'input.inputShape', '[height, width, channels]', shape)
  const bands = input['bands']
  if (!Array.isArray(bands) || bands.length !== shape[2] || !bands.every((b) => typeof b === 'string')) fail(where, 'input.bands', `${String(shape[2])} band names`, bands)
  if (typeof input['pixelScale'] !== 'number' || !(input['pixelScale'] > 0)) fail(where, 'input.pixelScale', 'a positive number (arcsec/pixel)', input['pixelScale'])
  const norm = input['normalisation'] as { kind?: unknown } | undefined
  if (!norm || !['none', 'asinh', 'standardise', 'per-image-max'].includes(String(norm.kind))) fail(where, 'input.normalisation.kind', 'none | asinh | standardise | per-image-max', norm?.kind)
  const output = m['output'] as Record<string, unknown> | undefined
  if (typeof output !== 'object' || output === null) fail(where, 'output', 'an object', output)
  switch (output['kind']) {
    case 'sigmoid':
      if (typeof output['positive'] !== 'string' || typeof output['negative'] !== 'string') fail(where, 'output.positive/negative', 'label strings', output)
      break
    case 'softmax':
      if (!Array.isArray(output['labels']) || output['labels'].length < 2) fail(where, 'output.labels', 'two or more labels', output['labels'])
      break
    case 'mdn':
      if (!Number.isInteger(output['components']) || (output['components'] as number) < 1) fail(where, 'output.components', 'a positive integer', output['components'])
      break
    default:
      fail(where, 'output.kind', 'sigmoid | softmax | mdn', output['kind'])
  }
  const calibration = m['calibration'] as Record<string, unknown> | undefined
  if (calibration !== undefined) {
    if (typeof calibration !== 'object' || calibration === null) fail(where, 'calibration', 'an object', calibration)
    const t = calibration['temperature']
    if (t !== undefined && !(typeof t === 'number' && t > 0)) fail(where, 'calibration.temperature', 'a positive number', t)
    const bias = calibration['classBias']
    if (bias !== undefined) {
      const labels = output['kind'] === 'softmax' ? (output['labels'] as unknown[]).length : 0
      if (!labels) fail(where, 'calibration.classBias', 'absent (class biases are for softmax classifiers)', bias)
      if (!Array.isArray(bias) || bias.length !== labels || !bias.every((v) => typeof v === 'number' && Number.isFinite(v))) fail(where, 'calibration.classBias', `${labels} finite numbers, one per label`, bias)
    }
  }
  if (m['photometry'] !== undefined) validatePhotometrySpec(m['photometry'], where)
  return value as ModelManifest
}

/** Number of raw output units a manifest's output spec implies. */
export function outputUnits(output: OutputSpec): number {
  switch (output.kind) {
    case 'sigmoid':
      return 1
    case 'softmax':
      return output.labels.length
    case 'mdn':
      return 3 * output.components
  }
}

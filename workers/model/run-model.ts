/**
 * Load a verified model into TF.js and run it, deterministically or with
 * Monte Carlo dropout.
 */
import * as tf from '@tensorflow/tfjs'
import { SurveyError, errorMessage } from '../../src/errors.js'
import { outputUnits, type ModelManifest } from '../../src/models/manifest.js'
import type { ModelPayload } from '../../src/protocol.js'
import { photometryFeatureCount } from '../../src/models/photometry.js'
import { mulberry32 } from '../../src/random.js'
import { setMcDropout } from './architectures.js'
import { PassAccumulator } from './uncertainty.js'

/** A model ready to run in this worker. */
export interface LoadedModel {
  readonly manifest: ModelManifest
  readonly model: tf.LayersModel
  /** Dropout layers that MC dropout can switch on (0: MC dropout impossible). */
  readonly dropoutLayers: number
  /**
   * The model cut just before its first dropout layer, when it is a simple chain of layers:
   * MC passes compute `prefix` once and run only `suffix` T times (same weights, same result).
   */
  readonly split?: { readonly prefix: tf.LayersModel; readonly suffix: tf.LayersModel }
}

/**
 * Cut a model before its first dropout layer, when everything before it is a simple chain of
 * layers from the (image) input; what follows may be any graph (several heads, concatenations)
 * as long as it reads nothing from before the cut but the cut tensor, plus the model's further
 * inputs (photometry), which the suffix takes after the cut tensor. Undefined otherwise.
 */
export function splitAtFirstDropout(model: tf.LayersModel): LoadedModel['split'] {
  type Node = { inboundLayers: tf.layers.Layer[]; inputTensors: tf.SymbolicTensor[] }
  const nodesOf = (layer: tf.layers.Layer) => (layer as unknown as { inboundNodes: Node[] }).inboundNodes
  const layers = model.layers.filter((l) => l.getClassName() !== 'InputLayer')
  const first = layers.findIndex((l) => /Dropout$/.test(l.getClassName()))
  if (first < 1 || model.outputs.length !== 1) return undefined
  for (let i = 0; i < first; i++) {
    const nodes = nodesOf(layers[i]!)
    if (nodes.length !== 1 || nodes[0]!.inboundLayers.length !== 1) return undefined
    const from = nodes[0]!.inboundLayers[0]!
    if (i === 0 ? nodes[0]!.inputTensors[0] !== model.inputs[0] : from !== layers[i - 1]) return undefined
  }
  const cut = layers[first - 1]!.output
  if (Array.isArray(cut)) return undefined
  const input = tf.input({ shape: cut.shape.slice(1) as number[] })
  // further model inputs (catalog photometry) pass through to the rest unchanged
  const extra = model.inputs.slice(1).map((t) => [t, tf.input({ shape: t.shape.slice(1) as number[] })] as const)
  // rebuild the rest of the graph on new inputs, layer by layer in topological order
  const rebuilt = new Map<tf.SymbolicTensor, tf.SymbolicTensor>([[cut, input], ...extra])
  for (const layer of layers.slice(first)) {
    const nodes = nodesOf(layer)
    if (nodes.length !== 1) return undefined
    const inputs = nodes[0]!.inputTensors.map((t) => rebuilt.get(t))
    if (inputs.length === 0 || inputs.some((t) => t === undefined)) return undefined
    const original = layer.output // read before apply: a second inbound node makes it ambiguous
    if (Array.isArray(original)) return undefined
    const args = inputs as tf.SymbolicTensor[]
    const output = layer.apply(args.length === 1 ? args[0]! : args)
    if (Array.isArray(output)) return undefined
    rebuilt.set(original, output as tf.SymbolicTensor)
  }
  const output = rebuilt.get(model.outputs[0]!)
  if (!output) return undefined
  const prefix = tf.model({ inputs: model.inputs[0]!, outputs: cut })
  return { prefix, suffix: tf.model({ inputs: [input, ...extra.map(([, t]) => t)], outputs: output }) }
}

interface ModelJson {
  modelTopology: unknown
  weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[]
  format?: string
  generatedBy?: string
  convertedBy?: string
}

/** Build a LayersModel from a verified payload and check its shapes against the manifest. */
export async function loadModel(payload: ModelPayload): Promise<LoadedModel> {
  const { manifest } = payload
  const json = payload.modelJson as ModelJson
  const where = `model ${manifest.name} (${manifest.modelFile})`
  let model: tf.LayersModel
  try {
    const weightSpecs = json.weightsManifest.flatMap((group) => group.weights)
    model = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: json.modelTopology as tf.io.ModelJSON['modelTopology'], weightSpecs, weightData: payload.weights }))
  } catch (cause) {
    throw new SurveyError('model', `${where} could not be loaded: ${errorMessage(cause)}`, { cause })
  }
  const inShape = model.inputs[0]?.shape ?? []
  const expected = manifest.input.inputShape
  if (inShape.length !== 4 || inShape[1] !== expected[0] || inShape[2] !== expected[1] || inShape[3] !== expected[2]) {
    throw new SurveyError('model', `${where}: input shape is [${inShape.map((d) => d ?? 'null').join(', ')}], manifest input.inputShape says [null, ${expected.join(', ')}]`)
  }
  const features = manifest.photometry ? photometryFeatureCount(manifest.photometry.bands.length) : 0
  const second = model.inputs[1]?.shape
  if (model.inputs.length !== (features > 0 ? 2 : 1) || (features > 0 && (second?.length !== 2 || second[1] !== features))) {
    const found = model.inputs.map((t) => `[${t.shape.map((d) => d ?? 'null').join(', ')}]`).join(' and ')
    throw new SurveyError('model', `${where}: model inputs are ${found}; the manifest ${features > 0 ? `declares photometry (${manifest.photometry!.bands.length} bands), so it needs the cutout and [null, ${features}] features` : 'declares no photometry, so it needs the cutout only'}`)
  }
  const outShape = model.outputs[0]?.shape ?? []
  const units = outputUnits(manifest.output)
  if (model.outputs.length !== 1 || outShape[outShape.length - 1] !== units) {
    throw new SurveyError('model', `${where}: output shape is [${outShape.map((d) => d ?? 'null').join(', ')}], manifest output (${manifest.output.kind}) needs ${units} units`)
  }
  const split = splitAtFirstDropout(model)
  return { manifest, model, dropoutLayers: setMcDropout(model, false), ...(split ? { split } : {}) }
}

/**
 * Run `passes` forward passes over `n` packed inputs, in sub-batches of at
 * most `maxBatch`. With passes > 1 the dropout layers are active (MC
 * dropout). Returns raw outputs laid out [pass][row][unit].
 */
export async function runPasses(loaded: LoadedModel, x: Float32Array, n: number, passes: number, maxBatch: number, options: { tta?: boolean; dropout?: boolean; reusePrefix?: boolean; features?: Float32Array } = {}): Promise<Float32Array> {
  const tta = options.tta ?? false
  const dropout = options.dropout ?? passes > 1
  const [h, w, c] = loaded.manifest.input.inputShape
  const units = outputUnits(loaded.manifest.output)
  const views = tta ? 8 : 1
  const samples = passes * views
  const out = new Float32Array(samples * n * units)
  if (n === 0) return out
  if (dropout && loaded.dropoutLayers === 0) {
    throw new SurveyError('model', `model ${loaded.manifest.name} has no dropout layers, so MC dropout (passes=${passes}) is impossible; use passes=1`)
  }
  if (tta && h !== w) throw new SurveyError('model', `model ${loaded.manifest.name}: test-time augmentation needs square inputs, input is ${h}×${w}`)
  setMcDropout(loaded.model, dropout)
  try {
    for (let start = 0; start < n; start += maxBatch) {
      const count = Math.min(maxBatch, n - start)
      const input = tf.tensor4d(x.subarray(start * h * w * c, (start + count) * h * w * c), [count, h, w, c])
      const features = featureTensor(loaded, options.features, start, count)
      try {
        for (let v = 0; v < views; v++) {
          const view = v === 0 ? input : dihedral(input, v)
          // with several MC passes, the layers before the first dropout run once
          const split = passes > 1 && dropout && (options.reusePrefix ?? true) ? loaded.split : undefined
          const shared = split ? (split.prefix.predict(view) as tf.Tensor) : view
          const net = split ? split.suffix : loaded.model
          try {
            for (let t = 0; t < passes; t++) {
              const y = net.predict(features ? [shared, features] : shared) as tf.Tensor
              const values = (await y.data()) as Float32Array
              y.dispose()
              out.set(values, ((t * views + v) * n + start) * units)
            }
          } finally {
            if (shared !== view) shared.dispose()
            if (view !== input) view.dispose()
          }
        }
      } finally {
        input.dispose()
        features?.dispose()
      }
    }
  } finally {
    setMcDropout(loaded.model, false)
  }
  return out
}

/** The photometry features of rows [start, start + count) as a tensor, for a model that takes them. */
function featureTensor(loaded: LoadedModel, features: Float32Array | undefined, start: number, count: number): tf.Tensor2D | undefined {
  const spec = loaded.manifest.photometry
  if (!spec) return undefined
  const F = photometryFeatureCount(spec.bands.length)
  if (!features || features.length < (start + count) * F) throw new SurveyError('model', `model ${loaded.manifest.name} takes catalog photometry, but the batch has no features for rows ${start}..${start + count - 1}`)
  return tf.tensor2d(features.subarray(start * F, (start + count) * F), [count, F])
}

/** The v-th of the 8 rotations/flips of a batch of square images (v = 0 is the identity). */
export function dihedral(images: tf.Tensor4D, v: number): tf.Tensor4D {
  return tf.tidy(() => {
    let out = v >= 4 ? (tf.reverse(images, 2) as tf.Tensor4D) : images
    // each quarter turn: transpose rows and columns, then mirror the columns
    for (let k = 0; k < v % 4; k++) out = tf.reverse(tf.transpose(out, [0, 2, 1, 3]), 2) as tf.Tensor4D
    return out === images ? images.clone() : out
  })
}

/** Result of {@link runAdaptivePasses}. */
export interface AdaptiveResult {
  /** Raw outputs laid out [pass][row][unit] for `maxPasses` passes; passes an object did not take are zero. */
  readonly raw: Float32Array
  /** Passes each object took. */
  readonly passes: Int32Array
  /** The running statistics of every object (mean, std, entropy and MI of what `statistic` returned). */
  readonly accumulator: PassAccumulator
  /** Passes summed over objects. */
  readonly totalPasses: number
}

/**
 * Adaptive MC dropout: passes run only on the objects whose per-pass statistic (`statistic`
 * turns `rows` raw outputs into rows×C values: class probabilities, or a scaled redshift) has
 * not yet converged, i.e. its MC standard error is still ≥ `tolerance`, up to `maxPasses`
 * passes. The layers before the first dropout run once per object, as in {@link runPasses};
 * later passes run the rest of the model on the still-pending objects only.
 */
export async function runAdaptivePasses(
  loaded: LoadedModel, x: Float32Array, n: number, maxPasses: number, maxBatch: number,
  statistic: (raw: Float32Array, rows: number, objects: Int32Array) => Float32Array, C: number,
  options: { tolerance: number; minPasses?: number; features?: Float32Array },
): Promise<AdaptiveResult> {
  const [h, w, c] = loaded.manifest.input.inputShape
  const per = h * w * c
  const units = outputUnits(loaded.manifest.output)
  const accumulator = new PassAccumulator(n, C, { tolerance: options.tolerance, minPasses: Math.min(options.minPasses ?? 5, maxPasses), maxPasses })
  const raw = new Float32Array(maxPasses * n * units)
  const taken = new Int32Array(n)
  if (loaded.dropoutLayers === 0) throw new SurveyError('model', `model ${loaded.manifest.name} has no dropout layers, so adaptive MC dropout is impossible`)
  const pendingIn = (start: number, count: number): Int32Array => {
    const pending = accumulator.pending()
    let k = 0
    for (const i of pending) if (i >= start && i < start + count) k++
    const out = new Int32Array(k)
    k = 0
    for (const i of pending) if (i >= start && i < start + count) out[k++] = i
    return out
  }
  setMcDropout(loaded.model, true)
  try {
    for (let start = 0; start < n; start += maxBatch) {
      const count = Math.min(maxBatch, n - start)
      const input = tf.tensor4d(x.subarray(start * per, (start + count) * per), [count, h, w, c])
      const features = featureTensor(loaded, options.features, start, count)
      const shared = loaded.split ? (loaded.split.prefix.predict(input) as tf.Tensor) : input
      const net = loaded.split ? loaded.split.suffix : loaded.model
      try {
        // `rows` holds the prefix outputs of the objects in `members` (batch indices); it is
        // compacted to the pending objects only when they have fallen below 3/4 of it, so a pass
        // rarely pays for a gather, and at most 1/4 of a pass is spent on finished objects
        let members: Int32Array = Int32Array.from({ length: count }, (_, j) => start + j)
        let rows = shared
        let rowFeatures = features
        try {
          for (let objects = pendingIn(start, count); objects.length > 0; objects = pendingIn(start, count)) {
            if (objects.length < 0.75 * members.length) {
              const picked = Int32Array.from(objects, (i) => i - start)
              const nextRows = tf.gather(shared, picked)
              const nextFeatures = features ? tf.gather(features, picked) : undefined
              if (rows !== shared) rows.dispose()
              if (rowFeatures !== features) rowFeatures?.dispose()
              rows = nextRows
              rowFeatures = nextFeatures
              members = objects
            }
            const y = net.predict(rowFeatures ? [rows, rowFeatures] : rows) as tf.Tensor
            const values = (await y.data()) as Float32Array
            y.dispose()
            // keep the outputs of the pending objects (members are a superset, in the same order)
            const kept = new Float32Array(objects.length * units)
            for (let j = 0, m = 0; j < objects.length; j++) {
              const i = objects[j]!
              while (members[m] !== i) m++
              const out = values.subarray(m * units, (m + 1) * units)
              kept.set(out, j * units)
              raw.set(out, (taken[i]! * n + i) * units)
              taken[i]!++
            }
            accumulator.add(statistic(kept, objects.length, objects), objects)
          }
        } finally {
          if (rows !== shared) rows.dispose()
          if (rowFeatures !== features) rowFeatures?.dispose()
        }
      } finally {
        if (shared !== input) shared.dispose()
        input.dispose()
        features?.dispose()
      }
    }
  } finally {
    setMcDropout(loaded.model, false)
  }
  return { raw, passes: taken, accumulator, totalPasses: accumulator.totalPasses() }
}

/**
 * Run `fn` with `Math.random` replaced by a generator seeded from
 * (seed, stream), so dropout masks — which TF.js draws from Math.random when
 * no layer seed is set — are reproducible per batch whichever worker runs it.
 */
export async function withSeededRandom<T>(seed: number, stream: number, fn: () => Promise<T>): Promise<T> {
  const original = Math.random
  Math.random = mulberry32(Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(stream + 1, 0xc2b2ae35))
  try {
    return await fn()
  } finally {
    Math.random = original
  }
}

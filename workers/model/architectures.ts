/**
 * Model builders for survey-classifier: the seed CNN (Dominguez-Sanchez+18) for morphology and
 * lenses, CNN and photometry-only mixture-density networks for photometric redshift
 * (Pasquet+18, D'Isanto & Polsterer 18), and the 4-class merger-stage classifier.
 *
 * Every builder returns a functional `tf.LayersModel` made only of stock Keras layer classes
 * (Conv2D, Dense, Dropout, BatchNormalization, Add, Concatenate, Rescaling, ...), so a saved
 * model.json loads without registering custom classes, and a Keras user can rebuild the same
 * network in Python. ReLU layers use seeded He-normal initialisation (He+15).
 *
 * MC dropout: Keras' Dropout is only active with `training: true`, which would also switch
 * BatchNormalization to batch statistics (and update its moving averages). Instead,
 * {@link setMcDropout} flips Dropout layers of any LayersModel (ours, or one loaded from a
 * Keras-converted model.json) to stay active at inference, leaving every other layer in inference
 * mode. Nothing is stored in model.json, so saving/loading is unaffected; call it again after
 * loading. A converter that stripped the Dropout layers leaves nothing to switch on:
 * `setMcDropout` returns 0 and MC dropout is impossible with that model.
 */
import * as tf from '@tensorflow/tfjs';

type Sym = tf.SymbolicTensor;

/** Dropout rates of the seed CNN; `false` anywhere turns that dropout off. */
export interface SeedCnnDropout {
  /** After conv 32@6×6 (default 0.5). */
  conv1?: number;
  /** After conv 64@5×5 + pool (default 0.25). */
  conv2?: number;
  /** After conv 128@2×2 + pool (default 0.25). */
  conv3?: number;
  /** After conv 128@3×3 (default 0.25). */
  conv4?: number;
  /** After dense 64 (default 0.5). */
  dense?: number;
}

/** Options shared by the convolutional builders. */
export interface TrunkOptions {
  /** [height, width, channels], NHWC (default [64, 64, 3]). */
  inputShape?: [number, number, number];
  /**
   * Batch normalisation after every conv, before its ReLU (default false). With it, convs drop
   * their bias (BN's β replaces it), so the parameter count changes.
   */
  batchNorm?: boolean;
  /**
   * Identity skip connection around conv 128@3×3 (its input and output are both h/4×w/4×128):
   * out = ReLU(x + conv(x)). Adds no parameters (default false).
   */
  residual?: boolean;
  /**
   * Extra ResNet basic blocks (conv 3×3 → [BN] → ReLU → conv 3×3 → [BN] → add skip → ReLU, 128
   * channels) after conv 128@3×3 and before its dropout (default 0).
   */
  residualBlocks?: number;
  /** Dropout rates (defaults as in Dominguez-Sanchez+18); `false` removes all dropout. */
  dropout?: SeedCnnDropout | false;
  /** Seed for every initialiser; layer i uses seed + i (default 42). */
  seed?: number;
  /** Use the small trunk (conv 16@3×3 → pool → 32@3×3 → pool → 64@3×3 → global average) (default false). */
  small?: boolean;
  /**
   * Small trunk only: 4 adds a pool and a fourth conv 64@3×3 before the dropout and the global
   * average, widening each feature's receptive field from 18 to 38 pixels (10″ at 0.262″/px), so
   * one feature can see both galaxies of a close pair (default 3).
   */
  smallBlocks?: 3 | 4;
}

/** Options of {@link buildSeedCnn}. */
export interface SeedCnnOptions extends TrunkOptions {
  /** Output units (default 1). */
  outputs?: number;
  /** Output activation (default 'sigmoid' for 1 output, 'softmax' otherwise). */
  head?: 'sigmoid' | 'softmax';
  /** Dense hidden units before the head (default 64). */
  denseUnits?: number;
  /** Model name (default 'seed_cnn'). */
  name?: string;
}

const DEFAULT_DROPOUT: Required<SeedCnnDropout> = { conv1: 0.5, conv2: 0.25, conv3: 0.25, conv4: 0.25, dense: 0.5 };

/** Class names of the 4 merger stages, in output order. */
export const MERGER_CLASSES = Object.freeze(['non-merger', 'pre-merger', 'ongoing', 'post-merger'] as const);

/** Deterministic per-layer initialiser seeds: base + 1, base + 2, ... in layer-creation order. */
export class Seeds {
  private i = 0;
  constructor(private readonly base: number) {}
  /** The next seed. */
  next(): number {
    this.i += 1;
    return this.base + this.i;
  }
  /** He-normal initialiser (for ReLU layers) with the next seed. */
  he(): ReturnType<typeof tf.initializers.heNormal> {
    return tf.initializers.heNormal({ seed: this.next() });
  }
  /** Glorot-uniform initialiser (for output layers) with the next seed. */
  glorot(): ReturnType<typeof tf.initializers.glorotUniform> {
    return tf.initializers.glorotUniform({ seed: this.next() });
  }
}

function rates(d: SeedCnnDropout | false | undefined): Required<SeedCnnDropout> {
  if (d === false) return { conv1: 0, conv2: 0, conv3: 0, conv4: 0, dense: 0 };
  return { ...DEFAULT_DROPOUT, ...(d ?? {}) };
}

function maybeDropout(x: Sym, rate: number, name: string): Sym {
  if (!(rate > 0)) return x;
  if (rate >= 1) throw new Error(`architectures: dropout rate ${rate} for ${name} must be < 1`);
  return tf.layers.dropout({ rate, name }).apply(x) as Sym;
}

function convBlock(
  x: Sym,
  filters: number,
  kernel: number,
  name: string,
  seeds: Seeds,
  batchNorm: boolean,
  activate = true,
): Sym {
  let y = tf.layers
    .conv2d({
      filters,
      kernelSize: kernel,
      padding: 'same',
      useBias: !batchNorm,
      kernelInitializer: seeds.he(),
      name,
    })
    .apply(x) as Sym;
  if (batchNorm) y = tf.layers.batchNormalization({ name: `${name}_bn` }).apply(y) as Sym;
  if (activate) y = tf.layers.activation({ activation: 'relu', name: `${name}_relu` }).apply(y) as Sym;
  return y;
}

function validateShape(shape: [number, number, number], who: string): void {
  if (shape.length !== 3 || shape.some((v) => !Number.isInteger(v) || v <= 0)) {
    throw new Error(`architectures: ${who} inputShape must be [h, w, c] positive integers, got [${shape.join(', ')}]`);
  }
}

/**
 * The convolutional trunk of the seed CNN (or the small trunk), from an image input to a flat
 * feature vector. Exposed for custom heads.
 */
export function seedCnnTrunk(input: Sym, opts: TrunkOptions, seeds: Seeds = new Seeds(opts.seed ?? 42)): Sym {
  const bn = opts.batchNorm ?? false;
  const r = rates(opts.dropout);
  if (opts.small) {
    let x = convBlock(input, 16, 3, 'conv1', seeds, bn);
    x = tf.layers.maxPooling2d({ poolSize: 2, name: 'pool1' }).apply(x) as Sym;
    x = convBlock(x, 32, 3, 'conv2', seeds, bn);
    x = tf.layers.maxPooling2d({ poolSize: 2, name: 'pool2' }).apply(x) as Sym;
    x = convBlock(x, 64, 3, 'conv3', seeds, bn);
    if (opts.smallBlocks === 4) {
      x = tf.layers.maxPooling2d({ poolSize: 2, name: 'pool3' }).apply(x) as Sym;
      x = convBlock(x, 64, 3, 'conv4', seeds, bn);
    }
    x = maybeDropout(x, r.conv3, 'dropout3');
    return tf.layers.globalAveragePooling2d({ name: 'gap' }).apply(x) as Sym;
  }
  let x = convBlock(input, 32, 6, 'conv1', seeds, bn);
  x = maybeDropout(x, r.conv1, 'dropout1');
  x = convBlock(x, 64, 5, 'conv2', seeds, bn);
  x = tf.layers.maxPooling2d({ poolSize: 2, name: 'pool2' }).apply(x) as Sym;
  x = maybeDropout(x, r.conv2, 'dropout2');
  x = convBlock(x, 128, 2, 'conv3', seeds, bn);
  x = tf.layers.maxPooling2d({ poolSize: 2, name: 'pool3' }).apply(x) as Sym;
  x = maybeDropout(x, r.conv3, 'dropout3');
  if (opts.residual) {
    const y = convBlock(x, 128, 3, 'conv4', seeds, bn, false);
    x = tf.layers.add({ name: 'conv4_add' }).apply([x, y]) as Sym;
    x = tf.layers.activation({ activation: 'relu', name: 'conv4_relu' }).apply(x) as Sym;
  } else {
    x = convBlock(x, 128, 3, 'conv4', seeds, bn);
  }
  const blocks = opts.residualBlocks ?? 0;
  for (let b = 1; b <= blocks; b++) {
    const y1 = convBlock(x, 128, 3, `res${b}a`, seeds, bn);
    const y2 = convBlock(y1, 128, 3, `res${b}b`, seeds, bn, false);
    x = tf.layers.add({ name: `res${b}_add` }).apply([x, y2]) as Sym;
    x = tf.layers.activation({ activation: 'relu', name: `res${b}_relu` }).apply(x) as Sym;
  }
  x = maybeDropout(x, r.conv4, 'dropout4');
  return tf.layers.flatten({ name: 'flatten' }).apply(x) as Sym;
}

function denseRelu(x: Sym, units: number, name: string, seeds: Seeds): Sym {
  return tf.layers.dense({ units, activation: 'relu', kernelInitializer: seeds.he(), name }).apply(x) as Sym;
}

/**
 * The seed CNN of Dominguez-Sanchez+18 (as in the lecture's Keras code): conv 32@6×6 → ReLU →
 * dropout 0.5 → conv 64@5×5 → ReLU → maxpool 2 → dropout 0.25 → conv 128@2×2 → ReLU → maxpool 2
 * → dropout 0.25 → conv 128@3×3 → ReLU → dropout 0.25 → flatten → dense 64 ReLU → dropout 0.5 →
 * dense head. All convs 'same'. 2,332,513 parameters at 64×64×3 with one sigmoid output.
 * Optional batch norm / residual connections: see {@link TrunkOptions}.
 * @example const model = buildSeedCnn({ inputShape: [64, 64, 3], outputs: 1, seed: 1 });
 * Errors (bad shape or rates) are thrown synchronously.
 */
export function buildSeedCnn(opts: SeedCnnOptions = {}): tf.LayersModel {
  const inputShape = opts.inputShape ?? [64, 64, 3];
  validateShape(inputShape, 'buildSeedCnn');
  const outputs = opts.outputs ?? 1;
  if (!Number.isInteger(outputs) || outputs < 1) throw new Error(`architectures: buildSeedCnn outputs must be a positive integer, got ${outputs}`);
  const head = opts.head ?? (outputs === 1 ? 'sigmoid' : 'softmax');
  const seeds = new Seeds(opts.seed ?? 42);
  const input = tf.input({ shape: inputShape, name: 'image' });
  let x = seedCnnTrunk(input, { ...opts, inputShape }, seeds);
  x = denseRelu(x, opts.denseUnits ?? 64, 'dense1', seeds);
  x = maybeDropout(x, rates(opts.dropout).dense, 'dropout5');
  const out = tf.layers
    .dense({ units: outputs, activation: head, kernelInitializer: seeds.glorot(), name: 'head' })
    .apply(x) as Sym;
  return tf.model({ inputs: input, outputs: out, name: opts.name ?? 'seed_cnn' });
}

/** Options of {@link buildMergerClassifier}: the seed CNN options without outputs/head. */
export type MergerClassifierOptions = Omit<SeedCnnOptions, 'outputs' | 'head'>;

/**
 * 4-class merger-stage classifier: the seed CNN with a 4-way softmax head whose outputs are, in
 * order, {@link MERGER_CLASSES} (non-merger, pre-merger, ongoing, post-merger).
 * @example const model = buildMergerClassifier({ seed: 3, batchNorm: true });
 */
export function buildMergerClassifier(opts: MergerClassifierOptions = {}): tf.LayersModel {
  return buildSeedCnn({ ...opts, outputs: MERGER_CLASSES.length, head: 'softmax', name: opts.name ?? 'merger_cnn' });
}

/** Mixture-density head options. */
export interface MdnHeadOptions {
  /** Number of Gaussian components K (default 5). */
  components?: number;
  /** Floor added to σ after softplus, in target units (default 1e-3). */
  sigmaFloor?: number;
}

/**
 * Appends the MDN head: three Dense(K) layers concatenated into one [N, 3K] tensor laid out as
 * `[w_1..w_K | μ_1..μ_K | σ_1..σ_K]`: weights via softmax (sum to 1), means via softplus (so
 * z ≥ 0), σ via softplus plus `sigmaFloor` (a Rescaling layer with offset), so σ ≥ floor > 0.
 */
function mdnHead(x: Sym, k: number, floor: number, seeds: Seeds): Sym {
  if (!Number.isInteger(k) || k < 1) throw new Error(`architectures: mdn components must be a positive integer, got ${k}`);
  if (!(floor >= 0)) throw new Error(`architectures: mdn sigmaFloor must be >= 0, got ${floor}`);
  const w = tf.layers.dense({ units: k, activation: 'softmax', kernelInitializer: seeds.glorot(), name: 'mdn_weights' }).apply(x) as Sym;
  const mu = tf.layers.dense({ units: k, activation: 'softplus', kernelInitializer: seeds.glorot(), name: 'mdn_means' }).apply(x) as Sym;
  const s0 = tf.layers.dense({ units: k, activation: 'softplus', kernelInitializer: seeds.glorot(), name: 'mdn_sigma_raw' }).apply(x) as Sym;
  const sigma = tf.layers.rescaling({ scale: 1, offset: floor, name: 'mdn_sigmas' }).apply(s0) as Sym;
  return tf.layers.concatenate({ axis: -1, name: 'mdn' }).apply([w, mu, sigma]) as Sym;
}

/** Options of {@link buildPhotozMdn}. */
export interface PhotozMdnOptions extends TrunkOptions, MdnHeadOptions {
  /**
   * Number of catalog photometry inputs (magnitudes/colours and their errors) fed, after the
   * flattened image features, into the dense layers; 0 = image only (default 0). With features
   * the model has two inputs, `[image, features]`.
   */
  features?: number;
  /** Dense hidden layer sizes after the trunk (default [64]). */
  hidden?: number[];
  /** Dropout after each hidden dense layer (default 0.1; 0 = none). */
  denseDropout?: number;
  /** Model name (default 'photoz_mdn'). */
  name?: string;
}

/**
 * CNN + mixture-density network for photometric redshift. Image input `image` [h, w, c] through
 * the seed trunk (or `small: true` for a lighter one); optional catalog photometry input
 * `features` [F] concatenated with the image features; dense ReLU layers; MDN head with output
 * [N, 3K] = `[w_1..w_K | μ_1..μ_K | σ_1..σ_K]` (see {@link mdnNegLogLikelihood}).
 * @example const m = buildPhotozMdn({ inputShape: [64, 64, 3], features: 10, components: 5, small: true });
 */
export function buildPhotozMdn(opts: PhotozMdnOptions = {}): tf.LayersModel {
  const inputShape = opts.inputShape ?? [64, 64, 3];
  validateShape(inputShape, 'buildPhotozMdn');
  const seeds = new Seeds(opts.seed ?? 42);
  const image = tf.input({ shape: inputShape, name: 'image' });
  const trunkOpts: TrunkOptions = { ...opts, inputShape };
  if (opts.dropout === undefined && !opts.small) trunkOpts.dropout = { ...DEFAULT_DROPOUT, conv1: 0.1, conv2: 0.1, conv3: 0.1, conv4: 0.1 };
  let x = seedCnnTrunk(image, trunkOpts, seeds);
  const inputs: tf.SymbolicTensor[] = [image];
  const f = opts.features ?? 0;
  if (f > 0) {
    const feats = tf.input({ shape: [f], name: 'features' });
    inputs.push(feats);
    x = tf.layers.concatenate({ axis: -1, name: 'image_and_features' }).apply([x, feats]) as Sym;
  }
  (opts.hidden ?? [64]).forEach((units, i) => {
    x = denseRelu(x, units, `dense${i + 1}`, seeds);
    x = maybeDropout(x, opts.denseDropout ?? 0.1, `dense${i + 1}_dropout`);
  });
  const out = mdnHead(x, opts.components ?? 5, opts.sigmaFloor ?? 1e-3, seeds);
  return tf.model({ inputs, outputs: out, name: opts.name ?? 'photoz_mdn' });
}

/** Options of {@link buildPhotometryMdn}. */
export interface PhotometryMdnOptions extends MdnHeadOptions {
  /** Number of photometry inputs (required). */
  features: number;
  /** Hidden dense layer sizes (default [64, 64]). */
  hidden?: number[];
  /** Dropout after each hidden layer (default 0.1). */
  dropout?: number;
  /** Initialiser seed (default 42). */
  seed?: number;
  /** Model name (default 'photometry_mdn'). */
  name?: string;
}

/**
 * Photometry-only MDN for catalogs without cutouts: input `features` [F] → dense ReLU layers
 * (He-normal) with dropout → MDN head, output [N, 3K] as in {@link buildPhotozMdn}.
 * @example const m = buildPhotometryMdn({ features: 8, components: 5 });
 */
export function buildPhotometryMdn(opts: PhotometryMdnOptions): tf.LayersModel {
  if (!Number.isInteger(opts.features) || opts.features < 1) {
    throw new Error(`architectures: buildPhotometryMdn features must be a positive integer, got ${opts.features}`);
  }
  const seeds = new Seeds(opts.seed ?? 42);
  const input = tf.input({ shape: [opts.features], name: 'features' });
  let x: Sym = input;
  (opts.hidden ?? [64, 64]).forEach((units, i) => {
    x = denseRelu(x, units, `dense${i + 1}`, seeds);
    x = maybeDropout(x, opts.dropout ?? 0.1, `dense${i + 1}_dropout`);
  });
  const out = mdnHead(x, opts.components ?? 5, opts.sigmaFloor ?? 1e-3, seeds);
  return tf.model({ inputs: input, outputs: out, name: opts.name ?? 'photometry_mdn' });
}

/**
 * Mean negative log-likelihood of `yTrue` under the Gaussian mixture `yPred` [N, 3K] laid out
 * `[w | μ | σ]`: −mean_n log Σ_k w_k N(y_n; μ_k, σ_k), evaluated with log-sum-exp. `yTrue` may be
 * [N] or [N, 1]. Weights are clamped at 1e-30 before the log (softmax can underflow to 0).
 * @example const loss = mdnNegLogLikelihood(z, model.predict(x) as tf.Tensor2D, 5);
 */
export function mdnNegLogLikelihood(yTrue: tf.Tensor, yPred: tf.Tensor, components: number): tf.Scalar {
  return tf.tidy(() => {
    const k = components;
    if (yPred.rank !== 2 || yPred.shape[1] !== 3 * k) {
      throw new Error(`architectures: mdn prediction must be [N, ${3 * k}] for K=${k}, got [${yPred.shape.join(', ')}]`);
    }
    const y = yTrue.reshape([-1, 1]);
    const w = yPred.slice([0, 0], [-1, k]);
    const mu = yPred.slice([0, k], [-1, k]);
    const sigma = yPred.slice([0, 2 * k], [-1, k]);
    const zed = y.sub(mu).div(sigma);
    const logN = zed.square().mul(-0.5).sub(sigma.log()).sub(0.5 * Math.log(2 * Math.PI));
    const logp = tf.logSumExp(w.maximum(1e-30).log().add(logN), 1);
    return logp.mean().neg() as tf.Scalar;
  });
}

/** Total parameter count (trainable and not), as Keras `model.count_params()`. */
export function parameterCount(model: tf.LayersModel): number {
  return model.countParams();
}

function fmtShape(shape: unknown): string {
  if (Array.isArray(shape) && shape.length > 0 && Array.isArray(shape[0])) return shape.map((s) => fmtShape(s)).join(', ');
  if (!Array.isArray(shape)) return String(shape);
  return `(${shape.map((d) => (d === null ? 'None' : String(d))).join(', ')})`;
}

const fmtInt = (n: number): string => n.toLocaleString('en-US');

/**
 * Keras `model.summary()`-style table: one row per layer (name and class, output shape, params),
 * then total, trainable and non-trainable parameter counts.
 * @example console.log(summaryTable(buildSeedCnn())); // ... Total params: 2,332,513
 */
export function summaryTable(model: tf.LayersModel): string {
  const rows: [string, string, string][] = model.layers.map((l) => [
    `${l.name} (${l.getClassName()})`,
    fmtShape(l.outputShape),
    fmtInt(l.countParams()),
  ]);
  const head: [string, string, string] = ['Layer (type)', 'Output Shape', 'Param #'];
  const w0 = Math.max(head[0].length, ...rows.map((r) => r[0].length)) + 2;
  const w1 = Math.max(head[1].length, ...rows.map((r) => r[1].length)) + 2;
  const w2 = Math.max(head[2].length, ...rows.map((r) => r[2].length));
  const line = (r: [string, string, string]) => r[0].padEnd(w0) + r[1].padEnd(w1) + r[2].padStart(w2);
  const width = w0 + w1 + w2;
  const count = (ws: tf.LayerVariable[]) => ws.reduce((s, w) => s + w.shape.reduce((a: number, b) => a * (b ?? 1), 1), 0);
  const trainable = count(model.trainableWeights);
  const nonTrainable = count(model.nonTrainableWeights);
  return [
    `Model: "${model.name}"`,
    '_'.repeat(width),
    line(head),
    '='.repeat(width),
    ...rows.map(line),
    '='.repeat(width),
    `Total params: ${fmtInt(trainable + nonTrainable)}`,
    `Trainable params: ${fmtInt(trainable)}`,
    `Non-trainable params: ${fmtInt(nonTrainable)}`,
    '_'.repeat(width),
  ].join('\n');
}

const MC_PATCH = Symbol.for('survey-classifier.mcDropout');

/**
 * An inverted-dropout multiplier of `shape`: each element is 1/keep with probability `keep`, else
 * 0, as `tf.dropout` draws it. Generated here with one seeded 32-bit generator (mulberry32,
 * seeded from `Math.random`, so `withSeededRandom` makes the masks reproducible) instead of
 * TF.js's per-element random-uniform op, which costs more than the rest of a small network's
 * MC pass.
 */
export function bernoulliMask(shape: readonly number[], keep: number): tf.Tensor {
  let size = 1;
  for (const d of shape) size *= d;
  const values = new Float32Array(size);
  const scale = 1 / keep;
  // each 32-bit draw gives two 16-bit uniforms: the keep probability is round(keep·65536)/65536
  // (within 8e-6 of `keep`), at half the generator calls
  const threshold = Math.round(keep * 65536);
  // mulberry32 (src/random.ts) inlined: in this loop a closure call per element costs 2-3× more
  let a = (Math.random() * 2 ** 32) | 0;
  for (let i = 0; i < size; i += 2) {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    t = (t ^ (t >>> 14)) >>> 0;
    if ((t & 0xffff) < threshold) values[i] = scale;
    if (t >>> 16 < threshold && i + 1 < size) values[i + 1] = scale;
  }
  return tf.tensor(values, shape as number[], 'float32');
}

type CallFn = (inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>) => tf.Tensor | tf.Tensor[];
interface Patchable {
  call: CallFn;
  [MC_PATCH]?: CallFn;
}

/**
 * Switches MC dropout on or off for every dropout-type layer (Dropout, SpatialDropout1D,
 * GaussianDropout, AlphaDropout) of `model`, including nested models: when on, those layers
 * apply their random mask in `predict`/`apply` as in training, while every other layer (batch
 * norm in particular) stays in inference mode. Works on any LayersModel, e.g. one loaded from a
 * Keras-converted model.json. Returns the number of layers switched; 0 means the model has no
 * dropout (a converter may have stripped it) and MC dropout cannot be done with it.
 * @example setMcDropout(model, true); const draws = Array.from({ length: 30 }, () => model.predict(x));
 */
export function setMcDropout(model: tf.LayersModel, active: boolean): number {
  let n = 0;
  const visit = (layers: tf.layers.Layer[]) => {
    for (const layer of layers) {
      const nested = (layer as unknown as { layers?: tf.layers.Layer[] }).layers;
      if (Array.isArray(nested)) visit(nested);
      if (!/Dropout$/.test(layer.getClassName())) continue;
      n += 1;
      const p = layer as unknown as Patchable;
      const original = p[MC_PATCH];
      if (active && original === undefined) {
        const call = p.call.bind(layer) as CallFn;
        p[MC_PATCH] = call;
        const plain = layer as unknown as { rate?: number; noiseShape?: unknown };
        const fast = layer.getClassName() === 'Dropout' && plain.noiseShape == null && typeof plain.rate === 'number' && plain.rate > 0 && plain.rate < 1;
        p.call = fast
          ? (inputs) => {
              const x = Array.isArray(inputs) ? inputs[0]! : inputs;
              return tf.tidy(() => tf.mul(x, bernoulliMask(x.shape, 1 - plain.rate!)));
            }
          : (inputs, kwargs) => call(inputs, { ...kwargs, training: true });
      } else if (!active && original !== undefined) {
        delete (p as { call?: CallFn }).call;
        delete p[MC_PATCH];
        if (typeof p.call !== 'function') p.call = original;
      }
    }
  };
  visit(model.layers);
  return n;
}

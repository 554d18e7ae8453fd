/**
 * The training loop behind `survey-classify train`: seeded shuffling, on-the-fly augmentation,
 * Adam, validation, early stopping, best-weight tracking, and per-epoch checkpoints that resume
 * bit-for-bit (same weights as an uninterrupted run with the same seed, on the same backend).
 *
 * Reproducibility: one {@link Rng} drives the batch order, the augmentation and (through
 * `Math.random`, swapped in only for the synchronous step) tfjs' dropout masks; its state is in
 * every checkpoint. The validation split uses its own generator derived from the seed.
 * The backend is wasm (with this project's conv-gradient kernels) when available, else cpu;
 * results are reproducible per backend, not across backends (float summation order differs).
 */
import * as tf from '@tensorflow/tfjs';
import { mdnNegLogLikelihood } from '../model/architectures.js';
import { augmentBatch, isNoAugmentation, type AugmentOptions } from './augment.js';
import { selectTrainingBackend, type TrainingBackend } from './backend.js';
export { selectTrainingBackend, type TrainingBackend } from './backend.js';
import type { CheckpointStore, EpochLogs, NamedArray, TrainCheckpoint } from './checkpoint.js';
import { Rng } from './rng.js';

/** What the model predicts. */
export type TrainTask = 'binary' | 'categorical' | 'mdn';

/** A labelled data set held as flat typed arrays (row-major, NHWC for images). */
export interface TrainData {
  /** n × prod(inputShape) values: images [h, w, c] or, for photometry-only models, features [f]. */
  x: Float32Array;
  /**
   * Targets: binary → n values 0/1; categorical → n class indices (Int32Array, or Float32Array of
   * length n) or n × C one-hot/probabilities (Float32Array); mdn → n target values (e.g. z).
   */
  y: Float32Array | Int32Array;
  /** Optional n × F catalog features for two-input models ([image, features]). */
  features?: Float32Array;
  /** Number of rows. */
  n: number;
  /** Shape of one x row. */
  inputShape: number[];
}

/** Early stopping settings. */
export interface EarlyStoppingOptions {
  /** Epochs without improvement before stopping (default 5). */
  patience?: number;
  /** Smallest change that counts as improvement (default 0). */
  minDelta?: number;
  /** Metric watched (default 'val_loss', or 'loss' without validation). */
  monitor?: 'loss' | 'acc' | 'val_loss' | 'val_acc';
}

/**
 * Learning-rate reduction on a plateau of the monitored metric (Keras' ReduceLROnPlateau):
 * after `patience` epochs without improvement the Adam learning rate is multiplied by
 * `factor`, down to `minLearningRate`; the count restarts after each reduction.
 */
export interface ReduceLrOnPlateauOptions {
  /** Multiplier in (0, 1) (Keras default 0.1; 0.5 is gentler). */
  factor: number;
  /** Epochs without improvement before a reduction (default 2). */
  patience?: number;
  /** Floor of the learning rate (default 1e-5). */
  minLearningRate?: number;
}

/** Progress events. */
export type TrainProgress =
  | { type: 'start'; backend: TrainingBackend; epochs: number; startEpoch: number; trainRows: number; validationRows: number }
  | { type: 'batch'; epoch: number; batch: number; batches: number; loss: number }
  | { type: 'epoch'; epoch: number; logs: EpochLogs; imagesPerSec: number; improved: boolean }
  | { type: 'learning-rate'; epoch: number; learningRate: number }
  | { type: 'checkpoint'; epoch: number }
  | { type: 'stop'; epoch: number; reason: 'early-stopping' | 'completed' };

/** Options of {@link trainModel}. */
export interface TrainOptions {
  model: tf.LayersModel;
  data: TrainData;
  task: TrainTask;
  /** Fraction of rows held out for validation, chosen by a seeded shuffle (default 0.2 unless `validationData`). */
  validationSplit?: number;
  /** Explicit validation set (overrides validationSplit). */
  validationData?: TrainData;
  /** Custom loss (yTrue, yPred) → scalar; default per task (binary/categorical cross-entropy, MDN NLL). */
  loss?: (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Scalar;
  /**
   * Class weights for the default binary ([negative, positive]) or categorical (one per class)
   * cross-entropy, as Keras' `class_weight`: each sample's loss is multiplied by its class's
   * weight. The validation loss (the default early-stopping monitor) is weighted the same way.
   */
  classWeights?: readonly number[];
  /** Epochs (default 10). */
  epochs?: number;
  /** Batch size (default 32). */
  batchSize?: number;
  /** Adam learning rate (default 1e-3). */
  learningRate?: number;
  /** Seed for split, shuffling, augmentation and dropout (default 42). */
  seed?: number;
  /** Reduce the learning rate when the monitored metric stops improving; omitted = constant rate. */
  reduceLrOnPlateau?: ReduceLrOnPlateauOptions;
  /** Early stopping; omitted = run all epochs. */
  earlyStopping?: EarlyStoppingOptions;
  /** Restore the best epoch's weights (by the monitored metric) into the model at the end (default true). */
  restoreBestWeights?: boolean;
  /** Augmentation applied to image batches during training only; omitted/false = none. */
  augmentation?: AugmentOptions | false;
  /** Where to save a checkpoint after every epoch (Node: fsCheckpointStore(dir)). */
  checkpoint?: CheckpointStore;
  /** Continue from the store's checkpoint, if any (default false). */
  resume?: boolean;
  /** Backend choice (default 'auto': wasm, else cpu). */
  backend?: 'auto' | TrainingBackend;
  /** Progress callback (awaited). */
  onProgress?: (ev: TrainProgress) => void | Promise<void>;
  /** Stop after this many epochs of this call even if `epochs` is larger (for staged runs; default: none). */
  stopAfterEpochs?: number;
}

/** Result of {@link trainModel}. */
export interface TrainResult {
  history: EpochLogs[];
  /** 0-based epoch with the best monitored value (-1 if none). */
  bestEpoch: number;
  /** Best monitored value. */
  best: number | null;
  monitor: string;
  /** Weights at the best epoch (model.getWeights() order). */
  bestWeights: NamedArray[];
  stoppedEarly: boolean;
  backend: TrainingBackend;
  /** Epoch the run resumed at, or null. */
  resumedAt: number | null;
}

interface Split {
  x: Float32Array;
  y: Float32Array | Int32Array;
  features?: Float32Array;
  n: number;
}

const prod = (s: number[]) => s.reduce((a, b) => a * b, 1);

function outputUnits(model: tf.LayersModel): number {
  const shape = model.outputs[0]?.shape;
  const units = shape?.[shape.length - 1];
  if (typeof units !== 'number') throw new Error('train: model output has no static last dimension');
  return units;
}

function validateData(d: TrainData, label: string, model: tf.LayersModel, task: TrainTask): void {
  const per = prod(d.inputShape);
  if (!Number.isInteger(d.n) || d.n < 1) throw new Error(`train: ${label} n must be a positive integer, got ${d.n}`);
  if (d.x.length !== d.n * per) {
    throw new Error(`train: ${label} x has ${d.x.length} values, expected n × prod(inputShape) = ${d.n} × ${per}`);
  }
  const modelShape = model.inputs[0]?.shape.slice(1);
  if (modelShape && modelShape.join(',') !== d.inputShape.join(',')) {
    throw new Error(`train: ${label} inputShape [${d.inputShape.join(', ')}] does not match the model input [${modelShape.join(', ')}]`);
  }
  if (model.inputs.length > 1) {
    const f = model.inputs[1]?.shape[1] ?? 0;
    if (!d.features || d.features.length !== d.n * f) {
      throw new Error(`train: ${label} features must hold n × ${f} = ${d.n * f} values for model input "${model.inputs[1]?.name}", got ${d.features?.length ?? 'none'}`);
    }
  }
  const units = outputUnits(model);
  const okY = task === 'categorical' ? d.y.length === d.n || d.y.length === d.n * units : d.y.length === d.n;
  if (!okY) throw new Error(`train: ${label} y has ${d.y.length} values for n = ${d.n} and task '${task}'`);
}

function subset(d: TrainData, idx: Int32Array, yPer: number): Split {
  const per = prod(d.inputShape);
  const x = new Float32Array(idx.length * per);
  const Y = d.y instanceof Int32Array ? Int32Array : Float32Array;
  const y = new Y(idx.length * yPer);
  const fPer = d.features ? d.features.length / d.n : 0;
  const features = d.features ? new Float32Array(idx.length * fPer) : undefined;
  idx.forEach((r, i) => {
    x.set(d.x.subarray(r * per, (r + 1) * per), i * per);
    y.set(d.y.subarray(r * yPer, (r + 1) * yPer), i * yPer);
    if (features && d.features) features.set(d.features.subarray(r * fPer, (r + 1) * fPer), i * fPer);
  });
  return features ? { x, y, features, n: idx.length } : { x, y, n: idx.length };
}

function targetTensor(y: Float32Array | Int32Array, n: number, task: TrainTask, units: number): tf.Tensor {
  if (task === 'categorical') {
    if (y.length === n && units > 1) return tf.oneHot(tf.tensor1d(Int32Array.from(y), 'int32'), units).toFloat();
    return tf.tensor2d(Float32Array.from(y), [n, units]);
  }
  return tf.tensor2d(Float32Array.from(y), [n, 1]);
}

function defaultLoss(task: TrainTask, units: number, classWeights?: readonly number[]): (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Scalar {
  if (classWeights) {
    const expected = task === 'binary' ? 2 : task === 'categorical' ? units : 0;
    if (classWeights.length !== expected || classWeights.some((w) => !(w >= 0 && Number.isFinite(w)))) {
      throw new Error(`train: classWeights must be ${expected === 0 ? 'omitted for mixture-density models' : `${expected} non-negative numbers for this ${task} model`}, got [${classWeights.join(', ')}]`);
    }
  }
  switch (task) {
    case 'binary': {
      if (!classWeights) return (t, p) => tf.mean(tf.metrics.binaryCrossentropy(t, p)) as tf.Scalar;
      const [w0, w1] = classWeights as [number, number];
      // per-sample weight w0 + (w1 − w0)·t, t ∈ {0, 1}
      return (t, p) => tf.mean(tf.mul(tf.metrics.binaryCrossentropy(t, p), tf.add(w0, tf.mul(w1 - w0, tf.squeeze(t, [-1]))))) as tf.Scalar;
    }
    case 'categorical': {
      if (!classWeights) return (t, p) => tf.mean(tf.metrics.categoricalCrossentropy(t, p)) as tf.Scalar;
      const w = tf.tensor1d(Float32Array.from(classWeights));
      return (t, p) => tf.mean(tf.mul(tf.metrics.categoricalCrossentropy(t, p), tf.sum(tf.mul(t, w), -1))) as tf.Scalar;
    }
    case 'mdn':
      if (units % 3 !== 0) throw new Error(`train: mdn model output has ${units} units, not a multiple of 3`);
      return (t, p) => mdnNegLogLikelihood(t, p, units / 3);
    default:
      throw new Error(`train: unknown task '${String(task)}' (expected binary, categorical, mdn)`);
  }
}

function accuracy(task: TrainTask, t: tf.Tensor, p: tf.Tensor): tf.Scalar | null {
  if (task === 'binary') return tf.mean(tf.equal(tf.greater(p, 0.5).toFloat(), t.round()).toFloat()) as tf.Scalar;
  if (task === 'categorical') return tf.mean(tf.equal(tf.argMax(p, -1), tf.argMax(t, -1)).toFloat()) as tf.Scalar;
  return null;
}

async function snapshot(tensors: { name: string; tensor: tf.Tensor }[]): Promise<NamedArray[]> {
  return Promise.all(
    tensors.map(async ({ name, tensor }) => {
      const dtype = tensor.dtype === 'int32' ? 'int32' : 'float32';
      const data = (await tensor.data()) as Float32Array | Int32Array;
      return { name, shape: tensor.shape.slice(), dtype, data: dtype === 'int32' ? Int32Array.from(data) : Float32Array.from(data) };
    }),
  );
}

/** The model's weights (trainable and not, model.getWeights() order) as typed arrays. */
export async function modelWeights(model: tf.LayersModel): Promise<NamedArray[]> {
  return snapshot(model.weights.map((w, i) => ({ name: w.name, tensor: model.getWeights()[i]! })));
}

/** Loads weights from {@link modelWeights} back into a model of the same architecture. */
export function setModelWeights(model: tf.LayersModel, weights: NamedArray[]): void {
  if (weights.length !== model.weights.length) {
    throw new Error(`train: ${weights.length} weight arrays for a model with ${model.weights.length} weights`);
  }
  const ts = weights.map((w, i) => {
    const want = model.weights[i]!.shape;
    if (want.join(',') !== w.shape.join(',')) {
      throw new Error(`train: weight "${w.name}" has shape [${w.shape.join(', ')}], model expects [${want.join(', ')}]`);
    }
    return tf.tensor(w.data, w.shape, w.dtype);
  });
  model.setWeights(ts);
  tf.dispose(ts);
}

type AdamInternals = { accBeta1?: tf.Variable; accBeta2?: tf.Variable };

function batchInputs(model: tf.LayersModel, s: Split, idx: Int32Array | null, start: number, end: number, inputShape: number[]) {
  const per = prod(inputShape);
  const b = end - start;
  const x = new Float32Array(b * per);
  const fPer = s.features ? s.features.length / s.n : 0;
  const f = s.features ? new Float32Array(b * fPer) : null;
  for (let i = 0; i < b; i++) {
    const r = idx ? idx[start + i]! : start + i;
    x.set(s.x.subarray(r * per, (r + 1) * per), i * per);
    if (f && s.features) f.set(s.features.subarray(r * fPer, (r + 1) * fPer), i * fPer);
  }
  const inputs: tf.Tensor[] = [tf.tensor(x, [b, ...inputShape])];
  if (model.inputs.length > 1 && f) inputs.push(tf.tensor2d(f, [b, fPer]));
  return inputs;
}

function batchTargets(s: Split, idx: Int32Array | null, start: number, end: number, yPer: number): Float32Array | Int32Array {
  const b = end - start;
  const out = s.y instanceof Int32Array ? new Int32Array(b * yPer) : new Float32Array(b * yPer);
  for (let i = 0; i < b; i++) {
    const r = idx ? idx[start + i]! : start + i;
    out.set(s.y.subarray(r * yPer, (r + 1) * yPer), i * yPer);
  }
  return out;
}

/**
 * Trains `model` in place and returns the history and the best weights. Runs in Node, Deno and
 * browsers (checkpoint storage is injected). Bad options or data shapes reject before the first
 * step with a `train: ...` error; a checkpoint written with different settings rejects on resume.
 * Call {@link selectTrainingBackend} before building the model, so its variables are created on
 * the backend that trains it (tfjs refuses to create tensors while 'wasm' is registered but not
 * yet initialised). Defaults: epochs 10, batchSize 32, learningRate 1e-3 (Adam), seed 42,
 * validationSplit 0.2, no early stopping, no augmentation, restoreBestWeights true.
 * @example
 *   const res = await trainModel({ model, data, task: 'binary', epochs: 20, batchSize: 32,
 *     augmentation: LECTURE_AUGMENTATION, earlyStopping: { patience: 3 }, seed: 1 });
 */
export async function trainModel(opts: TrainOptions): Promise<TrainResult> {
  const { model, data, task } = opts;
  const epochs = opts.epochs ?? 10;
  const batchSize = opts.batchSize ?? 32;
  const lr = opts.learningRate ?? 1e-3;
  const seed = opts.seed ?? 42;
  if (!Number.isInteger(epochs) || epochs < 1) throw new Error(`train: epochs must be a positive integer, got ${epochs}`);
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`train: batchSize must be a positive integer, got ${batchSize}`);
  if (!(lr > 0)) throw new Error(`train: learningRate must be > 0, got ${lr}`);
  const backend = await selectTrainingBackend({ prefer: opts.backend ?? 'auto' });
  const units = outputUnits(model);
  validateData(data, 'data', model, task);
  const yPer = task === 'categorical' && data.y.length === data.n * units ? units : 1;

  // Split.
  let train: Split;
  let val: Split | null;
  if (opts.validationData) {
    validateData(opts.validationData, 'validationData', model, task);
    train = data;
    val = opts.validationData;
  } else {
    const frac = opts.validationSplit ?? 0.2;
    if (!(frac >= 0 && frac < 1)) throw new Error(`train: validationSplit must be in [0, 1), got ${frac}`);
    const order = new Rng(seed ^ 0x5eed).shuffle(Int32Array.from({ length: data.n }, (_, i) => i));
    const nVal = Math.round(data.n * frac);
    if (data.n - nVal < 1) throw new Error(`train: validationSplit ${frac} leaves no training rows of ${data.n}`);
    train = subset(data, order.slice(nVal), yPer);
    val = nVal > 0 ? subset(data, order.slice(0, nVal), yPer) : null;
  }
  const valYPer = val && task === 'categorical' && val.y.length === val.n * units ? units : 1;
  const lossFn = opts.loss ?? defaultLoss(task, units, opts.classWeights);
  const monitor = opts.earlyStopping?.monitor ?? (val ? 'val_loss' : 'loss');
  if (monitor.startsWith('val_') && !val) throw new Error(`train: earlyStopping monitor '${monitor}' needs validation data`);
  if (monitor.endsWith('acc') && task === 'mdn') throw new Error(`train: monitor '${monitor}' is not available for task 'mdn'`);
  const maximise = monitor.endsWith('acc');
  const patience = opts.earlyStopping?.patience ?? 5;
  const minDelta = opts.earlyStopping?.minDelta ?? 0;
  const plateau = opts.reduceLrOnPlateau;
  const plateauPatience = plateau?.patience ?? 2;
  const minLr = plateau?.minLearningRate ?? 1e-5;
  if (plateau) {
    if (!(plateau.factor > 0 && plateau.factor < 1)) throw new Error(`train: reduceLrOnPlateau.factor must be in (0, 1), got ${plateau.factor}`);
    if (!Number.isInteger(plateauPatience) || plateauPatience < 1) throw new Error(`train: reduceLrOnPlateau.patience must be a positive integer, got ${plateauPatience}`);
    if (!(minLr > 0 && minLr <= lr)) throw new Error(`train: reduceLrOnPlateau.minLearningRate must be in (0, learningRate], got ${minLr}`);
  }
  const augment = opts.augmentation && data.inputShape.length === 3 && !isNoAugmentation(opts.augmentation) ? opts.augmentation : null;

  const config: TrainCheckpoint['config'] = {
    task, seed, batchSize, learningRate: lr, n: data.n, trainRows: train.n, validationRows: val?.n ?? 0,
    augmentation: augment ? JSON.stringify(augment) : null, monitor, model: model.name, params: model.countParams(),
    reduceLrOnPlateau: plateau ? JSON.stringify({ factor: plateau.factor, patience: plateauPatience, minLearningRate: minLr }) : null,
  };

  const rng = new Rng(seed);
  const optimizer = tf.train.adam(lr);
  const varList = model.trainableWeights.map((w) => w.read() as tf.Variable);
  let history: EpochLogs[] = [];
  let best: number | null = null;
  let bestEpoch = -1;
  let wait = 0;
  let bestWeights: NamedArray[] | null = null;
  let startEpoch = 0;
  let resumedAt: number | null = null;
  // the learning-rate schedule's state: the current rate and epochs since the last improvement or reduction
  let currentLr = lr;
  let plateauWait = 0;
  const setLearningRate = (value: number): void => {
    currentLr = value;
    (optimizer as unknown as { learningRate: number }).learningRate = value;
  };

  if (opts.resume && opts.checkpoint) {
    const ck = await opts.checkpoint.load();
    if (ck) {
      for (const [k, v] of Object.entries(config)) {
        if ((ck.config[k] ?? null) !== v) throw new Error(`train: checkpoint was written with ${k} = ${JSON.stringify(ck.config[k])}, this run has ${JSON.stringify(v)}`);
      }
      setModelWeights(model, ck.weights);
      if (ck.optimizer.length > 0) {
        await optimizer.setWeights(ck.optimizer.map((o) => ({ name: o.name, tensor: tf.tensor(o.data, o.shape, o.dtype) })));
        const adam = optimizer as unknown as AdamInternals;
        if (ck.accBeta && adam.accBeta1 && adam.accBeta2) {
          adam.accBeta1.assign(tf.scalar(ck.accBeta[0]));
          adam.accBeta2.assign(tf.scalar(ck.accBeta[1]));
        }
      }
      rng.state = ck.rngState;
      history = ck.history;
      best = ck.earlyStopping.best;
      bestEpoch = ck.earlyStopping.bestEpoch;
      wait = ck.earlyStopping.wait;
      bestWeights = ck.bestWeights;
      if (ck.schedule) {
        setLearningRate(ck.schedule.learningRate);
        plateauWait = ck.schedule.wait;
      }
      startEpoch = ck.epoch;
      resumedAt = ck.epoch;
    }
  }

  await opts.onProgress?.({ type: 'start', backend, epochs, startEpoch, trainRows: train.n, validationRows: val?.n ?? 0 });
  const batches = Math.ceil(train.n / batchSize);
  let stoppedEarly = patience >= 0 && opts.earlyStopping !== undefined && wait >= patience && startEpoch > 0;
  const lastEpoch = opts.stopAfterEpochs !== undefined ? Math.min(epochs, startEpoch + opts.stopAfterEpochs) : epochs;

  for (let epoch = startEpoch; epoch < lastEpoch && !stoppedEarly; epoch++) {
    const t0 = performance.now();
    const order = rng.shuffle(Int32Array.from({ length: train.n }, (_, i) => i));
    let lossSum = 0;
    let accSum = 0;
    for (let b = 0; b < batches; b++) {
      const start = b * batchSize;
      const end = Math.min(train.n, start + batchSize);
      const rawInputs = batchInputs(model, train, order, start, end, data.inputShape);
      if (augment) {
        const aug = augmentBatch(rawInputs[0] as tf.Tensor4D, augment, rng);
        rawInputs[0]!.dispose();
        rawInputs[0] = aug;
      }
      const yb = targetTensor(batchTargets(train, order, start, end, yPer), end - start, task, units);
      let accT: tf.Scalar | null = null;
      const cost = rng.asMathRandom(() =>
        optimizer.minimize(() => {
          const pred = model.apply(rawInputs.length === 1 ? rawInputs[0]! : rawInputs, { training: true }) as tf.Tensor;
          const l = lossFn(yb, pred);
          accT = tf.keep(tf.tidy(() => accuracy(task, yb, pred) ?? tf.scalar(0)));
          return l;
        }, true, varList),
      );
      const lossV = cost ? (await cost.data())[0]! : NaN;
      const accV = accT ? (await (accT as tf.Scalar).data())[0]! : 0;
      tf.dispose([cost as tf.Tensor, accT as unknown as tf.Tensor, yb, ...rawInputs]);
      if (!Number.isFinite(lossV)) throw new Error(`train: loss became ${lossV} at epoch ${epoch}, batch ${b}`);
      lossSum += lossV * (end - start);
      accSum += accV * (end - start);
      await opts.onProgress?.({ type: 'batch', epoch, batch: b, batches, loss: lossV });
    }
    const logs: EpochLogs = { epoch, loss: lossSum / train.n, ms: 0, ...(plateau ? { lr: currentLr } : {}) };
    if (task !== 'mdn') logs.acc = accSum / train.n;
    if (val) {
      const ev = await evaluate(model, val, task, lossFn, units, valYPer, data.inputShape, batchSize);
      logs.val_loss = ev.loss;
      if (ev.acc !== null) logs.val_acc = ev.acc;
    }
    logs.ms = performance.now() - t0;
    history.push(logs);
    const value = logs[monitor];
    let improved = false;
    if (value !== undefined && Number.isFinite(value)) {
      improved = best === null || (maximise ? value > best + minDelta : value < best - minDelta);
      if (improved) {
        best = value;
        bestEpoch = epoch;
        wait = 0;
        bestWeights = await modelWeights(model);
      } else {
        wait += 1;
      }
    }
    await opts.onProgress?.({ type: 'epoch', epoch, logs, imagesPerSec: (train.n * 1000) / logs.ms, improved });
    if (opts.earlyStopping && wait >= patience) stoppedEarly = true;
    if (plateau && !stoppedEarly) {
      plateauWait = improved ? 0 : plateauWait + 1;
      if (plateauWait >= plateauPatience && currentLr > minLr) {
        setLearningRate(Math.max(minLr, currentLr * plateau.factor));
        plateauWait = 0;
        await opts.onProgress?.({ type: 'learning-rate', epoch, learningRate: currentLr });
      }
    }
    if (opts.checkpoint) {
      const optWeights = await optimizer.getWeights();
      const adam = optimizer as unknown as AdamInternals;
      const accBeta: [number, number] | null =
        adam.accBeta1 && adam.accBeta2 ? [(await adam.accBeta1.data())[0]!, (await adam.accBeta2.data())[0]!] : null;
      await opts.checkpoint.save({
        version: 1,
        epoch: epoch + 1,
        step: optimizer.iterations,
        rngState: rng.state,
        weights: await modelWeights(model),
        optimizer: await snapshot(optWeights),
        accBeta,
        history,
        earlyStopping: { best, bestEpoch, wait },
        ...(plateau ? { schedule: { learningRate: currentLr, wait: plateauWait } } : {}),
        bestWeights,
        config,
      });
      optWeights[0]?.tensor.dispose();
      await opts.onProgress?.({ type: 'checkpoint', epoch });
    }
    if (stoppedEarly) await opts.onProgress?.({ type: 'stop', epoch, reason: 'early-stopping' });
  }
  if (!stoppedEarly && history.length > 0) await opts.onProgress?.({ type: 'stop', epoch: history.length - 1, reason: 'completed' });
  optimizer.dispose();
  if ((opts.restoreBestWeights ?? true) && bestWeights) setModelWeights(model, bestWeights);
  return {
    history,
    bestEpoch,
    best,
    monitor,
    bestWeights: bestWeights ?? (await modelWeights(model)),
    stoppedEarly,
    backend,
    resumedAt,
  };
}

async function evaluate(
  model: tf.LayersModel,
  s: Split,
  task: TrainTask,
  lossFn: (t: tf.Tensor, p: tf.Tensor) => tf.Scalar,
  units: number,
  yPer: number,
  inputShape: number[],
  batchSize: number,
): Promise<{ loss: number; acc: number | null }> {
  let lossSum = 0;
  let accSum = 0;
  const bs = Math.max(batchSize, 64);
  for (let start = 0; start < s.n; start += bs) {
    const end = Math.min(s.n, start + bs);
    const inputs = batchInputs(model, s, null, start, end, inputShape);
    const yb = targetTensor(batchTargets(s, null, start, end, yPer), end - start, task, units);
    const p = tf.tidy(() => model.predict(inputs.length === 1 ? inputs[0]! : inputs) as tf.Tensor);
    const l = tf.tidy(() => lossFn(yb, p));
    const a = tf.tidy(() => accuracy(task, yb, p) ?? tf.scalar(0));
    lossSum += (await l.data())[0]! * (end - start);
    accSum += (await a.data())[0]! * (end - start);
    tf.dispose([l, a, p, yb, ...inputs]);
  }
  return { loss: lossSum / s.n, acc: task === 'mdn' ? null : accSum / s.n };
}

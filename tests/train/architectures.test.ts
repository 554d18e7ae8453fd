import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  buildMergerClassifier,
  buildPhotometryMdn,
  buildPhotozMdn,
  buildSeedCnn,
  MERGER_CLASSES,
  mdnNegLogLikelihood,
  parameterCount,
  setMcDropout,
  summaryTable,
} from '../../workers/model/architectures.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('seed CNN (Dominguez-Sanchez+18)', () => {
  it('has exactly 2,332,513 parameters at 64×64×3 with one sigmoid output', () => {
    const m = buildSeedCnn({ inputShape: [64, 64, 3], outputs: 1, seed: 1 });
    expect(parameterCount(m)).toBe(2_332_513);
    expect(m.outputs[0]!.shape).toEqual([null, 1]);
    const table = summaryTable(m);
    expect(table).toContain('Total params: 2,332,513');
    expect(table).toContain('Trainable params: 2,332,513');
    expect(table).toContain('Non-trainable params: 0');
    expect(table).toMatch(/conv1 \(Conv2D\)\s+\(None, 64, 64, 32\)\s+3,488/);
    expect(table).toMatch(/dense1 \(Dense\)\s+\(None, 64\)\s+2,097,216/);
    m.dispose();
  });

  it('follows the lecture layer order with its dropout rates', () => {
    const m = buildSeedCnn({ seed: 1 });
    const seq = m.layers.map((l) => l.getClassName());
    expect(seq).toEqual([
      'InputLayer', 'Conv2D', 'Activation', 'Dropout', 'Conv2D', 'Activation', 'MaxPooling2D', 'Dropout',
      'Conv2D', 'Activation', 'MaxPooling2D', 'Dropout', 'Conv2D', 'Activation', 'Dropout',
      'Flatten', 'Dense', 'Dropout', 'Dense',
    ]);
    const rates = m.layers.filter((l) => l.getClassName() === 'Dropout').map((l) => (l.getConfig() as { rate: number }).rate);
    expect(rates).toEqual([0.5, 0.25, 0.25, 0.25, 0.5]);
    const cfg = m.getLayer('conv2').getConfig() as { kernelSize: number[]; padding: string };
    expect(cfg.kernelSize).toEqual([5, 5]);
    expect(cfg.padding).toBe('same');
    m.dispose();
  });

  it('uses seeded He-normal init: same seed same weights, other seed different, std ≈ sqrt(2/fanIn)', async () => {
    const a = buildSeedCnn({ inputShape: [16, 16, 3], seed: 7 });
    const b = buildSeedCnn({ inputShape: [16, 16, 3], seed: 7 });
    const c = buildSeedCnn({ inputShape: [16, 16, 3], seed: 8 });
    const wa = await a.getLayer('conv2').getWeights()[0]!.data();
    const wb = await b.getLayer('conv2').getWeights()[0]!.data();
    const wc = await c.getLayer('conv2').getWeights()[0]!.data();
    expect(Array.from(wa)).toEqual(Array.from(wb));
    expect(Array.from(wa)).not.toEqual(Array.from(wc));
    const std = Math.sqrt(Array.from(wa).reduce((s, v) => s + v * v, 0) / wa.length);
    const he = Math.sqrt(2 / (5 * 5 * 32));
    // tfjs draws He-normal from a normal truncated at 2σ (std ≈ 0.88σ) like Keras' he_normal
    expect(std).toBeGreaterThan(0.8 * he);
    expect(std).toBeLessThan(1.1 * he);
    tf.dispose([a, b, c].flatMap((m) => m.weights.map((w) => w.read())));
  });

  it('softmax head for several outputs; batch norm and residual options build and run', () => {
    const m = buildSeedCnn({ inputShape: [16, 16, 3], outputs: 3, batchNorm: true, residual: true, residualBlocks: 1, seed: 2 });
    expect(m.layers.some((l) => l.getClassName() === 'BatchNormalization')).toBe(true);
    expect(m.layers.filter((l) => l.getClassName() === 'Add')).toHaveLength(2);
    const y = m.predict(tf.randomNormal([2, 16, 16, 3])) as tf.Tensor;
    const sums = y.sum(1).arraySync() as number[];
    sums.forEach((s) => expect(s).toBeCloseTo(1, 5));
    // the identity skip around conv4 adds no parameters; batch norm drops conv biases
    const plain = buildSeedCnn({ inputShape: [64, 64, 3], residual: true });
    expect(parameterCount(plain)).toBe(2_332_513);
  });

  it('rejects bad shapes with a message naming the value', () => {
    expect(() => buildSeedCnn({ inputShape: [64, 0, 3] })).toThrow(/inputShape .*\[64, 0, 3\]/);
    expect(() => buildSeedCnn({ dropout: { conv1: 1 } })).toThrow(/dropout rate 1/);
  });
});

describe('merger classifier', () => {
  it('has 4 softmax outputs in the documented class order', () => {
    expect(MERGER_CLASSES).toEqual(['non-merger', 'pre-merger', 'ongoing', 'post-merger']);
    const m = buildMergerClassifier({ inputShape: [16, 16, 3], seed: 3 });
    const y = m.predict(tf.randomNormal([3, 16, 16, 3])) as tf.Tensor;
    expect(y.shape).toEqual([3, 4]);
    (y.sum(1).arraySync() as number[]).forEach((s) => expect(s).toBeCloseTo(1, 5));
  });

  it('with the four-block small trunk, one feature sees a pixel 20 px away (receptive field 38 px; 18 px with three blocks)', () => {
    // a pixel at (32, 52): does the feature map position over (32, 32) change?
    const sees = (blocks: 3 | 4): boolean => {
      const m = buildMergerClassifier({ inputShape: [64, 64, 1], small: true, smallBlocks: blocks, seed: 5, dropout: false });
      const features = tf.model({ inputs: m.inputs, outputs: m.getLayer(blocks === 4 ? 'conv4' : 'conv3').output as tf.SymbolicTensor });
      const base = tf.zeros([1, 64, 64, 1]) as tf.Tensor4D;
      const poked = tf.tensor4d(Float32Array.from({ length: 64 * 64 }, (_, i) => (i === 32 * 64 + 52 ? 1 : 0)), [1, 64, 64, 1]);
      const stride = blocks === 4 ? 8 : 4;
      const at = (x: tf.Tensor4D) => (features.predict(x) as tf.Tensor4D).slice([0, 32 / stride, 32 / stride, 0], [1, 1, 1, -1]).arraySync().flat(3) as number[];
      return at(base).some((v, i) => v !== at(poked)[i]);
    };
    expect(sees(3)).toBe(false);
    expect(sees(4)).toBe(true);
    expect(parameterCount(buildMergerClassifier({ inputShape: [64, 64, 3], small: true, smallBlocks: 4, seed: 1 }))).toBe(64_932);
  });
});

describe('mixture-density networks', () => {
  it('photo-z MDN takes image + features and outputs [w | μ ≥ 0 | σ ≥ floor] with Σw = 1', async () => {
    const k = 4;
    const m = buildPhotozMdn({ inputShape: [16, 16, 3], features: 6, components: k, sigmaFloor: 0.01, small: true, seed: 1 });
    expect(m.inputs.map((i) => i.shape)).toEqual([[null, 16, 16, 3], [null, 6]]);
    const y = (m.predict([tf.randomNormal([5, 16, 16, 3]), tf.randomNormal([5, 6])]) as tf.Tensor).arraySync() as number[][];
    for (const row of y) {
      expect(row).toHaveLength(3 * k);
      expect(row.slice(0, k).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
      row.slice(k, 2 * k).forEach((mu) => expect(mu).toBeGreaterThanOrEqual(0));
      row.slice(2 * k).forEach((s) => expect(s).toBeGreaterThanOrEqual(0.01));
    }
    const imageOnly = buildPhotozMdn({ inputShape: [64, 64, 3], components: 5 });
    expect(imageOnly.inputs).toHaveLength(1);
    expect(imageOnly.outputs[0]!.shape).toEqual([null, 15]);
  });

  it('photometry-only MDN: dense layers to [N, 3K]', () => {
    const m = buildPhotometryMdn({ features: 8, components: 3, hidden: [32, 16] });
    expect(m.inputs[0]!.shape).toEqual([null, 8]);
    expect(m.outputs[0]!.shape).toEqual([null, 9]);
    expect(m.layers.some((l) => l.getClassName() === 'Conv2D')).toBe(false);
    expect(() => buildPhotometryMdn({ features: 0 })).toThrow(/features must be a positive integer, got 0/);
  });

  it('negative log-likelihood matches a hand computation', () => {
    // two rows, K = 2
    const pred = [
      [0.3, 0.7, 0.5, 1.5, 0.2, 0.4],
      [0.9, 0.1, 2.0, 0.1, 1.0, 0.05],
    ];
    const y = [0.6, 2.5];
    const normal = (x: number, m: number, s: number) => Math.exp(-0.5 * ((x - m) / s) ** 2) / (s * Math.sqrt(2 * Math.PI));
    const expected =
      -(
        Math.log(0.3 * normal(0.6, 0.5, 0.2) + 0.7 * normal(0.6, 1.5, 0.4)) +
        Math.log(0.9 * normal(2.5, 2.0, 1.0) + 0.1 * normal(2.5, 0.1, 0.05))
      ) / 2;
    const got = mdnNegLogLikelihood(tf.tensor1d(y), tf.tensor2d(pred), 2).arraySync() as number;
    expect(got).toBeCloseTo(expected, 4);
  });

  it('log-sum-exp keeps the loss finite where the densities underflow', () => {
    // y is 200σ from the only component with weight: the plain density is 0 in float32
    const got = mdnNegLogLikelihood(tf.tensor1d([200]), tf.tensor2d([[1, 0, 0, 0, 1, 1]]), 2).arraySync() as number;
    expect(Number.isFinite(got)).toBe(true);
    expect(got).toBeCloseTo(0.5 * 200 ** 2 + 0.5 * Math.log(2 * Math.PI), 0);
  });
});

describe('MC dropout', () => {
  it('makes dropout active at inference without touching batch norm, and survives save/load', async () => {
    const m = buildSeedCnn({ inputShape: [16, 16, 3], batchNorm: true, seed: 5 });
    const x = tf.randomNormal([4, 16, 16, 3]);
    const det1 = await (m.predict(x) as tf.Tensor).data();
    const det2 = await (m.predict(x) as tf.Tensor).data();
    expect(Array.from(det1)).toEqual(Array.from(det2));
    const bnMean = await m.getLayer('conv1_bn').getWeights()[2]!.data();

    expect(setMcDropout(m, true)).toBe(5);
    expect(setMcDropout(m, true)).toBe(5); // idempotent
    const mc1 = await (m.predict(x) as tf.Tensor).data();
    const mc2 = await (m.predict(x) as tf.Tensor).data();
    expect(Array.from(mc1)).not.toEqual(Array.from(mc2));
    // batch norm stays in inference mode: its moving mean is not updated
    expect(Array.from(await m.getLayer('conv1_bn').getWeights()[2]!.data())).toEqual(Array.from(bnMean));

    setMcDropout(m, false);
    expect(Array.from(await (m.predict(x) as tf.Tensor).data())).toEqual(Array.from(det1));

    // save (model.json + weights) and load: plain Keras classes, MC dropout switchable again
    let artifacts: tf.io.ModelArtifacts | null = null;
    await m.save(tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }));
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(artifacts!));
    expect(Array.from(await (loaded.predict(x) as tf.Tensor).data())).toEqual(Array.from(det1));
    expect(setMcDropout(loaded, true)).toBe(5);
    const l1 = await (loaded.predict(x) as tf.Tensor).data();
    const l2 = await (loaded.predict(x) as tf.Tensor).data();
    expect(Array.from(l1)).not.toEqual(Array.from(l2));
  });

  it('reports 0 for a model whose dropout layers were stripped', () => {
    const input = tf.input({ shape: [4] });
    const out = tf.layers.dense({ units: 1 }).apply(input) as tf.SymbolicTensor;
    expect(setMcDropout(tf.model({ inputs: input, outputs: out }), true)).toBe(0);
  });
});

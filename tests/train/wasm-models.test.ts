import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildMergerClassifier, buildPhotometryMdn, buildPhotozMdn, buildSeedCnn, mdnNegLogLikelihood } from '../../workers/model/architectures.js';
import { selectTrainingBackend } from '../../workers/train/backend.js';
import { Rng } from '../../workers/train/rng.js';
import { trainModel, type TrainData, type TrainTask } from '../../workers/train/train.js';

beforeAll(async () => {
  expect(await selectTrainingBackend()).toBe('wasm');
});

function randomData(n: number, inputShape: number[], y: Float32Array | Int32Array, features?: number): TrainData {
  const rng = new Rng(n);
  const size = n * inputShape.reduce((a, b) => a * b, 1);
  const d: TrainData = { x: Float32Array.from({ length: size }, () => rng.next()), y, n, inputShape };
  if (features) d.features = Float32Array.from({ length: n * features }, () => rng.next());
  return d;
}

describe('every architecture trains on wasm (no gradient kernel missing)', () => {
  const n = 8;
  const cases: [string, () => tf.LayersModel, TrainTask, TrainData][] = [
    ['seed CNN + batch norm + residual blocks', () => buildSeedCnn({ inputShape: [32, 32, 3], batchNorm: true, residual: true, residualBlocks: 1 }), 'binary', randomData(n, [32, 32, 3], Float32Array.from({ length: n }, (_, i) => i % 2))],
    ['merger classifier', () => buildMergerClassifier({ inputShape: [32, 32, 3] }), 'categorical', randomData(n, [32, 32, 3], Int32Array.from({ length: n }, (_, i) => i % 4))],
    ['photo-z MDN with features', () => buildPhotozMdn({ inputShape: [32, 32, 3], features: 4, components: 3 }), 'mdn', randomData(n, [32, 32, 3], Float32Array.from({ length: n }, (_, i) => i / n), 4)],
    ['small photo-z MDN + batch norm', () => buildPhotozMdn({ inputShape: [32, 32, 3], small: true, batchNorm: true }), 'mdn', randomData(n, [32, 32, 3], Float32Array.from({ length: n }, (_, i) => i / n))],
    ['photometry MDN', () => buildPhotometryMdn({ features: 5 }), 'mdn', randomData(n, [5], Float32Array.from({ length: n }, (_, i) => i / n))],
  ];
  for (const [name, build, task, data] of cases) {
    it(name, async () => {
      const model = build();
      const before = await Promise.all(model.trainableWeights.map((w) => w.read().data()));
      const res = await trainModel({ model, data, task, epochs: 1, batchSize: 4, validationSplit: 0.25, augmentation: data.inputShape.length === 3 ? {} : false, restoreBestWeights: false });
      expect(res.backend).toBe('wasm');
      expect(Number.isFinite(res.history[0]!.loss)).toBe(true);
      const after = await Promise.all(model.trainableWeights.map((w) => w.read().data()));
      // every trainable weight received a gradient step
      after.forEach((a, i) => expect(Array.from(a)).not.toEqual(Array.from(before[i]!)));
    });
  }
});

describe('whole-model gradients agree between wasm and cpu', () => {
  it('seed CNN with batch norm and a residual block, MDN loss', async () => {
    const grads = async (backend: string) => {
      await tf.setBackend(backend);
      const model = buildPhotozMdn({ inputShape: [8, 8, 3], batchNorm: true, residual: true, residualBlocks: 1, dropout: false, denseDropout: 0, components: 2, seed: 9 });
      const rng = new Rng(9);
      const x = tf.tensor4d(Float32Array.from({ length: 4 * 8 * 8 * 3 }, () => rng.next()), [4, 8, 8, 3]);
      const y = tf.tensor1d([0.1, 0.5, 0.9, 1.3]);
      const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
      const { grads: g } = tf.variableGrads(() => mdnNegLogLikelihood(y, model.apply(x, { training: true }) as tf.Tensor, 2), vars);
      const out = await Promise.all(vars.map(async (v) => ({ name: v.name.replace(/_\d+/g, ''), data: await g[v.name]!.data() })));
      model.dispose();
      return out;
    };
    const w = await grads('wasm');
    const c = await grads('cpu');
    await tf.setBackend('wasm');
    expect(w.length).toBe(c.length);
    let worst = 0;
    w.forEach((gw, i) => {
      const gc = c[i]!.data;
      let scale = 1e-6;
      let diff = 0;
      for (let j = 0; j < gc.length; j++) {
        scale = Math.max(scale, Math.abs(gc[j]!));
        diff = Math.max(diff, Math.abs(gw.data[j]! - gc[j]!));
      }
      worst = Math.max(worst, diff / scale);
    });
    expect(worst).toBeLessThan(1e-4);
  });
});

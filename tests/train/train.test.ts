import * as tf from '@tensorflow/tfjs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPhotometryMdn, buildSeedCnn } from '../../workers/model/architectures.js';
import { selectTrainingBackend } from '../../workers/train/backend.js';
import { decodeCheckpoint, encodeCheckpoint, memoryCheckpointStore } from '../../workers/train/checkpoint.js';
import { fsCheckpointStore } from '../../workers/train/checkpoint-node.js';
import { Rng } from '../../workers/train/rng.js';
import { trainModel, type TrainData, type TrainProgress } from '../../workers/train/train.js';

const S = 16;

/** Bright centred blob (label 1) vs a ring of the same total flux (label 0), with noise. */
function blobsAndRings(n: number, seed: number): TrainData {
  const rng = new Rng(seed);
  const x = new Float32Array(n * S * S);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const label = i % 2;
    y[i] = label;
    const cx = (S - 1) / 2 + rng.uniform(-1.5, 1.5);
    const cy = (S - 1) / 2 + rng.uniform(-1.5, 1.5);
    const r0 = rng.uniform(4, 6);
    for (let yy = 0; yy < S; yy++) {
      for (let xx = 0; xx < S; xx++) {
        const r = Math.hypot(xx - cx, yy - cy);
        const v = label === 1 ? Math.exp(-(r * r) / 4) : 0.6 * Math.exp(-((r - r0) ** 2) / 2);
        x[i * S * S + yy * S + xx] = v + 0.05 * (rng.next() - 0.5);
      }
    }
  }
  return { x, y, n, inputShape: [S, S, 1] };
}

function tinyCnn(seed: number) {
  return buildSeedCnn({ inputShape: [S, S, 1], small: true, denseUnits: 16, seed, dropout: { conv3: 0.1, dense: 0.1 } });
}

async function weightsOf(model: tf.LayersModel): Promise<number[][]> {
  return Promise.all(model.getWeights().map(async (w) => Array.from(await w.data())));
}

let backend: string;
beforeAll(async () => {
  backend = await selectTrainingBackend();
});

describe('trainModel', () => {
  it('picks wasm (with the conv gradient kernels) as the training backend', () => {
    expect(backend).toBe('wasm');
  });

  it('a tiny CNN learns centre-vs-ring to > 90% validation accuracy in a few epochs', async () => {
    const model = tinyCnn(1);
    const events: TrainProgress['type'][] = [];
    const res = await trainModel({
      model,
      data: blobsAndRings(240, 1),
      task: 'binary',
      validationSplit: 0.25,
      epochs: 6,
      batchSize: 16,
      learningRate: 3e-3,
      seed: 1,
      augmentation: { rotation: 45, zoom: [0.9, 1.1], widthShift: 0.05, heightShift: 0.05 },
      onProgress: (ev) => {
        events.push(ev.type);
      },
    });
    expect(res.backend).toBe('wasm');
    const bestAcc = Math.max(...res.history.map((h) => h.val_acc ?? 0));
    expect(bestAcc).toBeGreaterThan(0.9);
    expect(res.history[res.history.length - 1]!.loss).toBeLessThan(res.history[0]!.loss);
    expect(events[0]).toBe('start');
    expect(events.filter((e) => e === 'epoch')).toHaveLength(6);
    // best weights are restored into the model: its validation accuracy is the best one
    const test = blobsAndRings(100, 99);
    const p = await (model.predict(tf.tensor4d(test.x, [100, S, S, 1])) as tf.Tensor).data();
    const acc = Array.from(p).filter((v, i) => (v > 0.5 ? 1 : 0) === test.y[i]).length / 100;
    expect(acc).toBeGreaterThan(0.9);
  });

  it('class weights scale each class\'s loss: a class weighted 0 is ignored and the model learns to predict the other', async () => {
    const data = blobsAndRings(64, 3);
    const x = tf.tensor4d(data.x, [64, S, S, 1]);
    const meanP: number[] = [];
    for (const classWeights of [[1, 0], [0, 1]]) {
      const model = tinyCnn(3);
      await trainModel({ model, data, task: 'binary', validationSplit: 0, epochs: 3, batchSize: 16, learningRate: 3e-3, seed: 3, classWeights });
      meanP.push((await (model.predict(x) as tf.Tensor).mean().data())[0]!);
    }
    // only negatives count → every prediction drifts to 0; only positives → to 1
    expect(meanP[0]!).toBeLessThan(0.3);
    expect(meanP[1]!).toBeGreaterThan(0.7);
    x.dispose();
    await expect(trainModel({ model: tinyCnn(3), data, task: 'binary', epochs: 1, classWeights: [1, 1, 1] })).rejects.toThrow(/classWeights must be 2 non-negative numbers/);
  });

  it('balanced class weights are n / (C · n_c) of the training labels', async () => {
    const { resolveClassWeights } = await import('../../workers/train/run-training.js');
    const y = Int32Array.from([0, 0, 0, 0, 0, 0, 1, 2, 2, 3]);
    expect(resolveClassWeights('merger', 'balanced', y, 'train.parquet', 'truth_merger_stage')).toEqual([10 / 24, 10 / 4, 10 / 8, 10 / 4]);
    expect(() => resolveClassWeights('merger', 'balanced', Int32Array.from([0, 1, 2]), 'train.parquet', 'truth_merger_stage')).toThrow(/train.parquet: label "truth_merger_stage" has no training rows of class 3/);
    expect(() => resolveClassWeights('photoz', 'balanced', y, 'a', 'b')).toThrow(/not photoz/);
  });

  it('early stopping stops after `patience` epochs without improvement', async () => {
    const model = tinyCnn(2);
    const res = await trainModel({
      model,
      data: blobsAndRings(64, 2),
      task: 'binary',
      epochs: 20,
      batchSize: 16,
      seed: 2,
      // nothing can improve by 1e9: epoch 0 sets the best, then 2 epochs of waiting
      earlyStopping: { patience: 2, minDelta: 1e9, monitor: 'val_loss' },
    });
    expect(res.stoppedEarly).toBe(true);
    expect(res.history).toHaveLength(3);
    expect(res.bestEpoch).toBe(0);
  });

  it('reduce-on-plateau lowers the learning rate after `patience` epochs without improvement, and the optimizer uses it', async () => {
    const model = tinyCnn(5);
    const snapshots: number[][][] = [];
    const rates: number[] = [];
    const res = await trainModel({
      model, data: blobsAndRings(64, 5), task: 'binary', epochs: 6, batchSize: 16, learningRate: 1e-3, seed: 5,
      // nothing improves after epoch 0, so the rate drops every 2 epochs; early stopping never fires
      earlyStopping: { patience: 10, minDelta: 1e9, monitor: 'val_loss' },
      reduceLrOnPlateau: { factor: 0.5, patience: 2 },
      onProgress: async (ev) => {
        if (ev.type === 'epoch') snapshots.push(await weightsOf(model));
        if (ev.type === 'learning-rate') rates.push(ev.learningRate);
      },
    });
    expect(res.history.map((h) => h.lr)).toEqual([1e-3, 1e-3, 1e-3, 5e-4, 5e-4, 2.5e-4]);
    expect(rates).toEqual([5e-4, 2.5e-4]);
    // a drastic reduction: Adam's steps scale with the rate, so the next epoch barely moves the weights
    const tiny = tinyCnn(6);
    const steps: number[][][] = [];
    await trainModel({
      model: tiny, data: blobsAndRings(64, 6), task: 'binary', epochs: 3, batchSize: 16, learningRate: 1e-3, seed: 6, restoreBestWeights: false,
      earlyStopping: { patience: 10, minDelta: 1e9, monitor: 'val_loss' },
      reduceLrOnPlateau: { factor: 0.001, patience: 1, minLearningRate: 1e-9 },
      onProgress: async (ev) => {
        if (ev.type === 'epoch') steps.push(await weightsOf(tiny));
      },
    });
    const moved = (a: number[][], b: number[][]) => Math.max(...a.flatMap((w, i) => w.map((v, j) => Math.abs(v - b[i]![j]!))));
    const atFullRate = moved(steps[0]!, steps[1]!);
    const atReducedRate = moved(steps[1]!, steps[2]!);
    expect(atFullRate).toBeGreaterThan(0);
    expect(atReducedRate).toBeLessThan(atFullRate * 0.01);
    await expect(trainModel({ model: tinyCnn(5), data: blobsAndRings(16, 5), task: 'binary', epochs: 1, reduceLrOnPlateau: { factor: 2 } })).rejects.toThrow(/reduceLrOnPlateau.factor must be in \(0, 1\), got 2/);
  });

  it('a run with a learning-rate schedule resumes from its checkpoint with the reduced rate (bitwise the same weights)', async () => {
    const data = blobsAndRings(64, 7);
    const common = {
      data, task: 'binary' as const, epochs: 5, batchSize: 16, seed: 7, restoreBestWeights: false,
      earlyStopping: { patience: 10, minDelta: 1e9, monitor: 'val_loss' as const }, reduceLrOnPlateau: { factor: 0.1, patience: 1 },
    };
    const full = tinyCnn(7);
    const a = await trainModel({ ...common, model: full });
    const store = memoryCheckpointStore();
    await trainModel({ ...common, model: tinyCnn(7), checkpoint: store, stopAfterEpochs: 3 });
    expect(store.latest?.schedule?.learningRate).toBeCloseTo(1e-5, 12);
    const resumed = tinyCnn(70);
    const b = await trainModel({ ...common, model: resumed, checkpoint: store, resume: true });
    expect(b.history.map((h) => h.lr)).toEqual(a.history.map((h) => h.lr));
    expect(await weightsOf(resumed)).toEqual(await weightsOf(full));
  });

  it('resuming from the epoch-k checkpoint gives bitwise the same weights as an uninterrupted run', async () => {
    const data = blobsAndRings(64, 3);
    const common = {
      data, task: 'binary' as const, epochs: 3, batchSize: 16, seed: 3,
      augmentation: {}, earlyStopping: { patience: 5 }, restoreBestWeights: false,
    };
    const full = tinyCnn(3);
    const a = await trainModel({ ...common, model: full });

    const store = memoryCheckpointStore();
    const first = tinyCnn(3);
    await trainModel({ ...common, model: first, checkpoint: store, stopAfterEpochs: 1 });
    expect(store.latest?.epoch).toBe(1);
    const resumed = tinyCnn(99); // different init: everything must come from the checkpoint
    const b = await trainModel({ ...common, model: resumed, checkpoint: store, resume: true });
    expect(b.resumedAt).toBe(1);
    expect(b.history.map((h) => h.loss)).toEqual(a.history.map((h) => h.loss));
    expect(await weightsOf(resumed)).toEqual(await weightsOf(full));
  });

  it('checkpoints to a folder in Node and refuses a checkpoint written with other settings', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sc-ckpt-'));
    try {
      const data = blobsAndRings(32, 4);
      const store = fsCheckpointStore(dir);
      await trainModel({ model: tinyCnn(4), data, task: 'binary', epochs: 2, batchSize: 16, seed: 4, checkpoint: store });
      const files = (await readdir(dir)).sort();
      expect(files).toEqual(['checkpoint-e2.bin', 'checkpoint.json']); // the epoch-1 .bin was replaced
      const ck = await store.load();
      expect(ck?.epoch).toBe(2);
      expect(ck?.step).toBe(4);
      await expect(
        trainModel({ model: tinyCnn(4), data, task: 'binary', epochs: 3, batchSize: 8, seed: 4, checkpoint: store, resume: true }),
      ).rejects.toThrow(/checkpoint was written with batchSize = 16, this run has 8/);
      expect(await fsCheckpointStore(join(dir, 'none')).load()).toBeNull();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('trains an MDN (photometry only) and lowers its negative log-likelihood', async () => {
    const rng = new Rng(5);
    const n = 256;
    const x = new Float32Array(n * 3);
    const y = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const z = rng.uniform(0.1, 1.5);
      y[i] = z;
      for (let f = 0; f < 3; f++) x[i * 3 + f] = z * (f + 1) * 0.5 + 0.02 * (rng.next() - 0.5);
    }
    const model = buildPhotometryMdn({ features: 3, components: 3, hidden: [32, 32], dropout: 0, seed: 5 });
    const res = await trainModel({ model, data: { x, y, n, inputShape: [3] }, task: 'mdn', epochs: 15, batchSize: 32, learningRate: 1e-2, seed: 5 });
    expect(res.monitor).toBe('val_loss');
    expect(res.best!).toBeLessThan(res.history[0]!.val_loss! - 0.5);
  });

  it('rejects data whose shape does not match the model, before training', async () => {
    const model = tinyCnn(6);
    await expect(
      trainModel({ model, data: { x: new Float32Array(10 * 8 * 8), y: new Float32Array(10), n: 10, inputShape: [8, 8, 1] }, task: 'binary' }),
    ).rejects.toThrow(/inputShape \[8, 8, 1\] does not match the model input \[16, 16, 1\]/);
    await expect(
      trainModel({ model, data: { x: new Float32Array(5), y: new Float32Array(10), n: 10, inputShape: [16, 16, 1] }, task: 'binary' }),
    ).rejects.toThrow(/x has 5 values/);
  });

  it('does not leak tensors across a run', async () => {
    const model = tinyCnn(7);
    const run = () => trainModel({ model, data: blobsAndRings(32, 7), task: 'binary', epochs: 2, batchSize: 8, seed: 7, augmentation: {}, checkpoint: memoryCheckpointStore() });
    await run(); // tfjs-layers caches a few constant scalars on first use
    const before = tf.memory().numTensors;
    await run();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('checkpoint encoding', () => {
  it('round-trips every field and rejects truncated data', () => {
    const ck = {
      version: 1 as const, epoch: 2, step: 8, rngState: [1, 2, 3, 4] as [number, number, number, number],
      weights: [{ name: 'a', shape: [2], dtype: 'float32' as const, data: new Float32Array([1.5, -2]) }],
      optimizer: [{ name: 'iter', shape: [], dtype: 'int32' as const, data: new Int32Array([8]) }],
      accBeta: [0.5, 0.25] as [number, number],
      history: [{ epoch: 0, loss: 1, ms: 3 }],
      earlyStopping: { best: 0.5, bestEpoch: 1, wait: 0 }, bestWeights: null, config: { seed: 1 },
    };
    const { json, bin } = encodeCheckpoint(ck);
    const back = decodeCheckpoint(json, bin);
    expect(back).toEqual(ck);
    expect(() => decodeCheckpoint(json, bin.subarray(0, 4))).toThrow(/array "a" runs past the end of the data \(4 bytes\)/);
  });
});

afterAll(() => {
  tf.disposeVariables();
});

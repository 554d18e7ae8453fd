import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerWasmTrainingKernels } from '../../workers/train/wasm-conv2d-backprop-filter.js';
import { Rng } from '../../workers/train/rng.js';

type Pad = 'same' | 'valid' | [[0, 0], [number, number], [number, number], [0, 0]];

function rand(shape: number[], rng: Rng): Float32Array {
  const n = shape.reduce((a, b) => a * b, 1);
  return Float32Array.from({ length: n }, () => rng.uniform(-1, 1));
}

/** dL/dx and dL/dW of L = sum(conv2d(x, w)²) on the given backend. */
async function grads(backend: string, xs: number[], ws: number[], x: Float32Array, w: Float32Array, stride: number, pad: Pad) {
  await tf.setBackend(backend);
  const xt = tf.tensor4d(x, xs as [number, number, number, number]);
  const wt = tf.tensor4d(w, ws as [number, number, number, number]);
  const f = (a: tf.Tensor, b: tf.Tensor) => tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, stride, pad).square().sum();
  const [dx, dw] = tf.grads(f)([xt, wt]);
  const out = { dx: await dx!.data(), dw: await dw!.data(), dwShape: dw!.shape };
  tf.dispose([xt, wt, dx!, dw!]);
  return out;
}

function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let maxD = 0;
  let maxB = 0;
  for (let i = 0; i < b.length; i++) {
    maxD = Math.max(maxD, Math.abs(a[i]! - b[i]!));
    maxB = Math.max(maxB, Math.abs(b[i]!));
  }
  return maxD / maxB;
}

describe('wasm conv2d gradient kernels', () => {
  beforeAll(async () => {
    registerWasmTrainingKernels();
    registerWasmTrainingKernels(); // idempotent
    await tf.setBackend('wasm');
  });

  it('registers Conv2DBackpropFilter for wasm, so tf.grad through conv2d works there', async () => {
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeDefined();
    await tf.setBackend('wasm');
    const g = tf.grad((w: tf.Tensor) => tf.conv2d(tf.ones([1, 4, 4, 1]) as tf.Tensor4D, w as tf.Tensor4D, 1, 'valid').sum())(
      tf.ones([3, 3, 1, 1]),
    );
    // every filter tap sees the 2×2 output positions of an all-ones image
    expect(Array.from(await g.data())).toEqual(new Array(9).fill(4));
  });

  const cases: { xs: number[]; k: number; co: number; s: number; pad: Pad }[] = [
    // the seed CNN's four filters; the first on the full 64×64×3 input, the others on smaller
    // maps than in the network because the cpu reference is slow (filter shapes are the real ones)
    { xs: [1, 64, 64, 3], k: 6, co: 32, s: 1, pad: 'same' },
    { xs: [1, 16, 16, 32], k: 5, co: 64, s: 1, pad: 'same' },
    { xs: [1, 16, 16, 64], k: 2, co: 128, s: 1, pad: 'same' },
    { xs: [1, 8, 8, 128], k: 3, co: 128, s: 1, pad: 'same' },
    // strides, valid, odd sizes, explicit padding
    { xs: [3, 9, 9, 3], k: 3, co: 4, s: 2, pad: 'same' },
    { xs: [2, 10, 11, 2], k: 5, co: 3, s: 2, pad: 'same' },
    { xs: [2, 10, 10, 3], k: 3, co: 4, s: 2, pad: 'valid' },
    { xs: [2, 9, 8, 3], k: 4, co: 2, s: 3, pad: 'valid' },
    { xs: [2, 8, 8, 3], k: 2, co: 4, s: 1, pad: 'valid' },
    { xs: [2, 7, 7, 2], k: 3, co: 3, s: 1, pad: [[0, 0], [2, 0], [1, 3], [0, 0]] },
    { xs: [1, 12, 12, 4], k: 6, co: 5, s: 2, pad: 'same' },
  ];
  for (const c of cases) {
    it(`matches the cpu backend: x [${c.xs.join('×')}], ${c.k}×${c.k}→${c.co}, stride ${c.s}, pad ${JSON.stringify(c.pad)}`, async () => {
      const rng = new Rng(c.xs.reduce((a, b) => a * 31 + b, c.k));
      const ws = [c.k, c.k, c.xs[3]!, c.co];
      const x = rand(c.xs, rng);
      const w = rand(ws, rng);
      const onWasm = await grads('wasm', c.xs, ws, x, w, c.s, c.pad);
      const onCpu = await grads('cpu', c.xs, ws, x, w, c.s, c.pad);
      expect(onWasm.dwShape).toEqual(ws);
      expect(relErr(onWasm.dw, onCpu.dw)).toBeLessThanOrEqual(1e-4);
      expect(relErr(onWasm.dx, onCpu.dx)).toBeLessThanOrEqual(1e-4);
    });
  }

  it('frees its intermediates (no tensors or wasm buffers leak across steps)', async () => {
    await tf.setBackend('wasm');
    const x = tf.randomNormal([2, 16, 16, 3]) as tf.Tensor4D;
    const w = tf.randomNormal([3, 3, 3, 8]) as tf.Tensor4D;
    const step = () => tf.tidy(() => tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, 'same').sum())([x, w]).map((t) => t.sum()));
    tf.dispose(step());
    const before = tf.memory();
    for (let i = 0; i < 5; i++) tf.dispose(step());
    const after = tf.memory();
    expect(after.numTensors).toBe(before.numTensors);
    expect(after.numDataBuffers).toBe(before.numDataBuffers);
    tf.dispose([x, w]);
  });
});

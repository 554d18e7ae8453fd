import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { describe, expect, it } from 'vitest';
import {
  augmentBatch,
  augmentMatrix,
  drawAugmentParams,
  isNoAugmentation,
  LECTURE_AUGMENTATION,
  NO_AUGMENTATION,
} from '../../workers/train/augment.js';
import { Rng } from '../../workers/train/rng.js';

const H = 9;
const W = 9;
const identity = { theta: 0, flipX: false, flipY: false, tx: 0, ty: 0, zx: 1, zy: 1 };

function ramp(n = 2, c = 2): tf.Tensor4D {
  return tf.tensor4d(Float32Array.from({ length: n * H * W * c }, (_, i) => i % 97), [n, H, W, c]);
}

for (const backend of ['cpu', 'wasm']) {
  describe(`augmentation on ${backend}`, () => {
    it('zoom 1, shift 0, rotation 0, no flips is exactly the identity', async () => {
      await tf.setBackend(backend);
      const x = ramp();
      const y = augmentBatch(x, NO_AUGMENTATION, new Rng(1));
      expect(Array.from(await y.data())).toEqual(Array.from(await x.data()));
      expect(isNoAugmentation(NO_AUGMENTATION)).toBe(true);
      expect(isNoAugmentation({})).toBe(false);
    });

    it('a horizontal flip twice (and a vertical flip twice) is the identity, once mirrors', async () => {
      await tf.setBackend(backend);
      const x = ramp(1, 1);
      const flip = (t: tf.Tensor4D, p: Partial<typeof identity>) =>
        tf.image.transform(t, tf.tensor2d([augmentMatrix(H, W, { ...identity, ...p })]), 'bilinear', 'reflect');
      const once = flip(x, { flipX: true });
      expect(Array.from(await once.data())).toEqual(Array.from(await tf.reverse(x, 2).data()));
      expect(Array.from(await flip(once, { flipX: true }).data())).toEqual(Array.from(await x.data()));
      const v = flip(x, { flipY: true });
      expect(Array.from(await v.data())).toEqual(Array.from(await tf.reverse(x, 1).data()));
      expect(Array.from(await flip(v, { flipY: true }).data())).toEqual(Array.from(await x.data()));
    });

    it('a 90° rotation of a ramp is its transpose mirrored: out[y][x] = in[x][W−1−y]', async () => {
      await tf.setBackend(backend);
      const x = ramp(1, 1);
      const m = augmentMatrix(H, W, { ...identity, theta: Math.PI / 2 });
      const out = (tf.image.transform(x, tf.tensor2d([m]), 'bilinear', 'reflect').arraySync() as number[][][][])[0]!;
      const inp = (x.arraySync() as number[][][][])[0]!;
      for (let yy = 0; yy < H; yy++) {
        for (let xx = 0; xx < W; xx++) expect(out[yy]![xx]![0]!).toBeCloseTo(inp[xx]![W - 1 - yy]![0]!, 3);
      }
      // and equals transpose + flip done with plain tensor ops
      const ref = tf.reverse(tf.transpose(x, [0, 2, 1, 3]), 1);
      const d = tf.max(tf.abs(tf.sub(tf.image.transform(x, tf.tensor2d([m]), 'bilinear', 'reflect'), ref))).arraySync() as number;
      expect(d).toBeLessThan(1e-3);
    });

    it('an integer shift moves content by that many pixels', async () => {
      await tf.setBackend(backend);
      const x = ramp(1, 1);
      const m = augmentMatrix(H, W, { ...identity, tx: 2, ty: -1 });
      const out = (tf.image.transform(x, tf.tensor2d([m]), 'bilinear', 'constant', -1).arraySync() as number[][][][])[0]!;
      const inp = (x.arraySync() as number[][][][])[0]!;
      // output (y, x) samples input (y − 1, x + 2)
      expect(out[4]![3]![0]).toBe(inp[3]![5]![0]);
      expect(out[0]![0]![0]).toBe(-1); // row −1 is outside: constant fill
    });

    it('the same seed reproduces the same batch, another seed does not', async () => {
      await tf.setBackend(backend);
      const x = tf.randomUniform([4, 16, 16, 3], 0, 1, 'float32', 3) as tf.Tensor4D;
      const a = await augmentBatch(x, LECTURE_AUGMENTATION, new Rng(11)).data();
      const b = await augmentBatch(x, LECTURE_AUGMENTATION, new Rng(11)).data();
      const c = await augmentBatch(x, LECTURE_AUGMENTATION, new Rng(12)).data();
      expect(Array.from(a)).toEqual(Array.from(b));
      expect(Array.from(a)).not.toEqual(Array.from(c));
    });
  });
}

describe('augmentation parameters', () => {
  it('stay within the configured ranges (lecture defaults)', () => {
    const rng = new Rng(5);
    let flips = 0;
    for (let i = 0; i < 2000; i++) {
      const p = drawAugmentParams(64, 64, LECTURE_AUGMENTATION, rng);
      expect(Math.abs(p.theta)).toBeLessThanOrEqual((45 * Math.PI) / 180);
      expect(Math.abs(p.tx)).toBeLessThanOrEqual(0.05 * 64);
      expect(Math.abs(p.ty)).toBeLessThanOrEqual(0.05 * 64);
      for (const z of [p.zx, p.zy]) {
        expect(z).toBeGreaterThanOrEqual(0.75);
        expect(z).toBeLessThanOrEqual(1.3);
      }
      if (p.flipX) flips += 1;
    }
    expect(flips).toBeGreaterThan(800);
    expect(flips).toBeLessThan(1200);
  });

  it('switched-off settings draw nothing but keep the other draws aligned', () => {
    const a = drawAugmentParams(64, 64, { ...LECTURE_AUGMENTATION, rotation: 0 }, new Rng(9));
    const b = drawAugmentParams(64, 64, LECTURE_AUGMENTATION, new Rng(9));
    expect(a.theta).toBe(0);
    expect(a.zx).toBe(b.zx);
    expect(a.tx).toBe(b.tx);
  });

  it('rejects an invalid zoom range', () => {
    expect(() => augmentBatch(ramp(), { zoom: [1.3, 0.75] }, new Rng(1))).toThrow(/zoom range .*\[1.3, 0.75\]/);
  });
});

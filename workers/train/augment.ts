/**
 * On-the-fly image augmentation in the manner of Keras' ImageDataGenerator as used in the
 * lecture material (rotation_range=45, width/height_shift_range=0.05, horizontal/vertical flips,
 * zoom_range=[0.75, 1.3]), batched through one `tf.image.transform` call per batch with a
 * per-image affine matrix (the 'Transform' kernel exists on cpu, wasm and webgpu).
 *
 * Geometry: for output pixel p (x right, y down, pixel centres at integers) the sampled input
 * position is c + R(θ)·Z·F·(p − c) + t, with c the image centre, F the flips, Z = diag(zx, zy)
 * (zoom > 1 samples a larger area, i.e. shrinks the object, as in Keras), R the rotation and t
 * the shift in pixels. Values between pixels are interpolated bilinearly; positions outside the
 * image use `fillMode`: 'reflect' by default (mirrors sky noise back in, keeping its statistics,
 * where Keras' default 'nearest' smears edge pixels into streaks). Flips alone and the identity
 * land on integer positions and reproduce pixels exactly.
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from './rng.js';

/** Augmentation settings; every field optional (defaults: {@link LECTURE_AUGMENTATION}). */
export interface AugmentOptions {
  /** Maximum rotation in degrees, drawn uniformly in ±rotation (default 45; 0 = off). */
  rotation?: number;
  /** Random left–right flips with probability 0.5 (default true). */
  horizontalFlip?: boolean;
  /** Random up–down flips with probability 0.5 (default true). */
  verticalFlip?: boolean;
  /** Maximum horizontal shift as a fraction of width (default 0.05). */
  widthShift?: number;
  /** Maximum vertical shift as a fraction of height (default 0.05). */
  heightShift?: number;
  /** Zoom range [lo, hi] (default [0.75, 1.3]; [1, 1] = off). */
  zoom?: [number, number];
  /** Same zoom on both axes (default false: independent zx, zy as Keras does). */
  isotropicZoom?: boolean;
  /** Fill for positions outside the image (default 'reflect'). */
  fillMode?: 'reflect' | 'nearest' | 'constant' | 'wrap';
  /** Value used by fillMode 'constant' (default 0). */
  fillValue?: number;
  /** Interpolation (default 'bilinear'). */
  interpolation?: 'bilinear' | 'nearest';
}

/** The lecture's ImageDataGenerator settings, with 'reflect' fill. */
export const LECTURE_AUGMENTATION: Readonly<Required<AugmentOptions>> = Object.freeze({
  rotation: 45,
  horizontalFlip: true,
  verticalFlip: true,
  widthShift: 0.05,
  heightShift: 0.05,
  zoom: [0.75, 1.3] as [number, number],
  isotropicZoom: false,
  fillMode: 'reflect',
  fillValue: 0,
  interpolation: 'bilinear',
});

/** Settings with nothing switched on (useful as a base: `{ ...NO_AUGMENTATION, horizontalFlip: true }`). */
export const NO_AUGMENTATION: Readonly<Required<AugmentOptions>> = Object.freeze({
  ...LECTURE_AUGMENTATION,
  rotation: 0,
  horizontalFlip: false,
  verticalFlip: false,
  widthShift: 0,
  heightShift: 0,
  zoom: [1, 1] as [number, number],
});

/** One image's transform parameters. */
export interface AugmentParams {
  /** Rotation, radians. */
  theta: number;
  flipX: boolean;
  flipY: boolean;
  /** Shift in pixels. */
  tx: number;
  ty: number;
  zx: number;
  zy: number;
}

function resolve(opts: AugmentOptions): Required<AugmentOptions> {
  const o = { ...LECTURE_AUGMENTATION, ...opts };
  const [lo, hi] = o.zoom;
  if (!(lo > 0 && hi >= lo)) throw new Error(`augment: zoom range must satisfy 0 < lo <= hi, got [${lo}, ${hi}]`);
  if (!(o.rotation >= 0) || !(o.widthShift >= 0) || !(o.heightShift >= 0)) {
    throw new Error(`augment: rotation and shifts must be >= 0, got rotation ${o.rotation}, shifts ${o.widthShift}/${o.heightShift}`);
  }
  return o;
}

/**
 * Draws one image's parameters from `rng`. Always consumes the same number of draws (7),
 * whatever is switched off, so changing one setting does not reshuffle the others.
 */
export function drawAugmentParams(height: number, width: number, opts: AugmentOptions, rng: Rng): AugmentParams {
  const o = resolve(opts);
  const u = Array.from({ length: 7 }, () => rng.next());
  const [lo, hi] = o.zoom;
  const zx = lo + (hi - lo) * u[5]!;
  return {
    theta: ((2 * u[0]! - 1) * o.rotation * Math.PI) / 180 + 0, // + 0 turns −0 into 0
    flipX: o.horizontalFlip && u[1]! < 0.5,
    flipY: o.verticalFlip && u[2]! < 0.5,
    tx: (2 * u[3]! - 1) * o.widthShift * width + 0,
    ty: (2 * u[4]! - 1) * o.heightShift * height + 0,
    zx,
    zy: o.isotropicZoom ? zx : lo + (hi - lo) * u[6]!,
  };
}

/**
 * The 8-value projective matrix (output → input, as `tf.image.transform` expects) for one image.
 * Exact zeros and ±1 where no rotation/zoom applies, so integer pixels map to integer pixels.
 */
export function augmentMatrix(height: number, width: number, p: AugmentParams): number[] {
  const cx = (width - 1) / 2;
  const cy = (height - 1) / 2;
  const cos = p.theta === 0 ? 1 : Math.cos(p.theta);
  const sin = p.theta === 0 ? 0 : Math.sin(p.theta);
  const fx = p.flipX ? -1 : 1;
  const fy = p.flipY ? -1 : 1;
  // A = R · Z · F
  const a00 = cos * p.zx * fx;
  const a01 = -sin * p.zy * fy;
  const a10 = sin * p.zx * fx;
  const a11 = cos * p.zy * fy;
  const b0 = cx + p.tx - (a00 * cx + a01 * cy);
  const b1 = cy + p.ty - (a10 * cx + a11 * cy);
  return [a00, a01, b0, a10, a11, b1, 0, 0];
}

/**
 * Augments a batch [N, H, W, C] (returns a new tensor; the input is not disposed), drawing each
 * image's parameters from `rng` in order. Errors (bad shape/options) are thrown synchronously.
 * @example const out = augmentBatch(batch, { rotation: 45, zoom: [0.75, 1.3] }, new Rng(1));
 */
export function augmentBatch(images: tf.Tensor4D, opts: AugmentOptions, rng: Rng): tf.Tensor4D {
  if (images.rank !== 4) throw new Error(`augment: images must be [N, H, W, C], got [${images.shape.join(', ')}]`);
  const o = resolve(opts);
  const [n, h, w] = images.shape;
  const m = new Float32Array(n * 8);
  for (let i = 0; i < n; i++) m.set(augmentMatrix(h, w, drawAugmentParams(h, w, o, rng)), i * 8);
  return tf.tidy(() => {
    if (tf.getBackend() === 'cpu' && n > 1) {
      // tfjs-backend-cpu 4.22's Transform returns after the first image of a batch (the rest
      // stay at fillValue), so transform one image at a time there.
      const parts = tf.split<tf.Tensor4D>(images, n, 0).map((img, i) =>
        tf.image.transform(img, tf.tensor2d(m.subarray(i * 8, i * 8 + 8), [1, 8]), o.interpolation, o.fillMode, o.fillValue),
      );
      return tf.concat(parts, 0) as tf.Tensor4D;
    }
    return tf.image.transform(images, tf.tensor2d(m, [n, 8]), o.interpolation, o.fillMode, o.fillValue);
  });
}

/** True when the settings change nothing (then training skips the transform). */
export function isNoAugmentation(opts: AugmentOptions): boolean {
  const o = resolve(opts);
  return o.rotation === 0 && !o.horizontalFlip && !o.verticalFlip && o.widthShift === 0 && o.heightShift === 0 && o.zoom[0] === 1 && o.zoom[1] === 1;
}

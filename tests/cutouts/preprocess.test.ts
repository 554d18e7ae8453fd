import { describe, expect, it } from 'vitest'
import {
  cutoutLayoutFromMetadata,
  parseShape,
  preprocessCutout,
  type CutoutLayout,
  type PreprocessSpec,
} from '../../src/cutouts/preprocess.js'

/** HWC cube with value(y, x, b) = f(y, x, b). */
function hwc(h: number, w: number, c: number, f: (y: number, x: number, b: number) => number): Float32Array {
  const out = new Float32Array(h * w * c)
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let b = 0; b < c; b++) out[(y * w + x) * c + b] = f(y, x, b)
  return out
}

function toChw(data: Float32Array, h: number, w: number, c: number): Float32Array {
  const out = new Float32Array(data.length)
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let b = 0; b < c; b++) out[(b * h + y) * w + x] = data[(y * w + x) * c + b]!
  return out
}

/** Reads output (y, x, c) from an HWC model input. */
function px(out: Float32Array, shape: readonly [number, number, number], y: number, x: number, c: number, offset = 0): number {
  return out[offset + (y * shape[1] + x) * shape[2] + c]!
}

const code = (y: number, x: number, b: number) => 1000 * b + 10 * y + x
const none = { kind: 'none' } as const

function run(pixels: ArrayLike<number>, layout: CutoutLayout, spec: PreprocessSpec) {
  const out = new Float32Array(spec.inputShape[0] * spec.inputShape[1] * spec.inputShape[2])
  const { nonFinite } = preprocessCutout(pixels, layout, spec, out, 0)
  return { out, nonFinite }
}

describe('preprocessCutout layout and bands', () => {
  it('gives identical output for CHW and HWC storage of the same cutout', () => {
    const h = 11
    const w = 9
    const data = hwc(h, w, 4, (y, x, b) => Math.sin(y * 3.1 + x * 1.7 + b) * 50)
    const spec: PreprocessSpec = {
      inputShape: [6, 6, 3],
      bands: ['z', 'g', 'r'],
      normalisation: { kind: 'asinh', softening: [1, 2, 3] },
    }
    const bands = ['g', 'r', 'i', 'z']
    const a = run(data, { height: h, width: w, bands, layout: 'hwc' }, spec).out
    const b = run(toChw(data, h, w, 4), { height: h, width: w, bands, layout: 'chw' }, spec).out
    expect(Array.from(b)).toEqual(Array.from(a))
    const bilinear = { ...spec, inputShape: [20, 5, 3] as const, resize: 'bilinear' as const }
    const c = run(data, { height: h, width: w, bands, layout: 'hwc' }, bilinear).out
    const d = run(toChw(data, h, w, 4), { height: h, width: w, bands, layout: 'chw' }, bilinear).out
    expect(Array.from(d)).toEqual(Array.from(c))
  })

  it('selects and reorders bands by name', () => {
    const data = hwc(4, 4, 4, code)
    const spec: PreprocessSpec = { inputShape: [4, 4, 2], bands: ['z', 'g'], normalisation: none }
    const { out } = run(data, { height: 4, width: 4, bands: ['g', 'r', 'i', 'z'], layout: 'hwc' }, spec)
    expect(px(out, spec.inputShape, 2, 1, 0)).toBe(code(2, 1, 3))
    expect(px(out, spec.inputShape, 2, 1, 1)).toBe(code(2, 1, 0))
  })

  it('names a missing band and the available ones', () => {
    const spec: PreprocessSpec = { inputShape: [2, 2, 3], bands: ['g', 'r', 'z'], normalisation: none }
    expect(() => run(new Float32Array(2 * 2 * 3), { height: 2, width: 2, bands: ['g', 'r', 'i'], layout: 'hwc' }, spec)).toThrow(
      /^preprocess: band "z" missing from cutout \(available: g, r, i\)$/,
    )
  })

  it('names expected and found pixel counts on a mismatch', () => {
    const spec: PreprocessSpec = { inputShape: [2, 2, 1], bands: ['r'], normalisation: none }
    expect(() => run(new Float32Array(299), { height: 10, width: 10, bands: ['g', 'r', 'z'], layout: 'chw' }, spec)).toThrow(
      /^preprocess: cutout has 299 values, expected 300 \(10x10x3, bands g,r,z\)$/,
    )
  })

  it('accepts Float64Array, Int16Array, Uint8Array and plain arrays alike', () => {
    const values = Array.from({ length: 5 * 5 }, (_, i) => i * 3)
    const layout: CutoutLayout = { height: 5, width: 5, bands: ['r'], layout: 'hwc' }
    const spec: PreprocessSpec = { inputShape: [3, 3, 1], bands: ['r'], normalisation: none }
    const expected = Array.from(run(values, layout, spec).out)
    expect(expected[0]).toBe(values[6]) // centre crop starts at (1, 1)
    for (const typed of [Float64Array.from(values), Int16Array.from(values), Uint8Array.from(values)]) {
      expect(Array.from(run(typed, layout, spec).out)).toEqual(expected)
    }
  })

  it('writes at outOffset in a batch buffer and nowhere else', () => {
    const spec: PreprocessSpec = { inputShape: [2, 2, 1], bands: ['r'], normalisation: none }
    const batch = new Float32Array(3 * 4).fill(-7)
    preprocessCutout([1, 2, 3, 4], { height: 2, width: 2, bands: ['r'], layout: 'hwc' }, spec, batch, 4)
    expect(Array.from(batch)).toEqual([-7, -7, -7, -7, 1, 2, 3, 4, -7, -7, -7, -7])
    expect(() => preprocessCutout([1, 2, 3, 4], { height: 2, width: 2, bands: ['r'], layout: 'hwc' }, spec, batch, 9)).toThrow(
      /preprocess: output buffer of 12 values cannot hold 4 values at offset 9/,
    )
  })
})

describe('preprocessCutout resizing', () => {
  const one = (h: number, w: number) => ({ height: h, width: w, bands: ['r'], layout: 'hwc' as const })

  it('crops the centre of a larger cutout', () => {
    const spec: PreprocessSpec = { inputShape: [4, 4, 1], bands: ['r'], normalisation: none }
    const even = run(hwc(10, 10, 1, code), one(10, 10), spec).out
    expect(px(even, spec.inputShape, 0, 0, 0)).toBe(code(3, 3, 0))
    expect(px(even, spec.inputShape, 3, 3, 0)).toBe(code(6, 6, 0))
    const odd = run(hwc(9, 9, 1, code), one(9, 9), spec).out
    expect(px(odd, spec.inputShape, 0, 0, 0)).toBe(code(2, 2, 0))
  })

  it('pads a smaller cutout around the centre with nanFill', () => {
    const spec: PreprocessSpec = { inputShape: [5, 5, 1], bands: ['r'], normalisation: none, nanFill: -1 }
    const { out, nonFinite } = run(hwc(3, 3, 1, code), one(3, 3), spec)
    expect(nonFinite).toBe(0)
    expect(px(out, spec.inputShape, 0, 0, 0)).toBe(-1)
    expect(px(out, spec.inputShape, 4, 2, 0)).toBe(-1)
    expect(px(out, spec.inputShape, 1, 1, 0)).toBe(code(0, 0, 0))
    expect(px(out, spec.inputShape, 3, 3, 0)).toBe(code(2, 2, 0))
  })

  it('crops one axis while padding the other', () => {
    const spec: PreprocessSpec = { inputShape: [4, 4, 1], bands: ['r'], normalisation: none }
    const { out } = run(hwc(6, 2, 1, code), one(6, 2), spec)
    // rows 1..4 of the source, columns placed at 1..2
    expect(px(out, spec.inputShape, 0, 1, 0)).toBe(code(1, 0, 0))
    expect(px(out, spec.inputShape, 3, 2, 0)).toBe(code(4, 1, 0))
    expect(px(out, spec.inputShape, 2, 0, 0)).toBe(0)
    expect(px(out, spec.inputShape, 2, 3, 0)).toBe(0)
  })

  it('bilinearly resizes a linear ramp with half-pixel centres', () => {
    const ramp = (y: number, x: number) => x + 2 * y
    const clamp = (v: number, hi: number) => Math.min(Math.max(v, 0), hi)
    const up: PreprocessSpec = { inputShape: [16, 16, 1], bands: ['r'], resize: 'bilinear', normalisation: none }
    const upOut = run(hwc(8, 8, 1, ramp), one(8, 8), up).out
    for (let y = 0; y < 16; y++) {
      for (let x = 0; x < 16; x++) {
        expect(px(upOut, up.inputShape, y, x, 0)).toBeCloseTo(clamp(x / 2 - 0.25, 7) + 2 * clamp(y / 2 - 0.25, 7), 5)
      }
    }
    const down: PreprocessSpec = { inputShape: [8, 8, 1], bands: ['r'], resize: 'bilinear', normalisation: none }
    const downOut = run(hwc(16, 16, 1, ramp), one(16, 16), down).out
    for (let y = 0; y < 8; y++) for (let x = 0; x < 8; x++) expect(px(downOut, down.inputShape, y, x, 0)).toBeCloseTo(2 * x + 0.5 + 2 * (2 * y + 0.5), 5)
    const same: PreprocessSpec = { inputShape: [8, 8, 1], bands: ['r'], resize: 'bilinear', normalisation: none }
    expect(Array.from(run(hwc(8, 8, 1, ramp), one(8, 8), same).out)).toEqual(Array.from(hwc(8, 8, 1, ramp)))
  })
})

describe('preprocessCutout non-finite values', () => {
  it('replaces and counts NaN and ±Inf that reach the model input only', () => {
    const data = hwc(6, 6, 2, () => 1)
    const set = (y: number, x: number, b: number, v: number) => (data[(y * 6 + x) * 2 + b] = v)
    set(2, 2, 0, NaN)
    set(3, 3, 0, Infinity)
    set(3, 2, 1, -Infinity)
    set(0, 0, 0, NaN) // outside the 4x4 centre crop
    set(4, 4, 1, NaN)
    const layout: CutoutLayout = { height: 6, width: 6, bands: ['g', 'r'], layout: 'hwc' }
    const spec: PreprocessSpec = { inputShape: [4, 4, 1], bands: ['g'], normalisation: none, nanFill: 5 }
    const { out, nonFinite } = run(data, layout, spec)
    expect(nonFinite).toBe(2) // band r is not selected, (0, 0) is cropped away
    expect(px(out, spec.inputShape, 1, 1, 0)).toBe(5)
    expect(px(out, spec.inputShape, 2, 2, 0)).toBe(5)
    expect(out.every(Number.isFinite)).toBe(true)
    const both = run(data, layout, { ...spec, inputShape: [4, 4, 2], bands: ['g', 'r'] })
    expect(both.nonFinite).toBe(4)
    const bilinear = run(data, layout, { ...spec, inputShape: [3, 3, 2], bands: ['g', 'r'], resize: 'bilinear' })
    expect(bilinear.nonFinite).toBe(5)
    expect(bilinear.out.every(Number.isFinite)).toBe(true)
  })
})

describe('preprocessCutout normalisation', () => {
  const layout: CutoutLayout = { height: 1, width: 3, bands: ['g', 'r'], layout: 'hwc' }
  const data = [0, 10, 0.5, -4, 100, 2.5] // (x, band) pairs

  it('applies asinh per band with softening and scale', () => {
    const spec: PreprocessSpec = { inputShape: [1, 3, 2], bands: ['g', 'r'], normalisation: { kind: 'asinh', softening: [0.1, 2], scale: [1, 3] } }
    const { out } = run(data, layout, spec)
    const expected = [Math.asinh(0 / 0.1), 3 * Math.asinh(10 / 2), Math.asinh(0.5 / 0.1), 3 * Math.asinh(-4 / 2), Math.asinh(100 / 0.1), 3 * Math.asinh(2.5 / 2)]
    expected.forEach((e, i) => expect(out[i]).toBeCloseTo(e, 5))
    expect(out[4]).toBeCloseTo(7.6009, 3) // asinh(1000)
  })

  it('standardises per band', () => {
    const spec: PreprocessSpec = { inputShape: [1, 3, 2], bands: ['g', 'r'], normalisation: { kind: 'standardise', mean: [1, 2], std: [0.5, 4] } }
    const { out } = run(data, layout, spec)
    expect(Array.from(out)).toEqual([-2, 2, -1, -1.5, 198, 0.125])
  })

  it('divides by the largest absolute value of the image for per-image-max', () => {
    const spec: PreprocessSpec = { inputShape: [1, 3, 2], bands: ['g', 'r'], normalisation: { kind: 'per-image-max' } }
    expect(Array.from(run(data, layout, spec).out)).toEqual(data.map((v) => Math.fround(v / 100)))
    expect(Array.from(run([0, 0, 0, 0, 0, 0], layout, spec).out)).toEqual([0, 0, 0, 0, 0, 0])
  })

  it('rejects per-band parameters of the wrong length and bands that do not match the channels', () => {
    expect(() => run(data, layout, { inputShape: [1, 3, 2], bands: ['g', 'r'], normalisation: { kind: 'asinh', softening: [1] } })).toThrow(
      /preprocess: normalisation softening has 1 values, expected one per band \(2\)/,
    )
    expect(() => run(data, layout, { inputShape: [1, 3, 3], bands: ['g', 'r'], normalisation: none })).toThrow(
      /preprocess: model expects 3 channels but lists 2 bands/,
    )
  })
})

describe('parseShape and cutoutLayoutFromMetadata', () => {
  it('parses shape strings', () => {
    expect(parseShape('64x64x3', 'model.json')).toEqual([64, 64, 3])
    expect(parseShape(' 3 x 152 x 152 ', 'model.json')).toEqual([3, 152, 152])
    expect(parseShape('64,64,5', 'model.json')).toEqual([64, 64, 5])
    expect(parseShape('64×64', 'model.json')).toEqual([64, 64, 1])
    for (const bad of ['64x64x', 'abc', '0x64x3', '64x64x3x1', '64.5x64x3', '']) {
      expect(() => parseShape(bad, 'column "cutout"'), bad).toThrow(`cutout: invalid shape ${JSON.stringify(bad)} in column "cutout"`)
    }
  })

  it('builds a layout from column metadata in storage order', () => {
    expect(cutoutLayoutFromMetadata({ shape: '64x64x3', layout: 'hwc', bands: 'g,r,z' }, 'c')).toEqual({ height: 64, width: 64, bands: ['g', 'r', 'z'], layout: 'hwc' })
    expect(cutoutLayoutFromMetadata({ shape: '4x32x48', layout: 'chw', bands: 'griz' }, 'c')).toEqual({ height: 32, width: 48, bands: ['g', 'r', 'i', 'z'], layout: 'chw' })
    expect(cutoutLayoutFromMetadata({ shape: '32x32', bands: 'VIS' }, 'c')).toEqual({ height: 32, width: 32, bands: ['VIS'], layout: 'hwc' })
    expect(() => cutoutLayoutFromMetadata({ shape: '64x64x3', bands: 'g,r' }, 'column "cutout"')).toThrow(
      /cutout: bands "g,r" do not match shape "64x64x3" \(3 bands\) in column "cutout"/,
    )
  })
})

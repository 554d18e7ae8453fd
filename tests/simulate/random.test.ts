import { describe, expect, it } from 'vitest'
import { fft2, fft2d } from '../../src/simulate/fft.js'
import { Rng } from '../../src/simulate/random.js'

/**
 * The noise model addPixelNoise inlines, written with fastNormal() calls (the reference): along
 * each row, pixels x and x + 1 take the two deviates of one draw (fastNormal, then its spare);
 * an odd row's last pixel takes the first and the spare is discarded; saturated pixels consume
 * theirs. Call with no spare pending.
 */
function referenceNoise(
  out: Float32Array,
  outOffset: number,
  outStride: number,
  mean: Float64Array,
  subtract: Float64Array | undefined,
  rowStride: number,
  width: number,
  height: number,
  sigma: number,
  gain: number,
  sat: number,
  rng: Rng,
): void {
  const s2 = sigma * sigma
  const invG = 1 / gain
  const halfInvSigma = 0.5 / sigma
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const z = rng.fastNormal()
      if (x === width - 1 && x % 2 === 0) rng.fastNormal() // the odd pixel's unused half
      const i = y * rowStride + x
      const o = outOffset + (y * width + x) * outStride
      const v = mean[i] as number
      if (v >= sat) {
        out[o] = sat
        continue
      }
      const src = v > 0 ? v * invG : 0
      const sd = src < 0.02 * s2 ? sigma + src * halfInvSigma : Math.sqrt(s2 + src)
      const val = v + sd * z
      out[o] = subtract ? val - (subtract[i] as number) : val
    }
  }
}

describe('Rng.addPixelNoise', () => {
  it('draws one 32-bit number per pixel pair (fastNormal\'s two halves), one for an odd row end, and applies the same noise model', () => {
    for (const w of [7, 8]) {
      const h = 5
      const rowStride = 8
      const nb = 3
      const mean = new Float64Array(rowStride * h)
      for (let i = 0; i < mean.length; i++) mean[i] = i % 11 === 3 ? 25 : i % 5 === 0 ? -0.01 : 0.002 * i * i
      const sub = Float64Array.from(mean, (v, i) => 0.1 * v + 1e-3 * i)
      const zero = new Float64Array(mean.length)
      for (const subtract of [undefined, sub]) {
        const a = new Rng(42, 7)
        const b = new Rng(42, 7)
        const outA = new Float32Array(w * h * nb)
        const outB = new Float32Array(w * h * nb)
        for (let band = 0; band < nb; band++) {
          a.addPixelNoise(outA, band, nb, mean, subtract ?? zero, rowStride, w, h, 0.02 + 0.01 * band, 300, 20)
          referenceNoise(outB, band, nb, mean, subtract, rowStride, w, h, 0.02 + 0.01 * band, 300, 20, b)
        }
        expect(Array.from(outA)).toEqual(Array.from(outB))
        // both generators end in the same state
        expect(a.nextU32()).toBe(b.nextU32())
        expect(a.fastNormal()).toBe(b.fastNormal())
      }
    }
  })
})

describe('2-D FFT pass orders', () => {
  it('the inverse with columns first matches the inverse with rows first (up to rounding) and inverts the forward transform', () => {
    const n = 32
    const re = Float64Array.from({ length: n * n }, (_, i) => Math.sin(i * 0.9) + (i % 13 === 0 ? 0 : 0.2))
    const im = Float64Array.from({ length: n * n }, (_, i) => Math.cos(i * 0.4))
    const r0 = re.slice()
    const i0 = im.slice()
    fft2(re, im, n)
    const re2 = re.slice()
    const im2 = im.slice()
    fft2d(re, im, n, true, true)
    fft2d(re2, im2, n, true, false)
    for (let i = 0; i < n * n; i++) {
      expect(re[i]).toBeCloseTo(r0[i] as number, 10)
      expect(im[i]).toBeCloseTo(i0[i] as number, 10)
      expect(re2[i]).toBeCloseTo(re[i] as number, 12)
    }
  })
})

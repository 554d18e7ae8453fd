import { describe, expect, it } from 'vitest'
import {
  combineMixtures,
  mixtureCdf,
  mixtureCdfAt,
  mixturePdf,
  mixturePdfOnGrid,
  mixtureQuantile,
  reduceMixture,
  reduceMixtures,
  summariseMixture,
  summariseMixtures,
} from '../../workers/model/uncertainty.js'
import { ksUniform } from '../../src/metrics/photoz.js'
import { mulberry32, normalSource, sampleMixture, trapezoid } from './rng.js'

/** Independent reference: density by direct formula, CDF and quantiles by trapezoid integration on a fine grid. */
function reference(w: number[], mu: number[], s: number[], truncate: boolean) {
  const W = w.reduce((a, b) => a + b, 0)
  const f = (z: number): number => {
    let v = 0
    for (let k = 0; k < w.length; k++) v += (w[k]! / W) * Math.exp(-0.5 * ((z - mu[k]!) / s[k]!) ** 2) / (s[k]! * Math.sqrt(2 * Math.PI))
    return v
  }
  let lo = Math.min(...mu.map((m, k) => m - 12 * s[k]!))
  const hi = Math.max(...mu.map((m, k) => m + 12 * s[k]!))
  if (truncate) lo = Math.max(0, lo)
  const n = 400_000
  const h = (hi - lo) / n
  const cdf = new Float64Array(n + 1)
  let prev = f(lo)
  for (let i = 1; i <= n; i++) {
    const cur = f(lo + i * h)
    cdf[i] = cdf[i - 1]! + 0.5 * (prev + cur) * h
    prev = cur
  }
  const total = cdf[n]!
  const q = (p: number): number => {
    const target = p * total
    let i = 0
    while (cdf[i + 1]! < target) i++
    // linear interpolation inside the cell
    return lo + (i + (target - cdf[i]!) / (cdf[i + 1]! - cdf[i]!)) * h
  }
  const mean = trapezoid((z) => z * f(z), lo, hi, 200_000) / total
  const std = Math.sqrt(trapezoid((z) => (z - mean) ** 2 * f(z), lo, hi, 200_000) / total)
  let mode = lo
  for (let i = 0; i <= 200_000; i++) {
    const z = lo + ((hi - lo) * i) / 200_000
    if (f(z) > f(mode)) mode = z
  }
  return { q, mean, std, mode, total }
}

describe('Gaussian mixture summaries', () => {
  it('two-component quantiles, moments and mode match an independent numerical reference', () => {
    const w = [0.3, 0.7]
    const mu = [0.45, 0.9]
    const s = [0.04, 0.12]
    const ref = reference(w, mu, s, false)
    const got = summariseMixture(w, mu, s, { truncateAtZero: false })
    expect(got.median).toBeCloseTo(ref.q(0.5), 5)
    expect(got.p16).toBeCloseTo(ref.q(0.16), 5)
    expect(got.p84).toBeCloseTo(ref.q(0.84), 5)
    expect(got.p025).toBeCloseTo(ref.q(0.025), 5)
    expect(got.p975).toBeCloseTo(ref.q(0.975), 5)
    expect(got.mean).toBeCloseTo(ref.mean, 6)
    expect(got.std).toBeCloseTo(ref.std, 6)
    expect(Math.abs(got.mode - ref.mode)).toBeLessThan(1e-4) // reference grid step is 7e-6
    // The quantiles solve the CDF to 1e-6 in z: the CDF there equals the level to |pdf|·1e-6.
    for (const [p, z] of [[0.025, got.p025], [0.16, got.p16], [0.5, got.median], [0.84, got.p84], [0.975, got.p975]] as const) {
      const err = Math.abs(mixtureCdf(w, mu, s, z, { truncateAtZero: false }) - p)
      expect(err).toBeLessThan(1e-6 * mixturePdf(w, mu, s, z, { truncateAtZero: false }) + 1e-12)
    }
  })

  it('finds the higher of two separated peaks as the mode', () => {
    const got = summariseMixture([0.6, 0.4], [0.3, 1.2], [0.1, 0.02], { truncateAtZero: false })
    // the narrow peak at 1.2 is much higher: 0.4/0.02 ≫ 0.6/0.1
    expect(got.mode).toBeCloseTo(1.2, 5)
  })

  it('truncates at z = 0 and renormalises by default', () => {
    const w = [1, 1]
    const mu = [0.05, 0.4]
    const s = [0.1, 0.2]
    const ref = reference(w, mu, s, true)
    const got = summariseMixture(w, mu, s)
    expect(got.p025).toBeGreaterThanOrEqual(0)
    expect(got.median).toBeCloseTo(ref.q(0.5), 5)
    expect(got.p025).toBeCloseTo(ref.q(0.025), 5)
    expect(got.p975).toBeCloseTo(ref.q(0.975), 5)
    expect(got.mean).toBeCloseTo(ref.mean, 6)
    expect(got.std).toBeCloseTo(ref.std, 6)
    expect(mixtureCdf(w, mu, s, 0)).toBe(0)
    expect(mixtureCdf(w, mu, s, -1)).toBe(0)
    expect(mixturePdf(w, mu, s, -0.01)).toBe(0)
    expect(trapezoid((z) => mixturePdf(w, mu, s, z), 0, 3, 30_000)).toBeCloseTo(1, 6)
    // untruncated: the same mixture has mass below zero and a lower 2.5% quantile below zero
    expect(summariseMixture(w, mu, s, { truncateAtZero: false }).p025).toBeLessThan(0)
    // a single half-normal at 0 has its mode at the boundary
    expect(summariseMixture([1], [-0.05], [0.1]).mode).toBe(0)
  })

  it('reproduces a single Gaussian exactly', () => {
    const got = summariseMixture([2], [1.3], [0.1], { truncateAtZero: false })
    expect(got.mean).toBeCloseTo(1.3, 12)
    expect(got.std).toBeCloseTo(0.1, 12)
    expect(got.median).toBeCloseTo(1.3, 7)
    expect(got.mode).toBeCloseTo(1.3, 7)
    expect(got.p84).toBeCloseTo(1.3 + 0.1 * 0.994457883209753, 7)
    expect(got.p975).toBeCloseTo(1.3 + 0.1 * 1.959963984540054, 7)
    expect(mixtureQuantile([1], [1], [0.1], 0.975, { truncateAtZero: false })).toBeCloseTo(1.1959963984540054, 7)
  })

  it('returns NaN for invalid components instead of throwing, and throws on mismatched sizes', () => {
    const bad = summariseMixture([1, 1], [0.5, 0.6], [0.1, 0])
    expect(Number.isNaN(bad.mean) && Number.isNaN(bad.median) && Number.isNaN(bad.mode)).toBe(true)
    expect(() => summariseMixture([1, 1], [0.5], [0.1, 0.1])).toThrow(/equal length, got 2, 1, 2/)
  })

  it('batch summaries agree with single-object summaries', () => {
    const w = Float32Array.of(0.5, 0.5, 1, 0)
    const mu = Float32Array.of(0.2, 0.6, 1.0, 0.3)
    const s = Float32Array.of(0.05, 0.05, 0.1, 0.1)
    const cols = summariseMixtures(w, mu, s, 2, 2)
    const a = summariseMixture(w.subarray(0, 2), mu.subarray(0, 2), s.subarray(0, 2))
    const b = summariseMixture([1], [mu[2]!], [s[2]!]) // the zero-weight component changes nothing
    expect(cols.median[0]).toBe(a.median)
    expect(cols.p16[0]).toBe(a.p16)
    expect(cols.mode[1]).toBeCloseTo(b.mode, 9)
    expect(cols.p975[1]).toBeCloseTo(b.p975, 9)
  })

  it('evaluates the density on a grid', () => {
    const grid = Float64Array.of(-0.1, 0, 0.5, 1)
    const pdf = mixturePdfOnGrid([1], [0.5], [0.1], grid, { truncateAtZero: false })
    expect(pdf[2]).toBeCloseTo(1 / (0.1 * Math.sqrt(2 * Math.PI)), 12)
    expect(pdf[3]).toBeCloseTo(Math.exp(-12.5) / (0.1 * Math.sqrt(2 * Math.PI)), 14)
    expect(mixturePdfOnGrid([1], [0.5], [0.1], grid)[0]).toBe(0)
  })
})

describe('PIT of samples drawn from the predicted PDFs', () => {
  const n = 3000
  const M = 3
  // KS critical value at the 1% level, asymptotic (Smirnov): 1.6276/sqrt(n).
  const critical = 1.6276 / Math.sqrt(n)

  function makeMixtures(seed: number) {
    const u = mulberry32(seed)
    const w = new Float64Array(n * M)
    const mu = new Float64Array(n * M)
    const s = new Float64Array(n * M)
    for (let i = 0; i < n * M; i++) {
      w[i] = 0.1 + u()
      mu[i] = 0.02 + 1.5 * u() // some PDFs reach below z = 0
      s[i] = 0.02 + 0.15 * u()
    }
    return { w, mu, s }
  }

  it('is uniform (KS below the 1% critical value) for the truncated mixture', () => {
    const { w, mu, s } = makeMixtures(11)
    const u = mulberry32(12)
    const g = normalSource(u)
    const z = new Float64Array(n)
    for (let i = 0; i < n; i++) {
      let v = -1
      while (v < 0) v = sampleMixture(w, mu, s, i * M, M, u, g) // rejection = truncation at 0
      z[i] = v
    }
    const pit = mixtureCdfAt(w, mu, s, n, M, z)
    expect(ksUniform(pit)).toBeLessThan(critical)
  })

  it('is not uniform when the PDFs are too narrow (the check can fail)', () => {
    const { w, mu, s } = makeMixtures(13)
    const u = mulberry32(14)
    const g = normalSource(u)
    const z = new Float64Array(n)
    const wide = s.map((v) => 1.5 * v)
    for (let i = 0; i < n; i++) z[i] = sampleMixture(w, mu, wide, i * M, M, u, g)
    const pit = mixtureCdfAt(w, mu, s, n, M, z, { truncateAtZero: false })
    expect(ksUniform(pit)).toBeGreaterThan(critical)
  })
})

describe('MC-dropout mixtures', () => {
  it('combines T passes into one mixture with weights w/T', () => {
    const T = 3
    const N = 2
    const K = 2
    const w = new Float32Array(T * N * K)
    const mu = new Float32Array(T * N * K)
    const s = new Float32Array(T * N * K).fill(0.1)
    for (let t = 0; t < T; t++) {
      for (let n = 0; n < N; n++) {
        const o = (t * N + n) * K
        w[o] = 0.25
        w[o + 1] = 0.75
        mu[o] = 100 * n + 10 * t
        mu[o + 1] = 100 * n + 10 * t + 1
      }
    }
    const c = combineMixtures(w, mu, s, T, N, K)
    expect(c.components).toBe(6)
    expect(Array.from(c.weights.subarray(0, 6))).toEqual([0.25 / 3, 0.75 / 3, 0.25 / 3, 0.75 / 3, 0.25 / 3, 0.75 / 3].map(Math.fround))
    expect(Array.from(c.means.subarray(6, 12))).toEqual([100, 101, 110, 111, 120, 121])
    expect(() => combineMixtures(w, mu, s, T, N, 3)).toThrow(/expected T\*N\*K = 3\*2\*3 = 18 values, got 12/)
  })

  it('reduces a mixture preserving weight, mean and variance, keeping separated modes apart', () => {
    const u = mulberry32(5)
    const M = 150
    const w = new Float64Array(M)
    const mu = new Float64Array(M)
    const s = new Float64Array(M)
    for (let k = 0; k < M; k++) {
      const second = k % 3 === 0
      w[k] = u()
      mu[k] = (second ? 1.4 : 0.5) + 0.03 * (u() - 0.5)
      s[k] = 0.03 + 0.02 * u()
    }
    const r = reduceMixture(w, mu, s, 4)
    expect(r.count).toBe(4)
    const moments = (ww: ArrayLike<number>, mm: ArrayLike<number>, ss: ArrayLike<number>) => {
      let W = 0
      let m1 = 0
      for (let k = 0; k < ww.length; k++) {
        W += ww[k]!
        m1 += ww[k]! * mm[k]!
      }
      const mean = m1 / W
      let v = 0
      for (let k = 0; k < ww.length; k++) v += ww[k]! * ((mm[k]! - mean) ** 2 + ss[k]! ** 2)
      return [W, mean, v / W]
    }
    const [W0, m0, v0] = moments(w, mu, s)
    const [W1, m1, v1] = moments(r.weights, r.means, r.stds.map((v, k) => (k < r.count ? v : 0)))
    expect(W1).toBeCloseTo(W0!, 10)
    expect(m1).toBeCloseTo(m0!, 12)
    expect(v1).toBeCloseTo(v0!, 12)
    // components sorted by mean; at least one near each mode
    for (let k = 1; k < r.count; k++) expect(r.means[k]!).toBeGreaterThanOrEqual(r.means[k - 1]!)
    expect(Array.from(r.means).some((m) => Math.abs(m - 0.5) < 0.05)).toBe(true)
    expect(Array.from(r.means).some((m) => Math.abs(m - 1.4) < 0.05)).toBe(true)
    // the reduced PDF keeps the quantiles close
    const a = summariseMixture(w, mu, s)
    const b = summariseMixture(r.weights, r.means, r.stds)
    expect(Math.abs(a.median - b.median)).toBeLessThan(0.01)
    expect(Math.abs(a.p975 - b.p975)).toBeLessThan(0.01)
  })

  it('pads when there are fewer components than allowed and batches with renormalised weights', () => {
    const r = reduceMixture([1, 0, 3], [0.2, 0.5, 0.4], [0.1, 0.1, 0.1], 4)
    expect(r.count).toBe(2)
    expect(Array.from(r.weights)).toEqual([1, 3, 0, 0])
    expect(Array.from(r.means.subarray(0, 2))).toEqual([0.2, 0.4])
    expect(r.stds[3]).toBe(1)
    const batch = reduceMixtures(Float32Array.of(1, 3, 2, 2), Float32Array.of(0.2, 0.4, 1, 1.1), Float32Array.of(0.1, 0.1, 0.1, 0.1), 2, 2, 1)
    expect(batch.components).toBe(1)
    expect(batch.weights[0]).toBe(1)
    expect(batch.means[0]).toBeCloseTo(0.35, 6)
    expect(batch.means[1]).toBeCloseTo(1.05, 6)
    expect(batch.stds[1]).toBeCloseTo(Math.sqrt(0.01 + 0.05 ** 2), 6)
  })
})

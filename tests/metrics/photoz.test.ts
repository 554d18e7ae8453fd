import { describe, expect, it } from 'vitest'
import {
  bias,
  crps,
  crpsGaussian,
  crpsMixtures,
  deltaZ,
  intervalCoverage,
  ksUniform,
  ksUniformPValue,
  meanCrps,
  mixtureCdf,
  outlierFraction,
  photozPointMetrics,
  pit,
  pitHistogram,
  railOutlierFraction,
  sigmaIqr,
  sigmaMad,
} from '../../src/metrics/index.js'

/** z_phot for given normalised residuals at z_spec. */
function fromResiduals(dz: number[], zSpec: number[]): number[] {
  return dz.map((d, i) => zSpec[i]! + d * (1 + zSpec[i]!))
}

describe('point photo-z metrics on hand-built residuals', () => {
  const zSpec = [0.1, 0.2, 0.3, 0.5, 0.7, 1.0, 1.2, 0.4, 0.9]
  const dz = [-0.02, -0.01, 0, 0.01, 0.03, 0.2, -0.08, 0.005, 0.04]
  const zPhot = fromResiduals(dz, zSpec)

  it('normalises residuals by 1 + z_spec', () => {
    const got = deltaZ(zPhot, zSpec)
    for (let i = 0; i < dz.length; i++) expect(got[i]).toBeCloseTo(dz[i]!, 12)
    expect(deltaZ([1.1], [1])[0]).toBeCloseTo(0.05, 12)
  })

  it('computes σ_MAD, bias and the outlier fractions', () => {
    // sorted Δz: -0.08 -0.02 -0.01 0 0.005 0.01 0.03 0.04 0.2 → median 0.005
    // |Δz − 0.005|: 0.025 0.015 0.005 0.005 0.025 0.195 0.085 0 0.035 → sorted median 0.025
    expect(sigmaMad(zPhot, zSpec)).toBeCloseTo(1.4826 * 0.025, 10)
    expect(bias(zPhot, zSpec)).toBeCloseTo(dz.reduce((a, b) => a + b, 0) / dz.length, 12)
    expect(bias(zPhot, zSpec, { statistic: 'median' })).toBeCloseTo(0.005, 12)
    expect(outlierFraction(zPhot, zSpec)).toBeCloseTo(2 / 9, 12) // 0.2 and -0.08
    expect(outlierFraction(zPhot, zSpec, 0.035)).toBeCloseTo(3 / 9, 12)
    // numpy percentile (linear): q25 at h=2 → -0.01, q75 at h=6 → 0.03
    expect(sigmaIqr(zPhot, zSpec)).toBeCloseTo(0.04 / 1.349, 10)
    const rail = railOutlierFraction(zPhot, zSpec)
    expect(rail.cut).toBeCloseTo(Math.max(0.06, (3 * 0.04) / 1.349), 10) // 0.0889
    expect(rail.fraction).toBeCloseTo(1 / 9, 12) // only 0.2 exceeds 0.0889
    const all = photozPointMetrics(zPhot, zSpec)
    expect(all.n).toBe(9)
    expect(all.outlierFraction005).toBeCloseTo(2 / 9, 12)
    expect(all.railOutlierFraction).toBeCloseTo(1 / 9, 12)
  })

  it('uses the 0.06 floor when the core is narrow', () => {
    const z = new Array<number>(8).fill(0.5)
    // sorted Δz: -0.002 -0.001 0 0.0005 0.001 0.002 0.05 0.07 → q25 = -0.00025, q75 = 0.014
    const r = railOutlierFraction(fromResiduals([0, 0.001, -0.001, 0.002, -0.002, 0.0005, 0.07, 0.05], z), z)
    expect(r.sigmaIqr).toBeCloseTo(0.01425 / 1.349, 10)
    expect(r.cut).toBe(0.06)
    expect(r.fraction).toBeCloseTo(1 / 8, 12)
  })
})

describe('PIT tools', () => {
  it('clips PIT values and histograms them', () => {
    const p = pit([-0.1, 0.05, 0.5, 0.99, 1.2])
    expect(Array.from(p)).toEqual([0, 0.05, 0.5, 0.99, 1])
    const h = pitHistogram(p, 4)
    expect(Array.from(h.counts)).toEqual([2, 0, 1, 2])
    expect(h.density[0]).toBeCloseTo(2 * 4 / 5, 12)
    expect(h.edges[4]).toBe(1)
  })

  it('gives the exact KS statistic for known samples', () => {
    const n = 50
    const mid = Float64Array.from({ length: n }, (_, i) => (i + 0.5) / n)
    expect(ksUniform(mid)).toBeCloseTo(0.5 / n, 14)
    expect(ksUniform([0.1, 0.2, 0.3, 0.4])).toBeCloseTo(0.6, 14)
    expect(ksUniformPValue(0.5 / n, n)).toBe(1)
    // Kolmogorov's 5% point: Q_KS(1.3581) = 0.05
    const big = 10_000
    expect(ksUniformPValue(1.3581 / (Math.sqrt(big) + 0.12 + 0.11 / Math.sqrt(big)), big)).toBeCloseTo(0.05, 4)
    expect(ksUniformPValue(0.6, 4)).toBeLessThan(0.1)
  })

  it('measures interval coverage', () => {
    expect(intervalCoverage([0, 1, 2, NaN], [1, 2, 3, 1], [0.5, 2.5, 2, 0])).toBeCloseTo(2 / 3, 12)
  })
})

describe('CRPS of Gaussian mixtures (Grimit et al. 2006)', () => {
  /** ∫ (F(z) − 1{z ≥ y})² dz by Simpson's rule on both sides of y. */
  function numericCrps(w: number[], mu: number[], s: number[], y: number): number {
    const F = (z: number) => mixtureCdf(w, mu, s, z, { truncateAtZero: false })
    const lo = Math.min(...mu.map((m, k) => m - 12 * s[k]!), y)
    const hi = Math.max(...mu.map((m, k) => m + 12 * s[k]!), y)
    const simpson = (g: (z: number) => number, a: number, b: number, n: number) => {
      const h = (b - a) / n
      let acc = g(a) + g(b)
      for (let i = 1; i < n; i++) acc += (i % 2 === 1 ? 4 : 2) * g(a + i * h)
      return (acc * h) / 3
    }
    return simpson((z) => F(z) ** 2, lo, y, 20_000) + simpson((z) => (1 - F(z)) ** 2, y, hi, 20_000)
  }

  it('matches numerical integration of (F − 1{z ≥ y})²', () => {
    const cases: Array<[number[], number[], number[], number]> = [
      [[0.3, 0.7], [0.45, 0.9], [0.04, 0.12], 0.6],
      [[0.3, 0.7], [0.45, 0.9], [0.04, 0.12], 2.0],
      [[1, 2, 1], [0.2, 0.25, 1.1], [0.05, 0.02, 0.3], 0.22],
    ]
    for (const [w, mu, s, y] of cases) expect(crps(w, mu, s, y)).toBeCloseTo(numericCrps(w, mu, s, y), 8)
  })

  it('reduces to the Gaussian closed form and averages over objects', () => {
    expect(crps([1], [0], [1], 0)).toBeCloseTo((Math.SQRT2 - 1) / Math.sqrt(Math.PI), 14)
    expect(crps([1], [0.3], [0.05], 0.41)).toBeCloseTo(crpsGaussian(0.3, 0.05, 0.41), 14)
    const w = Float64Array.of(1, 0, 0.5, 0.5)
    const mu = Float64Array.of(0.3, 9, 1, 1.2)
    const s = Float64Array.of(0.05, 1, 0.1, 0.1)
    const z = Float64Array.of(0.35, 1.1)
    const each = crpsMixtures(w, mu, s, 2, 2, z)
    expect(each[0]).toBeCloseTo(crpsGaussian(0.3, 0.05, 0.35), 14)
    expect(meanCrps(w, mu, s, 2, 2, z)).toBeCloseTo((each[0]! + each[1]!) / 2, 14)
  })
})

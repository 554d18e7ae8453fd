import { describe, expect, it } from 'vitest'
import { erf, erfc, normalCdf, normalPdf, normalQuantile } from '../../src/metrics/special.js'
import { brentMinimise } from '../../src/metrics/optimise.js'
import { median, quantile } from '../../src/metrics/stats.js'

// Reference values: Abramowitz & Stegun tables / 40-digit mpmath evaluations.
const ERF: Array<[number, number]> = [
  [0.1, 0.1124629160182849],
  [0.3, 0.32862675945912745],
  [0.5, 0.5204998778130465],
  [1, 0.8427007929497149],
  [2, 0.9953222650189527],
  [-1.5, -0.9661051464753108],
]
const ERFC: Array<[number, number]> = [
  [0.2, 0.7772974107895215],
  [0.5, 0.4795001221869535],
  [1, 0.15729920705028513],
  [3, 2.209049699858544e-5],
  [4.5, 1.9661604415428874e-10],
  [5, 1.5374597944280349e-12],
  [10, 2.088487583762545e-45],
  [20, 5.395865611607901e-176],
  [-1, 1.8427007929497148],
]

function relErr(got: number, want: number): number {
  return Math.abs(got - want) / Math.abs(want)
}

describe('error function (Cody)', () => {
  it('matches known erf values to 1e-14 relative', () => {
    for (const [x, want] of ERF) expect(relErr(erf(x), want), `erf(${x})`).toBeLessThan(1e-14)
  })
  it('matches known erfc values, tail included, to 1e-13 relative', () => {
    for (const [x, want] of ERFC) expect(relErr(erfc(x), want), `erfc(${x})`).toBeLessThan(1e-13)
  })
  it('is odd, erf + erfc = 1, and saturates', () => {
    for (const x of [0.01, 0.4, 0.9, 2.5, 6]) {
      expect(erf(-x)).toBe(-erf(x))
      expect(erf(x) + erfc(x)).toBeCloseTo(1, 15)
    }
    expect(erf(0)).toBe(0)
    expect(erfc(30)).toBe(0)
    expect(erfc(-30)).toBe(2)
    expect(Number.isNaN(erf(NaN))).toBe(true)
  })
  it('gives the normal CDF with tail accuracy and its quantile inverts it', () => {
    expect(relErr(normalCdf(-5), 2.866515718791939e-7)).toBeLessThan(1e-13)
    expect(relErr(normalCdf(-8), 6.22096057427178e-16)).toBeLessThan(1e-13)
    expect(normalCdf(0)).toBe(0.5)
    expect(normalPdf(0)).toBeCloseTo(0.3989422804014327, 15)
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963984540054, 13)
    expect(normalQuantile(0.16)).toBeCloseTo(-0.994457883209753, 13)
    expect(relErr(normalQuantile(1e-10), -6.361340902404056)).toBeLessThan(1e-13)
    for (const p of [1e-12, 0.003, 0.3, 0.7, 0.99]) expect(relErr(normalCdf(normalQuantile(p)), p)).toBeLessThan(1e-12)
    expect(normalQuantile(0)).toBe(-Infinity)
    expect(Number.isNaN(normalQuantile(1.2))).toBe(true)
  })
})

describe('helpers', () => {
  it('Brent finds the minimum of a smooth function', () => {
    const r = brentMinimise((x) => (x - 1.234) ** 2 + Math.cos(3 * (x - 1.234)) * 0.01, 0, 4, 1e-10)
    expect(r.x).toBeCloseTo(1.234, 7)
  })
  it('quantiles interpolate linearly like numpy', () => {
    expect(quantile([1, 2, 3, 4], 0.25)).toBe(1.75)
    expect(median([4, 1, 3, 2])).toBe(2.5)
    expect(median([5, 1, 3])).toBe(3)
  })
})

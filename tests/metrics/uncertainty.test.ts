import { describe, expect, it } from 'vitest'
import {
  monteCarloStandardError,
  PassAccumulator,
  sigmoidToTwoClass,
  summariseClassifierPasses,
} from '../../workers/model/uncertainty.js'
import { mulberry32, normalSource } from './rng.js'

/** Random softmax rows [t][n][c]. */
function randomPasses(T: number, N: number, C: number, seed: number): Float32Array {
  const u = mulberry32(seed)
  const out = new Float32Array(T * N * C)
  for (let r = 0; r < T * N; r++) {
    let s = 0
    for (let c = 0; c < C; c++) {
      const v = Math.exp(3 * u())
      out[r * C + c] = v
      s += v
    }
    for (let c = 0; c < C; c++) out[r * C + c] = out[r * C + c]! / s
  }
  return out
}

describe('summariseClassifierPasses', () => {
  it('gives exactly zero std and mutual information for a deterministic model', () => {
    const N = 7
    const C = 4
    const T = 30
    const one = randomPasses(1, N, C, 1)
    const probs = new Float32Array(T * N * C)
    for (let t = 0; t < T; t++) probs.set(one, t * N * C)
    const s = summariseClassifierPasses(probs, T, N, C)
    for (let i = 0; i < N * C; i++) {
      expect(s.std[i]).toBe(0)
      expect(s.mean[i]).toBe(one[i])
    }
    for (let n = 0; n < N; n++) {
      expect(s.mutualInformation[n]).toBe(0)
      let h = 0
      let best = 0
      for (let c = 0; c < C; c++) {
        const p = one[n * C + c]!
        h -= p * Math.log(p)
        if (p > one[n * C + best]!) best = c
      }
      expect(s.entropy[n]).toBeCloseTo(h, 6)
      expect(s.label[n]).toBe(best)
    }
  })

  it('matches a hand computation when the passes disagree', () => {
    // One object, two classes, two passes: (0.9, 0.1) and (0.1, 0.9).
    const probs = Float32Array.of(0.9, 0.1, 0.1, 0.9)
    const s = summariseClassifierPasses(probs, 2, 1, 2)
    const hPass = -(0.9 * Math.log(0.9) + 0.1 * Math.log(0.1)) // 0.3250829733914482
    expect(s.mean[0]).toBeCloseTo(0.5, 7)
    expect(s.std[0]).toBeCloseTo(0.4, 6) // population std of {0.9, 0.1}
    expect(s.entropy[0]).toBeCloseTo(Math.LN2, 6)
    expect(s.mutualInformation[0]).toBeCloseTo(Math.LN2 - hPass, 6) // 0.3680642071684971
    expect(s.mutualInformation[0]).toBeCloseTo(0.3680642071684971, 6)
  })

  it('gives ln C for a uniform prediction and the lowest label on ties', () => {
    const C = 5
    const probs = new Float32Array(3 * C).fill(1 / C)
    const s = summariseClassifierPasses(probs, 3, 1, C)
    expect(s.entropy[0]).toBeCloseTo(Math.log(C), 6)
    expect(s.mutualInformation[0]).toBeCloseTo(0, 6)
    expect(s.label[0]).toBe(0)
  })

  it('handles binary sigmoid outputs through sigmoidToTwoClass', () => {
    const sig = Float32Array.of(0.8, 0.2, 0.6, 0.4) // T=2 passes × N=2 objects
    const two = sigmoidToTwoClass(sig)
    const want = new Float32Array(8)
    for (let i = 0; i < 4; i++) {
      want[2 * i] = 1 - sig[i]!
      want[2 * i + 1] = sig[i]!
    }
    expect(Array.from(two)).toEqual(Array.from(want))
    const s = summariseClassifierPasses(two, 2, 2, 2)
    expect(s.mean[1]).toBeCloseTo(0.7, 6) // object 0 positive class
    expect(s.mean[3]).toBeCloseTo(0.3, 6)
    expect(Array.from(s.label)).toEqual([1, 0])
  })

  it('rejects a size mismatch with a message naming the sizes', () => {
    expect(() => summariseClassifierPasses(new Float32Array(5), 2, 1, 2)).toThrow(/expected T\*N\*C = 2\*1\*2 = 4 probabilities, got 5/)
  })
})

describe('Monte Carlo standard error and the adaptive accumulator', () => {
  it('computes s/sqrt(T) with the sample std', () => {
    const probs = Float32Array.of(0.2, 0.8, 0.4, 0.6, 0.6, 0.4) // T=3, N=1, C=2
    const se = monteCarloStandardError(probs, 3, 1, 2)
    // sample std of {0.2, 0.4, 0.6} = 0.2 → se = 0.2/sqrt(3)
    expect(se[0]).toBeCloseTo(0.2 / Math.sqrt(3), 6)
    expect(se[1]).toBeCloseTo(0.2 / Math.sqrt(3), 6)
  })

  it('agrees with the batch summary when fed the same passes one at a time', () => {
    const T = 12
    const N = 9
    const C = 3
    const probs = randomPasses(T, N, C, 7)
    const acc = new PassAccumulator(N, C, { maxPasses: T })
    for (let t = 0; t < T; t++) acc.add(probs.subarray(t * N * C, (t + 1) * N * C))
    const a = acc.summary()
    const b = summariseClassifierPasses(probs, T, N, C)
    for (let i = 0; i < N * C; i++) {
      expect(a.mean[i]).toBeCloseTo(b.mean[i]!, 6)
      expect(a.std[i]).toBeCloseTo(b.std[i]!, 6)
    }
    for (let n = 0; n < N; n++) {
      expect(a.entropy[n]).toBeCloseTo(b.entropy[n]!, 6)
      expect(a.mutualInformation[n]).toBeCloseTo(b.mutualInformation[n]!, 6)
      expect(a.label[n]).toBe(b.label[n])
    }
    const se = acc.standardError()
    const se2 = monteCarloStandardError(probs, T, N, C)
    for (let i = 0; i < N * C; i++) expect(se[i]).toBeCloseTo(se2[i]!, 6)
  })

  it('stops sampling confident objects and keeps sampling uncertain ones', () => {
    const N = 2
    const C = 2
    const acc = new PassAccumulator(N, C, { tolerance: 0.01, minPasses: 5, maxPasses: 40 })
    let flip = 0
    while (true) {
      const idx = acc.pending()
      if (idx.length === 0) break
      const probs = new Float32Array(idx.length * C)
      for (let k = 0; k < idx.length; k++) {
        // object 0 is certain (identical passes); object 1 alternates between 0.1 and 0.9.
        const p = idx[k] === 0 ? 0.97 : flip++ % 2 === 0 ? 0.1 : 0.9
        probs[k * C] = 1 - p
        probs[k * C + 1] = p
      }
      acc.add(probs, idx)
    }
    expect(acc.passes(0)).toBe(5)
    expect(acc.isConverged(0)).toBe(true)
    expect(acc.passes(1)).toBe(40)
    expect(acc.isConverged(1)).toBe(false)
    expect(acc.isDone(1)).toBe(true)
    expect(acc.totalPasses()).toBe(45)
    const s = acc.summary()
    expect(s.std[1]).toBe(0)
    expect(s.mutualInformation[0]).toBe(0)
    expect(s.mean[3]).toBeCloseTo(0.5, 6)
    expect(s.mutualInformation[1]).toBeGreaterThan(0.3)
  })

  it('converges after a number of passes consistent with the standard error', () => {
    // Bernoulli-like passes with std 0.05 need about (0.05/0.01)^2 = 25 passes at tolerance 0.01.
    const u = mulberry32(3)
    const acc = new PassAccumulator(1, 2, { tolerance: 0.01, minPasses: 5, maxPasses: 1000 })
    while (acc.pending().length > 0) {
      const p = 0.5 + (u() < 0.5 ? -0.05 : 0.05)
      acc.add(Float32Array.of(1 - p, p))
    }
    expect(acc.passes(0)).toBeGreaterThan(18)
    expect(acc.passes(0)).toBeLessThan(35)
    expect(acc.maxStandardError(0)).toBeLessThan(0.01)
  })

  it('tracks the MC standard error of a redshift (C = 1) for adaptive photo-z', () => {
    const g = normalSource(mulberry32(9))
    const acc = new PassAccumulator(2, 1, { tolerance: 0.002, minPasses: 5, maxPasses: 200 })
    for (let idx = acc.pending(); idx.length > 0; idx = acc.pending()) {
      // per-pass mean z scatters with σ = 0.001 (object 0) and σ = 0.02 (object 1)
      acc.add(Float32Array.from(idx, (n) => 0.8 + g() * (n === 0 ? 0.001 : 0.02)), idx)
    }
    expect(acc.passes(0)).toBe(5)
    expect(acc.passes(1)).toBeGreaterThan(60) // (0.02/0.002)^2 = 100 expected
    expect(acc.maxStandardError(1)).toBeLessThan(0.002)
    expect(acc.summary().mean[1]).toBeCloseTo(0.8, 2)
  })

  it('rejects bad indices', () => {
    const acc = new PassAccumulator(2, 2)
    expect(() => acc.add(Float32Array.of(0.5, 0.5), Int32Array.of(2))).toThrow(/object index 2 outside \[0, 2\)/)
  })
})

import { describe, expect, it } from 'vitest'
import {
  accuracy,
  applyTemperature,
  applyWidthScale,
  argmaxRows,
  expectedCalibrationError,
  fitBiasCorrectedTemperature,
  fitPdfWidthScale,
  fitTemperature,
  intervalCoverage,
  ksUniform,
  logitsFromProbabilities,
  mixtureCdfAt,
  summariseMixtures,
  temperatureNll,
} from '../../src/metrics/index.js'
import { mulberry32, normalSource, sampleMixture } from './rng.js'

/** N×C logits (scale·N(0, 1)) and class labels drawn from softmax(logits/T + b). */
function sampleLabels(N: number, C: number, T: number, b: readonly number[] | undefined, seed: number, scale: number) {
  const u = mulberry32(seed)
  const g = normalSource(u)
  const logits = new Float32Array(N * C)
  for (let i = 0; i < N * C; i++) logits[i] = scale * g()
  const truth = applyTemperature(logits, N, C, T, undefined, b)
  const labels = new Int32Array(N)
  for (let n = 0; n < N; n++) {
    let r = u()
    let y = 0
    while (y < C - 1 && r >= truth[n * C + y]!) {
      r -= truth[n * C + y]!
      y++
    }
    labels[n] = y
  }
  return { logits, labels }
}

describe('temperature scaling', () => {
  it('recovers the temperature that generated the labels', () => {
    const N = 20_000
    const C = 4
    const T0 = 2.5
    const { logits, labels } = sampleLabels(N, C, T0, undefined, 41, 4)
    const fit = fitTemperature(logits, labels, N, C)
    expect(fit.temperature).toBeGreaterThan(T0 * 0.95)
    expect(fit.temperature).toBeLessThan(T0 * 1.05)
    expect(fit.nllAfter).toBeLessThan(fit.nllBefore)
    expect(fit.nllAfter).toBeCloseTo(temperatureNll(logits, labels, N, C, fit.temperature), 10)
    // calibration improves accordingly
    const before = expectedCalibrationError(applyTemperature(logits, N, C, 1), labels)
    const after = expectedCalibrationError(applyTemperature(logits, N, C, fit.temperature), labels)
    expect(before).toBeGreaterThan(0.1)
    expect(after).toBeLessThan(0.02)
    // models that only give probabilities: logits recovered from them fit the same T
    const fromProbs = logitsFromProbabilities(applyTemperature(logits, N, C, 1), N, C)
    expect(fitTemperature(fromProbs, labels, N, C).temperature).toBeCloseTo(fit.temperature, 3)
  })

  it('handles binary sigmoid logits (C = 1)', () => {
    const N = 20_000
    const T0 = 0.6 // an under-confident model
    const u = mulberry32(43)
    const g = normalSource(u)
    const logits = new Float32Array(N)
    const labels = new Int32Array(N)
    for (let n = 0; n < N; n++) {
      logits[n] = 1.5 * g()
      labels[n] = u() < 1 / (1 + Math.exp(-logits[n]! / T0)) ? 1 : 0
    }
    const fit = fitTemperature(logits, labels, N, 1)
    expect(fit.temperature).toBeGreaterThan(T0 * 0.93)
    expect(fit.temperature).toBeLessThan(T0 * 1.07)
    expect(applyTemperature(Float32Array.of(0), 1, 1, 2)[0]).toBe(0.5)
    expect(() => fitTemperature(logits, labels.map(() => 2), N, 1)).toThrow(/label 2 at index 0 outside \[0, 2\)/)
  })
})

describe('bias-corrected temperature scaling', () => {
  it('recovers the temperature and the class biases that generated the labels', () => {
    const N = 20_000
    const b0 = [0, -1.2, 0.6, -0.3]
    const { logits, labels } = sampleLabels(N, 4, 1.6, b0, 7, 3)
    const fit = fitBiasCorrectedTemperature(logits, labels, N, 4)
    expect(fit.temperature).toBeGreaterThan(1.6 * 0.95)
    expect(fit.temperature).toBeLessThan(1.6 * 1.05)
    expect(fit.bias).toHaveLength(4)
    for (let c = 0; c < 4; c++) expect(Math.abs(fit.bias[c]! - b0[c]!)).toBeLessThan(0.08)
    // better than temperature alone, and the fitted biases give calibrated probabilities
    expect(fit.nllAfter).toBeLessThan(fitTemperature(logits, labels, N, 4).nllAfter - 0.02)
    expect(expectedCalibrationError(applyTemperature(logits, N, 4, fit.temperature, undefined, fit.bias), labels)).toBeLessThan(0.02)
  })

  it('undoes a change of class priors: a balanced-trained classifier applied to a survey with other priors', () => {
    // the classifier's probabilities are Bayes-correct for equal priors; the survey's are 70/10/10/10
    const N = 20_000
    const prior = [0.7, 0.1, 0.1, 0.1]
    const shift = prior.map((p) => Math.log(p / 0.25) - Math.log(prior[0]! / 0.25))
    const { logits, labels } = sampleLabels(N, 4, 1, shift, 11, 3)
    const fit = fitBiasCorrectedTemperature(logits, labels, N, 4)
    expect(fit.temperature).toBeCloseTo(1, 1)
    for (let c = 0; c < 4; c++) expect(Math.abs(fit.bias[c]! - shift[c]!)).toBeLessThan(0.08)
    const top = (p: Float32Array) => accuracy(labels, argmaxRows(p, N, 4))
    expect(top(applyTemperature(logits, N, 4, fit.temperature, undefined, fit.bias))).toBeGreaterThan(top(applyTemperature(logits, N, 4, 1)) + 0.02)
  })

  it('rejects binary logits and mismatched biases', () => {
    expect(() => fitBiasCorrectedTemperature(Float32Array.of(0.5), Int32Array.of(1), 1, 1)).toThrow(/C ≥ 2/)
    expect(() => applyTemperature(Float32Array.of(0, 1), 1, 2, 1, undefined, [0])).toThrow(/one bias per class/)
  })
})

describe('PDF width scaling', () => {
  const N = 2500
  const M = 2

  /** Mixtures whose truths are drawn with every σ multiplied by s0. */
  function synth(seed: number, s0: number) {
    const u = mulberry32(seed)
    const g = normalSource(u)
    const w = new Float64Array(N * M)
    const mu = new Float64Array(N * M)
    const s = new Float64Array(N * M)
    for (let n = 0; n < N; n++) {
      const centre = 0.3 + 1.5 * u()
      w[n * M] = 0.3 + u()
      w[n * M + 1] = 0.3 + u()
      mu[n * M] = centre
      mu[n * M + 1] = centre + 0.04 * g()
      s[n * M] = 0.02 + 0.04 * u()
      s[n * M + 1] = 0.02 + 0.04 * u()
    }
    const wide = s.map((v) => v * s0)
    const z = new Float64Array(N)
    for (let n = 0; n < N; n++) z[n] = sampleMixture(w, mu, wide, n * M, M, u, g)
    return { w, mu, s, z }
  }

  it('recovers a known σ scale with the CRPS and the NLL objectives', () => {
    const s0 = 1.6
    const { w, mu, s, z } = synth(51, s0)
    const crpsFit = fitPdfWidthScale(w, mu, s, z, M)
    expect(crpsFit.objective).toBe('crps')
    expect(crpsFit.scale).toBeGreaterThan(s0 * 0.93)
    expect(crpsFit.scale).toBeLessThan(s0 * 1.07)
    expect(crpsFit.after).toBeLessThan(crpsFit.before)
    const nllFit = fitPdfWidthScale(w, mu, s, z, M, { objective: 'nll' })
    expect(nllFit.scale).toBeGreaterThan(s0 * 0.95)
    expect(nllFit.scale).toBeLessThan(s0 * 1.05)
    // after scaling the PIT is flat and the 68% interval covers ~68%
    const scaled = applyWidthScale(w, mu, s, M, crpsFit.scale)
    const pitBefore = mixtureCdfAt(w, mu, s, N, M, z, { truncateAtZero: false })
    const pitAfter = mixtureCdfAt(scaled.weights, scaled.means, scaled.stds, N, M, z, { truncateAtZero: false })
    expect(ksUniform(pitBefore)).toBeGreaterThan(1.6276 / Math.sqrt(N))
    expect(ksUniform(pitAfter)).toBeLessThan(1.6276 / Math.sqrt(N))
    const cols = summariseMixtures(scaled.weights, scaled.means, scaled.stds, N, M, { truncateAtZero: false })
    expect(Math.abs(intervalCoverage(cols.p16, cols.p84, z) - 0.68)).toBeLessThan(0.03)
    expect(Math.abs(intervalCoverage(cols.p025, cols.p975, z) - 0.95)).toBeLessThan(0.02)
  })

  it('stretches means about the mixture mean when asked', () => {
    const r = applyWidthScale([1, 3], [0, 1], [0.1, 0.2], 2, 2, { scaleMeans: true })
    // mixture mean 0.75 → means 0.75 + 2(−0.75) = −0.75 and 0.75 + 2(0.25) = 1.25
    expect(r.means[0]).toBeCloseTo(-0.75, 6)
    expect(r.means[1]).toBeCloseTo(1.25, 6)
    expect(r.stds[1]).toBeCloseTo(0.4, 6)
    const plain = applyWidthScale([1, 3], [0, 1], [0.1, 0.2], 2, 2)
    expect(Array.from(plain.means)).toEqual([0, 1])
  })

  it('recovers a stretch of the whole PDF with scaleMeans', () => {
    // truths from N(m, (s0·σ)²) where the predicted mixture has means spread around m: only
    // scaleMeans can widen the spread of the means.
    const u = mulberry32(61)
    const g = normalSource(u)
    const s0 = 0.7
    const w = new Float64Array(N * M).fill(1)
    const mu = new Float64Array(N * M)
    const s = new Float64Array(N * M)
    const z = new Float64Array(N)
    for (let n = 0; n < N; n++) {
      const c = 0.5 + u()
      mu[n * M] = c - 0.05
      mu[n * M + 1] = c + 0.05
      s[n * M] = s[n * M + 1] = 0.03
      // draw from the mixture stretched by s0 about c
      const k = u() < 0.5 ? 0 : 1
      z[n] = c + s0 * (mu[n * M + k]! - c) + s0 * 0.03 * g()
    }
    const fit = fitPdfWidthScale(w, mu, s, z, M, { scaleMeans: true })
    expect(fit.scale).toBeGreaterThan(s0 * 0.93)
    expect(fit.scale).toBeLessThan(s0 * 1.07)
  })
})

describe('redshift shift calibration', () => {
  it('recovers a known multiplicative bias of 1 + z, and the shifted mixtures are centred on the truth', async () => {
    const { fitRedshiftShift } = await import('../../src/metrics/calibration.js')
    const { passMixtures } = await import('../../workers/model/summarise.js')
    const g = normalSource(mulberry32(12))
    const N = 4000
    const zTrue = Float64Array.from({ length: N }, () => 0.1 + 0.9 * Math.abs(g()) / 3)
    // predictions biased low: 1 + z_pred = (1 + z_true)(1 − 0.02) with 0.01 (1 + z) scatter
    const zPred = Float64Array.from(zTrue, (z) => (1 + z) * 0.98 * (1 + 0.01 * g()) - 1)
    const b = fitRedshiftShift(zPred, zTrue)
    expect(b).toBeCloseTo(1 / 0.98 - 1, 3)
    // one-component mixtures per object through the inference path's pooling
    const raw = new Float32Array(N * 3)
    zPred.forEach((z, i) => raw.set([1, z, 0.02], i * 3))
    const mix = passMixtures(raw, 1, N, 1, 1, b)
    const d = Array.from(mix.means, (m, i) => (m - zTrue[i]!) / (1 + zTrue[i]!)).sort((x, y) => x - y)
    expect(Math.abs(d[N >> 1]!)).toBeLessThan(1e-3)
    expect(() => fitRedshiftShift([1], [1, 2])).toThrow(/equal lengths/)
  })
})

import { describe, expect, it } from 'vitest'
import {
  accuracy,
  auroc,
  confusionMatrix,
  expectedCalibrationError,
  reliabilityDiagram,
  roc,
  tprAtFalsePositives,
} from '../../src/metrics/index.js'
import { mulberry32 } from './rng.js'

/** Mann–Whitney U/(P·N) by brute force over all positive–negative pairs. */
function bruteForceAuc(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  let u = 0
  let pairs = 0
  for (let i = 0; i < scores.length; i++) {
    if (labels[i] !== 1) continue
    for (let j = 0; j < scores.length; j++) {
      if (labels[j] !== 0) continue
      pairs++
      if (scores[i]! > scores[j]!) u += 1
      else if (scores[i] === scores[j]) u += 0.5
    }
  }
  return u / pairs
}

/** Trapezoid area under a ROC curve. */
function rocArea(fpr: Float64Array, tpr: Float64Array): number {
  let a = 0
  for (let i = 1; i < fpr.length; i++) a += (fpr[i]! - fpr[i - 1]!) * 0.5 * (tpr[i]! + tpr[i - 1]!)
  return a
}

describe('accuracy and confusion matrix', () => {
  it('counts correct predictions and fills rows by true class', () => {
    const y = Int32Array.of(0, 1, 2, 2, 1, 0)
    const p = Int32Array.of(0, 2, 2, 1, 1, 0)
    expect(accuracy(y, p)).toBeCloseTo(4 / 6, 12)
    expect(Array.from(confusionMatrix(y, p, 3))).toEqual([2, 0, 0, 0, 1, 1, 0, 1, 1])
    expect(() => confusionMatrix([0, 3], [0, 0], 3)).toThrow(/label 3 at index 1 outside \[0, 3\)/)
    expect(() => accuracy([0, 1], [0])).toThrow(/2 labels and 1 predictions/)
  })
})

describe('ROC and AUROC', () => {
  it('is 1 for a perfect scorer, 0 for a reversed one and 0.5 when every score ties', () => {
    const labels = Int32Array.of(1, 1, 1, 0, 0, 0, 0)
    const perfect = Float64Array.of(0.9, 0.8, 0.7, 0.3, 0.2, 0.1, 0.05)
    expect(auroc(perfect, labels)).toBe(1)
    expect(auroc(perfect.map((v) => -v), labels)).toBe(0)
    expect(auroc(new Float64Array(7).fill(0.5), labels)).toBe(0.5)
  })

  it('matches the brute-force Mann–Whitney statistic and the area under the ROC curve, ties included', () => {
    const u = mulberry32(21)
    const n = 400
    const scores = new Float64Array(n)
    const labels = new Int32Array(n)
    for (let i = 0; i < n; i++) {
      labels[i] = u() < 0.3 ? 1 : 0
      // coarse scores force many ties
      scores[i] = Math.round((labels[i]! * 0.8 + u()) * 10) / 10
    }
    const a = auroc(scores, labels)
    expect(a).toBeCloseTo(bruteForceAuc(scores, labels), 12)
    const curve = roc(scores, labels)
    expect(rocArea(curve.fpr, curve.tpr)).toBeCloseTo(a, 12)
    expect(curve.fpr[0]).toBe(0)
    expect(curve.tpr[0]).toBe(0)
    expect(curve.thresholds[0]).toBe(Infinity)
    expect(curve.fpr[curve.fpr.length - 1]).toBe(1)
    expect(curve.tpr[curve.tpr.length - 1]).toBe(1)
    for (let i = 1; i < curve.thresholds.length; i++) expect(curve.thresholds[i]!).toBeLessThan(curve.thresholds[i - 1]!)
  })

  it('gives the ROC points of a small hand example', () => {
    const c = roc([0.9, 0.2, 0.6, 0.6], [1, 0, 1, 0])
    expect(Array.from(c.thresholds)).toEqual([Infinity, 0.9, 0.6, 0.2])
    expect(Array.from(c.tpr)).toEqual([0, 0.5, 1, 1])
    expect(Array.from(c.fpr)).toEqual([0, 0, 0.5, 1])
    expect(() => roc([0.1, 0.2], [1, 2])).toThrow(/label 2 at index 1 is not 0 or 1/)
  })
})

describe('TPR0 and TPR10 (Metcalf+19)', () => {
  it('gives the highest TPR before the first false positive and with fewer than 10 false positives', () => {
    // Scores descending. 10 lenses (1) and many non-lenses (0).
    const pattern = [
      1, 1, 1, // 3 lenses above the highest non-lens → TPR0 = 3/10
      0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 0, 0, // FP count reaches 9 here with 6 lenses
      1, // the 7th lens, still 9 FP → TPR10 = 7/10
      0, // 10th FP
      1, 1, 1,
      0, 0, 0,
    ]
    const n = pattern.length
    const scores = new Float64Array(n)
    for (let i = 0; i < n; i++) scores[i] = 1 - i / n
    const labels = Int32Array.from(pattern)
    expect(tprAtFalsePositives(scores, labels, 0)).toBeCloseTo(0.3, 12)
    expect(tprAtFalsePositives(scores, labels, 1)).toBeCloseTo(0.3, 12)
    expect(tprAtFalsePositives(scores, labels, 10)).toBeCloseTo(0.7, 12)
    expect(tprAtFalsePositives(scores, labels, 1000)).toBe(1)
  })

  it('does not count lenses that tie with the highest-scored non-lens for TPR0', () => {
    const scores = Float64Array.of(0.9, 0.8, 0.8, 0.5)
    const labels = Int32Array.of(1, 1, 0, 1)
    expect(tprAtFalsePositives(scores, labels, 0)).toBeCloseTo(1 / 3, 12)
  })
})

describe('calibration error', () => {
  const n = 20_000
  const C = 3

  /** Predictions whose true class is drawn from `truth` while `reported` is what the model says. */
  function synth(seed: number, sharpen: number) {
    const u = mulberry32(seed)
    const reported = new Float32Array(n * C)
    const labels = new Int32Array(n)
    for (let i = 0; i < n; i++) {
      const logits = [3 * u(), 3 * u(), 3 * u()]
      const z = logits.map(Math.exp)
      const s = z[0]! + z[1]! + z[2]!
      const p = z.map((v) => v / s)
      let r = u()
      let y = 0
      while (y < C - 1 && r >= p[y]!) {
        r -= p[y]!
        y++
      }
      labels[i] = y
      const q = logits.map((l) => Math.exp(l * sharpen))
      const qs = q[0]! + q[1]! + q[2]!
      for (let c = 0; c < C; c++) reported[i * C + c] = q[c]! / qs
    }
    return { reported, labels }
  }

  it('is small for calibrated predictions and large for overconfident ones', () => {
    const good = synth(31, 1)
    const bad = synth(31, 4)
    const eceGood = expectedCalibrationError(good.reported, good.labels)
    const eceBad = expectedCalibrationError(bad.reported, bad.labels)
    expect(eceGood).toBeLessThan(0.02)
    expect(eceBad).toBeGreaterThan(0.15)
  })

  it('bins top-label confidence and accuracy', () => {
    // binary probabilities of the positive class (C = 1)
    const p = Float64Array.of(0.95, 0.92, 0.1, 0.55, 0.6)
    const y = Int32Array.of(1, 0, 0, 1, 0)
    const d = reliabilityDiagram(p, y, 10)
    expect(d.count[9]).toBe(2) // 0.95, 0.92
    expect(d.accuracy[9]).toBe(0.5)
    expect(d.confidence[9]).toBeCloseTo(0.935, 12)
    expect(d.count[8]).toBe(1) // 0.1 → confidence 0.9, correct
    expect(d.accuracy[8]).toBe(1)
    expect(d.count[5]).toBe(2) // 0.55 and 0.6 fall in (0.5, 0.6]
    expect(Number.isNaN(d.accuracy[0]!)).toBe(true)
    const ece = (2 / 5) * Math.abs(0.5 - 0.935) + (1 / 5) * Math.abs(1 - 0.9) + (2 / 5) * Math.abs(0.5 - 0.575)
    expect(d.ece).toBeCloseTo(ece, 12)
  })
})

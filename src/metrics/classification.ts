/**
 * Classification metrics: accuracy, confusion matrix, ROC curve and AUROC, the lens-finding
 * TPR0/TPR10 of Metcalf et al. 2019 (A&A 625, A119), and top-label calibration (ECE,
 * reliability diagram; Guo et al. 2017).
 *
 * Labels are integer class indices; for binary metrics (ROC, AUROC, TPR_n) they must be 0
 * (negative) or 1 (positive) and a higher score means "more likely positive". An object is
 * called positive at threshold τ when its score ≥ τ.
 * @module
 */

import type { NumericArray } from './stats.js'

function checkLengths(a: NumericArray, b: NumericArray, what: string): void {
  if (a.length !== b.length) throw new Error(`metrics: ${what} got ${a.length} labels and ${b.length} predictions`)
}

/**
 * Fraction of predictions equal to the labels.
 *
 * Example: `accuracy([0, 1, 2], [0, 1, 1])` → 0.6667. NaN for empty input; throws
 * `metrics: accuracy got 3 labels and 2 predictions` on a length mismatch.
 */
export function accuracy(labels: NumericArray, preds: NumericArray): number {
  checkLengths(labels, preds, 'accuracy')
  if (labels.length === 0) return NaN
  let k = 0
  for (let i = 0; i < labels.length; i++) if (labels[i] === preds[i]) k++
  return k / labels.length
}

/**
 * C×C confusion matrix, row-major, rows = true class, columns = predicted class:
 * `m[t*C + p]` counts objects of class t predicted as p.
 *
 * Example: `confusionMatrix([0, 1, 1], [0, 0, 1], 2)` → Int32Array [1, 0, 1, 1].
 * Throws `metrics: confusionMatrix label 3 at index 5 outside [0, 3)` for a class out of range.
 */
export function confusionMatrix(labels: NumericArray, preds: NumericArray, C: number): Int32Array {
  checkLengths(labels, preds, 'confusionMatrix')
  const m = new Int32Array(C * C)
  for (let i = 0; i < labels.length; i++) {
    const t = labels[i]!
    const p = preds[i]!
    if (!(Number.isInteger(t) && t >= 0 && t < C)) throw new Error(`metrics: confusionMatrix label ${t} at index ${i} outside [0, ${C})`)
    if (!(Number.isInteger(p) && p >= 0 && p < C)) throw new Error(`metrics: confusionMatrix prediction ${p} at index ${i} outside [0, ${C})`)
    m[t * C + p] = m[t * C + p]! + 1
  }
  return m
}

/**
 * Validates binary inputs and returns the indices sorted by decreasing score, with the
 * positive and negative counts in `counts`.
 */
function sortBinary(scores: NumericArray, labels: NumericArray, what: string, counts: Int32Array): Uint32Array {
  if (scores.length !== labels.length) throw new Error(`metrics: ${what} got ${scores.length} scores and ${labels.length} labels`)
  let P = 0
  let N = 0
  for (let i = 0; i < scores.length; i++) {
    const y = labels[i]!
    if (y === 1) P++
    else if (y === 0) N++
    else throw new Error(`metrics: ${what} label ${y} at index ${i} is not 0 or 1`)
    if (Number.isNaN(scores[i]!)) throw new Error(`metrics: ${what} score NaN at index ${i}`)
  }
  counts[0] = P
  counts[1] = N
  const order = new Uint32Array(scores.length)
  for (let i = 0; i < order.length; i++) order[i] = i
  order.sort((a, b) => {
    const x = scores[a]!
    const y = scores[b]!
    return x > y ? -1 : x < y ? 1 : 0
  })
  return order
}

/** ROC curve points, from (0, 0) at threshold +∞ to (1, 1). */
export interface RocCurve {
  fpr: Float64Array
  tpr: Float64Array
  /** Score threshold of each point (an object is positive when score ≥ threshold). */
  thresholds: Float64Array
}

/**
 * ROC curve with one point per distinct score (ties move diagonally), starting at (0, 0) with
 * threshold +∞.
 *
 * Example: `roc([0.9, 0.2, 0.6], [1, 0, 1]).tpr` → [0, 0.5, 1, 1]. If there are no positives
 * (negatives) the TPR (FPR) is NaN. Throws for labels other than 0/1, NaN scores or a length mismatch.
 */
export function roc(scores: NumericArray, labels: NumericArray): RocCurve {
  const counts = new Int32Array(2)
  const order = sortBinary(scores, labels, 'roc', counts)
  const P = counts[0]!
  const N = counts[1]!
  const n = order.length
  let distinct = 0
  for (let r = 0; r < n; r++) if (r === 0 || scores[order[r]!] !== scores[order[r - 1]!]) distinct++
  const fpr = new Float64Array(distinct + 1)
  const tpr = new Float64Array(distinct + 1)
  const thresholds = new Float64Array(distinct + 1)
  thresholds[0] = Infinity
  let tp = 0
  let fp = 0
  let k = 0
  for (let r = 0; r < n; ) {
    const s = scores[order[r]!]!
    while (r < n && scores[order[r]!] === s) {
      if (labels[order[r]!] === 1) tp++
      else fp++
      r++
    }
    k++
    tpr[k] = tp / P
    fpr[k] = fp / N
    thresholds[k] = s
  }
  return { fpr, tpr, thresholds }
}

/**
 * Area under the ROC curve as the Mann–Whitney statistic U/(P·N): the probability that a random
 * positive scores higher than a random negative, ties counting ½ (equal to the trapezoidal area
 * under {@link roc}).
 *
 * Example: `auroc([0.9, 0.1], [1, 0])` → 1. NaN without positives or negatives; throws like {@link roc}.
 */
export function auroc(scores: NumericArray, labels: NumericArray): number {
  const counts = new Int32Array(2)
  const order = sortBinary(scores, labels, 'auroc', counts)
  const P = counts[0]!
  const N = counts[1]!
  if (P === 0 || N === 0) return NaN
  // Walk from the lowest score up, counting negatives strictly below each tie group.
  let negBelow = 0
  let u = 0
  for (let r = order.length - 1; r >= 0; ) {
    const s = scores[order[r]!]!
    let p = 0
    let q = 0
    while (r >= 0 && scores[order[r]!] === s) {
      if (labels[order[r]!] === 1) p++
      else q++
      r--
    }
    u += p * (negBelow + 0.5 * q)
    negBelow += q
  }
  return u / (P * N)
}

/**
 * Metcalf et al. (2019) TPR_n: the highest true-positive rate reached at a threshold that lets
 * through fewer than n false positives; n = 0 means none at all (TPR0: the threshold sits above
 * the highest-scored negative, so tied lenses do not count). TPR10 = `tprAtFalsePositives(s, y, 10)`.
 * n = 0 and n = 1 are therefore the same.
 *
 * Example: `tprAtFalsePositives([0.9, 0.8, 0.7, 0.6], [1, 1, 0, 1], 0)` → 2/3.
 * NaN without positives; throws like {@link roc} and for negative n.
 */
export function tprAtFalsePositives(scores: NumericArray, labels: NumericArray, maxFp: number): number {
  if (!(maxFp >= 0)) throw new Error(`metrics: tprAtFalsePositives needs maxFp ≥ 0, got ${maxFp}`)
  const counts = new Int32Array(2)
  const order = sortBinary(scores, labels, 'tprAtFalsePositives', counts)
  const P = counts[0]!
  if (P === 0) return NaN
  const limit = Math.max(1, maxFp)
  let tp = 0
  let fp = 0
  let best = 0
  for (let r = 0; r < order.length; ) {
    const s = scores[order[r]!]!
    while (r < order.length && scores[order[r]!] === s) {
      if (labels[order[r]!] === 1) tp++
      else fp++
      r++
    }
    if (fp >= limit) break
    best = tp
  }
  return best / P
}

/** Bins of a reliability diagram (top-label confidence vs accuracy). */
export interface ReliabilityDiagram {
  /** Lower and upper edges of each confidence bin; bins are (lower, upper], the first also takes 0. */
  lower: Float64Array
  upper: Float64Array
  /** Mean top-label confidence in each bin (NaN when empty). */
  confidence: Float64Array
  /** Fraction correct in each bin (NaN when empty). */
  accuracy: Float64Array
  count: Int32Array
  /** Expected calibration error Σ_b (n_b/n)|accuracy_b − confidence_b|. */
  ece: number
  /** Maximum calibration error over non-empty bins. */
  mce: number
}

/**
 * Reliability-diagram data for top-label calibration with `bins` equal-width confidence bins
 * (default 15, as Guo et al. 2017). `probs` is N×C row-major (C = probs.length / labels.length);
 * with C = 1 it holds the positive-class probability of a binary classifier, the prediction is
 * p ≥ 0.5 and the confidence max(p, 1 − p). The prediction is the argmax (lowest index on ties).
 *
 * Example: `reliabilityDiagram(meanProbs, labels).ece`. Throws `metrics: reliabilityDiagram
 * got 10 probabilities for 3 labels` when the sizes do not divide.
 */
export function reliabilityDiagram(probs: NumericArray, labels: NumericArray, bins = 15): ReliabilityDiagram {
  const n = labels.length
  if (!(Number.isInteger(bins) && bins >= 1)) throw new Error(`metrics: reliabilityDiagram bins must be a positive integer, got ${bins}`)
  if (n === 0 || probs.length % n !== 0) throw new Error(`metrics: reliabilityDiagram got ${probs.length} probabilities for ${n} labels`)
  const C = probs.length / n
  const sumConf = new Float64Array(bins)
  const sumCorrect = new Float64Array(bins)
  const count = new Int32Array(bins)
  for (let i = 0; i < n; i++) {
    let pred: number
    let conf: number
    if (C === 1) {
      const p = probs[i]!
      pred = p >= 0.5 ? 1 : 0
      conf = p >= 0.5 ? p : 1 - p
    } else {
      pred = 0
      conf = probs[i * C]!
      for (let c = 1; c < C; c++) {
        const v = probs[i * C + c]!
        if (v > conf) {
          conf = v
          pred = c
        }
      }
    }
    const b = Math.min(bins - 1, Math.max(0, Math.ceil(conf * bins) - 1))
    sumConf[b] = sumConf[b]! + conf
    if (pred === labels[i]) sumCorrect[b] = sumCorrect[b]! + 1
    count[b] = count[b]! + 1
  }
  const lower = new Float64Array(bins)
  const upper = new Float64Array(bins)
  const confidence = new Float64Array(bins)
  const acc = new Float64Array(bins)
  let ece = 0
  let mce = 0
  for (let b = 0; b < bins; b++) {
    lower[b] = b / bins
    upper[b] = (b + 1) / bins
    const k = count[b]!
    confidence[b] = k > 0 ? sumConf[b]! / k : NaN
    acc[b] = k > 0 ? sumCorrect[b]! / k : NaN
    if (k > 0) {
      const gap = Math.abs(acc[b]! - confidence[b]!)
      ece += (k / n) * gap
      if (gap > mce) mce = gap
    }
  }
  return { lower, upper, confidence, accuracy: acc, count, ece, mce }
}

/**
 * Top-label expected calibration error with `bins` equal-width bins (default 15); see
 * {@link reliabilityDiagram} for the input conventions.
 *
 * Example: `expectedCalibrationError(meanProbs, labels)` → 0.021. Throws like {@link reliabilityDiagram}.
 */
export function expectedCalibrationError(probs: NumericArray, labels: NumericArray, bins = 15): number {
  return reliabilityDiagram(probs, labels, bins).ece
}

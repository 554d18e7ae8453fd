/**
 * Post-hoc calibration fitted on a labelled validation set and applied at inference:
 * temperature scaling for classifiers (Guo et al. 2017) and a width scale for photo-z mixture
 * PDFs. Both are one-parameter fits by Brent's method on the log of the parameter.
 * @module
 */

import { brentMinimise } from './optimise.js'
import { erf } from './special.js'
import type { NumericArray } from './stats.js'

const RSQRT_2PI = 0.39894228040143267794
const RSQRT_PI = 0.56418958354775628695
const LOG_SQRT_2PI = 0.91893853320467274178
const SQRT1_2 = Math.SQRT1_2

function checkLogits(logits: NumericArray, labels: NumericArray, N: number, C: number, what: string): void {
  if (!(Number.isInteger(N) && N >= 1 && Number.isInteger(C) && C >= 1)) {
    throw new Error(`metrics: ${what} needs integer N ≥ 1 and C ≥ 1, got N=${N} C=${C}`)
  }
  if (logits.length !== N * C) throw new Error(`metrics: ${what} expected N*C = ${N * C} logits, got ${logits.length}`)
  if (labels.length !== N) throw new Error(`metrics: ${what} expected ${N} labels, got ${labels.length}`)
  const K = C === 1 ? 2 : C
  for (let n = 0; n < N; n++) {
    const y = labels[n]!
    if (!(Number.isInteger(y) && y >= 0 && y < K)) throw new Error(`metrics: ${what} label ${y} at index ${n} outside [0, ${K})`)
  }
}

/**
 * Mean negative log-likelihood of labels under softmax(logits/T) (natural log). With C = 1 the
 * logits are binary sigmoid logits and labels 0/1.
 *
 * Example: `temperatureNll(logits, labels, N, C, 1.5)`. Throws on size mismatches or labels out of range.
 */
export function temperatureNll(logits: NumericArray, labels: NumericArray, N: number, C: number, temperature: number): number {
  checkLogits(logits, labels, N, C, 'temperatureNll')
  return nll(logits, labels, N, C, 1 / temperature)
}

function nll(logits: NumericArray, labels: NumericArray, N: number, C: number, beta: number): number {
  let total = 0
  if (C === 1) {
    for (let n = 0; n < N; n++) {
      const x = logits[n]! * beta
      // softplus(x) − y·x, computed stably
      total += Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x))) - labels[n]! * x
    }
    return total / N
  }
  for (let n = 0; n < N; n++) {
    const o = n * C
    let m = -Infinity
    for (let c = 0; c < C; c++) if (logits[o + c]! > m) m = logits[o + c]!
    let s = 0
    for (let c = 0; c < C; c++) s += Math.exp((logits[o + c]! - m) * beta)
    total += Math.log(s) - (logits[o + labels[n]!]! - m) * beta
  }
  return total / N
}

/** Options of {@link fitTemperature}. */
export interface TemperatureFitOptions {
  /** Search interval for T (default [0.05, 20]); a fit at an end of it means the optimum lies beyond. */
  min?: number
  max?: number
}

/** Result of {@link fitTemperature}. */
export interface TemperatureFit {
  temperature: number
  /** Mean NLL at T = 1 and at the fitted T. */
  nllBefore: number
  nllAfter: number
}

/**
 * Fits the temperature T > 0 that minimises the mean NLL of softmax(logits/T) on a labelled
 * validation set (Guo et al. 2017). The NLL is convex in 1/T, hence unimodal in ln T, where
 * Brent's method searches (to 1e-7 in ln T). With C = 1, logits are binary sigmoid logits.
 * Models that only output probabilities can pass `logitsFromProbabilities(probs)`.
 *
 * Example: `fitTemperature(logits, labels, N, 10).temperature` → 1.7. Throws on size mismatches,
 * labels out of range, or a bad search interval.
 */
export function fitTemperature(
  logits: NumericArray, labels: NumericArray, N: number, C: number, options: TemperatureFitOptions = {},
): TemperatureFit {
  checkLogits(logits, labels, N, C, 'fitTemperature')
  const lo = options.min ?? 0.05
  const hi = options.max ?? 20
  if (!(lo > 0 && hi > lo)) throw new Error(`metrics: fitTemperature needs 0 < min < max, got [${lo}, ${hi}]`)
  const r = brentMinimise((lt) => nll(logits, labels, N, C, Math.exp(-lt)), Math.log(lo), Math.log(hi), 1e-7)
  return { temperature: Math.exp(r.x), nllBefore: nll(logits, labels, N, C, 1), nllAfter: r.value }
}

/** Result of {@link fitBiasCorrectedTemperature}. */
export interface BiasCorrectedTemperatureFit {
  temperature: number
  /** Per-class bias added to logits/T, relative to the first class (bias[0] = 0). */
  bias: number[]
  /** Mean NLL before (T = 1, no bias) and after. */
  nllBefore: number
  nllAfter: number
}

/**
 * Bias-corrected temperature scaling (Alexandari, Kundaje & Shrikumar 2020): the T > 0 and
 * per-class biases b that minimise the mean NLL of softmax(logits/T + b) on a labelled set.
 * Besides over- or under-confidence, the biases absorb a change of class priors between the
 * training set and the survey (a classifier trained on balanced classes, calibrated on a set
 * with the survey's mixture): for a pure prior shift, b_k = ln(π_survey,k / π_train,k) + const.
 * The NLL is convex in (1/T, b); damped Newton steps with backtracking find the minimum.
 * C ≥ 2 (softmax logits, or log-probabilities from {@link logitsFromProbabilities}).
 *
 * Example: `fitBiasCorrectedTemperature(logits, labels, N, 4)` → `{ temperature: 1.3, bias: [0, −1.1, …] }`.
 * Throws on size mismatches or labels out of range.
 */
export function fitBiasCorrectedTemperature(logits: NumericArray, labels: NumericArray, N: number, C: number): BiasCorrectedTemperatureFit {
  checkLogits(logits, labels, N, C, 'fitBiasCorrectedTemperature')
  if (C < 2) throw new Error('metrics: fitBiasCorrectedTemperature needs C ≥ 2 softmax logits')
  // parameters θ = (β = 1/T, b_1 … b_{C−1}); b_0 = 0 fixes softmax's free constant
  const D = C
  const theta = new Float64Array(D)
  theta[0] = 1
  const p = new Float64Array(C)
  const f = new Float64Array(D)
  const evaluate = (th: Float64Array, grad?: Float64Array, hess?: Float64Array): number => {
    grad?.fill(0)
    hess?.fill(0)
    let total = 0
    for (let n = 0; n < N; n++) {
      const o = n * C
      let m = -Infinity
      for (let c = 0; c < C; c++) {
        const v = th[0]! * logits[o + c]! + (c > 0 ? th[c]! : 0)
        p[c] = v
        if (v > m) m = v
      }
      let s = 0
      for (let c = 0; c < C; c++) {
        p[c] = Math.exp(p[c]! - m)
        s += p[c]!
      }
      const y = labels[n]!
      total += Math.log(s) - Math.log(p[y]!)
      if (!grad) continue
      for (let c = 0; c < C; c++) p[c] = p[c]! / s
      // ∂/∂β: E_p[z] − z_y; ∂/∂b_j: p_j − [y = j]
      let ez = 0
      for (let c = 0; c < C; c++) ez += p[c]! * logits[o + c]!
      grad[0] = grad[0]! + ez - logits[o + y]!
      for (let j = 1; j < C; j++) grad[j] = grad[j]! + p[j]! - (y === j ? 1 : 0)
      if (!hess) continue
      // Hessian: Cov_p of the feature vector f_c = (z_c, e_c without class 0)
      f[0] = ez
      for (let j = 1; j < C; j++) f[j] = p[j]!
      for (let c = 0; c < C; c++) {
        const z = logits[o + c]!
        const pc = p[c]!
        hess[0] = hess[0]! + pc * z * z
        if (c > 0) {
          hess[c] = hess[c]! + pc * z
          hess[c * D] = hess[c * D]! + pc * z
          hess[c * D + c] = hess[c * D + c]! + pc
        }
      }
      for (let i = 0; i < D; i++) for (let j = 0; j < D; j++) hess[i * D + j] = hess[i * D + j]! - f[i]! * f[j]!
    }
    if (grad) for (let i = 0; i < D; i++) grad[i] = grad[i]! / N
    if (hess) for (let i = 0; i < D * D; i++) hess[i] = hess[i]! / N
    return total / N
  }
  const nllBefore = evaluate(theta)
  const grad = new Float64Array(D)
  const hess = new Float64Array(D * D)
  let value = evaluate(theta, grad, hess)
  for (let iter = 0; iter < 100; iter++) {
    let gmax = 0
    for (let i = 0; i < D; i++) gmax = Math.max(gmax, Math.abs(grad[i]!))
    if (gmax < 1e-10) break
    for (let i = 0; i < D; i++) hess[i * D + i] = hess[i * D + i]! + 1e-9
    const step = solveSymmetric(hess, grad, D)
    let t = 1
    const trial = new Float64Array(D)
    let improved = false
    for (let k = 0; k < 40; k++, t *= 0.5) {
      for (let i = 0; i < D; i++) trial[i] = theta[i]! - t * step[i]!
      if (!(trial[0]! > 0)) continue
      const v = evaluate(trial)
      if (v <= value - 1e-4 * t * dot(grad, step)) {
        improved = true
        break
      }
    }
    if (!improved) break
    theta.set(trial)
    value = evaluate(theta, grad, hess)
  }
  const bias = [0, ...Array.from(theta.subarray(1))]
  return { temperature: 1 / theta[0]!, bias, nllBefore, nllAfter: value }
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!
  return s
}

/** Solves A x = b for a small symmetric positive-definite A (D×D, row-major) by Gaussian elimination with partial pivoting. */
function solveSymmetric(A: Float64Array, b: Float64Array, D: number): Float64Array {
  const m = Float64Array.from(A)
  const x = Float64Array.from(b)
  for (let k = 0; k < D; k++) {
    let piv = k
    for (let i = k + 1; i < D; i++) if (Math.abs(m[i * D + k]!) > Math.abs(m[piv * D + k]!)) piv = i
    if (piv !== k) {
      for (let j = 0; j < D; j++) {
        const t = m[k * D + j]!
        m[k * D + j] = m[piv * D + j]!
        m[piv * D + j] = t
      }
      const t = x[k]!
      x[k] = x[piv]!
      x[piv] = t
    }
    const d = m[k * D + k]!
    for (let i = k + 1; i < D; i++) {
      const r = m[i * D + k]! / d
      if (r === 0) continue
      for (let j = k; j < D; j++) m[i * D + j] = m[i * D + j]! - r * m[k * D + j]!
      x[i] = x[i]! - r * x[k]!
    }
  }
  for (let k = D - 1; k >= 0; k--) {
    let s = x[k]!
    for (let j = k + 1; j < D; j++) s -= m[k * D + j]! * x[j]!
    x[k] = s / m[k * D + k]!
  }
  return x
}

/**
 * Probabilities after temperature scaling: softmax(logits/T) per row of an N×C matrix (with
 * `bias`, softmax(logits/T + bias), see {@link fitBiasCorrectedTemperature}), or
 * sigmoid(logit/T) for C = 1. For MC dropout apply it to each pass's logits (N = T·objects)
 * before averaging.
 *
 * Example: `applyTemperature(logits, N, C, fit.temperature)` → Float32Array N×C.
 * `out` defaults to a new Float32Array; throws on a size mismatch or T ≤ 0.
 */
export function applyTemperature(
  logits: NumericArray, N: number, C: number, temperature: number, out = new Float32Array(N * C), bias?: readonly number[],
): Float32Array {
  if (bias !== undefined && (C < 2 || bias.length !== C)) throw new Error(`metrics: applyTemperature needs one bias per class (${C}), got ${bias.length}`)
  if (logits.length !== N * C) throw new Error(`metrics: applyTemperature expected N*C = ${N * C} logits, got ${logits.length}`)
  if (!(temperature > 0)) throw new Error(`metrics: applyTemperature needs T > 0, got ${temperature}`)
  const beta = 1 / temperature
  if (C === 1) {
    for (let n = 0; n < N; n++) out[n] = 1 / (1 + Math.exp(-logits[n]! * beta))
    return out
  }
  if (bias) {
    const e = new Float64Array(C)
    for (let n = 0; n < N; n++) {
      const o = n * C
      let m = -Infinity
      for (let c = 0; c < C; c++) {
        e[c] = logits[o + c]! * beta + bias[c]!
        if (e[c]! > m) m = e[c]!
      }
      let s = 0
      for (let c = 0; c < C; c++) {
        e[c] = Math.exp(e[c]! - m)
        s += e[c]!
      }
      for (let c = 0; c < C; c++) out[o + c] = e[c]! / s
    }
    return out
  }
  for (let n = 0; n < N; n++) {
    const o = n * C
    let m = -Infinity
    for (let c = 0; c < C; c++) if (logits[o + c]! > m) m = logits[o + c]!
    let s = 0
    for (let c = 0; c < C; c++) s += Math.exp((logits[o + c]! - m) * beta)
    for (let c = 0; c < C; c++) out[o + c] = Math.exp((logits[o + c]! - m) * beta) / s
  }
  return out
}

/**
 * Logits recovered from probabilities, for models whose graph ends in a softmax/sigmoid:
 * ln p per class (softmax is invariant to the missing constant), or ln(p/(1−p)) for C = 1.
 * Probabilities are clamped to [1e-38, 1 − 1e-7] so that zeros stay finite.
 *
 * Example: `applyTemperature(logitsFromProbabilities(p, N, C), N, C, 1.5)`.
 * Throws on a size mismatch.
 */
export function logitsFromProbabilities(probs: NumericArray, N: number, C: number, out = new Float32Array(N * C)): Float32Array {
  if (probs.length !== N * C) throw new Error(`metrics: logitsFromProbabilities expected N*C = ${N * C} probabilities, got ${probs.length}`)
  for (let i = 0; i < N * C; i++) {
    const p = Math.min(1 - 1e-7, Math.max(1e-38, probs[i]!))
    out[i] = C === 1 ? Math.log(p / (1 - p)) : Math.log(p)
  }
  return out
}

/** E|N(m, v)| (Grimit et al. 2006). */
function absMoment(m: number, v: number): number {
  const s = Math.sqrt(v)
  const u = m / s
  return 2 * s * RSQRT_2PI * Math.exp(-0.5 * u * u) + m * erf(u * SQRT1_2)
}

/** Options of {@link fitPdfWidthScale} and {@link applyWidthScale}. */
export interface WidthScaleOptions {
  /**
   * Also spread the component means about the mixture mean by the same factor (default false).
   * With it the whole PDF is stretched about its mean (z → m + s(z − m)), so the spread of the
   * MC-dropout means is scaled too; without it only every σ_k is scaled, and the PDF can never
   * become narrower than the scatter of its component means.
   */
  scaleMeans?: boolean
}

/** Options of {@link fitPdfWidthScale}. */
export interface WidthScaleFitOptions extends WidthScaleOptions {
  /** 'crps' (default) or 'nll' (mean −ln p(z_true)). */
  objective?: 'crps' | 'nll'
  /** Search interval for the scale (default [0.05, 20]). */
  min?: number
  max?: number
}

/** Result of {@link fitPdfWidthScale}. */
export interface WidthScaleFit {
  scale: number
  objective: 'crps' | 'nll'
  /** Mean objective at scale 1 and at the fitted scale. */
  before: number
  after: number
}

function mixtureCentres(weights: NumericArray, means: NumericArray, N: number, M: number): Float64Array {
  const centre = new Float64Array(N)
  for (let n = 0; n < N; n++) {
    let W = 0
    let m = 0
    for (let k = n * M; k < n * M + M; k++) {
      W += weights[k]!
      m += weights[k]! * means[k]!
    }
    centre[n] = m / W
  }
  return centre
}

function meanObjective(
  weights: NumericArray, means: NumericArray, stds: NumericArray, z: NumericArray, N: number, M: number,
  scale: number, centre: Float64Array | null, objective: 'crps' | 'nll',
): number {
  let total = 0
  let used = 0
  for (let n = 0; n < N; n++) {
    const o = n * M
    const y = z[n]!
    const c = centre ? centre[n]! : 0
    const ms = centre ? scale : 1
    let W = 0
    for (let k = o; k < o + M; k++) W += weights[k]!
    if (!(W > 0) || Number.isNaN(y)) continue
    if (objective === 'nll') {
      // −ln Σ w_k N(y; μ_k', σ_k') by log-sum-exp, so far outliers stay finite.
      let mx = -Infinity
      for (let k = o; k < o + M; k++) {
        if (weights[k]! === 0) continue
        const s = stds[k]! * scale
        const u = (y - (c + ms * (means[k]! - c))) / s
        const l = Math.log(weights[k]! / W) - Math.log(s) - 0.5 * u * u
        if (l > mx) mx = l
      }
      let acc = 0
      for (let k = o; k < o + M; k++) {
        if (weights[k]! === 0) continue
        const s = stds[k]! * scale
        const u = (y - (c + ms * (means[k]! - c))) / s
        acc += Math.exp(Math.log(weights[k]! / W) - Math.log(s) - 0.5 * u * u - mx)
      }
      total += LOG_SQRT_2PI - mx - Math.log(acc)
    } else {
      let first = 0
      let second = 0
      for (let k = o; k < o + M; k++) {
        const wk = weights[k]! / W
        if (wk === 0) continue
        const mk = c + ms * (means[k]! - c)
        const sk = stds[k]! * scale
        const vk = sk * sk
        first += wk * absMoment(y - mk, vk)
        second += wk * wk * 2 * sk * RSQRT_PI
        for (let l = k + 1; l < o + M; l++) {
          const wl = weights[l]! / W
          if (wl === 0) continue
          const ml = c + ms * (means[l]! - c)
          const sl = stds[l]! * scale
          second += 2 * wk * wl * absMoment(mk - ml, vk + sl * sl)
        }
      }
      total += first - 0.5 * second
    }
    used++
  }
  return used > 0 ? total / used : NaN
}

/**
 * Fits one factor s > 0 that multiplies every component σ of the photo-z mixtures (and, with
 * `scaleMeans`, the spread of the component means about each mixture's mean) so that the PDFs
 * best match the true redshifts of a validation set. Mixtures are row-major N×M with
 * N = zTrue.length.
 *
 * The objective is the mean CRPS by default: a strictly proper score, so in expectation it is
 * minimised by the true spread, and, unlike the NLL, it grows only linearly with the distance of
 * a catastrophic outlier, so a few percent of outliers do not inflate every PDF (the NLL grows
 * quadratically and would). `objective: 'nll'` is offered for outlier-free data and is cheaper
 * (O(M) instead of O(M²) per object: reduce large MC-dropout mixtures with `reduceMixtures`
 * first). PIT flatness (`ksUniform`) is the diagnostic to report, not the objective: the KS
 * statistic is not smooth in s. The fit uses the untruncated mixtures (qp mixmod semantics).
 *
 * Example: `fitPdfWidthScale(w, mu, s, zSpec, M).scale` → 1.3. Throws on size mismatches or a bad
 * search interval; objects with no weight or a NaN truth are skipped.
 */
export function fitPdfWidthScale(
  weights: NumericArray, means: NumericArray, stds: NumericArray, zTrue: NumericArray, M: number,
  options: WidthScaleFitOptions = {},
): WidthScaleFit {
  const N = zTrue.length
  if (!(Number.isInteger(M) && M >= 1) || weights.length !== N * M || means.length !== N * M || stds.length !== N * M) {
    throw new Error(
      `metrics: fitPdfWidthScale expected ${N}*${M} components for ${N} truths, got ${weights.length}, ${means.length}, ${stds.length}`,
    )
  }
  const lo = options.min ?? 0.05
  const hi = options.max ?? 20
  if (!(lo > 0 && hi > lo)) throw new Error(`metrics: fitPdfWidthScale needs 0 < min < max, got [${lo}, ${hi}]`)
  const objective = options.objective ?? 'crps'
  const centre = options.scaleMeans ? mixtureCentres(weights, means, N, M) : null
  const f = (ls: number): number => meanObjective(weights, means, stds, zTrue, N, M, Math.exp(ls), centre, objective)
  const r = brentMinimise(f, Math.log(lo), Math.log(hi), 1e-6)
  return { scale: Math.exp(r.x), objective, before: f(0), after: r.value }
}

/**
 * Applies a fitted width scale: σ_k → s·σ_k and, with `scaleMeans`, μ_k → m + s(μ_k − m) with m
 * the mixture mean. Returns new Float32Arrays (weights copied unchanged).
 *
 * Example: `applyWidthScale(w, mu, sigma, M, fit.scale)`. Throws on size mismatches or s ≤ 0.
 */
export function applyWidthScale(
  weights: NumericArray, means: NumericArray, stds: NumericArray, M: number, scale: number,
  options: WidthScaleOptions = {},
): { weights: Float32Array; means: Float32Array; stds: Float32Array; components: number } {
  if (!(scale > 0)) throw new Error(`metrics: applyWidthScale needs a scale > 0, got ${scale}`)
  if (!(Number.isInteger(M) && M >= 1) || weights.length % M !== 0 || means.length !== weights.length || stds.length !== weights.length) {
    throw new Error(`metrics: applyWidthScale needs equal-length arrays of whole rows of ${M}, got ${weights.length}, ${means.length}, ${stds.length}`)
  }
  const N = weights.length / M
  const centre = options.scaleMeans ? mixtureCentres(weights, means, N, M) : null
  const ow = Float32Array.from(weights)
  const om = new Float32Array(N * M)
  const os = new Float32Array(N * M)
  for (let n = 0; n < N; n++) {
    const c = centre ? centre[n]! : 0
    for (let k = n * M; k < n * M + M; k++) {
      om[k] = centre ? c + scale * (means[k]! - c) : means[k]!
      os[k] = stds[k]! * scale
    }
  }
  return { weights: ow, means: om, stds: os, components: M }
}

/**
 * The multiplicative redshift bias correction (1 + z) → (1 + z)(1 + b) that centres the
 * calibration set: b = median over objects of (z_true − z_point)/(1 + z_point), so the corrected
 * point estimates have zero median Δz/(1 + z). Objects with a non-finite value are skipped.
 *
 * Example: `fitRedshiftShift(summary.median, zSpec)` → −0.004. Returns 0 with no usable object;
 * throws on mismatched lengths.
 */
export function fitRedshiftShift(zPoint: NumericArray, zTrue: NumericArray): number {
  if (zPoint.length !== zTrue.length) throw new Error(`metrics: fitRedshiftShift needs equal lengths, got ${zPoint.length} and ${zTrue.length}`)
  const d: number[] = []
  for (let i = 0; i < zPoint.length; i++) {
    const v = (zTrue[i]! - zPoint[i]!) / (1 + zPoint[i]!)
    if (Number.isFinite(v)) d.push(v)
  }
  if (d.length === 0) return 0
  d.sort((a, b) => a - b)
  const h = d.length >> 1
  return d.length % 2 === 1 ? d[h]! : (d[h - 1]! + d[h]!) / 2
}

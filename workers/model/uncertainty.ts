/**
 * Uncertainty summaries computed inside the inference workers: MC-dropout classifier passes
 * (mean, std, predictive entropy, mutual information, label), an accumulator for adaptive
 * sampling that stops once each object's Monte Carlo standard error is small, and (re-exported
 * from src/metrics) the Gaussian-mixture tools for photo-z PDFs. Pure TypeScript on typed
 * arrays; no TF.js, no per-element allocation.
 *
 * Layout of pass outputs: `probs[t*N*C + n*C + c]`, i.e. [t][n][c] — T stacked N×C softmax
 * outputs. Binary sigmoid models give one probability per object: turn each pass's [n] into
 * [n][2] = (1 − p, p) with {@link sigmoidToTwoClass} (class 0 = negative, class 1 = positive) and
 * pass C = 2.
 * @module
 */

export {
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
} from '../../src/metrics/mixture.js'
export type {
  GaussianMixtures,
  MixtureOptions,
  MixtureSummary,
  MixtureSummaryColumns,
  MixtureSummaryOptions,
  ReducedMixture,
} from '../../src/metrics/mixture.js'
export { erf, erfc, normalCdf, normalPdf, normalQuantile } from '../../src/metrics/special.js'

/** Per-object uncertainty summary of T classifier passes. */
export interface ClassifierSummary {
  /** N×C mean probability over passes. */
  mean: Float32Array
  /** N×C standard deviation over passes (population form, divisor T, as numpy.std). */
  std: Float32Array
  /** N predictive entropy H[mean] in nats (0 for a certain prediction, ln C for uniform). */
  entropy: Float32Array
  /** N mutual information H[mean] − mean_t H[p_t] in nats (epistemic part, BALD); ≥ 0. */
  mutualInformation: Float32Array
  /** N argmax of the mean (lowest class index on ties; −1 where an object had no passes). */
  label: Int32Array
}

/** −Σ p ln p over C entries starting at o, with 0·ln 0 = 0. */
function entropyOf(p: ArrayLike<number>, o: number, C: number): number {
  let h = 0
  for (let c = 0; c < C; c++) {
    const v = p[o + c]!
    if (v > 0) h -= v * Math.log(v)
  }
  return h
}

function checkDims(length: number, T: number, N: number, C: number, what: string): void {
  if (!(Number.isInteger(T) && T >= 1 && Number.isInteger(N) && N >= 0 && Number.isInteger(C) && C >= 1)) {
    throw new Error(`uncertainty: ${what} needs positive integer T, C and N ≥ 0, got T=${T} N=${N} C=${C}`)
  }
  if (length !== T * N * C) {
    throw new Error(`uncertainty: ${what} expected T*N*C = ${T}*${N}*${C} = ${T * N * C} probabilities, got ${length}`)
  }
}

/**
 * Summarises T MC-dropout passes of a classifier: per class the mean probability and its std
 * over passes; per object the predictive entropy of the mean, the mutual information (BALD:
 * Houlsby et al. 2011; Gal, Islam & Ghahramani 2017) and the argmax label. Computed in float64
 * with a two-pass variance, so T identical passes give std and mutual information of exactly 0.
 *
 * Example: `summariseClassifierPasses(probs, 30, 512, 3).mutualInformation[0]`.
 * Entropies use natural logarithms. Throws `uncertainty: ... expected T*N*C = ...` on a size
 * mismatch; probabilities are not renormalised (pass softmax outputs).
 */
export function summariseClassifierPasses(probs: Float32Array, T: number, N: number, C: number): ClassifierSummary {
  checkDims(probs.length, T, N, C, 'summariseClassifierPasses')
  const NC = N * C
  const sum = new Float64Array(NC)
  const meanEntropy = new Float64Array(N)
  for (let t = 0; t < T; t++) {
    const base = t * NC
    for (let n = 0; n < N; n++) {
      const o = base + n * C
      for (let c = 0; c < C; c++) sum[n * C + c] = sum[n * C + c]! + probs[o + c]!
      // Running mean: identical passes leave it bit-identical to each pass's entropy.
      meanEntropy[n] = meanEntropy[n]! + (entropyOf(probs, o, C) - meanEntropy[n]!) / (t + 1)
    }
  }
  for (let i = 0; i < NC; i++) sum[i] = sum[i]! / T
  const sq = new Float64Array(NC)
  for (let t = 0; t < T; t++) {
    const base = t * NC
    for (let i = 0; i < NC; i++) {
      const d = probs[base + i]! - sum[i]!
      sq[i] = sq[i]! + d * d
    }
  }
  const mean = new Float32Array(NC)
  const std = new Float32Array(NC)
  for (let i = 0; i < NC; i++) {
    mean[i] = sum[i]!
    std[i] = Math.sqrt(sq[i]! / T)
  }
  const entropy = new Float32Array(N)
  const mutualInformation = new Float32Array(N)
  const label = new Int32Array(N)
  for (let n = 0; n < N; n++) {
    const h = entropyOf(sum, n * C, C)
    entropy[n] = h
    mutualInformation[n] = Math.max(0, h - meanEntropy[n]!)
    label[n] = argmaxAt(sum, n * C, C)
  }
  return { mean, std, entropy, mutualInformation, label }
}

function argmaxAt(v: ArrayLike<number>, o: number, C: number): number {
  let best = 0
  let bestV = v[o]!
  for (let c = 1; c < C; c++) {
    if (v[o + c]! > bestV) {
      bestV = v[o + c]!
      best = c
    }
  }
  return best
}

/**
 * Expands sigmoid outputs p (one per object, any [t][n] layout) into two-class rows
 * (1 − p, p): class 0 = negative, class 1 = positive, ready for
 * {@link summariseClassifierPasses} with C = 2.
 *
 * Example: `sigmoidToTwoClass(Float32Array.of(0.9))` → Float32Array [0.1, 0.9] (to float32
 * rounding). `out` defaults to a new Float32Array of 2·p.length; throws if it is shorter.
 */
export function sigmoidToTwoClass(p: Float32Array, out = new Float32Array(2 * p.length)): Float32Array {
  if (out.length < 2 * p.length) throw new Error(`uncertainty: sigmoidToTwoClass output length ${out.length} < ${2 * p.length}`)
  for (let i = 0; i < p.length; i++) {
    const v = p[i]!
    out[2 * i] = 1 - v
    out[2 * i + 1] = v
  }
  return out
}

/**
 * Monte Carlo standard error of each mean probability: s/√T with s the sample std (divisor
 * T − 1) over the T passes. Layout as {@link summariseClassifierPasses}; result N×C.
 *
 * Example: `monteCarloStandardError(probs, 30, N, C)[n*C + c] < 0.01` → object n, class c has
 * converged at tolerance 0.01. NaN everywhere when T < 2; throws on a size mismatch.
 */
export function monteCarloStandardError(
  probs: Float32Array, T: number, N: number, C: number, out = new Float32Array(N * C),
): Float32Array {
  checkDims(probs.length, T, N, C, 'monteCarloStandardError')
  const NC = N * C
  if (T < 2) return out.fill(NaN)
  const mean = new Float64Array(NC)
  for (let t = 0; t < T; t++) for (let i = 0; i < NC; i++) mean[i] = mean[i]! + probs[t * NC + i]!
  for (let i = 0; i < NC; i++) mean[i] = mean[i]! / T
  const sq = new Float64Array(NC)
  for (let t = 0; t < T; t++) {
    for (let i = 0; i < NC; i++) {
      const d = probs[t * NC + i]! - mean[i]!
      sq[i] = sq[i]! + d * d
    }
  }
  for (let i = 0; i < NC; i++) out[i] = Math.sqrt(sq[i]! / (T - 1) / T)
  return out
}

/** Options of {@link PassAccumulator}. */
export interface PassAccumulatorOptions {
  /** An object converges when the MC standard error of every class's mean is below this (default 0.01). */
  tolerance?: number
  /** Passes required before an object may converge (default 5; at least 2). */
  minPasses?: number
  /** Passes after which an object is done whether or not it converged (default 30). */
  maxPasses?: number
}

/**
 * Accumulates MC-dropout passes one at a time (Welford's online mean and variance, in float64)
 * for N objects of C classes, and reports which objects have converged, so a worker can stop
 * sampling them (adaptive MC dropout).
 *
 * An object has converged once it has at least `minPasses` passes and, for every class, the
 * standard error of its mean probability s/√n (s the sample std, divisor n − 1) is below
 * `tolerance`. It is done when converged or at `maxPasses`.
 *
 * Photo-z: feed each pass's per-object mixture mean redshift with C = 1 and a tolerance in z
 * (e.g. 0.002); convergence then means the MC standard error of the mean redshift is below it.
 * Keep the passes' mixture parameters yourself and pool them per object with
 * `combineMixtures(…, T_n, 1, K)`. The entropy fields of {@link summary} are meaningless there.
 *
 * Example:
 * ```ts
 * const acc = new PassAccumulator(N, C, { tolerance: 0.01 })
 * for (let idx = acc.pending(); idx.length > 0; idx = acc.pending()) {
 *   acc.add(await runPass(idx), idx) // probs for those objects, [k][c]
 * }
 * const summary = acc.summary()
 * ```
 */
export class PassAccumulator {
  /** Number of objects. */
  readonly N: number
  /** Number of classes. */
  readonly C: number
  /** Standard-error tolerance for convergence (default 0.01). */
  readonly tolerance: number
  /** Minimum passes before convergence is tested (default 5, at least 2). */
  readonly minPasses: number
  /** Passes after which an object is done regardless (default 30). */
  readonly maxPasses: number
  private readonly count: Int32Array
  private readonly mean: Float64Array
  private readonly m2: Float64Array
  private readonly meanEntropy: Float64Array

  /** Throws `uncertainty: ...` for non-integer sizes or a tolerance that is not positive. */
  constructor(N: number, C: number, options: PassAccumulatorOptions = {}) {
    if (!(Number.isInteger(N) && N >= 0 && Number.isInteger(C) && C >= 1)) {
      throw new Error(`uncertainty: PassAccumulator needs integer N ≥ 0 and C ≥ 1, got N=${N} C=${C}`)
    }
    this.N = N
    this.C = C
    this.tolerance = options.tolerance ?? 0.01
    this.minPasses = Math.max(2, options.minPasses ?? 5)
    this.maxPasses = options.maxPasses ?? 30
    if (!(this.tolerance > 0)) throw new Error(`uncertainty: PassAccumulator tolerance must be > 0, got ${this.tolerance}`)
    if (!(this.maxPasses >= 1)) throw new Error(`uncertainty: PassAccumulator maxPasses must be ≥ 1, got ${this.maxPasses}`)
    this.count = new Int32Array(N)
    this.mean = new Float64Array(N * C)
    this.m2 = new Float64Array(N * C)
    this.meanEntropy = new Float64Array(N)
  }

  /**
   * Adds one pass. Without `objects`, `probs` is N×C for all objects; with `objects` (indices,
   * e.g. from {@link pending}) it is objects.length×C in that order.
   * Throws `uncertainty: ...` on a size mismatch or an index outside [0, N).
   */
  add(probs: ArrayLike<number>, objects?: ArrayLike<number>): void {
    const C = this.C
    const K = objects ? objects.length : this.N
    if (probs.length !== K * C) throw new Error(`uncertainty: PassAccumulator.add expected ${K}*${C} = ${K * C} probabilities, got ${probs.length}`)
    for (let k = 0; k < K; k++) {
      const n = objects ? objects[k]! : k
      if (!(n >= 0 && n < this.N && Number.isInteger(n))) throw new Error(`uncertainty: PassAccumulator.add object index ${n} outside [0, ${this.N})`)
      const cnt = this.count[n]! + 1
      this.count[n] = cnt
      const o = n * C
      const po = k * C
      for (let c = 0; c < C; c++) {
        const x = probs[po + c]!
        const d = x - this.mean[o + c]!
        const m = this.mean[o + c]! + d / cnt
        this.mean[o + c] = m
        this.m2[o + c] = this.m2[o + c]! + d * (x - m)
      }
      this.meanEntropy[n] = this.meanEntropy[n]! + (entropyOf(probs, po, C) - this.meanEntropy[n]!) / cnt
    }
  }

  /** Passes accumulated for object n. */
  passes(n: number): number {
    return this.count[n]!
  }

  /** Largest MC standard error over classes for object n (NaN below 2 passes). */
  maxStandardError(n: number): number {
    const cnt = this.count[n]!
    if (cnt < 2) return NaN
    let worst = 0
    for (let c = 0; c < this.C; c++) {
      const se = Math.sqrt(this.m2[n * this.C + c]! / (cnt - 1) / cnt)
      if (se > worst) worst = se
    }
    return worst
  }

  /** N×C MC standard errors s/√n of the mean probabilities (NaN below 2 passes). */
  standardError(out = new Float32Array(this.N * this.C)): Float32Array {
    for (let n = 0; n < this.N; n++) {
      const cnt = this.count[n]!
      for (let c = 0; c < this.C; c++) {
        const i = n * this.C + c
        out[i] = cnt < 2 ? NaN : Math.sqrt(this.m2[i]! / (cnt - 1) / cnt)
      }
    }
    return out
  }

  /** Whether object n has at least minPasses passes and every class's MC standard error < tolerance. */
  isConverged(n: number): boolean {
    return this.count[n]! >= this.minPasses && this.maxStandardError(n) < this.tolerance
  }

  /** Whether object n needs no more passes (converged, or maxPasses reached). */
  isDone(n: number): boolean {
    return this.count[n]! >= this.maxPasses || this.isConverged(n)
  }

  /** Indices of the objects that still need passes, ascending. */
  pending(): Int32Array {
    let k = 0
    for (let n = 0; n < this.N; n++) if (!this.isDone(n)) k++
    const out = new Int32Array(k)
    k = 0
    for (let n = 0; n < this.N; n++) if (!this.isDone(n)) out[k++] = n
    return out
  }

  /** Total passes over all objects (the cost of the adaptive run in object-passes). */
  totalPasses(): number {
    let s = 0
    for (let n = 0; n < this.N; n++) s += this.count[n]!
    return s
  }

  /**
   * The same summary as {@link summariseClassifierPasses} over each object's own passes (std with
   * divisor n, as there). Objects without passes get NaN statistics and label −1.
   */
  summary(): ClassifierSummary {
    const { N, C } = this
    const mean = new Float32Array(N * C)
    const std = new Float32Array(N * C)
    const entropy = new Float32Array(N)
    const mutualInformation = new Float32Array(N)
    const label = new Int32Array(N)
    for (let n = 0; n < N; n++) {
      const cnt = this.count[n]!
      const o = n * C
      if (cnt === 0) {
        mean.fill(NaN, o, o + C)
        std.fill(NaN, o, o + C)
        entropy[n] = NaN
        mutualInformation[n] = NaN
        label[n] = -1
        continue
      }
      for (let c = 0; c < C; c++) {
        mean[o + c] = this.mean[o + c]!
        std[o + c] = Math.sqrt(this.m2[o + c]! / cnt)
      }
      const h = entropyOf(this.mean, o, C)
      entropy[n] = h
      mutualInformation[n] = Math.max(0, h - this.meanEntropy[n]!)
      label[n] = argmaxAt(this.mean, o, C)
    }
    return { mean, std, entropy, mutualInformation, label }
  }
}

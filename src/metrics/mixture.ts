/**
 * One-dimensional Gaussian mixtures for photometric-redshift PDFs: density, CDF, quantiles,
 * mode, moments, the MC-dropout predictive mixture and component reduction. The parameterisation
 * is qp's "mixmod" (weights, means, stds), so stored columns load directly in RAIL/qp.
 *
 * Layouts. Single-object functions take three arrays of equal length M (one entry per
 * component). Batch functions take row-major N×M arrays (object n's components at
 * [n*M, n*M + M)). Weights need not sum to one: every function normalises by their sum.
 *
 * Support. Redshift cannot be negative, so the density, CDF and summaries default to the
 * mixture **truncated to z ≥ 0 and renormalised** (`truncateAtZero: true`): p(z) = f(z)/S for
 * z ≥ 0 and 0 below, with S = ∫_0^∞ f the mixture's mass at z ≥ 0. Pass
 * `truncateAtZero: false` for the plain mixture, which is what qp evaluates from the stored
 * mixmod parameters; the two differ only when a PDF has visible mass below zero. A mixture with
 * less than 1e-12 of its mass at z ≥ 0 has no meaningful truncated summary and gives NaN.
 *
 * Invalid components (negative or non-finite weight, non-finite mean, σ ≤ 0 or non-finite) make
 * that object's results NaN rather than throwing, so one bad row never stops a stream; size
 * mismatches between arrays throw.
 * @module
 */

import { erf, erfc, normalCdf } from './special.js'
import type { NumericArray } from './stats.js'

const RSQRT_2PI = 0.39894228040143267794
const SQRT1_2 = Math.SQRT1_2
/** Minimum fraction of the mass that must lie at z ≥ 0 for a truncated mixture to be usable. */
const MIN_TRUNCATED_MASS = 1e-12

/** Options shared by the mixture functions. */
export interface MixtureOptions {
  /** Truncate the mixture to z ≥ 0 and renormalise (default true). */
  truncateAtZero?: boolean
}

/** Options of {@link summariseMixture}. */
export interface MixtureSummaryOptions extends MixtureOptions {
  /** Absolute accuracy in z of the quantiles and the mode (default 1e-6). */
  tolerance?: number
  /** Points of the coarse grid that seeds the mode search (default 256, at least 16). */
  gridSize?: number
}

/** Point summaries of one redshift PDF. Quantile levels are exactly 0.025, 0.16, 0.5, 0.84, 0.975. */
export interface MixtureSummary {
  mean: number
  median: number
  /** Highest point of the density (global maximum found from a grid plus local refinement). */
  mode: number
  std: number
  p16: number
  p84: number
  p025: number
  p975: number
}

/** Columns of {@link summariseMixtures}: one Float64Array of length N per statistic. */
export interface MixtureSummaryColumns {
  mean: Float64Array
  median: Float64Array
  mode: Float64Array
  std: Float64Array
  p16: Float64Array
  p84: Float64Array
  p025: Float64Array
  p975: Float64Array
}

/** A batch of Gaussian mixtures in qp "mixmod" form, each array row-major N×`components`. */
export interface GaussianMixtures<A extends Float32Array | Float64Array = Float32Array> {
  weights: A
  means: A
  stds: A
  /** Components per object (M). */
  components: number
}

// Scratch output of `prepare`, module level so that hot loops allocate nothing. Workers are
// single-threaded, so sharing it between calls is safe.
let massBelowZero = 0

/**
 * Validates one object's components and computes the normaliser: the total weight W, or the
 * weight at z ≥ 0 when truncating. Leaves the weight below 0 in the module scratch.
 * Returns NaN when the object is invalid or (truncated) has no mass at z ≥ 0.
 */
function prepare(w: NumericArray, mu: NumericArray, s: NumericArray, o: number, M: number, truncate: boolean): number {
  let W = 0
  let below = 0
  let above = 0
  for (let k = o; k < o + M; k++) {
    const wk = w[k]!
    const mk = mu[k]!
    const sk = s[k]!
    if (!(wk >= 0 && wk < Infinity && Number.isFinite(mk) && sk > 0 && sk < Infinity)) return NaN
    if (wk === 0) continue
    W += wk
    if (truncate) {
      const u = mk / sk
      below += wk * normalCdf(-u)
      above += wk * normalCdf(u)
    }
  }
  massBelowZero = below
  if (!(W > 0)) return NaN
  if (!truncate) return W
  return above > MIN_TRUNCATED_MASS * W ? above : NaN
}

/** Σ w Φ((z − μ)/σ), unnormalised. */
function rawCdf(w: NumericArray, mu: NumericArray, s: NumericArray, o: number, M: number, z: number): number {
  let F = 0
  for (let k = o; k < o + M; k++) {
    const wk = w[k]!
    if (wk === 0) continue
    F += wk * 0.5 * erfc(((mu[k]! - z) / s[k]!) * SQRT1_2)
  }
  return F
}

/** Σ w φ((z − μ)/σ)/σ, unnormalised. */
function rawPdf(w: NumericArray, mu: NumericArray, s: NumericArray, o: number, M: number, z: number): number {
  let f = 0
  for (let k = o; k < o + M; k++) {
    const wk = w[k]!
    if (wk === 0) continue
    const sk = s[k]!
    const u = (z - mu[k]!) / sk
    f += (wk * RSQRT_2PI * Math.exp(-0.5 * u * u)) / sk
  }
  return f
}

function checkSameLength(w: NumericArray, mu: NumericArray, s: NumericArray, what: string): void {
  if (mu.length !== w.length || s.length !== w.length) {
    throw new Error(
      `metrics: ${what} needs weights, means and stds of equal length, got ${w.length}, ${mu.length}, ${s.length}`,
    )
  }
}

function checkBatch(w: NumericArray, mu: NumericArray, s: NumericArray, N: number, M: number, what: string): void {
  checkSameLength(w, mu, s, what)
  if (!(Number.isInteger(N) && N >= 0 && Number.isInteger(M) && M >= 1) || w.length !== N * M) {
    throw new Error(`metrics: ${what} expected N*M = ${N}*${M} = ${N * M} components, got ${w.length}`)
  }
}

function cdfAt(
  w: NumericArray, mu: NumericArray, s: NumericArray, o: number, M: number, z: number, truncate: boolean,
): number {
  const Z = prepare(w, mu, s, o, M, truncate)
  if (Number.isNaN(Z) || Number.isNaN(z)) return NaN
  if (!truncate) return Math.min(1, rawCdf(w, mu, s, o, M, z) / Z)
  if (z <= 0) return 0
  // F(z) − F(0) computed per component as Φ(u_z) − Φ(u_0) keeps precision in both tails.
  let F = 0
  for (let k = o; k < o + M; k++) {
    const wk = w[k]!
    if (wk === 0) continue
    const mk = mu[k]!
    const sk = s[k]!
    F += wk * 0.5 * (erf(((z - mk) / sk) * SQRT1_2) - erf((-mk / sk) * SQRT1_2))
  }
  return Math.min(1, Math.max(0, F / Z))
}

/**
 * CDF of a Gaussian mixture at z (truncated to z ≥ 0 and renormalised by default).
 *
 * Example: `mixtureCdf([1], [0.5], [0.1], 0.5, { truncateAtZero: false })` → 0.5.
 * NaN for an invalid mixture; throws `metrics: ...` when the arrays differ in length.
 */
export function mixtureCdf(
  w: NumericArray, mu: NumericArray, sigma: NumericArray, z: number, options: MixtureOptions = {},
): number {
  checkSameLength(w, mu, sigma, 'mixtureCdf')
  return cdfAt(w, mu, sigma, 0, w.length, z, options.truncateAtZero ?? true)
}

/**
 * Density of a Gaussian mixture at z (truncated to z ≥ 0 and renormalised by default).
 *
 * Example: `mixturePdf([1], [0], [1], 0, { truncateAtZero: false })` → 0.3989422804014327.
 * NaN for an invalid mixture; throws when the arrays differ in length.
 */
export function mixturePdf(
  w: NumericArray, mu: NumericArray, sigma: NumericArray, z: number, options: MixtureOptions = {},
): number {
  checkSameLength(w, mu, sigma, 'mixturePdf')
  const truncate = options.truncateAtZero ?? true
  const Z = prepare(w, mu, sigma, 0, w.length, truncate)
  if (Number.isNaN(Z)) return NaN
  if (truncate && z < 0) return 0
  return rawPdf(w, mu, sigma, 0, w.length, z) / Z
}

/**
 * Density of a Gaussian mixture on a grid of redshifts (e.g. for a qp "interp" column or a plot).
 *
 * Example: `mixturePdfOnGrid(w, mu, sigma, Float64Array.from({ length: 301 }, (_, i) => i * 0.01))`.
 * `out` (default a new Float64Array of grid.length) receives the values; truncation as in
 * {@link MixtureOptions} (default on: zero below z = 0). An invalid mixture fills NaN; throws on
 * mismatched lengths.
 */
export function mixturePdfOnGrid(
  w: NumericArray,
  mu: NumericArray,
  sigma: NumericArray,
  grid: NumericArray,
  options: MixtureOptions = {},
  out: Float64Array | Float32Array = new Float64Array(grid.length),
): Float64Array | Float32Array {
  checkSameLength(w, mu, sigma, 'mixturePdfOnGrid')
  if (out.length < grid.length) throw new Error(`metrics: mixturePdfOnGrid output length ${out.length} < grid length ${grid.length}`)
  const truncate = options.truncateAtZero ?? true
  const M = w.length
  const Z = prepare(w, mu, sigma, 0, M, truncate)
  for (let i = 0; i < grid.length; i++) {
    const z = grid[i]!
    out[i] = Number.isNaN(Z) ? NaN : truncate && z < 0 ? 0 : rawPdf(w, mu, sigma, 0, M, z) / Z
  }
  return out
}

/**
 * Solves rawCdf(z) = target for z in [a, b] by Newton's method safeguarded with bisection.
 * Stops when the bracket is narrower than `tol` or a Newton step is below tol·1e-3.
 */
function solveRawCdf(
  w: NumericArray, mu: NumericArray, s: NumericArray, o: number, M: number,
  target: number, a: number, b: number, x0: number, tol: number,
): number {
  let x = x0 > a && x0 < b ? x0 : 0.5 * (a + b)
  for (let iter = 0; iter < 300; iter++) {
    let F = 0
    let f = 0
    for (let k = o; k < o + M; k++) {
      const wk = w[k]!
      if (wk === 0) continue
      const sk = s[k]!
      const u = (x - mu[k]!) / sk
      F += wk * 0.5 * erfc(-u * SQRT1_2)
      f += (wk * RSQRT_2PI * Math.exp(-0.5 * u * u)) / sk
    }
    const g = F - target
    if (g === 0) return x
    if (g < 0) a = x
    else b = x
    if (b - a <= tol) return 0.5 * (a + b)
    let xn = f > 0 ? x - g / f : NaN
    if (!(xn > a && xn < b)) xn = 0.5 * (a + b)
    if (Math.abs(xn - x) <= tol * 1e-3) return xn
    x = xn
  }
  return x
}

/** Lowest and highest z worth searching: μ ∓ 12σ over the components (clipped at 0 when truncating). */
function searchRange(mu: NumericArray, s: NumericArray, w: NumericArray, o: number, M: number, k: number): [number, number] {
  let lo = Infinity
  let hi = -Infinity
  for (let j = o; j < o + M; j++) {
    if (w[j]! === 0) continue
    const m = mu[j]!
    const sj = s[j]!
    if (m - k * sj < lo) lo = m - k * sj
    if (m + k * sj > hi) hi = m + k * sj
  }
  return [lo, hi]
}

/**
 * Quantile of one mixture at level q ∈ (0, 1), by safeguarded Newton iteration on the CDF to an
 * absolute accuracy of `tolerance` in z (default 1e-6).
 *
 * Example: `mixtureQuantile([1], [1], [0.1], 0.975, { truncateAtZero: false })` → 1.19600 (1 + 1.96·0.1).
 * NaN for an invalid mixture or q outside (0, 1); throws on mismatched lengths.
 */
export function mixtureQuantile(
  w: NumericArray, mu: NumericArray, sigma: NumericArray, q: number, options: MixtureSummaryOptions = {},
): number {
  checkSameLength(w, mu, sigma, 'mixtureQuantile')
  const truncate = options.truncateAtZero ?? true
  const tol = options.tolerance ?? 1e-6
  const M = w.length
  const Z = prepare(w, mu, sigma, 0, M, truncate)
  if (Number.isNaN(Z) || !(q > 0 && q < 1)) return NaN
  const [lo, hi] = searchRange(mu, sigma, w, 0, M, 12)
  const a = truncate ? Math.max(0, lo) : lo
  const offset = truncate ? massBelowZero : 0
  return solveRawCdf(w, mu, sigma, 0, M, offset + q * Z, a, hi, NaN, tol)
}

/**
 * Mean and standard deviation of one mixture into `out[0]`, `out[1]` (truncated moments when
 * truncating: per component m = Φ(μ/σ), E[X; X>0] = μm + σφ(μ/σ), and the central second
 * moment written without cancellation).
 */
function moments(
  w: NumericArray, mu: NumericArray, s: NumericArray, o: number, M: number, Z: number, truncate: boolean, out: Float64Array,
): void {
  let m1 = 0
  for (let k = o; k < o + M; k++) {
    const wk = w[k]!
    if (wk === 0) continue
    const mk = mu[k]!
    if (!truncate) {
      m1 += wk * mk
    } else {
      const sk = s[k]!
      const u = mk / sk
      m1 += wk * (mk * normalCdf(u) + sk * RSQRT_2PI * Math.exp(-0.5 * u * u))
    }
  }
  const mean = m1 / Z
  let c2 = 0
  for (let k = o; k < o + M; k++) {
    const wk = w[k]!
    if (wk === 0) continue
    const mk = mu[k]!
    const sk = s[k]!
    const d = mk - mean
    if (!truncate) {
      c2 += wk * (d * d + sk * sk)
    } else {
      const u = mk / sk
      c2 += wk * (normalCdf(u) * (d * d + sk * sk) + sk * RSQRT_2PI * Math.exp(-0.5 * u * u) * (mk - 2 * mean))
    }
  }
  out[0] = mean
  out[1] = Math.sqrt(Math.max(0, c2 / Z))
}

/**
 * Highest point of the (unnormalised) density on [support, ∞): best of a coarse grid and the
 * component means, refined by Newton steps on f' when f'' < 0 and otherwise by the Gaussian
 * mean-shift fixed point x ← Σ a_k μ_k / Σ a_k with a_k = w_k φ_k(x)/σ_k² (which never decreases
 * the density: Carreira-Perpiñán 2007, "Gaussian mean-shift is an EM algorithm").
 */
function modeOf(
  w: NumericArray, mu: NumericArray, s: NumericArray, o: number, M: number, truncate: boolean, gridSize: number, tol: number,
): number {
  let [lo, hi] = searchRange(mu, s, w, o, M, 6)
  if (truncate) lo = Math.max(0, lo)
  if (!(hi > lo)) hi = lo + 1e-3
  const G = Math.max(16, Math.floor(gridSize))
  const step = (hi - lo) / (G - 1)
  let best = lo
  let bestF = -1
  for (let i = 0; i < G; i++) {
    const z = lo + i * step
    const f = rawPdf(w, mu, s, o, M, z)
    if (f > bestF) {
      bestF = f
      best = z
    }
  }
  for (let k = o; k < o + M; k++) {
    const z = mu[k]!
    if (w[k]! === 0 || (truncate && z < 0)) continue
    const f = rawPdf(w, mu, s, o, M, z)
    if (f > bestF) {
      bestF = f
      best = z
    }
  }
  let x = best
  let fx = bestF
  for (let iter = 0; iter < 200; iter++) {
    let f1 = 0
    let f2 = 0
    let num = 0
    let den = 0
    for (let k = o; k < o + M; k++) {
      const wk = w[k]!
      if (wk === 0) continue
      const sk = s[k]!
      const mk = mu[k]!
      const v = sk * sk
      const u = (x - mk) / sk
      const a = (wk * Math.exp(-0.5 * u * u)) / sk / v
      const d = mk - x
      f1 += a * d
      f2 += a * (d * d / v - 1)
      num += a * mk
      den += a
    }
    if (!(den > 0)) break
    let xn = NaN
    let fn = -1
    if (f2 < 0) {
      xn = x - f1 / f2
      if (truncate && xn < 0) xn = 0
      fn = rawPdf(w, mu, s, o, M, xn)
    }
    if (!(fn >= fx)) {
      xn = num / den
      if (truncate && xn < 0) xn = 0
      fn = rawPdf(w, mu, s, o, M, xn)
      if (!(fn >= fx)) break
    }
    const moved = Math.abs(xn - x)
    x = xn
    fx = fn
    if (moved <= tol * 1e-3) break
  }
  return x
}

const momentScratch = new Float64Array(2)

function summariseInto(
  w: NumericArray, mu: NumericArray, s: NumericArray, o: number, M: number,
  truncate: boolean, tol: number, gridSize: number, cols: MixtureSummaryColumns, n: number,
): void {
  const Z = prepare(w, mu, s, o, M, truncate)
  if (Number.isNaN(Z)) {
    cols.mean[n] = cols.median[n] = cols.mode[n] = cols.std[n] = NaN
    cols.p16[n] = cols.p84[n] = cols.p025[n] = cols.p975[n] = NaN
    return
  }
  const offset = truncate ? massBelowZero : 0
  moments(w, mu, s, o, M, Z, truncate, momentScratch)
  const mean = momentScratch[0]!
  const std = momentScratch[1]!
  let [lo, hi] = searchRange(mu, s, w, o, M, 12)
  if (truncate) lo = Math.max(0, lo)
  // Each quantile brackets the next: p025 ≤ p16 ≤ median ≤ p84 ≤ p975.
  const med = solveRawCdf(w, mu, s, o, M, offset + 0.5 * Z, lo, hi, mean, tol)
  const p16 = solveRawCdf(w, mu, s, o, M, offset + 0.16 * Z, lo, med + tol, med - std, tol)
  const p025 = solveRawCdf(w, mu, s, o, M, offset + 0.025 * Z, lo, p16 + tol, med - 2 * std, tol)
  const p84 = solveRawCdf(w, mu, s, o, M, offset + 0.84 * Z, med - tol, hi, med + std, tol)
  const p975 = solveRawCdf(w, mu, s, o, M, offset + 0.975 * Z, p84 - tol, hi, med + 2 * std, tol)
  cols.mean[n] = mean
  cols.std[n] = std
  cols.median[n] = med
  cols.p16[n] = p16
  cols.p84[n] = p84
  cols.p025[n] = p025
  cols.p975[n] = p975
  cols.mode[n] = modeOf(w, mu, s, o, M, truncate, gridSize, tol)
}

function newColumns(N: number): MixtureSummaryColumns {
  return {
    mean: new Float64Array(N),
    median: new Float64Array(N),
    mode: new Float64Array(N),
    std: new Float64Array(N),
    p16: new Float64Array(N),
    p84: new Float64Array(N),
    p025: new Float64Array(N),
    p975: new Float64Array(N),
  }
}

const singleColumns = newColumns(1)

/**
 * Point summaries of one redshift PDF given as a Gaussian mixture: mean, median, mode, std and
 * the 2.5/16/84/97.5 % quantiles. Quantiles are solved on the mixture CDF to `tolerance` in z
 * (default 1e-6); the mode is the best of a `gridSize`-point grid (default 256) and the
 * component means, refined by Newton/mean-shift steps. By default the mixture is truncated to
 * z ≥ 0 and renormalised (see the module notes); mean and std are then the truncated moments.
 *
 * Example: `summariseMixture([0.5, 0.5], [0.3, 0.8], [0.05, 0.1])`.
 * Returns NaN fields for an invalid mixture; throws `metrics: ...` on mismatched lengths.
 */
export function summariseMixture(
  w: NumericArray, mu: NumericArray, sigma: NumericArray, options: MixtureSummaryOptions = {},
): MixtureSummary {
  checkSameLength(w, mu, sigma, 'summariseMixture')
  summariseInto(
    w, mu, sigma, 0, w.length, options.truncateAtZero ?? true, options.tolerance ?? 1e-6,
    options.gridSize ?? 256, singleColumns, 0,
  )
  const c = singleColumns
  return {
    mean: c.mean[0]!, median: c.median[0]!, mode: c.mode[0]!, std: c.std[0]!,
    p16: c.p16[0]!, p84: c.p84[0]!, p025: c.p025[0]!, p975: c.p975[0]!,
  }
}

/**
 * {@link summariseMixture} for N objects with M components each (row-major N×M arrays), giving
 * the catalog columns z_mean, z_median, z_mode, z_std, z_p16, z_p84, z_p025, z_p975 as
 * Float64Arrays of length N. Same options and defaults; invalid objects give NaN in every column.
 *
 * Example: `summariseMixtures(mix.weights, mix.means, mix.stds, N, mix.components)`.
 * Throws `metrics: summariseMixtures expected N*M = ...` when sizes disagree.
 */
export function summariseMixtures(
  weights: NumericArray, means: NumericArray, stds: NumericArray, N: number, M: number,
  options: MixtureSummaryOptions = {},
): MixtureSummaryColumns {
  checkBatch(weights, means, stds, N, M, 'summariseMixtures')
  const cols = newColumns(N)
  const truncate = options.truncateAtZero ?? true
  const tol = options.tolerance ?? 1e-6
  const grid = options.gridSize ?? 256
  for (let n = 0; n < N; n++) summariseInto(weights, means, stds, n * M, M, truncate, tol, grid, cols, n)
  return cols
}

/**
 * The mixture CDF of each object at its own z (e.g. the PIT values at the true redshifts).
 * Row-major N×M components; `z` has length N. Truncation as in {@link MixtureOptions}
 * (default on). Invalid objects give NaN; throws on size mismatches.
 *
 * Example: `mixtureCdfAt(w, mu, sigma, N, M, zSpec)` → Float64Array of PIT values.
 */
export function mixtureCdfAt(
  weights: NumericArray, means: NumericArray, stds: NumericArray, N: number, M: number,
  z: NumericArray, options: MixtureOptions = {}, out = new Float64Array(N),
): Float64Array {
  checkBatch(weights, means, stds, N, M, 'mixtureCdfAt')
  if (z.length !== N) throw new Error(`metrics: mixtureCdfAt expected ${N} redshifts, got ${z.length}`)
  const truncate = options.truncateAtZero ?? true
  for (let n = 0; n < N; n++) out[n] = cdfAt(weights, means, stds, n * M, M, z[n]!, truncate)
  return out
}

/**
 * The MC-dropout predictive mixture: the T per-pass mixtures of each object pooled into one
 * mixture of T·K components with weights w/T (exactly: each weight divided by the object's total
 * weight over all passes, which is w/T when every pass's weights sum to one).
 *
 * Inputs are laid out [t][n][k] (pass-major, as T stacked N×K model outputs). The result is
 * row-major N×(T·K), component index t·K + k, as Float32Arrays (the catalog's list<float>).
 * Example: `combineMixtures(w, mu, sigma, 30, 512, 5).components` → 150.
 * Throws `metrics: combineMixtures expected T*N*K = ...` when sizes disagree.
 */
export function combineMixtures(
  weights: NumericArray, means: NumericArray, stds: NumericArray, T: number, N: number, K: number,
): GaussianMixtures {
  checkSameLength(weights, means, stds, 'combineMixtures')
  if (weights.length !== T * N * K) {
    throw new Error(`metrics: combineMixtures expected T*N*K = ${T}*${N}*${K} = ${T * N * K} values, got ${weights.length}`)
  }
  const M = T * K
  const ow = new Float32Array(N * M)
  const om = new Float32Array(N * M)
  const os = new Float32Array(N * M)
  const total = new Float64Array(N)
  for (let t = 0; t < T; t++) {
    for (let n = 0; n < N; n++) {
      const src = (t * N + n) * K
      for (let k = 0; k < K; k++) total[n] = total[n]! + weights[src + k]!
    }
  }
  for (let t = 0; t < T; t++) {
    for (let n = 0; n < N; n++) {
      const src = (t * N + n) * K
      const dst = n * M + t * K
      const inv = 1 / total[n]!
      for (let k = 0; k < K; k++) {
        ow[dst + k] = weights[src + k]! * inv
        om[dst + k] = means[src + k]!
        os[dst + k] = stds[src + k]!
      }
    }
  }
  return { weights: ow, means: om, stds: os, components: M }
}

/** Work arrays for the component reduction, reused across objects. */
class ReduceScratch {
  w: Float64Array
  m: Float64Array
  v: Float64Array
  cost: Float64Array
  next: Int32Array
  prev: Int32Array
  order: Int32Array
  constructor(M: number) {
    this.w = new Float64Array(M)
    this.m = new Float64Array(M)
    this.v = new Float64Array(M)
    this.cost = new Float64Array(M)
    this.next = new Int32Array(M)
    this.prev = new Int32Array(M)
    this.order = new Int32Array(M)
  }
}

/**
 * Runnalls (2007) upper bound on the KL divergence caused by merging components i and j
 * moment-preservingly: ½[(wi+wj) ln v − wi ln vi − wj ln vj].
 */
function mergeCost(s: ReduceScratch, i: number, j: number): number {
  const wi = s.w[i]!
  const wj = s.w[j]!
  const W = wi + wj
  const d = s.m[i]! - s.m[j]!
  const v = (wi * s.v[i]! + wj * s.v[j]!) / W + (wi * wj * d * d) / (W * W)
  return 0.5 * (W * Math.log(v) - wi * Math.log(s.v[i]!) - wj * Math.log(s.v[j]!))
}

/**
 * Reduces one object's mixture into outW/outM/outS at [oo, oo + Kmax): zero-weight components are
 * dropped, the rest sorted by mean, then the neighbouring pair with the smallest Runnalls cost is
 * merged (weights, means and variances preserved) until at most Kmax remain.
 */
function reduceInto(
  w: NumericArray, mu: NumericArray, s: NumericArray, o: number, M: number, Kmax: number,
  sc: ReduceScratch, outW: Float32Array | Float64Array, outM: Float32Array | Float64Array,
  outS: Float32Array | Float64Array, oo: number,
): number {
  let count = 0
  let valid = true
  for (let k = o; k < o + M; k++) {
    const wk = w[k]!
    const mk = mu[k]!
    const sk = s[k]!
    if (!(wk >= 0 && wk < Infinity && Number.isFinite(mk) && sk > 0 && sk < Infinity)) {
      valid = false
      break
    }
    if (wk === 0) continue
    sc.w[count] = wk
    sc.m[count] = mk
    sc.v[count] = sk * sk
    count++
  }
  if (!valid || count === 0) {
    for (let j = 0; j < Kmax; j++) {
      outW[oo + j] = NaN
      outM[oo + j] = NaN
      outS[oo + j] = NaN
    }
    return 0
  }
  // Insertion sort of indices by mean: M is small (tens to a few hundred) and this allocates nothing.
  const order = sc.order
  for (let i = 0; i < count; i++) {
    const mi = sc.m[i]!
    let j = i - 1
    while (j >= 0 && sc.m[order[j]!]! > mi) {
      order[j + 1] = order[j]!
      j--
    }
    order[j + 1] = i
  }
  for (let r = 0; r < count; r++) {
    const i = order[r]!
    sc.prev[i] = r > 0 ? order[r - 1]! : -1
    sc.next[i] = r < count - 1 ? order[r + 1]! : -1
  }
  const first = order[0]!
  for (let r = 0; r < count - 1; r++) sc.cost[order[r]!] = mergeCost(sc, order[r]!, order[r + 1]!)
  let alive = count
  while (alive > Kmax) {
    let bestI = -1
    let bestC = Infinity
    for (let i = first; i !== -1; i = sc.next[i]!) {
      const j = sc.next[i]!
      if (j === -1) break
      const c = sc.cost[i]!
      if (c < bestC || bestI === -1) {
        bestC = c
        bestI = i
      }
    }
    const i = bestI
    const j = sc.next[i]!
    const wi = sc.w[i]!
    const wj = sc.w[j]!
    const W = wi + wj
    const d = sc.m[i]! - sc.m[j]!
    sc.v[i] = (wi * sc.v[i]! + wj * sc.v[j]!) / W + (wi * wj * d * d) / (W * W)
    sc.m[i] = (wi * sc.m[i]! + wj * sc.m[j]!) / W
    sc.w[i] = W
    const jn = sc.next[j]!
    sc.next[i] = jn
    if (jn !== -1) {
      sc.prev[jn] = i
      sc.cost[i] = mergeCost(sc, i, jn)
    }
    const ip = sc.prev[i]!
    if (ip !== -1) sc.cost[ip] = mergeCost(sc, ip, i)
    alive--
  }
  let r = 0
  for (let i = first; i !== -1; i = sc.next[i]!) {
    outW[oo + r] = sc.w[i]!
    outM[oo + r] = sc.m[i]!
    outS[oo + r] = Math.sqrt(sc.v[i]!)
    r++
  }
  for (; r < Kmax; r++) {
    outW[oo + r] = 0
    outM[oo + r] = 0
    outS[oo + r] = 1
  }
  return alive
}

/** Result of {@link reduceMixture}: `maxComponents` entries, the first `count` real, sorted by mean. */
export interface ReducedMixture {
  weights: Float64Array
  means: Float64Array
  stds: Float64Array
  /** Components actually used; the rest are padding with weight 0, mean 0, std 1. */
  count: number
}

/**
 * Reduces a mixture to at most `maxComponents` components so catalog columns stay small: sorts
 * components by mean and repeatedly merges the neighbouring pair whose moment-preserving merge
 * (weight, mean and variance of the pair kept) has the smallest Runnalls (2007) KL bound. The
 * mixture's total weight, mean and variance are preserved exactly. Output is padded to
 * `maxComponents` with weight 0, mean 0, std 1 so every row has the same length (qp "mixmod"
 * needs a fixed ncomp; zero weights contribute nothing).
 *
 * Example: `reduceMixture(w150, mu150, s150, 5).count` → 5.
 * An invalid mixture gives NaN parameters and count 0; throws on mismatched lengths or
 * `maxComponents` < 1.
 */
export function reduceMixture(
  w: NumericArray, mu: NumericArray, sigma: NumericArray, maxComponents: number,
): ReducedMixture {
  checkSameLength(w, mu, sigma, 'reduceMixture')
  if (!(Number.isInteger(maxComponents) && maxComponents >= 1)) {
    throw new Error(`metrics: reduceMixture maxComponents must be a positive integer, got ${maxComponents}`)
  }
  const M = w.length
  const out: ReducedMixture = {
    weights: new Float64Array(maxComponents),
    means: new Float64Array(maxComponents),
    stds: new Float64Array(maxComponents),
    count: 0,
  }
  out.count = reduceInto(w, mu, sigma, 0, M, maxComponents, new ReduceScratch(Math.max(1, M)), out.weights, out.means, out.stds, 0)
  return out
}

/**
 * {@link reduceMixture} for N objects of M components (row-major N×M) into N×`maxComponents`
 * Float32Arrays, reusing one work buffer. Weights are renormalised to sum to one per object.
 *
 * Example: `reduceMixtures(c.weights, c.means, c.stds, N, c.components, 5)` → qp mixmod columns.
 * Throws on size mismatches or `maxComponents` < 1.
 */
export function reduceMixtures(
  weights: NumericArray, means: NumericArray, stds: NumericArray, N: number, M: number, maxComponents: number,
): GaussianMixtures {
  checkBatch(weights, means, stds, N, M, 'reduceMixtures')
  if (!(Number.isInteger(maxComponents) && maxComponents >= 1)) {
    throw new Error(`metrics: reduceMixtures maxComponents must be a positive integer, got ${maxComponents}`)
  }
  const K = maxComponents
  const ow = new Float32Array(N * K)
  const om = new Float32Array(N * K)
  const os = new Float32Array(N * K)
  const sc = new ReduceScratch(M)
  for (let n = 0; n < N; n++) {
    const count = reduceInto(weights, means, stds, n * M, M, K, sc, ow, om, os, n * K)
    let W = 0
    for (let k = 0; k < count; k++) W += ow[n * K + k]!
    if (W > 0) for (let k = 0; k < count; k++) ow[n * K + k] = ow[n * K + k]! / W
  }
  return { weights: ow, means: om, stds: os, components: K }
}

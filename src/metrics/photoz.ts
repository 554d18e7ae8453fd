/**
 * Photometric-redshift metrics with the definitions of the anchor papers:
 * Δz = (z_phot − z_spec)/(1 + z_spec);
 * σ_MAD = 1.4826 · median(|Δz − median Δz|) and η = fraction with |Δz| > 0.05 (Pasquet et al.
 * 2019, A&A 621, A26); σ_IQR = IQR(Δz)/1.349 and the catastrophic-outlier rate
 * |Δz| > max(0.06, 3σ_IQR) (LSST Science Book, as implemented by RAIL/qp `PointSigmaIQR` and
 * `PointOutlierRate`); the PIT, its histogram and KS statistic; the CRPS of a Gaussian mixture in
 * closed form (Grimit et al. 2006, QJRMS 132, 2925); interval coverage.
 *
 * Quantiles (medians, IQR) interpolate linearly between order statistics, as numpy.
 * @module
 */

import { erf, normalCdf } from './special.js'
import { type NumericArray, median, quantileSorted, sortedCopy } from './stats.js'

const RSQRT_2PI = 0.39894228040143267794
const RSQRT_PI = 0.56418958354775628695
const SQRT1_2 = Math.SQRT1_2

function checkPair(a: NumericArray, b: NumericArray, what: string): void {
  if (a.length !== b.length) throw new Error(`metrics: ${what} got ${a.length} photometric and ${b.length} spectroscopic redshifts`)
}

/**
 * Normalised residuals Δz = (z_phot − z_spec)/(1 + z_spec).
 *
 * Example: `deltaZ([1.1], [1])` → Float64Array [0.05]. `out` defaults to a new Float64Array;
 * throws `metrics: deltaZ got 3 photometric and 2 spectroscopic redshifts` on a length mismatch.
 */
export function deltaZ(zPhot: NumericArray, zSpec: NumericArray, out = new Float64Array(zPhot.length)): Float64Array {
  checkPair(zPhot, zSpec, 'deltaZ')
  for (let i = 0; i < zPhot.length; i++) out[i] = (zPhot[i]! - zSpec[i]!) / (1 + zSpec[i]!)
  return out
}

/**
 * σ_MAD = 1.4826 · median(|Δz − median(Δz)|) on the normalised residuals Δz (Pasquet+19).
 *
 * Example: `sigmaMad(zPhot, zSpec)` → 0.0123. NaN for empty input; throws on a length mismatch.
 */
export function sigmaMad(zPhot: NumericArray, zSpec: NumericArray): number {
  const dz = deltaZ(zPhot, zSpec)
  const m = median(dz)
  for (let i = 0; i < dz.length; i++) dz[i] = Math.abs(dz[i]! - m)
  return 1.4826 * median(dz)
}

/** Options of {@link bias}. */
export interface BiasOptions {
  /** 'mean' (default): ⟨Δz⟩ as Pasquet+19; 'median': median Δz as the LSST Science Book / RAIL `PointBias`. */
  statistic?: 'mean' | 'median'
}

/**
 * Photo-z bias of the normalised residuals: by default the mean ⟨Δz⟩, the definition of
 * Pasquet et al. 2019 ("prediction bias, the mean of the residuals"); `statistic: 'median'`
 * gives RAIL's `PointBias` (median Δz, as in the LSST Science Book), which is insensitive to
 * catastrophic outliers.
 *
 * Example: `bias(zPhot, zSpec, { statistic: 'median' })`. NaN for empty input; throws on a
 * length mismatch.
 */
export function bias(zPhot: NumericArray, zSpec: NumericArray, options: BiasOptions = {}): number {
  const dz = deltaZ(zPhot, zSpec)
  if ((options.statistic ?? 'mean') === 'median') return median(dz)
  if (dz.length === 0) return NaN
  let s = 0
  for (let i = 0; i < dz.length; i++) s += dz[i]!
  return s / dz.length
}

/**
 * Outlier fraction η: the fraction of objects with |Δz| > threshold (default 0.05, Pasquet+19).
 *
 * Example: `outlierFraction(zPhot, zSpec)` → 0.012. NaN for empty input; throws on a length mismatch.
 */
export function outlierFraction(zPhot: NumericArray, zSpec: NumericArray, threshold = 0.05): number {
  checkPair(zPhot, zSpec, 'outlierFraction')
  const n = zPhot.length
  if (n === 0) return NaN
  let k = 0
  for (let i = 0; i < n; i++) if (Math.abs((zPhot[i]! - zSpec[i]!) / (1 + zSpec[i]!)) > threshold) k++
  return k / n
}

/**
 * σ_IQR = (q75 − q25)(Δz)/1.349, RAIL's `PointSigmaIQR`.
 *
 * Example: `sigmaIqr(zPhot, zSpec)`. NaN for empty input; throws on a length mismatch.
 */
export function sigmaIqr(zPhot: NumericArray, zSpec: NumericArray): number {
  const dz = sortedCopy(deltaZ(zPhot, zSpec))
  return (quantileSorted(dz, 0.75) - quantileSorted(dz, 0.25)) / 1.349
}

/** Result of {@link railOutlierFraction}. */
export interface RailOutliers {
  /** Fraction with |Δz| > cut. */
  fraction: number
  /** The cut, max(0.06, 3σ_IQR). */
  cut: number
  sigmaIqr: number
}

/**
 * Catastrophic-outlier rate as RAIL's `PointOutlierRate`: the fraction with
 * |Δz| > max(0.06, 3σ_IQR) (LSST Science Book), σ_IQR = IQR(Δz)/1.349.
 *
 * Example: `railOutlierFraction(zPhot, zSpec).fraction`. NaN fields for empty input; throws on a
 * length mismatch.
 */
export function railOutlierFraction(zPhot: NumericArray, zSpec: NumericArray): RailOutliers {
  const s = sigmaIqr(zPhot, zSpec)
  const cut = Math.max(0.06, 3 * s)
  return { fraction: outlierFraction(zPhot, zSpec, cut), cut, sigmaIqr: s }
}

/** All point-estimate metrics of {@link photozPointMetrics}. */
export interface PhotozPointMetrics {
  n: number
  sigmaMad: number
  /** Mean Δz (Pasquet+19). */
  biasMean: number
  /** Median Δz (RAIL / LSST Science Book). */
  biasMedian: number
  /** Fraction with |Δz| > 0.05 (Pasquet+19). */
  outlierFraction005: number
  sigmaIqr: number
  /** Fraction with |Δz| > max(0.06, 3σ_IQR) (RAIL). */
  railOutlierFraction: number
  railOutlierCut: number
}

/**
 * Every point-estimate photo-z metric at once, for reports and manifests.
 *
 * Example: `photozPointMetrics(zMedian, zSpec).sigmaMad`. Throws on a length mismatch.
 */
export function photozPointMetrics(zPhot: NumericArray, zSpec: NumericArray): PhotozPointMetrics {
  const rail = railOutlierFraction(zPhot, zSpec)
  return {
    n: zPhot.length,
    sigmaMad: sigmaMad(zPhot, zSpec),
    biasMean: bias(zPhot, zSpec),
    biasMedian: bias(zPhot, zSpec, { statistic: 'median' }),
    outlierFraction005: outlierFraction(zPhot, zSpec, 0.05),
    sigmaIqr: rail.sigmaIqr,
    railOutlierFraction: rail.fraction,
    railOutlierCut: rail.cut,
  }
}

/**
 * PIT values: the predictive CDF at each true redshift, clipped to [0, 1] (NaN kept). Compute the
 * CDF values with `mixtureCdfAt` for mixture PDFs.
 *
 * Example: `pit(mixtureCdfAt(w, mu, s, N, M, zSpec))`. Never throws.
 */
export function pit(cdfAtTruth: NumericArray, out = new Float64Array(cdfAtTruth.length)): Float64Array {
  for (let i = 0; i < cdfAtTruth.length; i++) {
    const v = cdfAtTruth[i]!
    out[i] = v < 0 ? 0 : v > 1 ? 1 : v
  }
  return out
}

/** Histogram of PIT values on equal bins over [0, 1]. */
export interface PitHistogram {
  /** bins + 1 edges from 0 to 1. */
  edges: Float64Array
  counts: Int32Array
  /** counts / (n · bin width): 1 everywhere for a perfectly calibrated PDF. */
  density: Float64Array
  /** Values counted (NaN skipped). */
  n: number
}

/**
 * PIT histogram with `bins` equal bins on [0, 1] (default 20); bins are [lo, hi) except the last,
 * which includes 1. NaN values are skipped.
 *
 * Example: `pitHistogram(pitValues, 10).density`. Throws `metrics: pitHistogram bins must be a
 * positive integer, got 0`.
 */
export function pitHistogram(values: NumericArray, bins = 20): PitHistogram {
  if (!(Number.isInteger(bins) && bins >= 1)) throw new Error(`metrics: pitHistogram bins must be a positive integer, got ${bins}`)
  const edges = new Float64Array(bins + 1)
  for (let b = 0; b <= bins; b++) edges[b] = b / bins
  const counts = new Int32Array(bins)
  let n = 0
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!
    if (Number.isNaN(v)) continue
    const b = Math.min(bins - 1, Math.max(0, Math.floor(v * bins)))
    counts[b] = counts[b]! + 1
    n++
  }
  const density = new Float64Array(bins)
  for (let b = 0; b < bins; b++) density[b] = n > 0 ? (counts[b]! * bins) / n : NaN
  return { edges, counts, density, n }
}

/**
 * Fraction of PIT values below `epsilon` or above 1 − `epsilon` (default 1e-4): truths outside the
 * support of their PDFs (RAIL's PIT outlier rate).
 *
 * Example: `pitOutlierRate(pitValues)`. NaN for empty input.
 */
export function pitOutlierRate(values: NumericArray, epsilon = 1e-4): number {
  if (values.length === 0) return NaN
  let k = 0
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!
    if (v < epsilon || v > 1 - epsilon) k++
  }
  return k / values.length
}

/**
 * Kolmogorov–Smirnov statistic D = sup |F_n(x) − x| of values against U(0, 1) (NaN values
 * skipped). Compare with the 1% critical value ≈ 1.628/√n, or use {@link ksUniformPValue}.
 *
 * Example: `ksUniform(pitValues)` → 0.012. NaN for empty input.
 */
export function ksUniform(values: NumericArray): number {
  const x = sortedCopy(values)
  let n = x.length
  while (n > 0 && Number.isNaN(x[n - 1]!)) n--
  if (n === 0) return NaN
  let d = 0
  for (let i = 0; i < n; i++) {
    const v = x[i]!
    const a = (i + 1) / n - v
    const b = v - i / n
    if (a > d) d = a
    if (b > d) d = b
  }
  return d
}

/**
 * Asymptotic p-value of a KS statistic D from n values, with Stephens' (1970) small-sample
 * correction: Q_KS((√n + 0.12 + 0.11/√n)·D), Q_KS(λ) = 2 Σ (−1)^{j−1} exp(−2j²λ²).
 *
 * Example: `ksUniformPValue(ksUniform(pitValues), pitValues.length)`. NaN for n < 1.
 */
export function ksUniformPValue(statistic: number, n: number): number {
  if (!(n >= 1) || Number.isNaN(statistic)) return NaN
  const sn = Math.sqrt(n)
  const lambda = (sn + 0.12 + 0.11 / sn) * statistic
  if (lambda < 0.2) return 1
  let sum = 0
  for (let j = 1; j <= 100; j++) {
    const term = Math.exp(-2 * j * j * lambda * lambda)
    sum += j % 2 === 1 ? term : -term
    if (term < 1e-16) break
  }
  return Math.min(1, Math.max(0, 2 * sum))
}

/** A(m, v) = E|X| for X ~ N(m, v): 2σφ(m/σ) + m(2Φ(m/σ) − 1), σ = √v (Grimit et al. 2006). */
function absMoment(m: number, v: number): number {
  const s = Math.sqrt(v)
  const u = m / s
  return 2 * s * RSQRT_2PI * Math.exp(-0.5 * u * u) + m * erf(u * SQRT1_2)
}

function crpsAt(w: NumericArray, mu: NumericArray, s: NumericArray, o: number, M: number, y: number): number {
  let W = 0
  for (let k = o; k < o + M; k++) {
    const wk = w[k]!
    if (!(wk >= 0 && Number.isFinite(mu[k]!) && s[k]! > 0 && s[k]! < Infinity && wk < Infinity)) return NaN
    W += wk
  }
  if (!(W > 0) || Number.isNaN(y)) return NaN
  let first = 0
  let second = 0
  for (let k = o; k < o + M; k++) {
    const wk = w[k]! / W
    if (wk === 0) continue
    const mk = mu[k]!
    const vk = s[k]! * s[k]!
    first += wk * absMoment(y - mk, vk)
    // diagonal: A(0, 2v) = 2σ/√π
    second += wk * wk * 2 * s[k]! * RSQRT_PI
    for (let l = k + 1; l < o + M; l++) {
      const wl = w[l]! / W
      if (wl === 0) continue
      second += 2 * wk * wl * absMoment(mk - mu[l]!, vk + s[l]! * s[l]!)
    }
  }
  return first - 0.5 * second
}

/**
 * Continuous ranked probability score of a Gaussian mixture at the truth y, in closed form
 * (Grimit et al. 2006): CRPS = Σ_k w_k A(y−μ_k, σ_k²) − ½ Σ_k Σ_l w_k w_l A(μ_k−μ_l, σ_k²+σ_l²),
 * with A(m, v) = E|N(m, v)| and weights normalised. This is the CRPS of the untruncated mixture
 * (as stored in mixmod form); for PDFs with negligible mass below z = 0 it equals that of the
 * truncated one. Cost O(M²): reduce large MC-dropout mixtures first (`reduceMixture`).
 *
 * Example: `crps([1], [0], [1], 0)` → 0.2336949772... (σ(√2 − 1)/√π). NaN for an invalid mixture;
 * throws on mismatched lengths.
 */
export function crps(w: NumericArray, mu: NumericArray, sigma: NumericArray, y: number): number {
  if (mu.length !== w.length || sigma.length !== w.length) {
    throw new Error(`metrics: crps needs weights, means and stds of equal length, got ${w.length}, ${mu.length}, ${sigma.length}`)
  }
  return crpsAt(w, mu, sigma, 0, w.length, y)
}

/**
 * CRPS of a single Gaussian N(μ, σ²) at y (Gneiting et al. 2005):
 * σ[z(2Φ(z) − 1) + 2φ(z) − 1/√π], z = (y − μ)/σ.
 *
 * Example: `crpsGaussian(0, 1, 0)` → 0.2336949772... NaN for σ ≤ 0.
 */
export function crpsGaussian(mu: number, sigma: number, y: number): number {
  if (!(sigma > 0)) return NaN
  const z = (y - mu) / sigma
  return sigma * (z * (2 * normalCdf(z) - 1) + 2 * RSQRT_2PI * Math.exp(-0.5 * z * z) - RSQRT_PI)
}

/**
 * CRPS of each of N mixtures (row-major N×M) at its truth.
 *
 * Example: `crpsMixtures(w, mu, s, N, M, zSpec)` → Float64Array(N). Invalid objects give NaN;
 * throws on size mismatches.
 */
export function crpsMixtures(
  weights: NumericArray, means: NumericArray, stds: NumericArray, N: number, M: number, zTrue: NumericArray,
  out = new Float64Array(N),
): Float64Array {
  if (weights.length !== N * M || means.length !== N * M || stds.length !== N * M || zTrue.length !== N) {
    throw new Error(
      `metrics: crpsMixtures expected ${N}*${M} components and ${N} truths, got ${weights.length}, ${means.length}, ${stds.length} and ${zTrue.length}`,
    )
  }
  for (let n = 0; n < N; n++) out[n] = crpsAt(weights, means, stds, n * M, M, zTrue[n]!)
  return out
}

/**
 * Mean CRPS over N mixtures (NaN objects skipped; NaN if none is valid).
 *
 * Example: `meanCrps(w, mu, s, N, M, zSpec)` → 0.011. Throws on size mismatches.
 */
export function meanCrps(
  weights: NumericArray, means: NumericArray, stds: NumericArray, N: number, M: number, zTrue: NumericArray,
): number {
  const c = crpsMixtures(weights, means, stds, N, M, zTrue)
  let s = 0
  let k = 0
  for (let n = 0; n < N; n++) {
    const v = c[n]!
    if (Number.isNaN(v)) continue
    s += v
    k++
  }
  return k > 0 ? s / k : NaN
}

/**
 * Fraction of truths inside their intervals, lo ≤ truth ≤ hi (e.g. z_p16..z_p84 should give
 * 0.68, z_p025..z_p975 0.95). Rows with a NaN are skipped.
 *
 * Example: `intervalCoverage(cols.p16, cols.p84, zSpec)` → 0.69. NaN if no row is usable;
 * throws `metrics: intervalCoverage got 3 lower, 3 upper and 2 true values` on a length mismatch.
 */
export function intervalCoverage(lo: NumericArray, hi: NumericArray, truth: NumericArray): number {
  if (lo.length !== hi.length || lo.length !== truth.length) {
    throw new Error(`metrics: intervalCoverage got ${lo.length} lower, ${hi.length} upper and ${truth.length} true values`)
  }
  let inside = 0
  let k = 0
  for (let i = 0; i < lo.length; i++) {
    const a = lo[i]!
    const b = hi[i]!
    const t = truth[i]!
    if (Number.isNaN(a) || Number.isNaN(b) || Number.isNaN(t)) continue
    k++
    if (t >= a && t <= b) inside++
  }
  return k > 0 ? inside / k : NaN
}

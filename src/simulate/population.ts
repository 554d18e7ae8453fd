/**
 * Population model: redshift distribution, luminosities, size–luminosity relations,
 * morphological mix, Einstein-radius distribution. All parameters live here, documented in
 * docs/simulator.md with their references.
 */
import type { Rng } from './random.js'

/** Smail et al. (1994) n(z) ∝ z^α exp[−(z/z0)^β] for the main galaxies. */
export const NZ_MAIN = Object.freeze({ alpha: 2, beta: 1.5, z0: 0.17, zMin: 0.05, zMax: 1 })
/** n(z) of lensed background sources (truncated above the deflector). */
export const NZ_SOURCE = Object.freeze({ alpha: 2, beta: 1.5, z0: 0.7, zMin: 0.02, zMax: 3 })
/** n(z) of unrelated neighbours. */
export const NZ_NEIGHBOUR = Object.freeze({ alpha: 2, beta: 1.5, z0: 0.35, zMin: 0.02, zMax: 2 })

/** Parameters of a Smail-type n(z) truncated to [zMin, zMax]. */
export interface SmailNz {
  readonly alpha: number
  readonly beta: number
  readonly z0: number
  readonly zMin: number
  readonly zMax: number
}

const cdfCache = new Map<SmailNz, { z: Float64Array; cdf: Float64Array }>()

function smailCdf(p: SmailNz): { z: Float64Array; cdf: Float64Array } {
  const hit = cdfCache.get(p)
  if (hit) return hit
  const n = 2001
  const z = new Float64Array(n)
  const cdf = new Float64Array(n)
  let prev = 0
  for (let i = 0; i < n; i++) {
    z[i] = p.zMin + ((p.zMax - p.zMin) * i) / (n - 1)
    const zi = z[i] as number
    const f = zi ** p.alpha * Math.exp(-((zi / p.z0) ** p.beta))
    if (i > 0) cdf[i] = (cdf[i - 1] as number) + 0.5 * (f + prev) * ((p.zMax - p.zMin) / (n - 1))
    prev = f
  }
  const tot = cdf[n - 1] as number
  for (let i = 0; i < n; i++) cdf[i] = (cdf[i] as number) / tot
  const res = { z, cdf }
  cdfCache.set(p, res)
  return res
}

/** Cumulative probability of a Smail n(z) at z (for tests against the configured n(z)). */
export function smailCdfAt(p: SmailNz, zq: number): number {
  const { z, cdf } = smailCdf(p)
  if (zq <= p.zMin) return 0
  if (zq >= p.zMax) return 1
  const x = ((zq - p.zMin) / (p.zMax - p.zMin)) * (z.length - 1)
  const i = Math.floor(x)
  const f = x - i
  return (cdf[i] as number) * (1 - f) + (cdf[i + 1] as number) * f
}

/** Inverse-CDF draw from a Smail n(z), optionally restricted to z > zLow. */
export function drawRedshift(rng: Rng, p: SmailNz, zLow = p.zMin): number {
  const { z, cdf } = smailCdf(p)
  const c0 = smailCdfAt(p, zLow)
  const u = c0 + (1 - c0) * rng.uniform()
  let lo = 0
  let hi = cdf.length - 1
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1
    if ((cdf[mid] as number) < u) lo = mid
    else hi = mid
  }
  const c1 = cdf[lo] as number
  const c2 = cdf[hi] as number
  const f = c2 > c1 ? (u - c1) / (c2 - c1) : 0
  return (z[lo] as number) + f * ((z[hi] as number) - (z[lo] as number))
}

/** Rest-frame r absolute magnitude (AB, h = 0.7): Gaussian approximations to the bright end of the type-dependent luminosity functions. */
export function drawAbsMagR(rng: Rng, early: boolean): number {
  const m = early ? -21.3 + 0.7 * rng.normal() : -20.7 + 0.9 * rng.normal()
  return Math.min(Math.max(m, -23.8), -18)
}

/**
 * Half-light radius (kpc) from the size–luminosity relations of Shen et al. (2003, eqs. 14–15,
 * SDSS r band) with log-normal scatter.
 */
export function drawSizeKpc(rng: Rng, early: boolean, absMagR: number): number {
  let logR: number
  if (early) {
    logR = -0.4 * 0.65 * absMagR - 5.06 + 0.14 * rng.normal()
  } else {
    const alpha = 0.21
    const beta = 0.53
    const gam = -1.31
    const m0 = -20.52
    logR = -0.4 * alpha * absMagR + (beta - alpha) * Math.log10(1 + 10 ** (-0.4 * (absMagR - m0))) + gam + 0.18 * rng.normal()
  }
  return 10 ** logR
}

/** Projected axis ratio of a thin disk of intrinsic thickness q0 at random inclination (cos i uniform). */
export function drawDiskAxisRatio(rng: Rng, q0 = 0.15): number {
  const c = rng.uniform()
  return Math.sqrt(c * c * (1 - q0 * q0) + q0 * q0)
}

/** Projected axis ratio of an elliptical (peaked near 0.75, Padilla & Strauss 2008-like). */
export function drawEllipticalAxisRatio(rng: Rng): number {
  return Math.min(1, Math.max(0.4, 0.78 + 0.14 * rng.normal()))
}

/** Einstein radius (arcsec) like the ground-based sample of the Metcalf et al. (2019) challenge. */
export function drawEinsteinRadius(rng: Rng): number {
  for (;;) {
    const t = 1.6 * Math.exp(0.35 * rng.normal())
    if (t >= 0.5 && t <= 3) return t
  }
}

/**
 * Options of the survey simulator, their defaults and validation.
 */
import { BANDS } from './observe.js'

/** A rectangular sky patch in degrees (RA may not wrap through 0 inside one patch). */
export interface SkyPatch {
  readonly raMin: number
  readonly raMax: number
  readonly decMin: number
  readonly decMax: number
}

/** Options of {@link simulateSurvey} and friends. */
export interface SimulateOptions {
  /** Number of objects (integer > 0). */
  readonly n: number
  /** Integer seed; the same options give identical output, bit for bit. */
  readonly seed: number
  /** Cutout side in pixels (integer 8–512), default 64. */
  readonly size?: number
  /** Bands, default ['g','r','z']; allowed 'u' (SDSS), 'g','r','i','z','Y' (DECam); no repeats. */
  readonly bands?: readonly string[]
  /** Pixel scale, arcsec/pixel, default 0.262 (DECam). */
  readonly pixelScale?: number
  /** Fraction of strong lenses, default 0.25. */
  readonly lensFraction?: number
  /** Fraction of mergers, split equally among pre-merger, ongoing and post-merger; default 0.3. */
  readonly mergerFraction?: number
  /** Central galaxy light kept ('include', default) or model-subtracted ('subtract') in every cutout. */
  readonly lensLight?: 'include' | 'subtract'
  /** Sky patch for ra/dec, default RA 150–152°, Dec 1–3°. */
  readonly patch?: SkyPatch
}

/** Options with every default filled in. */
export type ResolvedSimulateOptions = Required<Omit<SimulateOptions, 'bands' | 'patch'>> & {
  readonly bands: readonly string[]
  readonly patch: SkyPatch
}

/** Default option values. */
export const SIMULATE_DEFAULTS = Object.freeze({
  size: 64,
  bands: Object.freeze(['g', 'r', 'z']) as readonly string[],
  pixelScale: 0.262,
  lensFraction: 0.25,
  mergerFraction: 0.3,
  lensLight: 'include' as const,
  patch: Object.freeze({ raMin: 150, raMax: 152, decMin: 1, decMax: 3 }),
})

function fail(msg: string): never {
  throw new RangeError(`simulate: ${msg}`)
}

/**
 * Checks options and fills in defaults. Throws a RangeError (message starting "simulate:",
 * naming the offending value) for: n not a positive integer, non-integer seed, size not an
 * integer in 8–512, unknown or repeated band, empty band list, pixel scale ≤ 0, fractions
 * outside [0, 1] or summing above 1, unknown lensLight, or an empty / out-of-range patch.
 */
export function validateSimulateOptions(o: SimulateOptions): ResolvedSimulateOptions {
  if (typeof o !== 'object' || o === null) fail(`options must be an object, got ${String(o)}`)
  if (!Number.isInteger(o.n) || o.n <= 0) fail(`n must be a positive integer, got ${String(o.n)}`)
  if (!Number.isSafeInteger(o.seed)) fail(`seed must be an integer, got ${String(o.seed)}`)
  const size = o.size ?? SIMULATE_DEFAULTS.size
  if (!Number.isInteger(size) || size < 8 || size > 512) fail(`size must be an integer between 8 and 512 pixels, got ${String(size)}`)
  const bands = o.bands ?? SIMULATE_DEFAULTS.bands
  if (!Array.isArray(bands) || bands.length === 0) fail(`bands must be a non-empty list, got ${JSON.stringify(bands)}`)
  const seen = new Set<string>()
  for (const b of bands) {
    if (!(typeof b === 'string' && Object.hasOwn(BANDS, b))) fail(`unknown band "${String(b)}" (allowed: ${Object.keys(BANDS).join(', ')})`)
    if (seen.has(b)) fail(`band "${b}" given twice`)
    seen.add(b)
  }
  const pixelScale = o.pixelScale ?? SIMULATE_DEFAULTS.pixelScale
  if (!(Number.isFinite(pixelScale) && pixelScale > 0)) fail(`pixelScale must be a positive number of arcsec, got ${String(pixelScale)}`)
  const lensFraction = o.lensFraction ?? SIMULATE_DEFAULTS.lensFraction
  const mergerFraction = o.mergerFraction ?? SIMULATE_DEFAULTS.mergerFraction
  for (const [k, v] of [['lensFraction', lensFraction], ['mergerFraction', mergerFraction]] as const) {
    if (!(Number.isFinite(v) && v >= 0 && v <= 1)) fail(`${k} must be in [0, 1], got ${String(v)}`)
  }
  if (lensFraction + mergerFraction > 1 + 1e-12) {
    fail(`lensFraction + mergerFraction must not exceed 1 (lenses and mergers are exclusive), got ${lensFraction} + ${mergerFraction}`)
  }
  const lensLight = o.lensLight ?? SIMULATE_DEFAULTS.lensLight
  if (lensLight !== 'include' && lensLight !== 'subtract') fail(`lensLight must be "include" or "subtract", got ${String(lensLight)}`)
  const patch = o.patch ?? SIMULATE_DEFAULTS.patch
  const { raMin, raMax, decMin, decMax } = patch
  if (![raMin, raMax, decMin, decMax].every(Number.isFinite)) fail(`patch bounds must be finite numbers, got ${JSON.stringify(patch)}`)
  if (!(raMin >= 0 && raMax <= 360 && raMin < raMax)) fail(`patch RA range must satisfy 0 ≤ raMin < raMax ≤ 360, got ${raMin}–${raMax}`)
  if (!(decMin >= -90 && decMax <= 90 && decMin < decMax)) fail(`patch Dec range must satisfy −90 ≤ decMin < decMax ≤ 90, got ${decMin}–${decMax}`)
  return { n: o.n, seed: o.seed, size, bands: [...bands], pixelScale, lensFraction, mergerFraction, lensLight, patch: { raMin, raMax, decMin, decMax } }
}

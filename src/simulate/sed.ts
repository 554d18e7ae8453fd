/**
 * Colours from SED templates: interpolation of the k-correction tables derived by
 * scripts/derive-sed-tables.ts (catalogs/tables/sed-tables.ts).
 */
import { KCORR, STAR_COLOUR, STAR_TEMPERATURES, Z_MAX, Z_STEP, type TemplateName } from '../../catalogs/tables/sed-tables.js'
import { distanceModulus } from './cosmology.js'

export type { TemplateName }

/** K-correction K_b(z) (AB mag, relative to rest-frame r) for a template; z clamped to the table. */
export function kCorrection(template: TemplateName, band: string, z: number): number {
  const row = KCORR[template][band]
  if (!row) throw new Error(`simulate: no k-correction table for band "${band}"`)
  const x = Math.min(Math.max(z, 0), Z_MAX) / Z_STEP
  const i = Math.min(Math.floor(x), row.length - 2)
  const f = x - i
  return (row[i] as number) * (1 - f) + (row[i + 1] as number) * f
}

/** Apparent AB magnitude in `band` of a galaxy with rest-frame absolute r magnitude `absMagR` at z. */
export function apparentMagnitude(template: TemplateName, band: string, z: number, absMagR: number): number {
  return absMagR + distanceModulus(z) + kCorrection(template, band, z)
}

/** Blackbody colour m_band − m_r (AB) at temperature T (K), clamped to the tabulated 3000–10000 K. */
export function starColour(band: string, temperature: number): number {
  const row = STAR_COLOUR[band]
  if (!row) throw new Error(`simulate: no star colour table for band "${band}"`)
  const t0 = STAR_TEMPERATURES[0] as number
  const dt = (STAR_TEMPERATURES[1] as number) - t0
  const x = Math.min(Math.max((temperature - t0) / dt, 0), row.length - 1)
  const i = Math.min(Math.floor(x), row.length - 2)
  const f = x - i
  return (row[i] as number) * (1 - f) + (row[i + 1] as number) * f
}

/** Nanomaggies from AB magnitude (1 nmgy ↔ 22.5 mag). */
export function magToNanomaggies(mag: number): number {
  return 10 ** (-0.4 * (mag - 22.5))
}

/** AB magnitude from nanomaggies; NaN for non-positive flux. */
export function nanomaggiesToMag(flux: number): number {
  return flux > 0 ? 22.5 - 2.5 * Math.log10(flux) : Number.NaN
}

/**
 * Output columns of the simulated survey: names, types, units and descriptions in one place.
 */
import type { CatalogSchema, ColumnSpec, LogicalType } from '../catalog/types.js'
import type { ResolvedSimulateOptions } from './options.js'

/** Version tag written into the schema metadata; bump when the simulation changes. */
export const SIMULATOR_VERSION = '2'

const col = (name: string, type: LogicalType, unit: string, description: string, nullable = false): ColumnSpec => ({
  name,
  type,
  unit,
  description,
  nullable,
})

/** The per-row (non-cutout, non-per-band) truth columns, in order. */
const TRUTH_COLUMNS: readonly ColumnSpec[] = [
  col('truth_class', 'utf8', '', "object class: 'galaxy', 'lens', 'pre-merger', 'ongoing' or 'post-merger'"),
  col('truth_morphology', 'utf8', '', "morphology of the central galaxy: 'early' (bulge-dominated, Sérsic n≈3–5.5) or 'late' (exponential disk, optional bulge and arms)"),
  col('truth_is_lens', 'int8', '', '1 when the central galaxy strongly lenses a background source, else 0'),
  col('truth_merger_stage', 'utf8', '', "merger stage (Koppula et al. 2021): 'non-merger', 'pre-merger', 'ongoing' or 'post-merger'"),
  col('truth_z', 'float32', '', 'redshift of the central galaxy (the deflector for lenses)'),
  col('truth_abs_mag_r', 'float32', 'mag', 'rest-frame DECam r absolute magnitude (AB, H0=70) of the central galaxy'),
  col('truth_template', 'utf8', '', 'SED template of the dominant component (El, Sbc, Scd, Im)'),
  col('truth_sersic_n', 'float32', '', 'Sérsic index of the dominant component'),
  col('truth_r_eff', 'float32', 'arcsec', 'half-light semi-major axis of the dominant component'),
  col('truth_q', 'float32', '', 'projected axis ratio b/a of the dominant component'),
  col('truth_pa', 'float32', 'deg', 'position angle of the major axis, east of north (north = up, east = left), in [0, 180)'),
  col('truth_bulge_fraction', 'float32', '', 'bulge-to-total light ratio in rest-frame r'),
  col('truth_einstein_radius', 'float32', 'arcsec', 'Einstein radius of the SIE deflector; NaN when not a lens', true),
  col('truth_z_source', 'float32', '', 'redshift of the lensed source; NaN when not a lens', true),
  col('truth_sigma_v', 'float32', 'km/s', 'SIS-equivalent velocity dispersion implied by the Einstein radius; NaN when not a lens', true),
  col('truth_magnification', 'float32', '', 'total magnification of the lensed source within the cutout; NaN when not a lens', true),
  col('truth_source_mag_r', 'float32', 'mag', 'unlensed DECam r magnitude of the lensed source; NaN when not a lens', true),
  col('truth_companion_sep', 'float32', 'arcsec', 'projected separation of the merging companion; NaN unless pre-merger or ongoing', true),
  col('truth_companion_dmag', 'float32', 'mag', 'companion minus central absolute magnitude; NaN unless pre-merger or ongoing', true),
]

/** Names of the per-band columns for a band. */
export function bandColumnNames(b: string): { mag: string; magErr: string; trueMag: string; seeing: string; depth: string } {
  return { mag: `mag_${b}`, magErr: `magerr_${b}`, trueMag: `truth_mag_${b}`, seeing: `truth_seeing_${b}`, depth: `truth_depth_${b}` }
}

/** Builds the catalog schema for resolved options. */
export function buildSchema(o: ResolvedSimulateOptions): CatalogSchema {
  const nb = o.bands.length
  const columns: ColumnSpec[] = [
    col('id', 'int64', '', 'object identifier, 1-based row number (BigInt64Array values)'),
    col('ra', 'float64', 'deg', 'right ascension (ICRS), uniform on the sky within the patch'),
    col('dec', 'float64', 'deg', 'declination (ICRS), uniform on the sky within the patch'),
  ]
  for (const b of o.bands) {
    const c = bandColumnNames(b)
    columns.push(col(c.mag, 'float32', 'mag', `measured AB magnitude of the central galaxy in ${b} (total flux plus photometric noise); NaN when the measured flux is ≤ 0`, true))
    columns.push(col(c.magErr, 'float32', 'mag', `1σ error of ${c.mag}; NaN when the measured flux is ≤ 0`, true))
  }
  columns.push({
    name: 'cutout',
    type: { list: 'float32', size: o.size * o.size * nb },
    unit: 'nmgy',
    description: `sky-subtracted image cutout, ${o.size}×${o.size} pixels × ${nb} bands (${o.bands.join(',')}), row-major HWC (row 0 = north, column 0 = east side mirrored: north up, east left), flux per pixel in nanomaggies (1 nmgy ↔ AB 22.5); NaN = masked pixel; saturated pixels clip at the saturation level`,
    nullable: false,
    metadata: {
      shape: `${o.size}x${o.size}x${nb}`,
      layout: 'hwc',
      bands: o.bands.join(','),
      pixel_scale: String(o.pixelScale),
      unit: 'nanomaggy',
    },
  })
  columns.push(...TRUTH_COLUMNS)
  for (const b of o.bands) {
    const c = bandColumnNames(b)
    columns.push(col(c.trueMag, 'float32', 'mag', `noise-free total AB magnitude of the central galaxy in ${b}`))
    columns.push(col(c.seeing, 'float32', 'arcsec', `PSF FWHM (Moffat β=3.5) in ${b}`))
    columns.push(col(c.depth, 'float32', 'mag', `5σ point-source depth (AB) of the cutout in ${b}`))
  }
  columns.push(col('truth_masked_pixels', 'int32', '', 'number of band-pixels set to NaN (masked) in the cutout'))
  return {
    columns,
    metadata: {
      generator: `survey-classifier simulate v${SIMULATOR_VERSION}`,
      seed: String(o.seed),
      n: String(o.n),
      bands: o.bands.join(','),
      size: String(o.size),
      pixel_scale: String(o.pixelScale),
      lens_fraction: String(o.lensFraction),
      merger_fraction: String(o.mergerFraction),
      lens_light: o.lensLight,
      patch: JSON.stringify(o.patch),
      cosmology: 'flat LambdaCDM H0=70 Om=0.3',
      references: 'docs/simulator.md',
    },
  }
}

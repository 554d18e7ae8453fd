/**
 * Choosing and packing the columns the page shows (table and plots): ids,
 * status, model outputs, a magnitude and a redshift if the catalog has them.
 * Never the cutouts: a million rows of display columns fit in a few tens of MB.
 */
import type { ColumnSpec, ColumnValues } from '../../src/catalog/types.js'
import type { ColumnRole, DisplayColumn } from './protocol.js'

const ID_NAMES = ['id', 'objid', 'object_id', 'objectid', 'source_id', 'sourceid']
const REDSHIFT_NAMES = /^(z|redshift|z_?spec|z_?phot|photo_?z|spec_?z|z_best|truth_z)$/i
const MAG_PREFERENCE = ['mag_r', 'mag_i', 'mag_z', 'mag_g', 'r_mag', 'mag']
const NUMERIC = new Set(['bool', 'int8', 'int16', 'int32', 'int64', 'uint8', 'float32', 'float64'])
const SKIPPED_OUTPUT_SUFFIXES = /_(p16|p84|p025|p975)$/

function display(spec: ColumnSpec, role: ColumnRole): DisplayColumn {
  return { name: spec.name, kind: spec.type === 'utf8' ? 'string' : 'number', role, unit: spec.unit ?? '', description: spec.description ?? '' }
}

function outputRole(name: string): ColumnRole | undefined {
  if (name.endsWith('_label')) return 'label'
  if (/_p_[a-z0-9_]+_std$/.test(name) || name.endsWith('_entropy') || name.endsWith('_mutual_info') || /^z_std$/.test(name)) return 'uncertainty'
  if (/_p_[a-z0-9_]+$/.test(name)) return 'probability'
  if (/^z_(mean|median|mode)$/.test(name)) return 'redshift'
  if (SKIPPED_OUTPUT_SUFFIXES.test(name) || name === 'cutout_nonfinite_pixels') return undefined
  return 'value'
}

function isScalar(spec: ColumnSpec): boolean {
  return typeof spec.type === 'string' && (spec.type === 'utf8' || NUMERIC.has(spec.type))
}

/**
 * Pick the display columns: an id, the status, every scalar model output
 * (labels, probabilities, uncertainties, redshift summaries), then one input
 * magnitude (unit "mag", preferring r) and one input redshift when present.
 */
export function chooseDisplayColumns(inputColumns: readonly ColumnSpec[], outputColumns: readonly ColumnSpec[]): DisplayColumn[] {
  const out: DisplayColumn[] = []
  const byName = new Map(inputColumns.map((c) => [c.name.toLowerCase(), c]))
  const id = ID_NAMES.map((n) => byName.get(n)).find((c) => c !== undefined && isScalar(c))
  if (id) out.push(display(id, 'id'))
  out.push({ name: 'status', kind: 'string', role: 'status', unit: '', description: 'per-row processing status' })
  for (const spec of outputColumns) {
    const role = outputRole(spec.name)
    if (role && isScalar(spec)) out.push(display(spec, role))
  }
  const mags = inputColumns.filter((c) => isScalar(c) && c.type !== 'utf8' && (c.unit === 'mag' || /^mag(_|$)/i.test(c.name)) && /^(mag|[a-z]_?mag)/i.test(c.name) && !/err/i.test(c.name))
  const mag = MAG_PREFERENCE.map((n) => mags.find((c) => c.name.toLowerCase() === n)).find((c) => c !== undefined) ?? mags[0]
  if (mag) out.push(display(mag, 'magnitude'))
  const redshift = inputColumns.find((c) => isScalar(c) && c.type !== 'utf8' && REDSHIFT_NAMES.test(c.name))
  if (redshift) out.push(display(redshift, 'redshift'))
  return out
}

/** Pack one column of a chunk for the page: numbers as Float64Array (NaN = null), strings as an array. */
export function packDisplayValues(column: DisplayColumn, values: ColumnValues | undefined, numRows: number): Float64Array | (string | null)[] {
  if (column.kind === 'string') {
    const out = new Array<string | null>(numRows)
    for (let i = 0; i < numRows; i++) {
      const v = values ? (values as ArrayLike<unknown>)[i] : null
      out[i] = v === null || v === undefined ? null : String(v)
    }
    return out
  }
  const out = new Float64Array(numRows)
  for (let i = 0; i < numRows; i++) {
    const v = values ? (values as ArrayLike<unknown>)[i] : null
    out[i] = typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : typeof v === 'boolean' ? Number(v) : Number.NaN
  }
  return out
}

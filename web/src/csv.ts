/**
 * CSV export of an annotated catalog (RFC 4180: comma-separated, CRLF, quoted
 * where needed). Scalar columns and short lists (as JSON arrays) are written;
 * binary columns and image cutouts are left out — CSV is for the numbers.
 */
import type { CatalogSource } from '../../src/catalog/source.js'
import type { ColumnSpec } from '../../src/catalog/types.js'

/** Lists longer than this (or with cutout shape metadata) are left out of CSV. */
export const CSV_MAX_LIST = 64

/** Columns written to CSV. */
export function csvColumns(columns: readonly ColumnSpec[]): ColumnSpec[] {
  return columns.filter((c) => {
    if (c.type === 'binary') return false
    if (typeof c.type === 'string') return true
    if (c.metadata?.['shape'] !== undefined) return false
    return (c.type.size ?? 0) <= CSV_MAX_LIST
  })
}

function cell(value: unknown): string {
  if (value === null || value === undefined) return ''
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : Number.isNaN(value) ? '' : value > 0 ? 'inf' : '-inf'
  if (typeof value === 'bigint' || typeof value === 'boolean') return String(value)
  if (value instanceof Date) return value.toISOString()
  let text: string
  if (typeof value === 'string') text = value
  else if (ArrayBuffer.isView(value) || Array.isArray(value)) {
    const items = Array.from(value as ArrayLike<unknown>, (v) => (typeof v === 'number' && !Number.isFinite(v) ? null : typeof v === 'bigint' ? Number(v) : v))
    if (items.length > CSV_MAX_LIST) return ''
    text = JSON.stringify(items)
  } else text = JSON.stringify(value)
  return /[",\r\n]|^\s|\s$/.test(text) ? `"${text.replaceAll('"', '""')}"` : text
}

/**
 * Write a catalog as CSV, one chunk at a time (the catalog is never held
 * whole as text). Errors reading the source are thrown on the returned promise.
 */
export async function catalogToCsv(source: CatalogSource, signal?: AbortSignal): Promise<Blob> {
  const columns = csvColumns(source.schema.columns)
  const parts: Blob[] = [new Blob([`${columns.map((c) => cell(c.name)).join(',')}\r\n`])]
  for await (const chunk of source.chunks({ columns: columns.map((c) => c.name), ...(signal ? { signal } : {}) })) {
    const lines: string[] = []
    const values = columns.map((c) => chunk.columns[c.name] as ArrayLike<unknown>)
    for (let i = 0; i < chunk.numRows; i++) lines.push(values.map((v) => cell(v[i])).join(','))
    parts.push(new Blob([`${lines.join('\r\n')}\r\n`]))
  }
  return new Blob(parts, { type: 'text/csv' })
}

/**
 * Recognising catalog formats from their first bytes.
 */

/** Catalog formats the library reads. */
export type CatalogFormat = 'parquet' | 'arrow'

/** Parquet starts with "PAR1"; Arrow IPC files with "ARROW1", streams with a 0xFFFFFFFF continuation marker. */
export function sniffCatalogFormat(head: Uint8Array): CatalogFormat | undefined {
  const text = String.fromCharCode(...head.subarray(0, 6))
  if (text.startsWith('PAR1')) return 'parquet'
  if (text === 'ARROW1') return 'arrow'
  if (head.length >= 4 && head[0] === 0xff && head[1] === 0xff && head[2] === 0xff && head[3] === 0xff) return 'arrow'
  return undefined
}

/** The output format implied by a file name (.parquet/.pq → parquet; .arrow/.arrows/.ipc/.feather → arrow). */
export function formatFromName(name: string): CatalogFormat | undefined {
  const lower = name.toLowerCase()
  if (/\.(parquet|pq)$/.test(lower)) return 'parquet'
  if (/\.(arrow|arrows|ipc|feather)$/.test(lower)) return 'arrow'
  return undefined
}

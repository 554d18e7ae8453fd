import type { ColumnValues } from './types.js'

/** Join column parts into one array (typed arrays stay typed when all parts share a type). */
export function concatValues(parts: readonly ColumnValues[]): ColumnValues {
  if (parts.length === 1) return parts[0]!
  const first = parts[0]
  if (first && ArrayBuffer.isView(first) && parts.every((p) => p.constructor === first.constructor)) {
    const total = parts.reduce((n, p) => n + p.length, 0)
    const Ctor = first.constructor as new (n: number) => Float64Array
    const out = new Ctor(total)
    let at = 0
    for (const p of parts) {
      out.set(p as Float64Array, at)
      at += p.length
    }
    return out as ColumnValues
  }
  const out: unknown[] = []
  for (const p of parts) for (let i = 0; i < p.length; i++) out.push((p as ArrayLike<unknown>)[i])
  return out
}

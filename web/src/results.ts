/**
 * The results the page keeps: display columns, columnar (typed arrays that
 * grow by doubling; strings dictionary-encoded), plus RGB thumbnails of the
 * first rows. A million rows of ten columns take ~80 MB; cutouts are never
 * kept here.
 */
import type { DisplayColumn, RowsMessage } from './protocol.js'
import { THUMB_BYTES } from './thumbnails.js'

interface StringColumn {
  codes: Int32Array
  readonly dictionary: string[]
  readonly index: Map<string, number>
}

function grow<T extends Float64Array | Int32Array | Uint8Array>(array: T, needed: number, make: (n: number) => T): T {
  if (array.length >= needed) return array
  const next = make(Math.max(needed, array.length * 2, 1024))
  next.set(array)
  return next
}

/** Columnar store of the rows shown in the table and plots. */
export class ResultStore {
  /** Rows received so far (in input order, without gaps). */
  rows = 0
  /** Rows that have a thumbnail (always the first ones). */
  thumbRows = 0
  private readonly numbers = new Map<string, Float64Array>()
  private readonly strings = new Map<string, StringColumn>()
  private thumbs = new Uint8Array(0)

  /** `thumbSize`: thumbnail edge in pixels, 0 when there are none. */
  constructor(readonly columns: readonly DisplayColumn[], readonly thumbSize: number) {
    for (const c of columns) {
      if (c.kind === 'number') this.numbers.set(c.name, new Float64Array(0))
      else this.strings.set(c.name, { codes: new Int32Array(0), dictionary: [], index: new Map() })
    }
  }

  /** Append the rows of a message; rows must arrive in order. */
  append(message: RowsMessage): void {
    if (message.rowStart !== this.rows) throw new Error(`results: rows ${message.rowStart}… arrived while ${this.rows} rows are stored (out of order)`)
    const end = this.rows + message.numRows
    for (const [name, array] of this.numbers) {
      const next = grow(array, end, (n) => new Float64Array(n))
      const values = message.columns[name]
      if (values instanceof Float64Array) next.set(values, this.rows)
      else next.fill(Number.NaN, this.rows, end)
      this.numbers.set(name, next)
    }
    for (const [name, column] of this.strings) {
      column.codes = grow(column.codes, end, (n) => new Int32Array(n))
      const values = message.columns[name]
      for (let i = 0; i < message.numRows; i++) {
        const v = Array.isArray(values) ? (values as (string | null)[])[i] : null
        let code = -1
        if (v !== null && v !== undefined) {
          code = column.index.get(v) ?? -1
          if (code < 0) {
            code = column.dictionary.length
            column.dictionary.push(v)
            column.index.set(v, code)
          }
        }
        column.codes[this.rows + i] = code
      }
    }
    if (message.thumbs && message.thumbRows > 0 && this.thumbRows === this.rows) {
      this.thumbs = grow(this.thumbs, (this.thumbRows + message.thumbRows) * THUMB_BYTES, (n) => new Uint8Array(n))
      this.thumbs.set(message.thumbs.subarray(0, message.thumbRows * THUMB_BYTES), this.thumbRows * THUMB_BYTES)
      this.thumbRows += message.thumbRows
    }
    this.rows = end
  }

  /** A numeric column's values for the stored rows (a view; NaN = null). */
  numberColumn(name: string): Float64Array | undefined {
    return this.numbers.get(name)?.subarray(0, this.rows)
  }

  /** One value of a column (number, string, or null). */
  value(name: string, row: number): number | string | null {
    const numbers = this.numbers.get(name)
    if (numbers) {
      const v = numbers[row]
      return v === undefined || Number.isNaN(v) ? null : v
    }
    const column = this.strings.get(name)
    if (!column) return null
    const code = column.codes[row] ?? -1
    return code < 0 ? null : column.dictionary[code]!
  }

  /** How often each value of a string column occurs (nulls left out), most frequent first. */
  counts(name: string): [string, number][] {
    const column = this.strings.get(name)
    if (!column) return []
    const counts = new Array<number>(column.dictionary.length).fill(0)
    for (let i = 0; i < this.rows; i++) {
      const code = column.codes[i]!
      if (code >= 0) counts[code]!++
    }
    return column.dictionary.map((v, i): [string, number] => [v, counts[i]!]).sort((a, b) => b[1] - a[1])
  }

  /** RGB bytes of a row's thumbnail (thumbSize² × 3), or undefined when the row has none. */
  thumbnail(row: number): Uint8Array | undefined {
    if (row >= this.thumbRows) return undefined
    return this.thumbs.subarray(row * THUMB_BYTES, (row + 1) * THUMB_BYTES)
  }

  /** Rows as plain objects (for tests and small exports); `limit` rows from `start`. */
  toObjects(start = 0, limit = this.rows - start): Record<string, number | string | null>[] {
    const out: Record<string, number | string | null>[] = []
    for (let r = start; r < Math.min(this.rows, start + limit); r++) {
      const row: Record<string, number | string | null> = {}
      for (const c of this.columns) row[c.name] = this.value(c.name, r)
      out.push(row)
    }
    return out
  }
}

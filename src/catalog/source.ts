import { SurveyError } from '../errors.js'
import type { CatalogChunk, CatalogSchema } from './types.js'

/** Options for streaming a catalog's rows. */
export interface ReadOptions {
  /** Columns to read (projection); all columns when omitted. Unknown names throw. */
  readonly columns?: readonly string[]
  /** Stops reading between chunks and aborts pending I/O. */
  readonly signal?: AbortSignal
}

/**
 * An opened catalog: its schema is known, its rows are read lazily.
 *
 * `chunks()` is pull-based: the next row group / record batch is read only
 * when the consumer asks for it, and `return()` on the iterator (or aborting
 * the signal) stops reading.
 */
export interface CatalogSource {
  /** Human-readable name used in error messages (a file name or URL). */
  readonly name: string
  readonly format: 'parquet' | 'arrow' | 'simulated'
  readonly schema: CatalogSchema
  /** Total rows when known up front (Parquet footers know it; Arrow streams do not). */
  readonly numRows: number | undefined
  /** Opaque format-specific schema used by writers to reproduce input column types exactly. */
  readonly native?: NativeSchema
  chunks(options?: ReadOptions): AsyncIterable<CatalogChunk>
  /** Release files or connections held open; the source cannot be read afterwards. */
  close?(): Promise<void>
}

/** Format-specific schema information carried from a reader to a writer of the same format. */
export type NativeSchema =
  | { readonly format: 'parquet'; readonly elements: readonly import('hyparquet').SchemaElement[] }
  | { readonly format: 'arrow'; readonly schema: import('apache-arrow').Schema }

/** Throw when a projection names a column the catalog does not have. */
export function checkProjection(source: { name: string; schema: CatalogSchema }, columns: readonly string[] | undefined): void {
  if (!columns) return
  const names = new Set(source.schema.columns.map((c) => c.name))
  for (const column of columns) {
    if (!names.has(column)) {
      throw new SurveyError(
        'input',
        `catalog column "${column}" missing in ${source.name} (columns: ${[...names].join(', ')})`,
      )
    }
  }
}

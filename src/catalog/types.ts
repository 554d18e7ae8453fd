/**
 * The in-memory shape of a catalog as it streams through the pipeline.
 *
 * A catalog is a schema plus a sequence of column-oriented chunks. Readers
 * produce chunks (one Parquet row group or one Arrow record batch at a time),
 * the engine re-slices them into batches, and writers append one chunk at a
 * time, so no stage ever holds the whole catalog.
 */

/** Scalar logical types a column can have. */
export type ScalarType =
  | 'bool'
  | 'int8'
  | 'int16'
  | 'int32'
  | 'int64'
  | 'uint8'
  | 'float32'
  | 'float64'
  | 'utf8'
  | 'binary'
  | 'timestamp-ms'
  | 'timestamp-us'

/** A logical column type: a scalar, or a variable- or fixed-length list of scalars. */
export type LogicalType = ScalarType | { readonly list: ScalarType; readonly size?: number }

/** Describes one column: its name, type and documentation. */
export interface ColumnSpec {
  readonly name: string
  readonly type: LogicalType
  /** Physical unit (astropy/VOUnit spelling, e.g. "mag", "deg", "arcsec"); empty when dimensionless. */
  readonly unit?: string
  readonly description?: string
  /** May the column hold nulls? Defaults to true. */
  readonly nullable?: boolean
  /**
   * Free-form per-column metadata. Cutout columns use `shape` ("64x64x3"),
   * `layout` ("hwc" | "chw"), `bands` ("g,r,z") and `pixel_scale` (arcsec/pixel).
   */
  readonly metadata?: Readonly<Record<string, string>>
}

/** The schema of a catalog: ordered columns plus table-level metadata. */
export interface CatalogSchema {
  readonly columns: readonly ColumnSpec[]
  readonly metadata: Readonly<Record<string, string>>
}

/** Values of one column within a chunk; typed arrays for numeric columns where possible. */
export type ColumnValues =
  | readonly unknown[]
  | Float32Array
  | Float64Array
  | Int8Array
  | Int16Array
  | Int32Array
  | Uint8Array
  | BigInt64Array

/** A contiguous run of rows, column-oriented. */
export interface CatalogChunk {
  /** Zero-based index of the chunk's first row in the whole catalog. */
  readonly rowStart: number
  readonly numRows: number
  /** Column name → values; every array has `numRows` entries. */
  readonly columns: Readonly<Record<string, ColumnValues>>
}

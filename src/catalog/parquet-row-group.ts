/**
 * One Parquet row group through hyparquet-writer's column and page encoders,
 * with a fast path for dense numeric lists (cutouts, PDFs).
 *
 * hyparquet-writer's own `ParquetWriter.write` takes every list as a plain JS
 * array per row and walks it value by value (Dremel) into three more JS arrays;
 * for a 64×64×3 cutout column that is ~37,000 array pushes and ~100 KB of
 * short-lived heap per row, and it made writing cutouts back the main thread's
 * largest cost. A standard 3-level LIST whose rows are all non-empty typed
 * arrays, or non-empty JS arrays of numbers (as hyparquet reads lists), has
 * trivial levels (every element defined; repetition 0 at each row's first
 * element, 1 after), so here they are filled in bulk and the values are one
 * concatenated typed array. Every other column, and a list chunk with a null or
 * empty row or a null element, goes through hyparquet-writer's Dremel encoder
 * as before. Pages, encodings, compression, statistics and indexes are
 * hyparquet-writer's (`writeColumn`), so the bytes are those it would write for
 * the same levels and values.
 */
import type { DecodedArray, SchemaElement, SchemaTree } from 'hyparquet'
import type { ParquetWriter } from 'hyparquet-writer'
import { writeColumn } from 'hyparquet-writer/src/column.js'
import { encodeNestedValues } from 'hyparquet-writer/src/dremel.js'
import { schemaPathResolver } from 'hyparquet-writer/src/schema.js'

/** One column of a row group: its top-level name and one value per row. */
export interface RowGroupColumn {
  readonly name: string
  /** Rows: scalars, or for list columns a typed array, a JS array, null or undefined per row. */
  readonly data: DecodedArray
  readonly statistics: boolean
}

type LevelData = Parameters<typeof writeColumn>[0]['pageData']
type Typed = Float32Array | Float64Array | Int8Array | Int16Array | Int32Array | Uint8Array | Uint16Array | BigInt64Array

const PAGE_SIZE = 1_048_576

/** Typed-array constructors each leaf type takes without conversion. */
const DENSE_LEAF: Readonly<Record<string, readonly (abstract new (n: number) => Typed)[]>> = {
  FLOAT: [Float32Array, Float64Array],
  DOUBLE: [Float64Array, Float32Array],
  INT32: [Int32Array, Int16Array, Int8Array, Uint16Array, Uint8Array],
  INT64: [BigInt64Array],
}

function leafPaths(path: SchemaTree[]): SchemaTree[][] {
  const node = path[path.length - 1]!
  return node.children.length === 0 ? [path] : node.children.flatMap((child) => leafPaths([...path, child]))
}

const optional = (e: SchemaElement): boolean => e.repetition_type === 'OPTIONAL'

/**
 * Levels and values of a standard 3-level list column whose rows are all
 * non-empty typed arrays of one kind or all non-empty JS arrays of numbers
 * (bigints for INT64), or undefined when the chunk does not
 * qualify (then the generic encoder handles it).
 */
export function denseListLevels(treePath: SchemaTree[], rows: DecodedArray): LevelData | undefined {
  if (treePath.length !== 4) return undefined
  const [, list, repeated, leaf] = treePath.map((n) => n.element) as [SchemaElement, SchemaElement, SchemaElement, SchemaElement]
  if (list.converted_type !== 'LIST' && list.logical_type?.type !== 'LIST') return undefined
  if (list.repetition_type === 'REPEATED' || repeated.repetition_type !== 'REPEATED' || leaf.repetition_type === 'REPEATED') return undefined
  if (leaf.converted_type !== undefined && !/^U?INT_(8|16|32)$/.test(leaf.converted_type)) return undefined
  if (leaf.logical_type !== undefined && leaf.logical_type.type !== 'INTEGER') return undefined
  const kinds = leaf.type ? DENSE_LEAF[leaf.type] : undefined
  if (!kinds || rows.length === 0) return undefined
  const first = (rows as ArrayLike<unknown>)[0]
  const maxDefinitionLevel = (optional(list) ? 1 : 0) + 1 + (optional(leaf) ? 1 : 0)
  let total = 0
  let values: Typed
  if (Array.isArray(first)) {
    // JS-array rows (as hyparquet reads lists): numbers go as float64, which holds every
    // number exactly, so the encoders see the values the generic path would give them
    const bigint = leaf.type === 'INT64'
    for (let i = 0; i < rows.length; i++) {
      const row = (rows as ArrayLike<unknown>)[i]
      if (!Array.isArray(row) || row.length === 0) return undefined
      for (let j = 0; j < row.length; j++) if (typeof row[j] !== (bigint ? 'bigint' : 'number')) return undefined
      total += row.length
    }
    values = bigint ? new BigInt64Array(total) : new Float64Array(total)
  } else {
    const Kind = kinds.find((k) => first instanceof k)
    if (!Kind) return undefined
    for (let i = 0; i < rows.length; i++) {
      const row = (rows as ArrayLike<unknown>)[i]
      if (!(row instanceof Kind) || row.length === 0) return undefined
      total += row.length
    }
    values = new (Kind as unknown as new (n: number) => Typed)(total)
  }
  const definitionLevels = new Uint8Array(total).fill(maxDefinitionLevel)
  const repetitionLevels = new Uint8Array(total).fill(1)
  let at = 0
  for (let i = 0; i < rows.length; i++) {
    const row = (rows as ArrayLike<ArrayLike<number | bigint>>)[i]!
    ;(values as { set(a: ArrayLike<number | bigint>, o: number): void }).set(row, at)
    repetitionLevels[at] = 0
    at += row.length
  }
  // the page encoders only index and slice the level arrays, which typed arrays do
  return { values: values as DecodedArray, definitionLevels: definitionLevels as unknown as number[], repetitionLevels: repetitionLevels as unknown as number[], maxDefinitionLevel }
}

/** Rows for the generic (Dremel) encoder, which takes repeated values as JS arrays only. */
function plainRows(rows: DecodedArray): DecodedArray {
  const out = new Array<unknown>(rows.length)
  for (let i = 0; i < rows.length; i++) {
    const v = (rows as ArrayLike<unknown>)[i]
    out[i] = ArrayBuffer.isView(v) ? Array.from(v as unknown as ArrayLike<number>) : v
  }
  return out
}

/**
 * Encode one row group of `numRows` rows into `writer`, as
 * `ParquetWriter.write` does with one group (column chunks, offset indexes
 * queued in `pendingIndexes`, the row group appended to `row_groups`), and
 * flush the byte writer.
 */
export function writeRowGroup(writer: ParquetWriter, columns: readonly RowGroupColumn[], numRows: number): void | Promise<void> {
  const resolve = schemaPathResolver(writer.schema)
  const groupStart = writer.writer.offset
  const chunks = []
  for (const { name, data, statistics } of columns) {
    if (data.length !== numRows) throw new Error(`parquet column ${name} has ${data.length} rows, the row group ${numRows}`)
    for (const treePath of leafPaths(resolve([name]))) {
      const schemaPath = treePath.map((n) => n.element)
      const result = writeColumn({
        writer: writer.writer,
        column: {
          columnName: schemaPath.slice(1).map((s) => s.name).join('.'),
          element: schemaPath[schemaPath.length - 1]!,
          schemaPath,
          codec: writer.codec,
          compressors: writer.compressors,
          stats: statistics,
          ...(writer.statisticsTruncateLength !== undefined ? { statisticsTruncateLength: writer.statisticsTruncateLength } : {}),
          pageSize: PAGE_SIZE,
          columnIndex: false,
          offsetIndex: true,
        },
        pageData: denseListLevels(treePath, data) ?? encodeNestedValues(treePath, treePath.length > 2 ? plainRows(data) : data),
      })
      chunks.push(result.chunk)
      writer.pendingIndexes.push(result)
    }
  }
  let totalByteSize = 0n
  for (const { meta_data } of chunks) totalByteSize += meta_data?.total_uncompressed_size ?? 0n
  writer.num_rows += BigInt(numRows)
  writer.row_groups.push({ columns: chunks, total_byte_size: totalByteSize, num_rows: BigInt(numRows), total_compressed_size: BigInt(writer.writer.offset - groupStart) })
  return writer.writer.flush?.()
}

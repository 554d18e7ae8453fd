/**
 * One Parquet row group through hyparquet-writer's column machinery, with fast
 * paths for dense numeric lists (cutouts, PDFs).
 *
 * hyparquet-writer's own `ParquetWriter.write` takes every list as a plain JS
 * array per row and walks it value by value (Dremel) into three more JS arrays,
 * then encodes the levels and PLAIN values value by value; for a 64×64×3
 * cutout column that made writing cutouts back the main thread's largest cost.
 * A standard 3-level LIST whose rows are all non-empty typed arrays, or
 * non-empty JS arrays of numbers, has trivial levels (every element defined;
 * repetition 0 at each row's first element, 1 after):
 * - FLOAT and DOUBLE lists written without statistics (the catalog writer's
 *   lists) are written page by page here: levels as RLE runs, values as the
 *   bytes of a typed array the rows are copied into, compressed with the
 *   writer's codec, pages located in the offset index (`writeDenseFloatChunk`);
 * - other dense lists get bulk-filled levels and one concatenated typed array,
 *   which hyparquet-writer's `writeColumn` encodes into the bytes its own path
 *   would write.
 * Every other column, and a list chunk with a null or empty row or a null
 * element, goes through hyparquet-writer's Dremel encoder and `writeColumn` as
 * before.
 */
import type { DecodedArray, SchemaElement, SchemaTree } from 'hyparquet'
import type { ParquetWriter } from 'hyparquet-writer'
import { ByteWriter } from 'hyparquet-writer'
import { writeColumn } from 'hyparquet-writer/src/column.js'
import { writePageHeader } from 'hyparquet-writer/src/datapage.js'
import { encodeNestedValues } from 'hyparquet-writer/src/dremel.js'
import { schemaPathResolver } from 'hyparquet-writer/src/schema.js'
import { getMaxDefinitionLevel } from 'hyparquet/src/schema.js'
import { LITTLE_ENDIAN, standardListLeaf } from './parquet-schema.js'

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

/** The leaf of a standard 3-level LIST column's schema path (root first), or undefined. */
function listLeaf(treePath: SchemaTree[]): SchemaElement | undefined {
  return treePath.length === 4 ? standardListLeaf(treePath[1]!.element, treePath[2]!.element, treePath[3]!.element) : undefined
}

/**
 * Levels and values of a standard 3-level list column whose rows are all
 * non-empty typed arrays of one kind or all non-empty JS arrays of numbers
 * (bigints for INT64), or undefined when the chunk does not qualify (then the
 * generic encoder handles it).
 */
export function denseListLevels(treePath: SchemaTree[], rows: DecodedArray): LevelData | undefined {
  const leaf = listLeaf(treePath)
  if (!leaf) return undefined
  if (leaf.converted_type !== undefined && !/^U?INT_(8|16|32)$/.test(leaf.converted_type)) return undefined
  if (leaf.logical_type !== undefined && leaf.logical_type.type !== 'INTEGER') return undefined
  const kinds = leaf.type ? DENSE_LEAF[leaf.type] : undefined
  if (!kinds || rows.length === 0) return undefined
  const first = (rows as ArrayLike<unknown>)[0]
  const maxDefinitionLevel = getMaxDefinitionLevel(treePath)
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

type ColumnResult = ReturnType<typeof writeColumn>
type Encoder = Parameters<typeof writeColumn>[0]['column']

/** An RLE run of the RLE/bit-packing hybrid: ULEB128(count << 1), then the value in one byte (bit width ≤ 8). */
function rleRun(out: ByteWriter, value: number, count: number): void {
  out.appendVarInt(count * 2)
  out.appendUint8(value)
}

/**
 * The least share of its bytes the writer's codec must save on a dense float
 * chunk's first page for the chunk to be compressed (see {@link writeDenseFloatChunk}).
 */
export const MIN_COMPRESSION_SAVING = 0.05

/** Append rows `first`..`end` as PLAIN values of `Values`: each row's own bytes when it is already of that type. */
function appendPlainRows(out: Pick<ByteWriter, 'appendBytes'>, rows: readonly ArrayLike<number>[], first: number, end: number, Values: Float32ArrayConstructor | Float64ArrayConstructor): void {
  for (let r = first; r < end; r++) {
    const row = rows[r]!
    const typed = row instanceof Values ? row : Values.from(row)
    out.appendBytes(new Uint8Array(typed.buffer, typed.byteOffset, typed.byteLength))
  }
}

/**
 * A dense FLOAT or DOUBLE list chunk written page by page without per-value
 * work: repetition levels as two RLE runs per row (0 once, 1 for the rest),
 * definition levels as one RLE run, values PLAIN: the little-endian bytes of
 * the rows (converted where the row's type is not the leaf's). Pages (data
 * page v2) break at row boundaries once they reach the page size, and each
 * page is located in the offset index, as hyparquet-writer does. No
 * statistics and no dictionary: the caller takes this path only for columns
 * written without statistics, and pixel values rarely repeat.
 *
 * Noisy float pixels barely compress (snappy saved ~0% on the simulated
 * 64×64×3 cutouts) while compressing them was the largest part of writing them,
 * and decompressing them again of reading them. So the chunk's first page is
 * compressed with the writer's codec; when that saves less than
 * {@link MIN_COMPRESSION_SAVING} of its bytes, the whole chunk is stored
 * UNCOMPRESSED, as its column-chunk metadata says (the codec is per column
 * chunk in Parquet, and every reader takes it from there), and its pages are
 * the rows' bytes appended to the output with no intermediate copy.
 */
function writeDenseFloatChunk(writer: ParquetWriter, column: Encoder, rows: readonly ArrayLike<number>[], maxDefinitionLevel: number): ColumnResult {
  const out = writer.writer
  const { element, schemaPath, compressors } = column
  const Values = element.type === 'FLOAT' ? Float32Array : Float64Array
  let codec = column.codec
  const rowLengths = Int32Array.from(rows, (r) => r.length)
  const offsetStart = out.offset
  const pageLocations: { offset: bigint, compressed_page_size: number, first_row_index: bigint }[] = []
  let uncompressedSize = 0
  let row = 0
  let at = 0
  while (row < rowLengths.length) {
    const firstRow = row
    const from = at
    while (row < rowLengths.length && (at - from) * Values.BYTES_PER_ELEMENT < PAGE_SIZE) at += rowLengths[row++]!
    const levelBytes = new ByteWriter()
    for (let r = firstRow; r < row; r++) {
      rleRun(levelBytes, 0, 1)
      if (rowLengths[r]! > 1) rleRun(levelBytes, 1, rowLengths[r]! - 1)
    }
    const repetitionBytes = levelBytes.offset
    rleRun(levelBytes, maxDefinitionLevel, at - from)
    const plainSize = (at - from) * Values.BYTES_PER_ELEMENT
    // the values as the page stores them: compressed bytes, the rows gathered into one array, or (undefined) the rows' own bytes
    let data: Uint8Array | undefined
    if (codec !== 'UNCOMPRESSED') {
      const page = new Values(at - from)
      for (let r = firstRow, o = 0; r < row; o += rowLengths[r++]!) page.set(rows[r]!, o)
      const plain = new Uint8Array(page.buffer)
      data = compressors[codec]!(plain)
      if (firstRow === 0 && data.length > (1 - MIN_COMPRESSION_SAVING) * plain.length) {
        codec = 'UNCOMPRESSED'
        data = plain
      }
    }
    const pageOffset = out.offset
    writePageHeader(out, {
      type: 'DATA_PAGE_V2',
      uncompressed_page_size: levelBytes.offset + plainSize,
      compressed_page_size: levelBytes.offset + (data?.length ?? plainSize),
      data_page_header_v2: {
        num_values: at - from,
        num_nulls: 0,
        num_rows: row - firstRow,
        encoding: 'PLAIN',
        definition_levels_byte_length: levelBytes.offset - repetitionBytes,
        repetition_levels_byte_length: repetitionBytes,
        is_compressed: codec !== 'UNCOMPRESSED',
      },
    })
    const headerSize = out.offset - pageOffset
    out.appendBytes(levelBytes.getBytes())
    if (data) out.appendBytes(data)
    else appendPlainRows(out, rows, firstRow, row, Values)
    uncompressedSize += headerSize + levelBytes.offset + plainSize
    pageLocations.push({ offset: BigInt(pageOffset), compressed_page_size: out.offset - pageOffset, first_row_index: BigInt(firstRow) })
  }
  return {
    chunk: {
      meta_data: {
        type: element.type!,
        encodings: ['PLAIN'],
        path_in_schema: schemaPath.slice(1).map((e) => e.name),
        codec,
        num_values: BigInt(at),
        total_compressed_size: BigInt(out.offset - offsetStart),
        total_uncompressed_size: BigInt(uncompressedSize),
        data_page_offset: BigInt(offsetStart),
      },
      file_offset: BigInt(offsetStart),
    },
    ...(pageLocations.length > 1 ? { offsetIndex: { page_locations: pageLocations } } : {}),
  }
}

/**
 * The rows of a standard 3-level FLOAT or DOUBLE list column when all are
 * non-empty float typed arrays or non-empty JS arrays of numbers, with the
 * column's maximum definition level; undefined otherwise.
 */
function denseFloatRows(treePath: SchemaTree[], rows: DecodedArray): { rows: ArrayLike<number>[], maxDefinitionLevel: number } | undefined {
  const leaf = listLeaf(treePath)
  if (!leaf || rows.length === 0 || (leaf.type !== 'FLOAT' && leaf.type !== 'DOUBLE') || leaf.converted_type !== undefined || leaf.logical_type !== undefined) return undefined
  const out: ArrayLike<number>[] = new Array(rows.length)
  for (let i = 0; i < rows.length; i++) {
    const row = (rows as ArrayLike<unknown>)[i]
    if (row instanceof Float32Array || row instanceof Float64Array) {
      if (row.length === 0) return undefined
    } else if (Array.isArray(row)) {
      if (row.length === 0) return undefined
      for (let j = 0; j < row.length; j++) if (typeof row[j] !== 'number') return undefined
    } else {
      return undefined
    }
    out[i] = row as ArrayLike<number>
  }
  return { rows: out, maxDefinitionLevel: getMaxDefinitionLevel(treePath) }
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
      const element = schemaPath[schemaPath.length - 1]!
      const column: Encoder = {
        columnName: schemaPath.slice(1).map((s) => s.name).join('.'),
        element,
        schemaPath,
        codec: writer.codec,
        compressors: writer.compressors,
        stats: statistics,
        ...(writer.statisticsTruncateLength !== undefined ? { statisticsTruncateLength: writer.statisticsTruncateLength } : {}),
        pageSize: PAGE_SIZE,
        columnIndex: false,
        offsetIndex: true,
      }
      const floats = !statistics && LITTLE_ENDIAN && (writer.codec === 'UNCOMPRESSED' || writer.compressors[writer.codec]) ? denseFloatRows(treePath, data) : undefined
      const result = floats
        ? writeDenseFloatChunk(writer, column, floats.rows, floats.maxDefinitionLevel)
        : writeColumn({ writer: writer.writer, column, pageData: denseListLevels(treePath, data) ?? encodeNestedValues(treePath, treePath.length > 2 ? plainRows(data) : data) })
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

/**
 * Reading dense float list columns (cutouts, PDFs) as typed-array rows.
 *
 * hyparquet assembles every list into a JS array per row, value by value; for
 * a 64×64×3 cutout column that is ~100 KB of short-lived heap per row and was,
 * with the garbage it makes, the largest cost of reading a catalog. A standard
 * 3-level LIST of FLOAT or DOUBLE whose elements are all present needs no
 * assembly: each row is the run of values between two repetition-level zeros.
 * Here hyparquet's page functions (header, decompression) read the column
 * chunk; a data page v2 with PLAIN values has its level runs walked without
 * materialising them (`readDensePageV2`), other pages are decoded by
 * hyparquet; each row becomes a `subarray` of the page's values: no copy. A
 * chunk with a dictionary page, a null or empty list or a null element is left
 * to hyparquet (`undefined` is returned), so its values come out exactly as
 * before, as JS arrays.
 */
import type { ColumnMetaData, CompressionCodec, FileMetaData, PageHeader, SchemaTree } from 'hyparquet'
import { parquetHeader } from 'hyparquet/src/column.js'
import { DEFAULT_PARSERS, convertWithDictionary } from 'hyparquet/src/convert.js'
import { decompressPage, readDataPage, readDataPageV2 } from 'hyparquet/src/datapage.js'
import { parquetSchema } from 'hyparquet/src/metadata.js'
import { getMaxDefinitionLevel } from 'hyparquet/src/schema.js'
import type { Compressors } from 'hyparquet/src/types.js'
import type { NamedBuffer } from './byte-source.js'
import { LITTLE_ENDIAN, standardListLeaf } from './parquet-schema.js'

type FloatRows = (Float32Array | Float64Array)[]

/** The schema paths (root to leaf) of the top-level columns that are dense-list candidates. */
export function denseListCandidates(metadata: FileMetaData): Map<string, SchemaTree[]> {
  const root = parquetSchema(metadata)
  const out = new Map<string, SchemaTree[]>()
  for (const column of root.children) {
    const repeated = column.children[0]
    const leaf = repeated?.children[0]
    if (!repeated || !leaf || column.children.length !== 1 || repeated.children.length !== 1 || leaf.children.length !== 0) continue
    const element = standardListLeaf(column.element, repeated.element, leaf.element)
    if (!element || (element.type !== 'FLOAT' && element.type !== 'DOUBLE') || element.converted_type !== undefined || element.logical_type !== undefined) continue
    out.set(column.element.name, [root, column, repeated, leaf])
  }
  return out
}

/**
 * Walk the runs of an RLE/bit-packing hybrid level section (no length prefix,
 * as in data page v2): `onRun(value, first, count)` for each RLE run and for
 * each bit-packed value; false when the section does not hold `count` levels.
 */
function scanLevels(bytes: Uint8Array, bitWidth: number, count: number, onRun: (value: number, first: number, n: number) => boolean): boolean {
  const valueBytes = (bitWidth + 7) >> 3
  let at = 0
  let done = 0
  while (done < count) {
    if (at >= bytes.length) return false
    let header = 0
    let shift = 0
    for (;;) {
      const b = bytes[at++]!
      header += (b & 0x7f) * 2 ** shift
      shift += 7
      if (b < 0x80) break
      if (at >= bytes.length) return false
    }
    if (header % 2 === 0) {
      const n = Math.min(header / 2, count - done)
      let value = 0
      for (let k = 0; k < valueBytes; k++) value |= bytes[at++]! << (8 * k)
      if (!onRun(value, done, n)) return false
      done += n
    } else {
      const groups = (header - 1) / 2
      const base = at * 8
      for (let v = 0; v < groups * 8 && done < count; v++, done++) {
        let value = 0
        for (let bit = 0; bit < bitWidth; bit++) {
          const pos = base + v * bitWidth + bit
          value |= ((bytes[pos >> 3]! >> (pos & 7)) & 1) << bit
        }
        if (!onRun(value, done, 1)) return false
      }
      at += groups * bitWidth
    }
  }
  return true
}

type FloatArray = Float32Array | Float64Array

/**
 * A data page v2 with PLAIN values, decoded straight into rows: the
 * definition levels are checked to be all `maxDefinitionLevel` and the
 * repetition levels give the row starts, without materialising either.
 * Undefined when the page is not like that (hyparquet then reads the chunk).
 */
function readDensePageV2(compressed: Uint8Array, header: PageHeader, maxDefinitionLevel: number, type: 'FLOAT' | 'DOUBLE', codec: CompressionCodec, compressors: Compressors): { values: FloatArray, starts: number[] } | undefined {
  const h = header.data_page_header_v2!
  if (h.encoding !== 'PLAIN' || h.num_nulls !== 0) return undefined
  const n = h.num_values
  const repLength = h.repetition_levels_byte_length
  const defLength = h.definition_levels_byte_length
  const starts: number[] = []
  const repOk = scanLevels(compressed.subarray(0, repLength), 1, n, (value, first, count) => {
    if (value === 0) for (let k = 0; k < count; k++) starts.push(first + k)
    return value <= 1
  })
  const defOk = repOk && scanLevels(compressed.subarray(repLength, repLength + defLength), Math.ceil(Math.log2(maxDefinitionLevel + 1)), n, (value) => value === maxDefinitionLevel)
  if (!defOk) return undefined
  let page = compressed.subarray(repLength + defLength)
  if (h.is_compressed !== false) page = decompressPage(page, header.uncompressed_page_size - repLength - defLength, codec, compressors)
  const size = type === 'FLOAT' ? 4 : 8
  if (page.byteLength !== n * size) return undefined
  const aligned = page.byteOffset % size === 0 ? page : page.slice()
  const values = type === 'FLOAT' ? new Float32Array(aligned.buffer, aligned.byteOffset, n) : new Float64Array(aligned.buffer, aligned.byteOffset, n)
  return { values: LITTLE_ENDIAN ? values : values.slice(), starts }
}

/**
 * Append a page's rows (`starts`: the index of each row's first value); values
 * before the first start continue the previous page's last row (v1 pages may
 * split a row). False when there is no row to continue.
 */
function appendRows(rows: FloatArray[], values: FloatArray, starts: readonly number[]): boolean {
  const head = starts.length > 0 ? starts[0]! : values.length
  if (head > 0) {
    const prev = rows.pop()
    if (!prev) return false
    const joined = new (values.constructor as Float32ArrayConstructor | Float64ArrayConstructor)(prev.length + head)
    joined.set(prev)
    joined.set(values.subarray(0, head), prev.length)
    rows.push(joined)
  }
  for (let k = 0; k < starts.length; k++) rows.push(values.subarray(starts[k]!, k + 1 < starts.length ? starts[k + 1]! : values.length))
  return true
}

/**
 * Read one row group's chunk of a dense-list candidate column as typed-array
 * rows, or undefined when the chunk is not dense (hyparquet then reads it).
 * @throws Error when the chunk's pages are corrupt (the caller names the file and row group).
 */
export async function readDenseListChunk(file: NamedBuffer, metadata: FileMetaData, groupIndex: number, schemaPath: SchemaTree[], compressors: Compressors): Promise<FloatRows | undefined> {
  const group = metadata.row_groups[groupIndex]!
  const name = schemaPath[1]!.element.name
  const chunk = group.columns.find((c) => c.meta_data?.path_in_schema[0] === name)
  const meta: ColumnMetaData | undefined = chunk?.meta_data
  if (!chunk || !meta || chunk.file_path || meta.dictionary_page_offset !== undefined) return undefined
  const numRows = Number(group.num_rows)
  const start = Number(meta.data_page_offset)
  const buffer = await file.slice(start, start + Number(meta.total_compressed_size))
  const reader = { view: new DataView(buffer), offset: 0 }
  const leaf = schemaPath[schemaPath.length - 1]!.element
  const decoder = { pathInSchema: meta.path_in_schema, type: meta.type, element: leaf, schemaPath, codec: meta.codec, parsers: DEFAULT_PARSERS, compressors }
  const maxDefinitionLevel = getMaxDefinitionLevel(schemaPath)
  const rows: FloatRows = []
  while (reader.offset < reader.view.byteLength - 1) {
    const header = parquetHeader(reader)
    const compressed = new Uint8Array(buffer, reader.offset, header.compressed_page_size)
    reader.offset += header.compressed_page_size
    let page: { definitionLevels: ArrayLike<number> | undefined, repetitionLevels: ArrayLike<number>, dataPage: unknown, encoding: string }
    if (header.type === 'DATA_PAGE' && header.data_page_header) {
      const bytes = decompressPage(compressed, Number(header.uncompressed_page_size), meta.codec, compressors)
      page = { ...readDataPage(bytes, header.data_page_header, decoder), encoding: header.data_page_header.encoding }
    } else if (header.type === 'DATA_PAGE_V2' && header.data_page_header_v2) {
      const dense = LITTLE_ENDIAN ? readDensePageV2(compressed, header, maxDefinitionLevel, meta.type as 'FLOAT' | 'DOUBLE', meta.codec, compressors) : undefined
      if (dense) {
        if (!appendRows(rows, dense.values, dense.starts)) return undefined
        continue
      }
      page = { ...readDataPageV2(compressed, header, decoder), encoding: header.data_page_header_v2.encoding }
    } else if (header.type === 'INDEX_PAGE') {
      continue
    } else {
      return undefined
    }
    const rep = page.repetitionLevels
    const def = page.definitionLevels
    const values = convertWithDictionary(page.dataPage as never, undefined, page.encoding as never, decoder as never)
    if (!(values instanceof Float32Array || values instanceof Float64Array) || rep.length !== values.length) return undefined
    if (def && def.length) {
      for (let i = 0; i < def.length; i++) if (def[i] !== maxDefinitionLevel) return undefined
    }
    const starts: number[] = []
    for (let k = 0; k < rep.length; k++) if (rep[k] === 0) starts.push(k)
    if (!appendRows(rows, values, starts)) return undefined
  }
  if (rows.length !== numRows) throw new Error(`column "${name}" has ${rows.length} rows in its pages, the row group ${numRows}`)
  return rows
}

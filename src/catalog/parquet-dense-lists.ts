/**
 * Reading dense float list columns (cutouts, PDFs) as typed-array rows.
 *
 * hyparquet assembles every list into a JS array per row, value by value; for
 * a 64×64×3 cutout column that is ~100 KB of short-lived heap per row and was,
 * with the garbage it makes, the largest cost of reading a catalog. A standard
 * 3-level LIST of FLOAT or DOUBLE whose elements are all present needs no
 * assembly: each row is the run of values between two repetition-level zeros.
 * Here hyparquet's own page functions (header, decompression, levels, value
 * decoding) read the column chunk, and each row becomes a `subarray` of the
 * page's decoded values: no copy. A chunk with a dictionary page, a null or
 * empty list or a null element is left to hyparquet (`undefined` is
 * returned), so its values come out exactly as before, as JS arrays.
 */
import type { ColumnMetaData, FileMetaData, SchemaElement, SchemaTree } from 'hyparquet'
import { parquetHeader } from 'hyparquet/src/column.js'
import { DEFAULT_PARSERS, convertWithDictionary } from 'hyparquet/src/convert.js'
import { decompressPage, readDataPage, readDataPageV2 } from 'hyparquet/src/datapage.js'
import { parquetSchema } from 'hyparquet/src/metadata.js'
import { getMaxDefinitionLevel } from 'hyparquet/src/schema.js'
import type { Compressors } from 'hyparquet/src/types.js'
import type { NamedBuffer } from './byte-source.js'

type FloatRows = (Float32Array | Float64Array)[]

/** The schema paths (root to leaf) of the top-level columns that are dense-list candidates. */
export function denseListCandidates(metadata: FileMetaData): Map<string, SchemaTree[]> {
  const root = parquetSchema(metadata)
  const out = new Map<string, SchemaTree[]>()
  for (const column of root.children) {
    const repeated = column.children[0]
    const leaf = repeated?.children[0]
    if (!repeated || !leaf || column.children.length !== 1 || repeated.children.length !== 1 || leaf.children.length !== 0) continue
    const e: SchemaElement = column.element
    if (e.converted_type !== 'LIST' && e.logical_type?.type !== 'LIST') continue
    if (e.repetition_type === 'REPEATED' || repeated.element.repetition_type !== 'REPEATED' || leaf.element.repetition_type === 'REPEATED') continue
    if (leaf.element.type !== 'FLOAT' && leaf.element.type !== 'DOUBLE') continue
    if (leaf.element.converted_type !== undefined || leaf.element.logical_type !== undefined) continue
    out.set(e.name, [root, column, repeated, leaf])
  }
  return out
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
    let i = 0
    if (rep.length > 0 && rep[0] !== 0) {
      // a v1 page may continue the previous page's last row
      let end = 1
      while (end < rep.length && rep[end] !== 0) end++
      const prev = rows.pop()
      if (!prev) return undefined
      const joined = new (values.constructor as Float32ArrayConstructor | Float64ArrayConstructor)(prev.length + end)
      joined.set(prev)
      joined.set(values.subarray(0, end), prev.length)
      rows.push(joined)
      i = end
    }
    while (i < rep.length) {
      let end = i + 1
      while (end < rep.length && rep[end] !== 0) end++
      rows.push(values.subarray(i, end))
      i = end
    }
  }
  if (rows.length !== numRows) throw new Error(`column "${name}" has ${rows.length} rows in its pages, the row group ${numRows}`)
  return rows
}

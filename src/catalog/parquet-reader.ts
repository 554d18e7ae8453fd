/**
 * Streaming Parquet reader built on hyparquet: lazy range reads, one row group
 * at a time, column projection.
 */
import { parquetMetadataAsync, parquetRead, type FileMetaData } from 'hyparquet'
import { compressors } from 'hyparquet-compressors'
import { SurveyError, errorMessage } from '../errors.js'
import type { NamedBuffer } from './byte-source.js'
import { denseListCandidates, readDenseListChunk } from './parquet-dense-lists.js'
import { arrowSchemaMetadata } from './arrow-schema.js'
import { COLUMNS_METADATA_KEY, parquetColumnSpecs, type ColumnDoc } from './parquet-schema.js'
import { checkProjection, type CatalogSource, type ReadOptions } from './source.js'
import type { CatalogChunk, ColumnValues } from './types.js'

const PARQUET_MAGIC = 0x31524150 // "PAR1", little-endian

/**
 * Open a Parquet catalog: reads only the footer now; rows are read lazily.
 *
 * Row groups are read one at a time when the consumer of `chunks()` asks for
 * the next one, so a slow consumer slows reading and stopping the iteration
 * stops it. Only the requested columns' byte ranges are fetched.
 * Errors (not Parquet, truncated, corrupt) are thrown on the returned promise
 * and name the file.
 *
 * @example
 * const source = await openParquetCatalog(await fileBuffer('survey.parquet'))
 * for await (const chunk of source.chunks({ columns: ['ra', 'dec'] })) console.log(chunk.numRows)
 */
export async function openParquetCatalog(file: NamedBuffer): Promise<CatalogSource> {
  try {
    return await openParquetFooter(file)
  } catch (error) {
    await file.close?.()
    throw error
  }
}

async function openParquetFooter(file: NamedBuffer): Promise<CatalogSource> {
  const name = file.name
  if (file.byteLength < 12) throw new SurveyError('input', `catalog ${name} is not a Parquet file (only ${file.byteLength} bytes)`)
  const [head, tail] = await Promise.all([file.slice(0, 4), file.slice(file.byteLength - 4, file.byteLength)])
  if (new DataView(head).getUint32(0, true) !== PARQUET_MAGIC) {
    throw new SurveyError('input', `catalog ${name} is not a Parquet file (no PAR1 magic at the start)`)
  }
  if (new DataView(tail).getUint32(0, true) !== PARQUET_MAGIC) {
    throw new SurveyError('input', `catalog ${name} is truncated or corrupt (no PAR1 magic at the end)`)
  }
  let metadata: FileMetaData
  try {
    metadata = await parquetMetadataAsync(file)
  } catch (cause) {
    throw new SurveyError('input', `catalog ${name} has an unreadable Parquet footer: ${errorMessage(cause)}`, { cause })
  }
  const kv: Record<string, string> = {}
  for (const { key, value } of metadata.key_value_metadata ?? []) kv[key] = value ?? ''
  let docs: Record<string, ColumnDoc> = {}
  // field metadata written by pyarrow lives in the serialised Arrow schema
  if (kv['ARROW:schema']) {
    try {
      docs = await arrowSchemaMetadata(kv['ARROW:schema'])
    } catch {
      // a foreign or newer Arrow schema we cannot parse only loses column docs, not data
    }
  }
  const ownDocs = kv[COLUMNS_METADATA_KEY]
  if (ownDocs) {
    try {
      const parsed = JSON.parse(ownDocs) as Record<string, ColumnDoc>
      for (const [column, doc] of Object.entries(parsed)) docs[column] = { ...docs[column], ...doc }
    } catch (cause) {
      throw new SurveyError('input', `catalog ${name} has invalid JSON in metadata key "${COLUMNS_METADATA_KEY}"`, { cause })
    }
  }
  const columns = parquetColumnSpecs(metadata.schema, docs)
  const schema = { columns, metadata: kv }
  const numRows = Number(metadata.num_rows)
  const source: CatalogSource = {
    name,
    format: 'parquet',
    schema,
    numRows,
    native: { format: 'parquet', elements: metadata.schema },
    chunks: (options: ReadOptions = {}) => readRowGroups(file, metadata, source, options),
    ...(file.close ? { close: () => file.close!() } : {}),
  }
  return source
}

async function* readRowGroups(file: NamedBuffer, metadata: FileMetaData, source: CatalogSource, options: ReadOptions): AsyncGenerator<CatalogChunk> {
  checkProjection(source, options.columns)
  const columns = options.columns ?? source.schema.columns.map((c) => c.name)
  // dense float lists (cutouts, PDFs) are read as typed-array rows where they can be
  const candidates = denseListCandidates(metadata)
  let rowStart = 0
  for (const [index, group] of metadata.row_groups.entries()) {
    options.signal?.throwIfAborted()
    const numRows = Number(group.num_rows)
    if (numRows === 0) continue
    const data = columns.map((): unknown[] => [])
    const read = (names: string[]): Promise<void> => parquetRead({
      file,
      metadata,
      columns: names,
      rowStart,
      rowEnd: rowStart + numRows,
      compressors,
      utf8: false,
      onChunk: ({ columnName, columnData, rowStart: chunkStart, rowEnd: chunkEnd }) => {
        const into = data[columns.indexOf(columnName)]
        if (!into) return
        // chunks may extend outside the requested range
        const from = Math.max(rowStart, chunkStart)
        const to = Math.min(rowStart + numRows, chunkEnd)
        for (let r = from; r < to; r++) into[r - rowStart] = columnData[r - chunkStart]
      },
    })
    try {
      // the dense-list candidates and the other columns are fetched at the same time;
      // a candidate chunk that turns out not to be dense is then read by hyparquet
      const dense = columns.filter((c) => candidates.has(c))
      const others = columns.filter((c) => !candidates.has(c))
      const [denseRows] = await Promise.all([
        Promise.all(dense.map((c) => readDenseListChunk(file, metadata, index, candidates.get(c)!, compressors))),
        others.length > 0 ? read(others) : undefined,
      ])
      dense.forEach((c, i) => {
        if (denseRows[i]) data[columns.indexOf(c)] = denseRows[i]
      })
      const fallback = dense.filter((_, i) => !denseRows[i])
      if (fallback.length > 0) await read(fallback)
    } catch (cause) {
      throw new SurveyError('input', `catalog ${source.name}: row group ${index} (rows ${rowStart}–${rowStart + numRows - 1}) could not be read: ${errorMessage(cause)}`, { cause })
    }
    const out: Record<string, ColumnValues> = {}
    columns.forEach((column, i) => {
      const values = data[i]!
      if (values.length !== numRows) {
        throw new SurveyError('input', `catalog ${source.name}: column "${column}" in row group ${index} has ${values.length} values, expected ${numRows}`)
      }
      out[column] = values
    })
    yield { rowStart, numRows, columns: out }
    rowStart += numRows
  }
}

/**
 * Streaming Parquet writer on hyparquet-writer: rows are buffered up to one
 * row group, encoded, and handed to the sink; the catalog is never held whole.
 */
import type { DecodedArray, KeyValue, SchemaElement } from 'hyparquet'
import { ByteWriter, ParquetWriter } from 'hyparquet-writer'
import { SurveyError, errorMessage } from '../errors.js'
import { CompactFooter } from './parquet-footer.js'
import { writeRowGroup } from './parquet-row-group.js'
import { COLUMNS_METADATA_KEY, columnElements, specElements, type ColumnDoc } from './parquet-schema.js'
import type { ByteSink } from './sink.js'
import type { NativeSchema } from './source.js'
import type { CatalogChunk, CatalogSchema, ColumnSpec, ColumnValues } from './types.js'
import { concatValues } from './values.js'
import type { CatalogWriter } from './writer.js'

/** Options for {@link createParquetWriter}. */
export interface ParquetWriterOptions {
  /**
   * Rows per row group; default 10,000. A group is written once this many rows are pending, so
   * a single write of more rows makes one larger group.
   */
  readonly rowGroupSize?: number
  /**
   * Approximate uncompressed bytes per row group; default 8 MiB. Cutout catalogs get small row
   * groups this way, so encoding one (synchronous work on the writing thread) never stalls the
   * pipeline for long.
   */
  readonly rowGroupBytes?: number
  /** Compression codec; default 'SNAPPY' (readable by every Parquet reader). */
  readonly codec?: 'SNAPPY' | 'UNCOMPRESSED'
  /** Input schema of the same format, to reproduce input column types exactly. */
  readonly native?: NativeSchema
  /** Key-value metadata written up front (more can be added at close). */
  readonly metadata?: Readonly<Record<string, string>>
  /** `created_by` string in the footer. */
  readonly createdBy?: string
}

class SinkByteWriter extends ByteWriter {
  constructor(private readonly sink: ByteSink) {
    super(1 << 20)
  }
  /** Hand the buffered bytes to the sink; the buffer is reused once the sink's write settles (see {@link ByteSink.write}). */
  async flush(): Promise<void> {
    if (this.index === 0) return
    await this.sink.write(new Uint8Array(this.buffer, 0, this.index))
    this.index = 0
  }
  override finish(): Promise<void> {
    return this.flush()
  }
}

/** Rough uncompressed bytes per row of a chunk (lists and strings measured on its first rows). */
function rowBytes(chunk: CatalogChunk): number {
  const sample = Math.min(chunk.numRows, 16)
  let bytes = 0
  for (const values of Object.values(chunk.columns)) {
    if (ArrayBuffer.isView(values)) {
      bytes += (values as Float64Array).BYTES_PER_ELEMENT
      continue
    }
    let total = 0
    for (let i = 0; i < sample; i++) {
      const v = (values as readonly unknown[])[i]
      if (ArrayBuffer.isView(v)) total += (v as Uint8Array).byteLength
      else if (Array.isArray(v)) total += v.length * 8
      else if (typeof v === 'string') total += v.length
      else total += 8
    }
    bytes += total / Math.max(1, sample)
  }
  return bytes
}

/** The docs JSON stored under {@link COLUMNS_METADATA_KEY}. */
export function columnDocs(columns: readonly ColumnSpec[]): Record<string, ColumnDoc> {
  const docs: Record<string, ColumnDoc> = {}
  for (const c of columns) {
    const doc: ColumnDoc = {}
    if (c.unit !== undefined) doc.unit = c.unit
    if (c.description !== undefined) doc.description = c.description
    if (c.metadata !== undefined) doc.metadata = { ...c.metadata }
    if (Object.keys(doc).length > 0) docs[c.name] = doc
  }
  return docs
}

function toParquetValues(spec: ColumnSpec, values: ColumnValues, element: SchemaElement): ColumnValues | unknown[] {
  // list columns go as they are: typed-array rows take writeRowGroup's fast path
  if (typeof spec.type === 'string' && element.type === 'INT64' && !(values instanceof BigInt64Array)) {
    return Array.from(values as ArrayLike<unknown>, (v) => (v === null || v === undefined ? null : typeof v === 'bigint' || v instanceof Date ? v : BigInt(Math.trunc(Number(v)))))
  }
  return values
}

/**
 * Create a Parquet writer over a byte sink.
 *
 * Input columns keep their exact Parquet schema when `options.native` comes
 * from a Parquet source; other columns get standard elements (lists as 3-level
 * LIST). Units, descriptions and column metadata go into the
 * `survey_classifier:columns` key-value entry; `close(metadata)` adds run
 * provenance to the footer.
 */
export function createParquetWriter(sink: ByteSink, schema: CatalogSchema, options: ParquetWriterOptions = {}): CatalogWriter {
  const maxRows = options.rowGroupSize ?? 10_000
  const targetBytes = options.rowGroupBytes ?? 8 * 2 ** 20
  let rowGroupSize = maxRows
  const native = options.native?.format === 'parquet' ? columnElements(options.native.elements) : undefined
  const elements: SchemaElement[] = [{ name: 'root', num_children: schema.columns.length }]
  const leafElement = new Map<string, SchemaElement>()
  for (const spec of schema.columns) {
    const own = native?.get(spec.name) ?? specElements(spec)
    elements.push(...own)
    leafElement.set(spec.name, own[own.length - 1]!)
  }
  const kv: KeyValue[] = Object.entries(options.metadata ?? {}).map(([key, value]) => ({ key, value }))
  kv.push({ key: COLUMNS_METADATA_KEY, value: JSON.stringify(columnDocs(schema.columns)) })
  const createdBy = options.createdBy ?? 'survey-classifier'
  const bytes = new SinkByteWriter(sink)
  // the footer is written by CompactFooter (not writer.finish()), so its size per row group stays small
  const writer = new ParquetWriter({ writer: bytes, schema: elements, codec: options.codec ?? 'SNAPPY', createdBy })
  const footer = new CompactFooter(elements)
  // hyparquet-writer's own path encodes VARIANT columns; every other schema takes writeRowGroup
  const variant = elements.some((e) => e.logical_type?.type === 'VARIANT')
  let pending: CatalogChunk[] = []
  let pendingRows = 0
  let rowsWritten = 0
  let state: 'open' | 'closed' | 'aborted' = 'open'

  const flushGroup = async (): Promise<void> => {
    if (pendingRows === 0) return
    const columnData = schema.columns.map((spec) => {
      const parts = pending.map((chunk) => {
        const values = chunk.columns[spec.name]
        if (!values) throw new SurveyError('output', `parquet writer: chunk at row ${chunk.rowStart} lacks column "${spec.name}"`)
        return values
      })
      const joined = concatValues(parts)
      // min/max statistics of list columns (cutouts, PDFs) are useless for filtering and cost as much as encoding them
      return { name: spec.name, data: toParquetValues(spec, joined, leafElement.get(spec.name)!) as DecodedArray, statistics: typeof spec.type === 'string' }
    })
    pending = []
    const rows = pendingRows
    pendingRows = 0
    try {
      await (variant ? writer.write({ columnData, rowGroupSize: rows }) : writeRowGroup(writer, columnData, rows))
      footer.takeRowGroups(writer)
      await bytes.flush()
    } catch (cause) {
      throw new SurveyError('output', `parquet writer (${sink.name}): row group could not be encoded: ${errorMessage(cause)}`, { cause })
    }
    rowsWritten += rows
  }

  return {
    get rowsWritten() {
      return rowsWritten
    },
    async write(chunk) {
      if (state !== 'open') throw new SurveyError('output', `parquet writer (${sink.name}) is ${state}`)
      if (chunk.numRows === 0) return
      if (rowsWritten === 0 && pending.length === 0) rowGroupSize = Math.max(16, Math.min(maxRows, Math.floor(targetBytes / Math.max(1, rowBytes(chunk)))))
      pending.push(chunk)
      pendingRows += chunk.numRows
      if (pendingRows >= rowGroupSize) await flushGroup()
    },
    async close(metadata = {}) {
      if (state !== 'open') return
      await flushGroup()
      for (const [key, value] of Object.entries(metadata)) kv.push({ key, value })
      state = 'closed'
      await footer.write(bytes, writer.num_rows, kv, createdBy)
      await sink.close()
    },
    async abort() {
      if (state !== 'open') return
      state = 'aborted'
      pending = []
      await sink.abort()
    },
  }
}

/**
 * Streaming Arrow IPC reader (file and stream formats) on apache-arrow's
 * RecordBatchReader: record batches are decoded one at a time as the consumer
 * pulls them.
 */
import { RecordBatchReader, type RecordBatch, type Vector, Type } from 'apache-arrow'
import { SurveyError, errorMessage } from '../errors.js'
import { arrowColumnSpecs } from './arrow-schema.js'
import { checkProjection, type CatalogSource, type ReadOptions } from './source.js'
import type { CatalogChunk, ColumnValues } from './types.js'

/** Something that yields the catalog's bytes in order (a file stream, `Blob.stream()`, a fetch body). */
export type ByteStream = AsyncIterable<Uint8Array> | ReadableStream<Uint8Array>

/**
 * Open an Arrow IPC catalog (file or stream format) from a stream factory.
 *
 * The factory is called once to read the schema and once per `chunks()`
 * call, so a catalog can be read more than once without being held in memory.
 * Errors (not Arrow, truncated, corrupt) are thrown on the returned promise
 * or from the chunk iterator, and name the catalog.
 *
 * @example
 * const source = await openArrowCatalog(() => blob.stream(), 'survey.arrow')
 */
export async function openArrowCatalog(open: () => ByteStream, name: string): Promise<CatalogSource> {
  const reader = await openReader(open, name)
  const schema = reader.schema
  await reader.cancel()
  const metadata: Record<string, string> = {}
  for (const [key, value] of schema.metadata) metadata[key] = value
  const source: CatalogSource = {
    name,
    format: 'arrow',
    schema: { columns: arrowColumnSpecs(schema), metadata },
    numRows: undefined,
    native: { format: 'arrow', schema },
    chunks: (options: ReadOptions = {}) => readBatches(open, source, options),
  }
  return source
}

async function openReader(open: () => ByteStream, name: string): Promise<RecordBatchReader> {
  try {
    const reader = await RecordBatchReader.from(open() as AsyncIterable<Uint8Array>)
    await reader.open()
    if (!reader.schema || reader.schema.fields.length === 0) {
      throw new Error('no schema message found')
    }
    return reader
  } catch (cause) {
    if (cause instanceof SurveyError) throw cause
    throw new SurveyError('input', `catalog ${name} is not a readable Arrow IPC file or stream: ${errorMessage(cause)}`, { cause })
  }
}

async function* readBatches(open: () => ByteStream, source: CatalogSource, options: ReadOptions): AsyncGenerator<CatalogChunk> {
  checkProjection(source, options.columns)
  const columns = options.columns ?? source.schema.columns.map((c) => c.name)
  const reader = await openReader(open, source.name)
  let rowStart = 0
  let index = 0
  try {
    const iterator = reader[Symbol.asyncIterator]()
    for (;;) {
      options.signal?.throwIfAborted()
      let step: IteratorResult<RecordBatch>
      try {
        step = await iterator.next()
      } catch (cause) {
        throw new SurveyError('input', `catalog ${source.name}: record batch ${index} (from row ${rowStart}) could not be read: ${errorMessage(cause)}`, { cause })
      }
      if (step.done) break
      const batch = step.value
      index++
      if (batch.numRows === 0) continue
      const out: Record<string, ColumnValues> = {}
      for (const column of columns) {
        const vector = batch.getChild(column)
        if (!vector) throw new SurveyError('input', `catalog ${source.name}: column "${column}" missing from record batch ${index - 1}`)
        out[column] = vectorValues(vector)
      }
      yield { rowStart, numRows: batch.numRows, columns: out }
      rowStart += batch.numRows
    }
  } finally {
    await reader.cancel()
  }
}

const TYPED_IDS = new Set<Type>([Type.Int, Type.Float])

/** Plain values of an Arrow vector: a typed-array copy for null-free numeric columns, else an array with nulls. */
export function vectorValues(vector: Vector): ColumnValues {
  const typeId = vector.type.typeId as Type
  if (TYPED_IDS.has(typeId) && vector.nullCount === 0) {
    const array = vector.toArray() as ColumnValues
    if (ArrayBuffer.isView(array)) return (array as Float32Array).slice()
  }
  const out = new Array<unknown>(vector.length)
  const isList = typeId === Type.List || typeId === Type.FixedSizeList
  for (let i = 0; i < vector.length; i++) {
    const value: unknown = vector.get(i)
    if (isList && value !== null && value !== undefined) {
      const inner = (value as Vector).toArray() as unknown
      out[i] = ArrayBuffer.isView(inner) ? (inner as Float32Array).slice() : inner
    } else {
      out[i] = value ?? null
    }
  }
  return out
}

/**
 * Streaming Arrow IPC writer (stream format): one record batch per chunk.
 */
import {
  Field, RecordBatch, RecordBatchStreamWriter, Schema, Struct, makeBuilder, makeData, type DataType,
} from 'apache-arrow'
import { SurveyError, errorMessage } from '../errors.js'
import { fieldMetadataFromSpec, logicalToArrow } from './arrow-schema.js'
import type { ByteSink } from './sink.js'
import type { NativeSchema } from './source.js'
import type { CatalogSchema, ColumnSpec, ColumnValues } from './types.js'
import type { CatalogWriter } from './writer.js'

/** Options for {@link createArrowWriter}. */
export interface ArrowWriterOptions {
  /** Input schema of the same format, to reproduce input field types and metadata exactly. */
  readonly native?: NativeSchema
  /** Schema-level metadata (run provenance; the stream's schema comes first, so this is fixed at creation). */
  readonly metadata?: Readonly<Record<string, string>>
}

function arrowValues(spec: ColumnSpec, values: ColumnValues): unknown[] | ColumnValues {
  if (spec.type === 'timestamp-ms' || spec.type === 'timestamp-us') {
    return Array.from(values as ArrayLike<unknown>, (v) => (v instanceof Date ? v.getTime() : typeof v === 'bigint' ? Number(spec.type === 'timestamp-us' ? v / 1000n : v) : v))
  }
  if (spec.type === 'int64' && !(values instanceof BigInt64Array)) {
    return Array.from(values as ArrayLike<unknown>, (v) => (v === null || v === undefined ? null : typeof v === 'bigint' ? v : BigInt(Math.trunc(Number(v)))))
  }
  return values
}

/**
 * Create an Arrow IPC stream writer over a byte sink.
 *
 * Field metadata carries each column's `unit`, `description` and metadata;
 * schema metadata carries `options.metadata`. Because an IPC stream starts
 * with its schema, metadata passed to `close()` cannot be added and is ignored
 * (use Parquet output when the end time must be recorded).
 */
export function createArrowWriter(sink: ByteSink, schema: CatalogSchema, options: ArrowWriterOptions = {}): CatalogWriter {
  const nativeFields = new Map<string, Field>()
  if (options.native?.format === 'arrow') for (const f of options.native.schema.fields) nativeFields.set(f.name, f)
  const fields = schema.columns.map((spec) => {
    const native = nativeFields.get(spec.name)
    const metadata = native ? new Map([...native.metadata, ...fieldMetadataFromSpec(spec)]) : fieldMetadataFromSpec(spec)
    return new Field(spec.name, native?.type ?? logicalToArrow(spec.type), native?.nullable ?? spec.nullable !== false, metadata)
  })
  const arrowSchema = new Schema(fields, new Map(Object.entries(options.metadata ?? {})))
  const writer = new RecordBatchStreamWriter()
  writer.reset(undefined, arrowSchema)
  let rowsWritten = 0
  let state: 'open' | 'closed' | 'aborted' = 'open'
  let sinkError: unknown
  const pump = (async () => {
    try {
      for await (const bytes of writer as AsyncIterable<Uint8Array>) await sink.write(bytes)
    } catch (cause) {
      sinkError = cause
    }
  })()

  return {
    get rowsWritten() {
      return rowsWritten
    },
    async write(chunk) {
      if (state !== 'open') throw new SurveyError('output', `arrow writer (${sink.name}) is ${state}`)
      if (sinkError) throw new SurveyError('output', `arrow writer (${sink.name}): ${errorMessage(sinkError)}`, { cause: sinkError })
      if (chunk.numRows === 0) return
      try {
        const children = schema.columns.map((spec, i) => {
          const values = chunk.columns[spec.name]
          if (!values) throw new Error(`chunk at row ${chunk.rowStart} lacks column "${spec.name}"`)
          const type = fields[i]!.type as DataType
          const builder = makeBuilder({ type, nullValues: [null, undefined] })
          const plain = arrowValues(spec, values)
          for (let r = 0; r < chunk.numRows; r++) builder.append((plain as ArrayLike<unknown>)[r])
          return builder.finish().flush()
        })
        const data = makeData({ type: new Struct(fields), length: chunk.numRows, nullCount: 0, children })
        writer.write(new RecordBatch(arrowSchema, data))
      } catch (cause) {
        throw new SurveyError('output', `arrow writer (${sink.name}): rows from ${chunk.rowStart} could not be encoded: ${errorMessage(cause)}`, { cause })
      }
      rowsWritten += chunk.numRows
    },
    async close() {
      if (state !== 'open') return
      state = 'closed'
      writer.finish()
      writer.close()
      await pump
      if (sinkError) throw new SurveyError('output', `arrow writer (${sink.name}): ${errorMessage(sinkError)}`, { cause: sinkError })
      await sink.close()
    },
    async abort() {
      if (state !== 'open') return
      state = 'aborted'
      writer.abort()
      await pump
      await sink.abort()
    },
  }
}

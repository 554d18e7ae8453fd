/**
 * Mapping between Arrow types and the library's logical column types.
 */
import {
  Binary, Bool, DataType, Field, Float32, Float64, Int16, Int32, Int64, Int8, List, RecordBatchReader, Schema,
  TimestampMicrosecond, TimestampMillisecond, Type, Uint8, Utf8, FixedSizeList, TimeUnit,
} from 'apache-arrow'
import type { ColumnDoc } from './parquet-schema.js'
import type { ColumnSpec, LogicalType, ScalarType } from './types.js'

function scalarFromArrow(type: DataType): ScalarType | undefined {
  switch (type.typeId) {
    case Type.Bool:
      return 'bool'
    case Type.Int: {
      const t = type as Int8 | Int16 | Int32 | Int64 | Uint8
      if (t.isSigned) return ({ 8: 'int8', 16: 'int16', 32: 'int32', 64: 'int64' } as const)[t.bitWidth]
      return t.bitWidth === 8 ? 'uint8' : undefined
    }
    case Type.Float:
      return (type as Float32 | Float64).precision === 1 ? 'float32' : (type as Float32 | Float64).precision === 2 ? 'float64' : undefined
    case Type.Utf8:
    case Type.LargeUtf8:
      return 'utf8'
    case Type.Binary:
    case Type.LargeBinary:
    case Type.FixedSizeBinary:
      return 'binary'
    case Type.Timestamp: {
      const unit = (type as TimestampMillisecond).unit
      return unit === TimeUnit.MILLISECOND ? 'timestamp-ms' : unit === TimeUnit.MICROSECOND ? 'timestamp-us' : undefined
    }
    default:
      return undefined
  }
}

/** The logical type of an Arrow type, or undefined for types the library does not interpret. */
export function logicalFromArrow(type: DataType): LogicalType | undefined {
  if (type.typeId === Type.List || type.typeId === Type.FixedSizeList) {
    const child = (type as List | FixedSizeList).children[0]
    const inner = child ? scalarFromArrow(child.type) : undefined
    if (!inner) return undefined
    return type.typeId === Type.FixedSizeList ? { list: inner, size: (type as FixedSizeList).listSize } : { list: inner }
  }
  return scalarFromArrow(type)
}

function scalarToArrow(type: ScalarType): DataType {
  switch (type) {
    case 'bool': return new Bool()
    case 'int8': return new Int8()
    case 'int16': return new Int16()
    case 'int32': return new Int32()
    case 'int64': return new Int64()
    case 'uint8': return new Uint8()
    case 'float32': return new Float32()
    case 'float64': return new Float64()
    case 'utf8': return new Utf8()
    case 'binary': return new Binary()
    case 'timestamp-ms': return new TimestampMillisecond()
    case 'timestamp-us': return new TimestampMicrosecond()
  }
}

/** The Arrow type for a logical type (variable-size lists become List, sized ones FixedSizeList). */
export function logicalToArrow(type: LogicalType): DataType {
  if (typeof type === 'string') return scalarToArrow(type)
  const child = new Field('item', scalarToArrow(type.list), true)
  return type.size !== undefined ? new FixedSizeList(type.size, child) : new List(child)
}

const DOC_KEYS = new Set(['unit', 'description'])

/** Column docs carried in Arrow field metadata (`unit`, `description`, anything else as metadata). */
export function docFromFieldMetadata(metadata: ReadonlyMap<string, string>): ColumnDoc {
  const doc: ColumnDoc = {}
  const rest: Record<string, string> = {}
  for (const [key, value] of metadata) {
    if (key === 'unit') doc.unit = value
    else if (key === 'description') doc.description = value
    else rest[key] = value
  }
  if (Object.keys(rest).length > 0) doc.metadata = rest
  return doc
}

/** Field metadata for a column spec (inverse of {@link docFromFieldMetadata}). */
export function fieldMetadataFromSpec(spec: ColumnSpec): Map<string, string> {
  const out = new Map<string, string>()
  if (spec.unit !== undefined) out.set('unit', spec.unit)
  if (spec.description !== undefined) out.set('description', spec.description)
  for (const [key, value] of Object.entries(spec.metadata ?? {})) if (!DOC_KEYS.has(key)) out.set(key, value)
  return out
}

/** Column specs of an Arrow schema; uninterpreted types are reported as binary (carried opaquely). */
export function arrowColumnSpecs(schema: Schema): ColumnSpec[] {
  return schema.fields.map((field) => {
    const doc = docFromFieldMetadata(field.metadata)
    return {
      name: field.name,
      type: logicalFromArrow(field.type) ?? 'binary',
      nullable: field.nullable,
      ...doc,
    }
  })
}

function base64ToBytes(text: string): Uint8Array {
  const binary = atob(text)
  const out = new Uint8Array(binary.length)
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i)
  return out
}

/**
 * Per-column docs from the serialised Arrow schema that pyarrow stores in
 * Parquet key-value metadata under `ARROW:schema`.
 */
export async function arrowSchemaMetadata(base64: string): Promise<Record<string, ColumnDoc>> {
  const message = base64ToBytes(base64)
  const eos = new Uint8Array([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0])
  const bytes = new Uint8Array(message.length + eos.length)
  bytes.set(message)
  bytes.set(eos, message.length)
  const reader = RecordBatchReader.from(bytes)
  reader.open()
  const out: Record<string, ColumnDoc> = {}
  for (const field of reader.schema.fields) out[field.name] = docFromFieldMetadata(field.metadata)
  return out
}

/**
 * Mapping between Parquet schema elements and the library's column specs.
 */
import type { SchemaElement } from 'hyparquet'
import { SurveyError } from '../errors.js'
import type { ColumnSpec, LogicalType, ScalarType } from './types.js'

/** Key of the Parquet key-value metadata entry holding per-column units, descriptions and metadata. */
export const COLUMNS_METADATA_KEY = 'survey_classifier:columns'

/** Per-column documentation stored in {@link COLUMNS_METADATA_KEY}. */
export interface ColumnDoc {
  unit?: string
  description?: string
  metadata?: Record<string, string>
}

interface Node {
  element: SchemaElement
  children: Node[]
}

/** Build the tree of a flat, depth-first Parquet schema. */
export function schemaTree(elements: readonly SchemaElement[]): Node {
  let index = 0
  const build = (): Node => {
    const element = elements[index++]
    if (!element) throw new SurveyError('input', 'parquet schema is truncated')
    const children: Node[] = []
    for (let i = 0; i < (element.num_children ?? 0); i++) children.push(build())
    return { element, children }
  }
  return build()
}

function leafType(e: SchemaElement): ScalarType | undefined {
  const logical = e.logical_type
  switch (e.type) {
    case 'BOOLEAN':
      return 'bool'
    case 'INT32':
      if (e.converted_type === 'INT_8' || (logical?.type === 'INTEGER' && logical.bitWidth === 8 && logical.isSigned)) return 'int8'
      if (e.converted_type === 'INT_16' || (logical?.type === 'INTEGER' && logical.bitWidth === 16 && logical.isSigned)) return 'int16'
      if (e.converted_type === 'UINT_8' || (logical?.type === 'INTEGER' && logical.bitWidth === 8 && !logical.isSigned)) return 'uint8'
      return 'int32'
    case 'INT64':
      if (e.converted_type === 'TIMESTAMP_MILLIS' || (logical?.type === 'TIMESTAMP' && logical.unit === 'MILLIS')) return 'timestamp-ms'
      if (e.converted_type === 'TIMESTAMP_MICROS' || (logical?.type === 'TIMESTAMP' && logical.unit === 'MICROS')) return 'timestamp-us'
      return 'int64'
    case 'FLOAT':
      return 'float32'
    case 'DOUBLE':
      return 'float64'
    case 'BYTE_ARRAY':
      if (e.converted_type === 'UTF8' || logical?.type === 'STRING' || logical?.type === 'JSON' || e.converted_type === 'JSON') return 'utf8'
      return 'binary'
    case 'FIXED_LEN_BYTE_ARRAY':
      return 'binary'
    default:
      return undefined
  }
}

/**
 * The leaf element of a standard 3-level LIST column (`<list> (LIST)` →
 * `repeated group` → one primitive element), given its three elements from the
 * column down; undefined for any other shape (2-level lists, nested lists,
 * repeated leaves).
 */
export function standardListLeaf(column: SchemaElement, repeated: SchemaElement, leaf: SchemaElement): SchemaElement | undefined {
  if (column.converted_type !== 'LIST' && column.logical_type?.type !== 'LIST') return undefined
  if (column.repetition_type === 'REPEATED' || repeated.repetition_type !== 'REPEATED' || leaf.repetition_type === 'REPEATED' || !leaf.type) return undefined
  return leaf
}

/** Whether typed arrays on this platform hold Parquet's little-endian PLAIN bytes as they are. */
export const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1

/** The logical type of a top-level Parquet column, or undefined for shapes the library does not interpret (structs, maps). */
export function parquetColumnType(node: Node): LogicalType | undefined {
  const e = node.element
  if (node.children.length === 0) {
    if (e.repetition_type === 'REPEATED') {
      const t = leafType(e)
      return t ? { list: t } : undefined
    }
    return leafType(e)
  }
  const isList = e.converted_type === 'LIST' || e.logical_type?.type === 'LIST'
  if (isList && node.children.length === 1) {
    const repeated = node.children[0]!
    if (repeated.children.length === 0) {
      const t = leafType(repeated.element)
      return t ? { list: t } : undefined
    }
    if (repeated.children.length === 1 && repeated.children[0]!.children.length === 0) {
      const t = leafType(repeated.children[0]!.element)
      return t ? { list: t } : undefined
    }
  }
  return undefined
}

/** Column specs of a Parquet file's top-level columns, with docs from the key-value metadata. */
export function parquetColumnSpecs(elements: readonly SchemaElement[], docs: Record<string, ColumnDoc>): ColumnSpec[] {
  const root = schemaTree(elements)
  return root.children.map((node) => {
    const name = node.element.name
    const doc = docs[name] ?? {}
    const spec: ColumnSpec = {
      name,
      // uninterpreted columns are carried through verbatim as opaque values
      type: parquetColumnType(node) ?? 'binary',
      nullable: node.element.repetition_type !== 'REQUIRED',
      ...(doc.unit !== undefined ? { unit: doc.unit } : {}),
      ...(doc.description !== undefined ? { description: doc.description } : {}),
      ...(doc.metadata !== undefined ? { metadata: doc.metadata } : {}),
    }
    return spec
  })
}

/** The schema elements of one top-level column (the column's subtree, depth-first). */
export function columnElements(elements: readonly SchemaElement[]): Map<string, SchemaElement[]> {
  const out = new Map<string, SchemaElement[]>()
  const root = schemaTree(elements)
  const flatten = (node: Node, into: SchemaElement[]): void => {
    into.push(node.element)
    for (const child of node.children) flatten(child, into)
  }
  for (const child of root.children) {
    const list: SchemaElement[] = []
    flatten(child, list)
    out.set(child.element.name, list)
  }
  return out
}

function scalarElement(name: string, type: ScalarType, repetition: 'OPTIONAL' | 'REQUIRED'): SchemaElement {
  const base = { name, repetition_type: repetition } as const
  switch (type) {
    case 'bool':
      return { ...base, type: 'BOOLEAN' }
    case 'int8':
      return { ...base, type: 'INT32', converted_type: 'INT_8' }
    case 'int16':
      return { ...base, type: 'INT32', converted_type: 'INT_16' }
    case 'uint8':
      return { ...base, type: 'INT32', converted_type: 'UINT_8' }
    case 'int32':
      return { ...base, type: 'INT32' }
    case 'int64':
      return { ...base, type: 'INT64' }
    case 'float32':
      return { ...base, type: 'FLOAT' }
    case 'float64':
      return { ...base, type: 'DOUBLE' }
    case 'utf8':
      return { ...base, type: 'BYTE_ARRAY', converted_type: 'UTF8' }
    case 'binary':
      return { ...base, type: 'BYTE_ARRAY' }
    case 'timestamp-ms':
      return { ...base, type: 'INT64', converted_type: 'TIMESTAMP_MILLIS' }
    case 'timestamp-us':
      return { ...base, type: 'INT64', converted_type: 'TIMESTAMP_MICROS' }
  }
}

/** Schema elements (depth-first) for a column spec, using the standard 3-level LIST layout for lists. */
export function specElements(spec: ColumnSpec): SchemaElement[] {
  const repetition = spec.nullable === false ? 'REQUIRED' : 'OPTIONAL'
  if (typeof spec.type === 'string') return [scalarElement(spec.name, spec.type, repetition)]
  return [
    { name: spec.name, repetition_type: repetition, num_children: 1, converted_type: 'LIST' },
    { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
    scalarElement('element', spec.type.list, 'OPTIONAL'),
  ]
}

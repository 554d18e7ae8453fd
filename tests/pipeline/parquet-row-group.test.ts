// The row-group writer's fast path for dense numeric lists (cutouts, PDFs):
// the bytes are exactly those hyparquet-writer's own ParquetWriter writes for
// the same rows, chunks that do not qualify (null or empty rows, JS arrays) take
// the generic path, and DuckDB reads every value back.
import { DuckDBInstance } from '@duckdb/node-api'
import type { SchemaElement } from 'hyparquet'
import { ByteWriter, ParquetWriter } from 'hyparquet-writer'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { schemaPathResolver } from 'hyparquet-writer/src/schema.js'
import { denseListLevels, writeRowGroup, type RowGroupColumn } from '../../src/catalog/parquet-row-group.js'
import { createParquetWriter } from '../../src/catalog/parquet-sink.js'
import { memorySink } from '../../src/catalog/sink.js'
import type { CatalogSchema } from '../../src/catalog/types.js'

const TMP = join(import.meta.dirname, '..', '.tmp', 'parquet-row-group')

const list = (name: string, type: SchemaElement['type'], opts: { optionalList?: boolean, optionalElement?: boolean, converted?: SchemaElement['converted_type'] } = {}): SchemaElement[] => [
  { name, repetition_type: opts.optionalList === false ? 'REQUIRED' : 'OPTIONAL', num_children: 1, converted_type: 'LIST' },
  { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
  { name: 'element', type, repetition_type: opts.optionalElement === false ? 'REQUIRED' : 'OPTIONAL', ...(opts.converted ? { converted_type: opts.converted } : {}) },
]

const SCHEMA: SchemaElement[] = [
  { name: 'root', num_children: 8 },
  { name: 'id', type: 'INT64', repetition_type: 'REQUIRED' },
  ...list('f32', 'FLOAT'),
  ...list('f64', 'DOUBLE', { optionalList: false, optionalElement: false }),
  ...list('i16', 'INT32', { converted: 'INT_16' }),
  ...list('u8', 'INT32', { converted: 'UINT_8', optionalElement: false }),
  ...list('mixed', 'FLOAT'),
  ...list('js', 'FLOAT'),
  ...list('jsnull', 'DOUBLE'),
]

function rows(n: number, seed: number): Record<string, unknown[]> {
  const r = (i: number, j: number): number => Math.sin(seed * 1000 + i * 37 + j) * 1000
  return {
    id: Array.from({ length: n }, (_, i) => BigInt(seed * n + i)),
    f32: Array.from({ length: n }, (_, i) => Float32Array.from({ length: 48 }, (_, j) => r(i, j))),
    f64: Array.from({ length: n }, (_, i) => Float64Array.from({ length: 1 + (i % 5) }, (_, j) => r(i, j) / 7)),
    i16: Array.from({ length: n }, (_, i) => Int16Array.from({ length: 12 }, (_, j) => Math.round(r(i, j) * 30))),
    u8: Array.from({ length: n }, (_, i) => Uint8Array.from({ length: 12 }, (_, j) => (i * 7 + j) & 255)),
    // not dense: a null row, an empty row and a JS-array row, so the generic encoder takes it
    mixed: Array.from({ length: n }, (_, i) => (i === 3 ? null : i === 5 ? new Float32Array(0) : i === 8 ? [1.5, 2.5] : Float32Array.of(i, -i))),
    // JS arrays of numbers, as hyparquet reads lists: the fast path; with a null element: generic
    js: Array.from({ length: n }, (_, i) => Array.from(Float32Array.from({ length: 9 }, (_, j) => r(i, j)))),
    jsnull: Array.from({ length: n }, (_, i) => (i === 2 ? [1, null, 3] : [i / 3, i / 7])),
  }
}

function bytesOf(write: (w: ParquetWriter) => void | Promise<void>): Promise<Uint8Array> {
  const out = new ByteWriter()
  const writer = new ParquetWriter({ writer: out, schema: SCHEMA, codec: 'SNAPPY' })
  return Promise.resolve(write(writer)).then(async () => {
    await writer.finish()
    return new Uint8Array(out.getBytes())
  })
}

const toArrays = (values: unknown[]): unknown[] => values.map((v) => (ArrayBuffer.isView(v) ? Array.from(v as unknown as ArrayLike<number>) : v))

describe('writeRowGroup', () => {
  it('writes the bytes hyparquet-writer writes for the same rows, fast path or not', async () => {
    const groups = [rows(300, 1), rows(17, 2)]
    const reference = await bytesOf(async (w) => {
      for (const g of groups) {
        await w.write({ columnData: Object.entries(g).map(([name, data]) => ({ name, data: toArrays(data) as never, statistics: name === 'id' })), rowGroupSize: g['id']!.length })
      }
    })
    const ours = await bytesOf(async (w) => {
      for (const g of groups) {
        const columns: RowGroupColumn[] = Object.entries(g).map(([name, data]) => ({ name, data: data as never, statistics: name === 'id' }))
        await writeRowGroup(w, columns, g['id']!.length)
      }
    })
    // the typed-array lists took the fast path, the mixed one the generic encoder
    const resolve = schemaPathResolver(SCHEMA)
    const leaf = (name: string) => { const p = resolve([name]); return [...p, p.at(-1)!.children[0]!, p.at(-1)!.children[0]!.children[0]!] }
    for (const name of ['f32', 'f64', 'i16', 'u8', 'js']) expect(denseListLevels(leaf(name), groups[0]![name] as never), name).toBeDefined()
    for (const name of ['mixed', 'jsnull']) expect(denseListLevels(leaf(name), groups[0]![name] as never), name).toBeUndefined()
    expect(ours.length).toBe(reference.length)
    expect(Buffer.compare(Buffer.from(ours), Buffer.from(reference))).toBe(0)
  })

  it('writes cutout columns DuckDB reads back value for value, through the catalog writer', async () => {
    await mkdir(TMP, { recursive: true })
    const schema: CatalogSchema = {
      columns: [{ name: 'id', type: 'int64' }, { name: 'cutout', type: { list: 'float32' } }, { name: 'pdf', type: { list: 'float64' } }],
      metadata: {},
    }
    const sink = memorySink()
    const writer = createParquetWriter(sink, schema, { rowGroupSize: 64 })
    const n = 200
    const cutout = Array.from({ length: n }, (_, i) => Float32Array.from({ length: 2 * 2 * 3 }, (_, j) => i + j / 16))
    const pdf = Array.from({ length: n }, (_, i) => (i % 50 === 7 ? null : Float64Array.from({ length: 4 }, (_, j) => i * 0.001 + j)))
    for (let start = 0; start < n; start += 50) {
      await writer.write({ rowStart: start, numRows: 50, columns: { id: BigInt64Array.from({ length: 50 }, (_, i) => BigInt(start + i)), cutout: cutout.slice(start, start + 50), pdf: pdf.slice(start, start + 50) } })
    }
    await writer.close()
    const path = join(TMP, 'cutouts.parquet')
    await writeFile(path, sink.bytes())
    const db = await (await DuckDBInstance.create(':memory:')).connect()
    const got = (await db.runAndReadAll(`select id, cutout, pdf from '${path}' order by id`)).getRowsJS()
    db.closeSync()
    expect(got.length).toBe(n)
    for (let i = 0; i < n; i++) {
      const [id, c, p] = got[i] as [bigint, number[], number[] | null]
      expect(Number(id)).toBe(i)
      expect(c).toEqual(Array.from(cutout[i]!))
      expect(p).toEqual(pdf[i] === null ? null : Array.from(pdf[i]!))
    }
  })
})

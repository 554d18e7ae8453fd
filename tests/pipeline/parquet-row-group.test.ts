// The row-group writer's fast paths for dense numeric lists (cutouts, PDFs):
// integer lists keep hyparquet-writer's exact bytes with bulk-filled levels;
// float lists are written page by page from their own bytes, and hyparquet,
// DuckDB and the offset index read them back value for value, over several
// pages and with each codec; chunks that do not qualify take the generic path.
import { DuckDBInstance } from '@duckdb/node-api'
import { parquetMetadata, parquetReadObjects, readOffsetIndex, type SchemaElement } from 'hyparquet'
import { ByteWriter, ParquetWriter } from 'hyparquet-writer'
import { schemaPathResolver } from 'hyparquet-writer/src/schema.js'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
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

const schemaOf = (...columns: SchemaElement[][]): SchemaElement[] => [
  { name: 'root', num_children: columns.length + 1 },
  { name: 'id', type: 'INT64', repetition_type: 'REQUIRED' },
  ...columns.flat(),
]

const r = (seed: number, i: number, j: number): number => Math.sin(seed * 1000 + i * 37 + j) * 1000

function bytesOf(schema: SchemaElement[], codec: 'SNAPPY' | 'UNCOMPRESSED', write: (w: ParquetWriter) => Promise<void>): Promise<Uint8Array> {
  const out = new ByteWriter()
  const writer = new ParquetWriter({ writer: out, schema, codec })
  return write(writer).then(async () => {
    await writer.finish()
    return new Uint8Array(out.getBytes())
  })
}

const toArrays = (values: unknown[]): unknown[] => values.map((v) => (ArrayBuffer.isView(v) ? Array.from(v as unknown as ArrayLike<number>) : v))

/** Write `groups` with hyparquet-writer's ParquetWriter.write (rows as JS arrays) and with writeRowGroup. */
async function both(schema: SchemaElement[], groups: Record<string, unknown[]>[], codec: 'SNAPPY' | 'UNCOMPRESSED' = 'SNAPPY'): Promise<{ reference: Uint8Array, ours: Uint8Array }> {
  const reference = await bytesOf(schema, codec, async (w) => {
    for (const g of groups) await w.write({ columnData: Object.entries(g).map(([name, data]) => ({ name, data: toArrays(data) as never, statistics: name === 'id' })), rowGroupSize: g['id']!.length })
  })
  const ours = await bytesOf(schema, codec, async (w) => {
    for (const g of groups) await writeRowGroup(w, Object.entries(g).map(([name, data]): RowGroupColumn => ({ name, data: data as never, statistics: name === 'id' })), g['id']!.length)
  })
  return { reference, ours }
}

async function duckRows(bytes: Uint8Array, name: string, columns: string): Promise<unknown[][]> {
  await mkdir(TMP, { recursive: true })
  const path = join(TMP, name)
  await writeFile(path, bytes)
  const db = await (await DuckDBInstance.create(':memory:')).connect()
  const rows = (await db.runAndReadAll(`select ${columns} from '${path}' order by id`)).getRowsJS()
  db.closeSync()
  return rows
}

const readAll = (bytes: Uint8Array): Promise<Record<string, unknown>[]> => parquetReadObjects({ file: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer })

describe('writeRowGroup', () => {
  it('writes integer lists and lists that are not dense with the bytes hyparquet-writer writes', async () => {
    const schema = schemaOf(list('i16', 'INT32', { converted: 'INT_16' }), list('u8', 'INT32', { converted: 'UINT_8', optionalElement: false }), list('mixed', 'FLOAT'), list('jsnull', 'DOUBLE'))
    const rows = (n: number, seed: number): Record<string, unknown[]> => ({
      id: Array.from({ length: n }, (_, i) => BigInt(seed * n + i)),
      i16: Array.from({ length: n }, (_, i) => Int16Array.from({ length: 12 }, (_, j) => Math.round(r(seed, i, j) * 30))),
      u8: Array.from({ length: n }, (_, i) => Uint8Array.from({ length: 12 }, (_, j) => (i * 7 + j) & 255)),
      // a null row, an empty row and a JS-array row; a null element: the generic encoder
      mixed: Array.from({ length: n }, (_, i) => (i === 3 ? null : i === 5 ? new Float32Array(0) : i === 8 ? [1.5, 2.5] : Float32Array.of(i, -i))),
      jsnull: Array.from({ length: n }, (_, i) => (i === 2 ? [1, null, 3] : [i / 3, i / 7])),
    })
    const groups = [rows(300, 1), rows(17, 2)]
    const resolve = schemaPathResolver(schema)
    const leaf = (name: string) => { const p = resolve([name]); return [...p, p.at(-1)!.children[0]!, p.at(-1)!.children[0]!.children[0]!] }
    for (const name of ['i16', 'u8']) expect(denseListLevels(leaf(name), groups[0]![name] as never), name).toBeDefined()
    for (const name of ['mixed', 'jsnull']) expect(denseListLevels(leaf(name), groups[0]![name] as never), name).toBeUndefined()
    const { reference, ours } = await both(schema, groups)
    expect(Buffer.compare(Buffer.from(ours), Buffer.from(reference))).toBe(0)
  })

  for (const codec of ['SNAPPY', 'UNCOMPRESSED'] as const) {
    it(`writes dense float lists page by page that hyparquet and DuckDB read back value for value (${codec})`, async () => {
      const schema = schemaOf(list('f32', 'FLOAT'), list('f64', 'DOUBLE', { optionalList: false, optionalElement: false }), list('js', 'FLOAT'), list('f32as64', 'DOUBLE'))
      // 2,048 floats a row: 128 rows make a 1 MiB page, so each chunk spans several pages
      const rows = (n: number, seed: number): Record<string, unknown[]> => ({
        id: Array.from({ length: n }, (_, i) => BigInt(seed * 1000 + i)),
        f32: Array.from({ length: n }, (_, i) => Float32Array.from({ length: 2048 }, (_, j) => r(seed, i, j))),
        f64: Array.from({ length: n }, (_, i) => Float64Array.from({ length: 1 + (i % 5) }, (_, j) => r(seed, i, j) / 7)),
        js: Array.from({ length: n }, (_, i) => Array.from(Float32Array.from({ length: 9 }, (_, j) => r(seed, i, j)))),
        f32as64: Array.from({ length: n }, (_, i) => Float32Array.of(r(seed, i, 0), i)),
      })
      const groups = [rows(300, 1), rows(17, 2)]
      const { reference, ours } = await both(schema, groups, codec)
      expect(Buffer.compare(Buffer.from(ours), Buffer.from(reference))).not.toBe(0)
      const expected = groups.flatMap((g) => g['id']!.map((_, i) => Object.fromEntries(Object.entries(g).map(([k, v]) => [k, k === 'id' ? v[i] : Array.from(v[i] as ArrayLike<number>)]))))
      for (const bytes of [ours, reference]) expect(await readAll(bytes)).toEqual(expected)
      const duck = await duckRows(ours, `dense-${codec}.parquet`, 'id, f32, f64, js, f32as64')
      expect(duck.map(([id, ...rest]) => [Number(id), ...rest])).toEqual(expected.map((e) => [Number(e['id']), e['f32'], e['f64'], e['js'], e['f32as64']]))
      // the 300-row chunk of f32 spans three pages, each in the offset index
      const metadata = parquetMetadata(ours.buffer.slice(ours.byteOffset, ours.byteOffset + ours.byteLength) as ArrayBuffer)
      const chunk = metadata.row_groups[0]!.columns[1]!
      expect(chunk.meta_data!.encodings).toEqual(['PLAIN'])
      const offsetIndex = readOffsetIndex({ view: new DataView(ours.buffer, ours.byteOffset + Number(chunk.offset_index_offset), chunk.offset_index_length!), offset: 0 })
      expect(offsetIndex.page_locations.map((p) => Number(p.first_row_index))).toEqual([0, 128, 256])
    })
  }

  it('stores a float list chunk uncompressed when the codec cannot shrink it, and keeps the codec where it can', async () => {
    const schema = schemaOf(list('noise', 'FLOAT'), list('masked', 'FLOAT'))
    // noise: sky noise from a seeded generator (snappy saves nothing); masked: a cutout mostly zero-padded
    let state = 12345
    const sky = (): number => {
      state = (Math.imul(state, 1664525) + 1013904223) >>> 0
      return 100 + (state / 2 ** 32 - 0.5) * 7
    }
    const rows = (n: number, seed: number): Record<string, unknown[]> => ({
      id: Array.from({ length: n }, (_, i) => BigInt(seed * 1000 + i)),
      noise: Array.from({ length: n }, () => Float32Array.from({ length: 2048 }, sky)),
      masked: Array.from({ length: n }, () => Float32Array.from({ length: 2048 }, (_, j) => (j % 64 < 8 ? sky() : 0))),
    })
    const groups = [rows(300, 1), rows(17, 2)]
    const { ours } = await both(schema, groups, 'SNAPPY')
    const metadata = parquetMetadata(ours.buffer.slice(ours.byteOffset, ours.byteOffset + ours.byteLength) as ArrayBuffer)
    for (const group of metadata.row_groups) {
      const codecs = Object.fromEntries(group.columns.map((c) => [c.meta_data!.path_in_schema[0], c.meta_data!.codec]))
      expect(codecs).toEqual({ id: 'SNAPPY', noise: 'UNCOMPRESSED', masked: 'SNAPPY' })
    }
    const noise = metadata.row_groups[0]!.columns[1]!.meta_data!
    // three 1 MiB pages of raw floats: the chunk is their bytes plus page headers and levels
    expect(Number(noise.total_compressed_size)).toBeGreaterThan(300 * 2048 * 4)
    expect(Number(noise.total_compressed_size)).toBeLessThan(300 * 2048 * 4 * 1.01)
    expect(Number(metadata.row_groups[0]!.columns[2]!.meta_data!.total_compressed_size)).toBeLessThan(300 * 2048 * 4 * 0.5)
    const expected = groups.flatMap((g) => g['id']!.map((_, i) => ({ id: g['id']![i], noise: Array.from(g['noise']![i] as Float32Array), masked: Array.from(g['masked']![i] as Float32Array) })))
    expect(await readAll(ours)).toEqual(expected)
    const duck = await duckRows(ours, 'mixed-codecs.parquet', 'id, noise, masked')
    expect(duck.map(([id, ...rest]) => [Number(id), ...rest])).toEqual(expected.map((e) => [Number(e.id), e.noise, e.masked]))
  })

  it('writes cutout columns DuckDB reads back value for value, through the catalog writer', async () => {
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
    const got = await duckRows(sink.bytes(), 'cutouts.parquet', 'id, cutout, pdf')
    expect(got.length).toBe(n)
    for (let i = 0; i < n; i++) {
      const [id, c, p] = got[i] as [bigint, number[], number[] | null]
      expect(Number(id)).toBe(i)
      expect(c).toEqual(Array.from(cutout[i]!))
      expect(p).toEqual(pdf[i] === null ? null : Array.from(pdf[i]!))
    }
  })
})

// The Parquet reader's dense-list path: float list columns come back as
// typed-array rows holding exactly what hyparquet's own reader gives, from
// files written by DuckDB (v1 pages, each codec), by hyparquet-writer's generic
// encoder (bit-packed and RLE levels, v2 pages) and by our writer (RLE-run
// levels); a chunk with a null row or a null element falls back to hyparquet.
import { DuckDBInstance } from '@duckdb/node-api'
import { parquetReadObjects } from 'hyparquet'
import { compressors } from 'hyparquet-compressors'
import { ByteWriter, ParquetWriter } from 'hyparquet-writer'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { openParquetCatalog } from '../../src/catalog/parquet-reader.js'
import { createParquetWriter } from '../../src/catalog/parquet-sink.js'
import { memorySink } from '../../src/catalog/sink.js'
import type { CatalogChunk } from '../../src/catalog/types.js'
import { fileBuffer } from '../../src/node/fs-io.js'

const TMP = join(import.meta.dirname, '..', '.tmp', 'parquet-dense-lists')
const FIXTURES = join(import.meta.dirname, '..', 'fixtures')

async function readOurs(path: string, columns: string[]): Promise<Record<string, unknown[]>> {
  const source = await openParquetCatalog(await fileBuffer(path))
  const out: Record<string, unknown[]> = Object.fromEntries(columns.map((c) => [c, []]))
  for await (const chunk of source.chunks({ columns }) as AsyncIterable<CatalogChunk>) {
    for (const c of columns) out[c]!.push(...Array.from(chunk.columns[c] as ArrayLike<unknown>))
  }
  await source.close?.()
  return out
}

async function readHyparquet(path: string, columns: string[]): Promise<Record<string, unknown[]>> {
  const bytes = await readFile(path)
  const rows = await parquetReadObjects({ file: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer, columns, compressors, utf8: false })
  return Object.fromEntries(columns.map((c) => [c, rows.map((r) => r[c])]))
}

const plain = (v: unknown): unknown => (ArrayBuffer.isView(v) ? Array.from(v as unknown as ArrayLike<number>) : v)

async function expectSame(path: string, column: string, typed: boolean): Promise<void> {
  const ours = await readOurs(path, ['id', column])
  const theirs = await readHyparquet(path, ['id', column])
  expect(ours[column]!.length).toBe(theirs[column]!.length)
  expect(ours[column]!.every((v) => v instanceof Float32Array || v instanceof Float64Array), `${path}: typed rows`).toBe(typed)
  expect(ours[column]!.map(plain)).toEqual(theirs[column])
  expect(ours['id']!.map(Number)).toEqual(theirs['id']!.map(Number))
}

describe('dense float list reading', () => {
  it('reads DuckDB-written cutouts (v1 pages, each codec) as typed rows, as hyparquet does', async () => {
    for (const codec of ['snappy', 'zstd', 'gzip', 'brotli', 'lz4']) await expectSame(join(FIXTURES, `list-hwc-${codec}.parquet`), 'cutout', true)
    await expectSame(join(FIXTURES, 'list-chw-nometa.parquet'), 'cutout', true)
  })

  it('reads long rows split over many pages, from DuckDB, hyparquet-writer and our writer', async () => {
    await mkdir(TMP, { recursive: true })
    const n = 600
    // distinct values (an LCG), so that no writer picks a dictionary
    let state = 12345
    const next = (): number => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31
    const row = (): Float32Array => Float32Array.from({ length: 3000 }, () => Math.fround(next() * 200 - 100))
    const rows = Array.from({ length: n }, () => row())
    // hyparquet-writer's generic path: JS arrays, bit-packed and RLE levels, v2 pages of 1 MiB
    const generic = new ByteWriter()
    const w = new ParquetWriter({
      writer: generic,
      schema: [
        { name: 'root', num_children: 2 },
        { name: 'id', type: 'INT64', repetition_type: 'REQUIRED' },
        { name: 'cutout', repetition_type: 'OPTIONAL', num_children: 1, converted_type: 'LIST' },
        { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
        { name: 'element', type: 'FLOAT', repetition_type: 'OPTIONAL' },
      ],
    })
    await w.write({ columnData: [{ name: 'id', data: Array.from({ length: n }, (_, i) => BigInt(i)) }, { name: 'cutout', data: rows.map((r) => Array.from(r)) }], rowGroupSize: 250 })
    await w.finish()
    await writeFile(join(TMP, 'generic.parquet'), generic.getBytes())
    await expectSame(join(TMP, 'generic.parquet'), 'cutout', true)
    // our writer
    const sink = memorySink()
    const ours = createParquetWriter(sink, { columns: [{ name: 'id', type: 'int64' }, { name: 'cutout', type: { list: 'float32' } }], metadata: {} }, { rowGroupSize: 250 })
    await ours.write({ rowStart: 0, numRows: n, columns: { id: BigInt64Array.from({ length: n }, (_, i) => BigInt(i)), cutout: rows } })
    await ours.close()
    await writeFile(join(TMP, 'ours.parquet'), sink.bytes())
    await expectSame(join(TMP, 'ours.parquet'), 'cutout', true)
    // DuckDB, whose pages may split a row
    const db = await (await DuckDBInstance.create(':memory:')).connect()
    await db.run(`copy (select id, cutout::float[] as cutout from read_parquet('${join(TMP, 'ours.parquet')}')) to '${join(TMP, 'duck.parquet')}' (format parquet, row_group_size 300)`)
    db.closeSync()
    await expectSame(join(TMP, 'duck.parquet'), 'cutout', true)
  })

  it('falls back to hyparquet for a null row, a null element or a dictionary-encoded chunk', async () => {
    await mkdir(TMP, { recursive: true })
    const db = await (await DuckDBInstance.create(':memory:')).connect()
    await db.run(`copy (select * from (values (0::bigint, [1.5, 2.5]::float[]), (1, null), (2, [3.0]::float[])) v(id, c)) to '${join(TMP, 'null-row.parquet')}' (format parquet)`)
    await db.run(`copy (select * from (values (0::bigint, [1.5, null]::double[]), (1, [2.0]::double[])) v(id, c)) to '${join(TMP, 'null-element.parquet')}' (format parquet)`)
    db.closeSync()
    await expectSame(join(TMP, 'null-row.parquet'), 'c', false)
    await expectSame(join(TMP, 'null-element.parquet'), 'c', false)
    const repeating = join(TMP, 'dictionary.parquet')
    const dict = await (await DuckDBInstance.create(':memory:')).connect()
    await dict.run(`copy (select i::bigint as id, [1.5, 2.5, (i % 3)::float]::float[] as c from range(1000) t(i)) to '${repeating}' (format parquet)`)
    dict.closeSync()
    await expectSame(repeating, 'c', false)
    // hyparquet gives a null list as undefined
    expect((await readOurs(join(TMP, 'null-row.parquet'), ['c']))['c']).toEqual([[1.5, 2.5], undefined, [3]])
  })
})

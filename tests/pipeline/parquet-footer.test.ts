// The Parquet writer's footer: row-group metadata is kept as the bytes that go
// into the footer, not as JS objects, so a long run does not grow with the
// number of row groups; and the file it writes is still read right (page
// indexes included) by hyparquet and DuckDB.
import { DuckDBInstance } from '@duckdb/node-api'
import { parquetMetadata, parquetReadObjects, readOffsetIndex } from 'hyparquet'
import { compressors } from 'hyparquet-compressors'
import { mkdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { describe, expect, it } from 'vitest'
import { createParquetWriter } from '../../src/catalog/parquet-sink.js'
import type { ByteSink } from '../../src/catalog/sink.js'
import type { CatalogChunk, CatalogSchema, ColumnValues } from '../../src/catalog/types.js'
import { fileSink } from '../../src/node/fs-io.js'

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void
const TMP = join(import.meta.dirname, '..', '.tmp', 'parquet-footer')

/** 40 float columns, a string column and an id: a wide output like the model pipeline's. */
const WIDE: CatalogSchema = {
  columns: [
    { name: 'id', type: 'int64' },
    { name: 'status', type: 'utf8' },
    ...Array.from({ length: 40 }, (_, i) => ({ name: `p${i}`, type: 'float32' as const })),
  ],
  metadata: {},
}

function wideChunk(rowStart: number, numRows: number): CatalogChunk {
  const columns: Record<string, ColumnValues> = {
    id: BigInt64Array.from({ length: numRows }, (_, i) => BigInt(rowStart + i)),
    status: new Array<string>(numRows).fill('ok'),
  }
  for (let c = 0; c < 40; c++) columns[`p${c}`] = Float32Array.from({ length: numRows }, (_, i) => (rowStart + i) * 0.5 + c)
  return { rowStart, numRows, columns }
}

const nullSink: ByteSink = { name: 'null', write: async () => {}, close: async () => {}, abort: async () => {} }

function retained(): number {
  gc()
  const m = process.memoryUsage()
  return m.heapUsed + m.arrayBuffers
}

describe('parquet writer footer', () => {
  it('keeps about the footer bytes per row group, not a JS object tree', async () => {
    const writer = createParquetWriter(nullSink, WIDE, { rowGroupSize: 16 })
    await writer.write(wideChunk(0, 16))
    const before = retained()
    const groups = 400
    for (let g = 1; g <= groups; g++) await writer.write(wideChunk(g * 16, 16))
    const perGroup = (retained() - before) / groups
    // hyparquet-writer's own metadata objects took ~50 KB per row group of this schema; its footer bytes ~4 KB
    expect(perGroup).toBeLessThan(8 * 1024)
    await writer.close()
    expect(writer.rowsWritten).toBe((groups + 1) * 16)
  })

  it('writes a file hyparquet and DuckDB read back whole, with valid offset indexes on multi-page chunks', async () => {
    await mkdir(TMP, { recursive: true })
    const path = join(TMP, 'multi-page.parquet')
    const schema: CatalogSchema = { columns: [{ name: 'id', type: 'int64' }, { name: 'cutout', type: { list: 'float32' } }], metadata: {} }
    // 300 floats per row, 2000 rows per group: each cutout chunk spans several 1 MB pages
    const writer = createParquetWriter(await fileSink(path), schema, { rowGroupSize: 2000 })
    const rows = 20 * 2000
    for (let start = 0; start < rows; start += 2000) {
      await writer.write({
        rowStart: start, numRows: 2000,
        columns: {
          id: BigInt64Array.from({ length: 2000 }, (_, i) => BigInt(start + i)),
          cutout: Array.from({ length: 2000 }, (_, i) => Float32Array.from({ length: 300 }, (_, k) => start + i + k / 1000)),
        },
      })
    }
    await writer.close({ 'survey_classifier:complete': 'true' })

    const bytes = await readFile(path)
    const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)
    const metadata = parquetMetadata(file)
    expect(metadata.num_rows).toBe(BigInt(rows))
    expect(metadata.row_groups).toHaveLength(20)
    expect(metadata.key_value_metadata?.find((kv) => kv.key === 'survey_classifier:complete')?.value).toBe('true')
    let indexed = 0
    for (const group of metadata.row_groups) {
      for (const chunk of group.columns) {
        if (chunk.offset_index_offset === undefined) continue
        indexed++
        const index = readOffsetIndex({ view: new DataView(file, Number(chunk.offset_index_offset), chunk.offset_index_length), offset: 0 })
        const meta = chunk.meta_data!
        const start = Number(meta.dictionary_page_offset ?? meta.data_page_offset)
        const last = index.page_locations.at(-1)!
        expect(Number(index.page_locations[0]!.offset)).toBe(start)
        expect(Number(last.offset) + last.compressed_page_size).toBe(start + Number(meta.total_compressed_size))
      }
    }
    expect(indexed).toBe(20)
    const back = await parquetReadObjects({ file, compressors, rowStart: 25_000, rowEnd: 25_002 })
    expect(back.map((r) => [r['id'], (r['cutout'] as number[]).length, (r['cutout'] as number[])[299]])).toEqual([[25_000n, 300, 25_000.299], [25_001n, 300, 25_001.299]].map(([id, n, v]) => [id, n, Math.fround(v as number)]))

    const db = await (await DuckDBInstance.create(':memory:')).connect()
    try {
      const [count, ids, lengths] = (await db.runAndReadAll(`select count(*), sum(id), sum(len(cutout)) from '${path}'`)).getRowsJS()[0] as [bigint, bigint, bigint]
      expect(Number(count)).toBe(rows)
      expect(BigInt(ids)).toBe(BigInt(rows) * BigInt(rows - 1) / 2n)
      expect(Number(lengths)).toBe(rows * 300)
    } finally {
      db.closeSync()
    }
  })
})

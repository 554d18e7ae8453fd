// Empty record batches in the middle of an Arrow IPC stream (pyarrow writes them, e.g. for a
// filtered partition): the pipeline reads past them and every row comes out once, in order.
import { DuckDBInstance } from '@duckdb/node-api'
import { Field, FixedSizeList, Float32, Int64, RecordBatch, RecordBatchStreamWriter, Schema, Struct, makeData } from 'apache-arrow'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { PIXEL_MEAN_COLUMN, annotateFile } from '../../src/node.js'

const TMP = join(import.meta.dirname, '..', '.tmp', 'empty-batches')

function batch(schema: Schema, ids: number[]): RecordBatch {
  const id = makeData({ type: new Int64(), length: ids.length, nullCount: 0, data: BigInt64Array.from(ids, BigInt) })
  const pixels = Float32Array.from(ids.flatMap((i) => [i, 1, 2, 3]))
  const cutoutType = schema.fields[1]!.type as FixedSizeList<Float32>
  const values = makeData({ type: new Float32(), length: pixels.length, data: pixels })
  const cutout = makeData({ type: cutoutType, length: ids.length, nullCount: 0, child: values })
  const data = makeData({ type: new Struct(schema.fields), length: ids.length, nullCount: 0, children: [id, cutout] })
  return new RecordBatch(schema, data)
}

describe('empty record batches', () => {
  it('are read past: the output holds every row of the non-empty batches once, in order', async () => {
    await mkdir(TMP, { recursive: true })
    const schema = new Schema([
      new Field('id', new Int64(), false),
      new Field('cutout', new FixedSizeList(4, new Field('item', new Float32(), false)), false, new Map([['shape', '2x2x1'], ['layout', 'hwc'], ['bands', 'r']])),
    ])
    const writer = new RecordBatchStreamWriter()
    for (const ids of [[0, 1, 2], [], [3, 4], [], [], [5]]) writer.write(batch(schema, ids))
    writer.finish()
    const input = join(TMP, 'with-empty-batches.arrows')
    await writeFile(input, await writer.toUint8Array())
    // (the stream really holds batches of 3, 0, 2, 0, 0 and 1 rows: apache-arrow keeps empty ones)
    const output = join(TMP, 'out.parquet')
    const summary = await annotateFile({ input, output, worker: 'trivial', models: [], outputColumns: [PIXEL_MEAN_COLUMN], batchSize: 2 })
    expect(summary.rowsDone).toBe(6)
    const db = await (await DuckDBInstance.create(':memory:')).connect()
    const rows = (await db.runAndReadAll(`select id, status, pixel_mean from '${output}'`)).getRowObjectsJS()
    db.closeSync()
    expect(rows.map((r) => Number(r['id']))).toEqual([0, 1, 2, 3, 4, 5])
    rows.forEach((r, i) => {
      expect(r['status']).toBe('ok')
      expect(r['pixel_mean']).toBeCloseTo((i + 6) / 4, 5)
    })
  })
})

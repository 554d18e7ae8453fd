// Every golden fixture catalog, in every encoding, through the real pipeline
// (real files, real worker_threads running the trivial worker) into Parquet
// and Arrow; DuckDB reads the outputs back.
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api'
import { mkdir, readFile, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PIXEL_MEAN_COLUMN, annotateFile } from '../../src/node.js'
import type { CutoutOptions } from '../../src/pipeline/cutout-input.js'

const FIXTURES = join(import.meta.dirname, '..', 'fixtures')
const TMP = join(import.meta.dirname, '..', '.tmp', 'golden')

interface Expected {
  description: string
  options: { cutouts?: CutoutOptions }
  tolerance: number
  rows: { status: string; pixel_mean: number | null }[]
}

const names = (await readdir(FIXTURES)).filter((f) => /\.(parquet|arrows?)$/.test(f))
let db: DuckDBConnection

beforeAll(async () => {
  await mkdir(TMP, { recursive: true })
  db = await (await DuckDBInstance.create(':memory:')).connect()
})
afterAll(() => db.closeSync())

async function query(sql: string): Promise<Record<string, unknown>[]> {
  return (await db.runAndReadAll(sql)).getRowObjectsJS() as Record<string, unknown>[]
}

describe('golden fixtures', () => {
  it('has a fixture for every encoding', () => {
    expect(names.length).toBeGreaterThanOrEqual(14)
  })
  for (const file of names) {
    const stem = file.replace(/\.[^.]+$/, '')
    for (const format of ['parquet', 'arrow'] as const) {
      it(`${file} → ${format}`, async () => {
        const expected = JSON.parse(await readFile(join(FIXTURES, `${stem}.expected.json`), 'utf8')) as Expected
        const output = join(TMP, `${stem}.${format}`)
        const summary = await annotateFile({
          input: join(FIXTURES, file),
          output,
          worker: 'trivial',
          models: [],
          outputColumns: [PIXEL_MEAN_COLUMN],
          workers: 2,
          batchSize: 7,
          ...(expected.options.cutouts ? { cutouts: expected.options.cutouts } : {}),
        })
        expect(summary.rowsDone).toBe(expected.rows.length)
        const source = format === 'parquet' ? `read_parquet('${output}')` : `read_parquet('${output}')`
        if (format === 'arrow') {
          // DuckDB's core has no Arrow IPC reader; read our Arrow output back with apache-arrow instead
          const { tableFromIPC } = await import('apache-arrow')
          const table = tableFromIPC(await readFile(output))
          expect(table.numRows).toBe(expected.rows.length)
          const status = table.getChild('status')!.toArray() as string[]
          const mean = table.getChild('pixel_mean')!
          expected.rows.forEach((row, i) => {
            expect(status[i], `row ${i}`).toBe(row.status)
            const v = mean.get(i) as number | null
            if (row.pixel_mean === null) expect(v).toBeNull()
            else expect(Math.abs((v as number) - row.pixel_mean)).toBeLessThanOrEqual(expected.tolerance)
          })
          return
        }
        const rows = await query(`select * from ${source}`)
        expect(rows.length).toBe(expected.rows.length)
        expected.rows.forEach((row, i) => {
          expect(rows[i]!['status'], `row ${i}`).toBe(row.status)
          const v = rows[i]!['pixel_mean'] as number | null
          if (row.pixel_mean === null) expect(v).toBeNull()
          else expect(Math.abs((v as number) - row.pixel_mean), `row ${i}`).toBeLessThanOrEqual(expected.tolerance)
        })
        // every input column comes back unchanged
        if (file.endsWith('.parquet') && rows.length > 0) {
          const input = await query(`select * from read_parquet('${join(FIXTURES, file)}')`)
          for (const column of Object.keys(input[0]!)) {
            expect(rows.map((r) => r[column]), `column ${column}`).toEqual(input.map((r) => r[column]))
          }
        }
      })
    }
  }
})

// A catalog without cutouts: the pipeline fetches each row's cutout from a
// (local, real) cutout service by URL template, with per-row statuses.
import { DuckDBInstance } from '@duckdb/node-api'
import { mkdir } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { PIXEL_MEAN_COLUMN, annotateFile } from '../../src/node.js'
import { encodeFits } from '../../src/cutouts/fits.js'

const TMP = join(import.meta.dirname, '..', '.tmp', 'service')
let server: Server
let template = ''
const hits = new Map<string, number>()

beforeAll(async () => {
  await mkdir(TMP, { recursive: true })
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x')
    const id = Number(url.searchParams.get('id'))
    hits.set(String(id), (hits.get(String(id)) ?? 0) + 1)
    if (id % 10 === 9) {
      res.writeHead(404).end('no such object')
      return
    }
    if (id === 4 && hits.get('4') === 1) {
      res.writeHead(503).end('busy')
      return
    }
    // a 4×4×3 FITS cube whose pixels all equal id + ra
    const value = id + Number(url.searchParams.get('ra'))
    const size = Number(url.searchParams.get('size'))
    res.writeHead(200, { 'Content-Type': 'application/fits' })
    res.end(encodeFits({ width: size, height: size, depth: 3, data: new Float32Array(size * size * 3).fill(value) }))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  template = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/cutout?ra={ra}&dec={dec}&id={id}&size={size}&bands={bands}`
})
afterAll(() => server.close())

it('fetches cutouts from a URL template, retries transient failures and marks rows it cannot get', async () => {
  const db = await (await DuckDBInstance.create(':memory:')).connect()
  const input = join(TMP, 'positions.parquet')
  const output = join(TMP, 'annotated.parquet')
  await db.run(`copy (select i::bigint as id, (10 + i * 0.5)::double as ra, (-5 + i * 0.1)::double as dec from range(30) t(i)) to '${input}' (format parquet)`)
  const summary = await annotateFile({
    input, output, worker: 'trivial', models: [], outputColumns: [PIXEL_MEAN_COLUMN], workers: 2, batchSize: 8,
    cutouts: { service: { template, size: 4, bands: ['g', 'r', 'z'], backoffMs: 1, concurrency: 3 } },
  })
  expect(summary.rowsDone).toBe(30)
  const rows = (await db.runAndReadAll(`select id, ra, status, status_detail, pixel_mean from '${output}' order by id`)).getRowObjectsJS()
  for (const row of rows) {
    const id = Number(row['id'])
    if (id % 10 === 9) {
      expect(row['status']).toBe('cutout-http-404')
      expect(row['pixel_mean']).toBeNull()
    } else {
      expect(row['status']).toBe('ok')
      expect(row['pixel_mean'] as number).toBeCloseTo(id + (row['ra'] as number), 4)
    }
  }
  expect(hits.get('4')).toBe(2)
  db.closeSync()
}, 60_000)

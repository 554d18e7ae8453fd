// Streaming guarantees on real files and real worker_threads: a 1,000,000-row
// catalog in bounded memory, worker crashes recovered or turned into row
// statuses, cancellation leaving a valid prefix or nothing.
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api'
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PIXEL_MEAN_COLUMN, annotateCatalog, annotateFile, fileWriterFactory, nodeWorkerSpawner, openCatalogFile } from '../../src/node.js'

const TMP = join(import.meta.dirname, '..', '.tmp', 'streaming')
let db: DuckDBConnection

async function scalar(sql: string): Promise<unknown[]> {
  return (await db.runAndReadAll(sql)).getRowsJS()[0] as unknown[]
}

async function makeCatalog(name: string, rows: number): Promise<string> {
  const path = join(TMP, name)
  // ids 0..n-1; the 2×2×1 cutout is [i, 1, 2, 3] so its mean is (i + 6) / 4
  await db.run(`copy (select i::bigint as id, (i * 1e-4)::double as ra, [i::float, 1.0, 2.0, 3.0]::float[] as cutout from range(${rows}) t(i)) to '${path}' (format parquet)`)
  return path
}

beforeAll(async () => {
  await mkdir(TMP, { recursive: true })
  db = await (await DuckDBInstance.create(':memory:')).connect()
})
afterAll(() => db.closeSync())

/** Run the streaming driver in a child Node with a hard heap limit; it dies if memory grows with the catalog. */
function streamInChild(input: string, output: string, heapMb: number): { rows: number; peakHeap: number; peakRss: number; liveHeapTenth: number; liveHeapNineTenths: number } {
  const driver = fileURLToPath(new URL('../../bench/stream-catalog.ts', import.meta.url))
  const child = spawnSync(process.execPath, ['--import', 'tsx', `--max-old-space-size=${heapMb}`, '--expose-gc', driver, input, output], { encoding: 'utf8' })
  if (child.status !== 0) throw new Error(`driver failed (status ${child.status}): ${child.stderr.slice(-2000)}`)
  return JSON.parse(child.stdout.trim().split('\n').pop()!) as { rows: number; peakHeap: number; peakRss: number; liveHeapTenth: number; liveHeapNineTenths: number }
}

describe('a catalog far larger than a batch', () => {
  it('streams 1,000,000 rows end to end in memory bounded by the batch settings, not the catalog', async () => {
    const small = await makeCatalog('rows-100k.parquet', 100_000)
    const big = await makeCatalog('rows-1m.parquet', 1_000_000)
    // a heap limit that a whole 1M-row catalog (≈ 1M row objects and cutout arrays) would not fit in
    const a = streamInChild(small, join(TMP, 'out-100k.parquet'), 160)
    const b = streamInChild(big, join(TMP, 'out-1m.parquet'), 160)
    expect(a.rows).toBe(100_000)
    expect(b.rows).toBe(1_000_000)
    // ten times the rows, not ten times the memory
    expect(b.peakHeap).toBeLessThan(2 * a.peakHeap + 32 * 2 ** 20)
    // and nothing retained per row: the live heap after a full GC is the same at 10% and 90% of the rows
    // (a pool that kept every batch's result grew it by ~30 MB over those 800k rows)
    expect(b.liveHeapNineTenths - b.liveHeapTenth).toBeLessThan(6 * 2 ** 20)
    const [count, ids, ordered, means, ok] = await scalar(`
      select count(*), sum(id), bool_and(id = rn - 1), sum(pixel_mean), count(*) filter (where status = 'ok')
      from (select *, row_number() over () as rn from '${join(TMP, 'out-1m.parquet')}')`)
    expect(Number(count)).toBe(1_000_000)
    expect(BigInt(ids as bigint)).toBe(499_999_500_000n)
    expect(ordered).toBe(true)
    expect(means as number).toBeCloseTo((499_999_500_000 + 6 * 1_000_000) / 4, -2)
    expect(Number(ok)).toBe(1_000_000)
  }, 240_000)
})

describe('worker failures', () => {
  const faulty = new URL('../helpers/faulty.node-worker.ts', import.meta.url)

  async function runWithFaults(batches: Record<string, { mode: 'throw' | 'exit' | 'oom'; times: number }>) {
    const dir = await mkdtemp(join(TMP, 'faults-'))
    process.env['SURVEY_FAULTS'] = JSON.stringify({ dir, batches })
    const input = join(TMP, 'rows-2k.parquet')
    if (!existsSync(input)) await makeCatalog('rows-2k.parquet', 2000)
    const output = join(TMP, `faulty-${Object.keys(batches).join('-')}.parquet`)
    const failures: string[] = []
    try {
      const summary = await annotateCatalog({
        source: await openCatalogFile(input),
        createWriter: fileWriterFactory(output),
        spawn: nodeWorkerSpawner('trivial', { url: faulty, maxHeapMb: 48 }),
        models: [], outputColumns: [PIXEL_MEAN_COLUMN], workers: 2, batchSize: 100, maxRetries: 2,
        cutouts: { shape: '2x2x1' },
        onWorkerFailure: (e) => failures.push(`${e.batchIndex}:${e.attempt}`),
      })
      const rows = (await db.runAndReadAll(`select id, status, pixel_mean from '${output}'`)).getRowObjectsJS()
      return { summary, rows, failures }
    } finally {
      delete process.env['SURVEY_FAULTS']
    }
  }

  it('replaces a worker that throws, exits or runs out of memory and retries its batch', async () => {
    const { summary, rows, failures } = await runWithFaults({ 3: { mode: 'throw', times: 1 }, 7: { mode: 'exit', times: 2 }, 12: { mode: 'oom', times: 1 } })
    expect(failures.sort()).toEqual(['12:1', '3:1', '7:1', '7:2'])
    expect(summary.rowsDone).toBe(2000)
    expect(rows.length).toBe(2000)
    expect(rows.every((r, i) => Number(r['id']) === i && r['status'] === 'ok')).toBe(true)
    expect(rows[750]!['pixel_mean']).toBeCloseTo((750 + 6) / 4)
  }, 120_000)

  it('gives a batch that keeps failing an error status on each of its rows, and nothing else', async () => {
    const { summary, rows, failures } = await runWithFaults({ 5: { mode: 'exit', times: 99 } })
    expect(failures.filter((f) => f.startsWith('5:'))).toHaveLength(3)
    expect(summary.rowsDone).toBe(2000)
    expect(summary.rowsFailed).toBe(100)
    rows.forEach((r, i) => {
      expect(Number(r['id'])).toBe(i)
      const inBatch5 = i >= 500 && i < 600
      expect(r['status']).toBe(inBatch5 ? 'worker-failed' : 'ok')
      expect(r['pixel_mean'] === null).toBe(inBatch5)
    })
  }, 120_000)
})

describe('cancellation', () => {
  async function cancelAfterFirstBatch(onCancel: 'keep-partial' | 'discard') {
    const input = join(TMP, 'rows-200k.parquet')
    if (!existsSync(input)) await makeCatalog('rows-200k.parquet', 200_000)
    const output = join(TMP, `cancelled-${onCancel}.parquet`)
    await rm(output, { force: true })
    const controller = new AbortController()
    const summary = await annotateFile({
      input, output, worker: 'trivial', models: [], outputColumns: [PIXEL_MEAN_COLUMN], workers: 2, batchSize: 1000, maxInFlight: 2,
      cutouts: { shape: '2x2x1' }, signal: controller.signal, onCancel, rowGroupSize: 1000,
      onProgress: (p) => {
        if (p.rowsDone >= 3000) controller.abort()
      },
    })
    return { summary, output }
  }

  it('stops reading and leaves a valid file holding exactly the rows done, in order', async () => {
    const { summary, output } = await cancelAfterFirstBatch('keep-partial')
    expect(summary.cancelled).toBe(true)
    expect(summary.rowsDone).toBeGreaterThanOrEqual(3000)
    expect(summary.rowsDone).toBeLessThan(200_000)
    const [count, maxId, ordered] = await scalar(`select count(*), max(id), bool_and(id = rn - 1) from (select *, row_number() over () as rn from '${output}')`)
    expect(Number(count)).toBe(summary.rowsDone)
    expect(Number(maxId)).toBe(summary.rowsDone - 1)
    expect(ordered).toBe(true)
    const [complete] = await scalar(`select decode(value) from parquet_kv_metadata('${output}') where decode(key) = 'survey_classifier:complete'`)
    expect(complete).toBe('false')
    expect(existsSync(`${output}.partial`)).toBe(false)
  }, 60_000)

  it('leaves no file at all when asked to discard', async () => {
    const { summary, output } = await cancelAfterFirstBatch('discard')
    expect(summary.cancelled).toBe(true)
    expect(existsSync(output)).toBe(false)
    expect(existsSync(`${output}.partial`)).toBe(false)
  }, 60_000)
})

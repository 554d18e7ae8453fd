// Ctrl-C on the real CLI process: it stops reading, finishes the batches in
// flight, closes a valid output holding the rows done, says so, and exits 130.
import { spawn } from 'node:child_process'
import { mkdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { DuckDBInstance } from '@duckdb/node-api'
import { expect, it } from 'vitest'

const TMP = join(import.meta.dirname, '..', '.tmp', 'interrupt')
const CLI = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url))

it('stops cleanly on SIGINT and reports what was written', async () => {
  await rm(TMP, { recursive: true, force: true })
  await mkdir(TMP, { recursive: true })
  const output = join(TMP, 'interrupted.parquet')
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'classify', '--sample', '100000', '-o', output, '--worker', 'trivial', '--workers', '1', '--batch-size', '64'], { stdio: ['ignore', 'pipe', 'pipe'] })
  let stderr = ''
  let signalled = false
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString()
    // non-TTY progress lines arrive every 5 s; interrupt as soon as rows are flowing
    if (!signalled && /progress: [\d,]+\/100,000 rows/.test(stderr)) {
      signalled = true
      child.kill('SIGINT')
    }
  })
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)))
  expect(signalled).toBe(true)
  expect(code).toBe(130)
  expect(stderr).toContain('interrupted: stopping')
  const match = /interrupted; wrote ([\d,]+) rows to/.exec(stderr)
  expect(match).not.toBeNull()
  const written = Number(match![1]!.replace(/,/g, ''))
  expect(written).toBeGreaterThan(0)
  expect(written).toBeLessThan(100_000)
  const db = await (await DuckDBInstance.create(':memory:')).connect()
  const [row] = (await db.runAndReadAll(`select count(*), max(id), bool_and(status = 'ok') from '${output}'`)).getRowsJS()
  expect(Number(row![0])).toBe(written)
  expect(Number(row![1])).toBe(written)
  expect(row![2]).toBe(true)
  db.closeSync()
}, 120_000)

// Bad input, bad models and bad options through the real CLI: clear messages
// naming the file, column, row or option, documented exit codes, no hangs.
import { cp, mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { capture } from '../helpers/capture.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { main } from '../../src/cli/main.js'
import { openParquetCatalog, urlBuffer } from '../../src/index.js'

const FIXTURES = join(import.meta.dirname, '..', 'fixtures')
const MODEL = join(import.meta.dirname, '..', '..', 'models', 'seed-cnn-untrained')
const TMP = join(import.meta.dirname, '..', '.tmp', 'errors')

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out = capture()
  const err = capture()
  const code = await main(argv, { stdout: out.stream, stderr: err.stream })
  return { code, out: out.text(), err: err.text() }
}

const fixture = (name: string) => join(FIXTURES, name)
const tmp = (name: string) => join(TMP, name)

beforeAll(async () => {
  await rm(TMP, { recursive: true, force: true })
  await mkdir(TMP, { recursive: true })
})

describe('bad input catalogs', () => {
  it('names a missing file', async () => {
    const r = await cli('classify', tmp('nope.parquet'), '-o', tmp('o.parquet'), '--worker', 'trivial')
    expect(r.code).toBe(3)
    expect(r.err).toContain(`catalog ${tmp('nope.parquet')} does not exist`)
  })

  it('refuses a file that is neither Parquet nor Arrow', async () => {
    await writeFile(tmp('table.csv'), 'id,ra,dec\n1,2,3\n')
    const r = await cli('classify', tmp('table.csv'), '-o', tmp('o.parquet'), '--worker', 'trivial')
    expect(r.code).toBe(3)
    expect(r.err).toMatch(/table\.csv is neither Parquet nor Arrow IPC/)
  })

  it('refuses a truncated Parquet file', async () => {
    const bytes = await readFile(fixture('list-hwc-zstd.parquet'))
    await writeFile(tmp('truncated.parquet'), bytes.subarray(0, bytes.length >> 1))
    const r = await cli('classify', tmp('truncated.parquet'), '-o', tmp('o.parquet'), '--worker', 'trivial')
    expect(r.code).toBe(3)
    expect(r.err).toMatch(/truncated\.parquet is truncated or corrupt/)
  })

  it('reports a truncated Arrow stream with the record batch at fault', async () => {
    const bytes = await readFile(fixture('arrow-stream.arrows'))
    await writeFile(tmp('truncated.arrows'), bytes.subarray(0, Math.floor(bytes.length * 0.6)))
    const r = await cli('classify', tmp('truncated.arrows'), '-o', tmp('o.parquet'), '--worker', 'trivial')
    expect(r.code).toBe(3)
    expect(r.err).toMatch(/truncated\.arrows/)
    expect(existsSync(tmp('o.parquet'))).toBe(false)
  })

  it('names a missing cutout column and lists the columns there are', async () => {
    const r = await cli('classify', fixture('list-hwc-snappy.parquet'), '-o', tmp('o.parquet'), '--worker', 'trivial', '--cutout-column', 'stamp')
    expect(r.code).toBe(3)
    expect(r.err).toContain('catalog column "stamp" missing in')
    expect(r.err).toContain('columns: id, ra, dec, name, cutout')
  })

  it('asks for a shape when a cutout column carries none', async () => {
    const r = await cli('classify', fixture('list-chw-nometa.parquet'), '-o', tmp('o.parquet'), '--worker', 'trivial')
    expect(r.code).toBe(2)
    expect(r.err).toContain('carries no shape metadata: give the cutout shape and layout (CLI: --cutout-shape')
  })

  it('turns a wrong cutout shape into per-row statuses naming the row, and exit code 8', async () => {
    const r = await cli('classify', fixture('list-chw-nometa.parquet'), '-o', tmp('shape.parquet'), '--worker', 'trivial', '--cutout-shape', '3x9x9', '--cutout-layout', 'chw', '--quiet')
    expect(r.code).toBe(8)
    const { tableFromIPC } = await import('apache-arrow')
    void tableFromIPC
    const { DuckDBInstance } = await import('@duckdb/node-api')
    const db = await (await DuckDBInstance.create(':memory:')).connect()
    const rows = (await db.runAndReadAll(`select status, status_detail from '${tmp('shape.parquet')}'`)).getRowObjectsJS()
    expect(rows).toHaveLength(40)
    expect(rows.every((x) => x['status'] === 'cutout-shape-error')).toBe(true)
    expect(rows[17]!['status_detail']).toBe('cutout in row 17 of column "cutout" of ' + fixture('list-chw-nometa.parquet') + ' has 192 values, expected 9×9×3 = 243')
  })

  it('creates a missing output folder', async () => {
    const output = tmp('new/folder/out.parquet')
    const r = await cli('classify', fixture('list-hwc-snappy.parquet'), '-o', output, '--worker', 'trivial', '--quiet')
    expect(r.code).toBe(0)
    expect(existsSync(output)).toBe(true)
  })

  it('writes an empty output for an empty catalog', async () => {
    const r = await cli('classify', fixture('empty.parquet'), '-o', tmp('empty-out.parquet'), '--worker', 'trivial', '--cutout-shape', '1x1x1', '--json')
    expect(r.code).toBe(0)
    expect(JSON.parse(r.out).rowsDone).toBe(0)
    expect(existsSync(tmp('empty-out.parquet'))).toBe(true)
  })
})

describe('bad options', () => {
  it.each([
    [['classify', 'x.parquet', '-o', 'y.parquet', '--backend', 'gpu'], 'option --backend must be auto, webgpu, wasm or cpu, got "gpu"'],
    [['classify', 'x.parquet', '-o', 'y.parquet', '--workers', '0'], 'option --workers must be ≥ 1, got 0'],
    [['classify', 'x.parquet'], 'option --output (-o) is required'],
    [['classify', 'x.parquet', '-o', 'y.csv', '--worker', 'trivial'], 'cannot tell the format from the extension'],
    [['classify', 'x.parquet', '-o', 'y.parquet', '--pipeline', 'nope'], 'pipeline "nope" is unknown (valid: default, cutouts-only, seed-cnn-untrained, lens, morphology, photoz, merger, photoz-cutouts)'],
    [['classify', 'x.parquet', '-o', 'y.parquet', '--frobnicate'], "Unknown option '--frobnicate'"],
    [['simulate', '--n', '0', '-o', 'y.parquet'], 'n'],
    [['simulate', '--bands', 'g,q', '-o', 'y.parquet'], 'q'],
  ])('%j is refused with exit code 2', async (argv, message) => {
    const r = await cli(...argv)
    expect(r.code).toBe(2)
    expect(r.err).toContain(message)
  })

  it('refuses an unknown command and prints help for a known one', async () => {
    expect((await cli('frobnicate')).code).toBe(2)
    const help = await cli('classify', '--help')
    expect(help.code).toBe(0)
    expect(help.out).toContain('exit codes')
    expect(help.out).toContain('examples')
  })
})

describe('bad models (refused before any row is processed)', () => {
  async function copyModel(name: string): Promise<string> {
    const dir = tmp(name)
    await cp(MODEL, dir, { recursive: true })
    return dir
  }

  it('names a corrupted weight shard with the expected and found sha256', async () => {
    const dir = await copyModel('corrupt-model')
    const shard = join(dir, 'group1-shard2of2.bin')
    const bytes = await readFile(shard)
    bytes[100] = bytes[100]! ^ 0xff
    await writeFile(shard, bytes)
    const r = await cli('classify', fixture('list-hwc-snappy.parquet'), '-o', tmp('m.parquet'), '--model', dir, '--backend', 'cpu', '--workers', '1')
    expect(r.code).toBe(4)
    expect(r.err).toMatch(/file "group1-shard2of2\.bin" has sha256 [0-9a-f]{64}, manifest field files\["group1-shard2of2\.bin"\] expects [0-9a-f]{64}/)
    expect(existsSync(tmp('m.parquet'))).toBe(false)
  })

  it('names a missing shard', async () => {
    const dir = await copyModel('missing-shard')
    await rm(join(dir, 'group1-shard1of2.bin'))
    const r = await cli('classify', fixture('list-hwc-snappy.parquet'), '-o', tmp('m.parquet'), '--model', dir)
    expect(r.code).toBe(4)
    expect(r.err).toContain('file "group1-shard1of2.bin" cannot be read')
  })

  it('refuses a manifest whose input shape does not match the model', async () => {
    const dir = await copyModel('wrong-shape')
    const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8'))
    manifest.input.inputShape = [32, 32, 3]
    await writeFile(join(dir, 'manifest.json'), JSON.stringify(manifest))
    const r = await cli('classify', fixture('list-hwc-snappy.parquet'), '-o', tmp('m.parquet'), '--model', dir, '--backend', 'cpu', '--workers', '1')
    expect(r.code).toBe(4)
    expect(r.err).toContain('input shape is [null, 64, 64, 3], manifest input.inputShape says [null, 32, 32, 3]')
  })

  it('refuses a manifest with a bad field, naming it', async () => {
    const dir = await copyModel('bad-field')
    const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8'))
    manifest.task = 'weather'
    await writeFile(join(dir, 'manifest.json'), JSON.stringify(manifest))
    const r = await cli('classify', fixture('list-hwc-snappy.parquet'), '-o', tmp('m.parquet'), '--model', dir)
    expect(r.code).toBe(4)
    expect(r.err).toContain('field "task" should be one of morphology, lens, photoz, merger, found "weather"')
  })

  it('refuses a catalog without the bands the model needs', async () => {
    const r = await cli('classify', fixture('list-hwc-snappy.parquet'), '-o', tmp('m.parquet'), '--bands', 'g,r,i', '--backend', 'cpu', '--workers', '1')
    expect(r.code).toBe(3)
    expect(r.err).toContain('needs bands g,r,z but column "cutout" of')
    expect(r.err).toContain('has g,r,i (missing z)')
    expect(existsSync(tmp('m.parquet'))).toBe(false)
  })
})

describe('catalogs over http', () => {
  let server: Server
  let base = ''
  const requests: string[] = []
  beforeAll(async () => {
    const file = await readFile(fixture('list-hwc-zstd.parquet'))
    server = createServer((req, res) => {
      requests.push(`${req.url} ${req.headers.range ?? ''}`)
      const range = /bytes=(\d+)-(\d+)/.exec(req.headers.range ?? '')
      if (req.url === '/ranged.parquet' && range) {
        const start = Number(range[1])
        const end = Math.min(Number(range[2]), file.length - 1)
        res.writeHead(206, { 'Content-Range': `bytes ${start}-${end}/${file.length}`, 'Content-Length': end - start + 1 })
        res.end(file.subarray(start, end + 1))
      } else {
        res.writeHead(200, { 'Content-Length': file.length })
        res.end(file)
      }
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const address = server.address()
    base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`
  })
  afterAll(() => server.close())

  it('reads a catalog with range requests, fetching only the projected columns', async () => {
    const source = await openParquetCatalog(await urlBuffer(`${base}/ranged.parquet`))
    expect(source.numRows).toBe(40)
    requests.length = 0
    const ids: unknown[] = []
    for await (const chunk of source.chunks({ columns: ['id'] })) ids.push(...(chunk.columns['id'] as ArrayLike<unknown>) as unknown[])
    expect(ids.map(Number)).toEqual([...Array(40).keys()])
    // the cutout column (most of the file) is never requested
    const file = await readFile(fixture('list-hwc-zstd.parquet'))
    const fetched = requests.map((r) => /bytes=(\d+)-(\d+)/.exec(r)!).reduce((n, m) => n + Number(m[2]) - Number(m[1]) + 1, 0)
    expect(fetched).toBeLessThan(file.length / 4)
  })

  it('refuses a server that ignores Range instead of downloading the whole file', async () => {
    await expect(urlBuffer(`${base}/plain.parquet`)).rejects.toThrow(`catalog url ${base}/plain.parquet does not support range requests`)
  })
})

// The portal embed in a real browser: Debian's Chromium driven by playwright-core,
// the built page served with a strict Content-Security-Policy, catalogs dropped and
// picked, outputs downloaded and read back with DuckDB and apache-arrow, the seed CNN
// on WASM and on WebGPU (SwiftShader), bad input, cancellation, a million-row table.
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api'
import { tableFromIPC } from 'apache-arrow'
import { existsSync } from 'node:fs'
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { chromium, type Browser, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { EvaluationReport } from '../../src/evaluate/report.js'
import { buildWeb } from '../../web/build.js'
import { STRICT_CSP, startServer, type RunningServer } from '../../web/serve.js'

const ROOT = join(import.meta.dirname, '..', '..')
const FIXTURES = join(ROOT, 'tests', 'fixtures')
const TMP = join(ROOT, 'tests', '.tmp', 'browser')
const DIST = join(TMP, 'dist')
const DATA = join(TMP, 'data')
const CHROMIUM = '/usr/bin/chromium'
if (!existsSync(CHROMIUM)) throw new Error(`browser tests: ${CHROMIUM} is missing; install Debian's Chromium with \`apt-get install -y chromium\` (never a downloaded browser)`)

interface Outcome {
  type: 'complete' | 'error' | 'cancel'
  detail: { message?: string; code?: string; rows?: number; cancelled?: boolean; backend?: string; adapter?: string }
}

let browser: Browser
let server: RunningServer
let assets: RunningServer
let portal: RunningServer
let db: DuckDBConnection
const consoleErrors: string[] = []

async function query(sql: string): Promise<Record<string, unknown>[]> {
  return (await db.runAndReadAll(sql)).getRowObjectsJS() as Record<string, unknown>[]
}

beforeAll(async () => {
  await rm(TMP, { recursive: true, force: true })
  await mkdir(join(DATA, 'portal'), { recursive: true })
  await buildWeb({ outDir: DIST })
  db = await (await DuckDBInstance.create(':memory:')).connect()
  // small catalogs made from a golden fixture (DuckDB drops key-value metadata unless told)
  const fixture = join(FIXTURES, 'list-hwc-zstd.parquet')
  const kv = (await query(`select value from parquet_kv_metadata('${fixture}') where decode(key) = 'survey_classifier:columns'`))[0]!['value'] as Uint8Array
  const docs = new TextDecoder().decode(kv)
  const copy = async (select: string, file: string, meta: string): Promise<void> => {
    await db.run(`COPY (${select}) TO '${join(DATA, file)}' (FORMAT parquet, KV_METADATA {'survey_classifier:columns': '${meta.replaceAll("'", "''")}'})`)
  }
  await copy(`select * from read_parquet('${fixture}') order by id limit 8`, 'small.parquet', docs)
  await copy(`select * from read_parquet('${fixture}') order by id limit 8`, 'wrong-bands.parquet', docs.replace('"g,r,z"', '"u,i,y"'))
  await copy(`select id, ra, dec, name from read_parquet('${fixture}') order by id limit 8`, 'no-cutouts.parquet', '{}')
  await writeFile(join(DATA, 'not-a-catalog.txt'), 'id,ra,dec\n1,150.1,2.2\n')
  // a portal page that loads the embed from a sub-path, with its own external script only
  await writeFile(join(DATA, 'portal', 'index.html'), `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>a portal</title>
<link rel="icon" href="/assets/sc/favicon.svg" type="image/svg+xml">
<script type="module" src="/assets/sc/survey-classifier.js"></script></head>
<body><h1>A survey portal</h1><survey-classifier models="trivial" backend="wasm" workers="2" batch-size="7"></survey-classifier></body></html>
`)
  server = await startServer({ root: DIST, port: 0, mounts: { '/data/': DATA, '/assets/sc/': DIST } })
  // another origin (another port) serving the assets with CORS, and a portal that names it in its CSP
  // and serves only the worker scripts itself (browsers start workers from the page's origin only)
  assets = await startServer({ root: DIST, port: 0, cors: true })
  const assetsOrigin = new URL(assets.url).origin
  await mkdir(join(DATA, 'xorigin'), { recursive: true })
  await writeFile(join(DATA, 'xorigin', 'index.html'), `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>a portal on another origin</title>
<link rel="icon" href="/sc-workers/favicon.svg" type="image/svg+xml">
<script type="module" src="${assetsOrigin}/survey-classifier.js"></script></head>
<body><survey-classifier models="seed-cnn-untrained" backend="wasm" workers="1" batch-size="8"></survey-classifier></body></html>
`)
  portal = await startServer({
    root: join(DATA, 'xorigin'), port: 0, mounts: { '/sc-workers/': DIST, '/data/': DATA },
    csp: STRICT_CSP.replace("'wasm-unsafe-eval'", `'wasm-unsafe-eval' ${assetsOrigin}`) + `; connect-src 'self' ${assetsOrigin}`,
  })
  // playwright gives every launch a fresh temporary user-data-dir
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--enable-unsafe-webgpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
    env: { ...process.env, VK_ICD_FILENAMES: '/usr/lib/chromium/vk_swiftshader_icd.json', XDG_RUNTIME_DIR: TMP },
  })
})

afterAll(async () => {
  await browser?.close()
  await server?.close()
  await assets?.close()
  await portal?.close()
  db?.closeSync()
})

/** Open a page, record console errors (page and workers) and the element's events. */
async function openPage(path: string, base = server.url): Promise<Page> {
  const page = await browser.newPage()
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(`${path}: ${m.text()}`)
  })
  page.on('pageerror', (e) => consoleErrors.push(`${path}: uncaught ${e.message}`))
  page.on('worker', (w) => w.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(`${path} worker ${w.url()}: ${m.text()}`)
  }))
  // CSP violations in the document (inline style or script, a blocked source) count as errors too
  await page.exposeFunction('reportViolation', (text: string) => consoleErrors.push(`${path}: CSP violation ${text}`))
  await page.addInitScript(`document.addEventListener('securitypolicyviolation', (e) => window.reportViolation(e.violatedDirective + ' ' + e.blockedURI))`)
  await page.goto(new URL(path, base).href)
  await page.waitForFunction(() => customElements.get('survey-classifier') !== undefined)
  await page.evaluate(() => {
    const w = window as unknown as { events: { type: string; detail: unknown }[] }
    w.events = []
    const el = document.querySelector('survey-classifier')!
    for (const type of ['start', 'progress', 'complete', 'error', 'cancel', 'evaluate']) {
      el.addEventListener(type, (e) => w.events.push({ type, detail: JSON.parse(JSON.stringify((e as CustomEvent).detail ?? null)) }))
    }
  })
  return page
}

async function setAttributes(page: Page, attrs: Record<string, string>): Promise<void> {
  await page.evaluate((a) => {
    const el = document.querySelector('survey-classifier')!
    for (const [k, v] of Object.entries(a)) el.setAttribute(k, v)
  }, attrs)
}

/** Clear recorded events, do something, wait for the run's outcome event. */
async function outcomeOf(page: Page, action: () => Promise<unknown>, timeout = 120_000): Promise<Outcome> {
  await page.evaluate(() => {
    (window as unknown as { events: unknown[] }).events.length = 0
  })
  await action()
  const handle = await page.waitForFunction(() => (window as unknown as { events: { type: string }[] }).events.find((e) => ['complete', 'error', 'cancel'].includes(e.type)), undefined, { timeout })
  return (await handle.jsonValue()) as Outcome
}

async function dropFile(page: Page, path: string, name: string): Promise<void> {
  const base64 = (await readFile(path)).toString('base64')
  const dataTransfer = await page.evaluateHandle(([b64, fileName]) => {
    const bin = atob(b64!)
    const bytes = new Uint8Array(bin.length)
    for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i)
    const dt = new DataTransfer()
    dt.items.add(new File([bytes], fileName!))
    return dt
  }, [base64, name])
  await page.locator('survey-classifier .drop').dispatchEvent('drop', { dataTransfer })
}

async function download(page: Page, format: 'parquet' | 'arrow' | 'csv', to: string): Promise<string> {
  const [file] = await Promise.all([page.waitForEvent('download'), page.locator(`survey-classifier button.download.${format}`).click()])
  await file.saveAs(to)
  return to
}

async function messageText(page: Page): Promise<string> {
  return page.locator('survey-classifier .message.error').innerText()
}

describe('portal embed in Chromium under a strict CSP', () => {
  it('is served with a strict CSP that Chromium enforces (no eval, no inline style, no cross-origin isolation), application/wasm and Range support; /no-range/ ignores Range', async () => {
    const page = await fetch(new URL('index.html', server.url))
    expect(page.headers.get('content-security-policy')).toBe(STRICT_CSP)
    expect(page.headers.get('cross-origin-opener-policy')).toBeNull()
    const wasm = await fetch(new URL('tfjs-wasm/tfjs-backend-wasm-simd.wasm', server.url))
    expect(wasm.headers.get('content-type')).toBe('application/wasm')
    await wasm.arrayBuffer()
    const ranged = await fetch(new URL('data/small.parquet', server.url), { headers: { Range: 'bytes=0-3' } })
    expect(ranged.status).toBe(206)
    expect(new TextDecoder().decode(await ranged.arrayBuffer())).toBe('PAR1')
    const whole = await fetch(new URL('no-range/data/small.parquet', server.url), { headers: { Range: 'bytes=0-3' } })
    expect(whole.status).toBe(200)
    expect((await whole.arrayBuffer()).byteLength).toBeGreaterThan(4)
    // and Chromium enforces it on the page: no eval, no inline style; no cross-origin isolation
    const browserPage = await browser.newPage()
    const violations: string[] = []
    await browserPage.exposeFunction('reportViolation', (text: string) => violations.push(text))
    await browserPage.addInitScript(`document.addEventListener('securitypolicyviolation', (e) => window.reportViolation(e.violatedDirective))`)
    await browserPage.goto(server.url)
    // through CDP without its default exemption from the page's CSP, so eval is judged like page code
    const cdp = await browserPage.context().newCDPSession(browserPage)
    const probe = ((await cdp.send('Runtime.evaluate', {
      allowUnsafeEvalBlockedByCSP: false,
      returnByValue: true,
      expression: `(() => {
        let evalBlocked = false
        try { new Function('return 1')() } catch (e) { evalBlocked = e instanceof EvalError }
        const div = document.createElement('div')
        div.innerHTML = '<span style="color: red">x</span>'
        document.body.append(div)
        return { evalBlocked, isolated: globalThis.crossOriginIsolated, sab: typeof SharedArrayBuffer }
      })()`,
    })) as { result: { value: unknown } }).result.value
    expect(probe).toEqual({ evalBlocked: true, isolated: false, sab: 'undefined' })
    await expect.poll(() => violations).toEqual(expect.arrayContaining(['style-src-attr']))
    await browserPage.close()
  })

  it('classifies a dropped catalog on a portal page that loads the embed from a sub-path; table, thumbnails and all three downloads', async () => {
    const page = await openPage('/data/portal/index.html')
    const fixture = join(FIXTURES, 'list-hwc-zstd.parquet')
    const expected = JSON.parse(await readFile(join(FIXTURES, 'list-hwc-zstd.expected.json'), 'utf8')) as { tolerance: number; rows: { status: string; pixel_mean: number }[] }
    const outcome = await outcomeOf(page, () => dropFile(page, fixture, 'list-hwc-zstd.parquet'))
    expect(outcome.type, JSON.stringify(outcome.detail)).toBe('complete')
    expect(outcome.detail.rows).toBe(40)
    expect(outcome.detail.backend).toBe('none')

    // the table: virtualised (fewer row elements than rows), values from the results
    const rows = page.locator('survey-classifier .body .row:not([hidden])')
    const shown = await rows.count()
    expect(shown).toBeGreaterThan(3)
    expect(shown).toBeLessThan(40)
    const inputIds = (await query(`select id from read_parquet('${fixture}')`)).map((r) => Number(r['id']))
    const firstCells = await rows.first().locator('.cell').allInnerTexts()
    expect(firstCells[0]).toBe('1')
    expect(firstCells[1]).toBe(String(inputIds[0]))
    expect(firstCells[2]).toBe('ok')
    const store = await page.evaluate(() => {
      const el = document.querySelector('survey-classifier') as unknown as { results: { rows: number; thumbRows: number; toObjects(): Record<string, unknown>[] } }
      return { rows: el.results.rows, thumbRows: el.results.thumbRows, objects: el.results.toObjects() }
    })
    expect(store.rows).toBe(40)
    expect(store.thumbRows).toBe(40)
    store.objects.forEach((row, i) => {
      expect(row['status']).toBe(expected.rows[i]!.status)
      expect(Math.abs((row['pixel_mean'] as number) - expected.rows[i]!.pixel_mean)).toBeLessThanOrEqual(expected.tolerance)
    })
    // scrolling re-uses the row elements for later rows
    await page.evaluate(() => (document.querySelector('survey-classifier') as unknown as { tableView: { scrollToRow(r: number): void } }).tableView.scrollToRow(20))
    expect(await rows.first().getAttribute('data-row')).toBe('20')
    expect((await rows.first().locator('.cell').allInnerTexts())[1]).toBe(String(inputIds[20]))
    // thumbnails are drawn (asinh-stretched cutouts are not all black)
    const lit = await page.evaluate(() => {
      const canvas = document.querySelector('survey-classifier')!.shadowRoot!.querySelector('canvas.thumb') as HTMLCanvasElement
      return canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data.filter((v, i) => i % 4 !== 3 && v > 0).length
    })
    expect(lit).toBeGreaterThan(0)
    expect(await page.locator('survey-classifier svg.plot').count()).toBeGreaterThanOrEqual(2)
    await page.screenshot({ path: join(TMP, 'portal-trivial.png'), fullPage: true })

    // downloads: Parquet (DuckDB), Arrow stream (apache-arrow), CSV (DuckDB)
    const parquet = await download(page, 'parquet', join(TMP, 'trivial.parquet'))
    const out = await query(`select id, status, pixel_mean, len(cutout) as n, list_sum(cutout) as s from read_parquet('${parquet}')`)
    const input = await query(`select id, len(cutout) as n, list_sum(cutout) as s from read_parquet('${fixture}')`)
    expect(out.length).toBe(40)
    out.forEach((row, i) => {
      expect(Number(row['id'])).toBe(Number(input[i]!['id']))
      expect(row['n']).toBe(input[i]!['n'])
      expect(row['s']).toBeCloseTo(input[i]!['s'] as number, 3)
      expect(row['status']).toBe(expected.rows[i]!.status)
      expect(Math.abs((row['pixel_mean'] as number) - expected.rows[i]!.pixel_mean)).toBeLessThanOrEqual(expected.tolerance)
    })
    const arrow = tableFromIPC(await readFile(await download(page, 'arrow', join(TMP, 'trivial.arrows'))))
    expect(arrow.numRows).toBe(40)
    const means = arrow.getChild('pixel_mean')!
    expected.rows.forEach((row, i) => expect(Math.abs((means.get(i) as number) - row.pixel_mean)).toBeLessThanOrEqual(expected.tolerance))
    const csv = await download(page, 'csv', join(TMP, 'trivial.csv'))
    const csvRows = await query(`select * from read_csv('${csv}', header = true)`)
    expect(csvRows.length).toBe(40)
    expect(Object.keys(csvRows[0]!)).toContain('pixel_mean')
    expect(Object.keys(csvRows[0]!)).not.toContain('cutout')
    csvRows.forEach((row, i) => {
      expect(Number(row['id'])).toBe(inputIds[i])
      expect(Math.abs(Number(row['pixel_mean']) - expected.rows[i]!.pixel_mean)).toBeLessThanOrEqual(expected.tolerance)
    })
    await page.close()
  }, 90_000)

  it('classifies the simulated sample with the trained models and shows the evaluate command\'s metrics and plots against its truth columns', async () => {
    const page = await openPage('/')
    await setAttributes(page, { models: 'default', workers: '1', backend: 'wasm', passes: '4', 'sample-size': '48', 'batch-size': '16' })
    const outcome = await outcomeOf(page, () => page.locator('survey-classifier button.sample').click(), 150_000)
    expect(outcome.type, JSON.stringify(outcome.detail)).toBe('complete')
    const handle = await page.waitForFunction(() => (window as unknown as { events: { type: string; detail: unknown }[] }).events.find((e) => e.type === 'evaluate'), undefined, { timeout: 60_000 })
    const { detail } = (await handle.jsonValue()) as { detail: { report: EvaluationReport } }
    expect(Object.keys(detail.report.tasks).sort()).toEqual(['lens', 'merger', 'morphology', 'photoz'])
    expect(detail.report.rows.ok).toBe(48)
    // the same plots as the HTML report: ROC, confusion, reliability, z_phot vs z_spec, PIT, coverage
    const evaluation = page.locator('survey-classifier .evaluation')
    await expect.poll(() => evaluation.locator('section.task').count()).toBe(4)
    expect(await evaluation.locator('svg').count()).toBeGreaterThanOrEqual(10)
    const text = await evaluation.innerText()
    for (const label of ['AUROC', 'TPR10', 'ECE', 'σ_MAD', 'PIT KS', '68 % coverage']) expect(text).toContain(label)
    // and the same numbers as evaluating the downloaded catalog with the library in Node
    const file = await download(page, 'parquet', join(TMP, 'sample-default.parquet'))
    const { openCatalogFile } = await import('../../src/node.js')
    const { evaluateCatalog } = await import('../../src/evaluate/evaluate.js')
    const node = await evaluateCatalog(await openCatalogFile(file))
    const lens = node.tasks.lens
    expect(lens?.kind === 'classifier' ? lens.binary?.auroc : undefined).toBe((detail.report.tasks.lens as { binary: { auroc: number } }).binary.auroc)
    expect((node.tasks.photoz as { sigmaMad: number }).sigmaMad).toBe((detail.report.tasks.photoz as { sigmaMad: number }).sigmaMad)
    expect((node.tasks.merger as { accuracy: number }).accuracy).toBe((detail.report.tasks.merger as { accuracy: number }).accuracy)
    await page.screenshot({ path: join(TMP, 'embed-evaluation.png'), fullPage: true })
    await page.close()
  }, 240_000)

  it('runs the seed CNN on WASM and on WebGPU (SwiftShader); the outputs agree within 1e-4', async () => {
    const page = await openPage('/')
    await setAttributes(page, { models: 'seed-cnn-untrained', workers: '1', passes: '1', 'batch-size': '8' })
    const results: Record<string, Record<string, unknown>[]> = {}
    for (const backend of ['wasm', 'webgpu'] as const) {
      await setAttributes(page, { backend })
      const outcome = await outcomeOf(page, () => page.setInputFiles('survey-classifier input[type=file]', join(DATA, 'small.parquet')), 150_000)
      expect(outcome.type, JSON.stringify(outcome.detail)).toBe('complete')
      expect(outcome.detail.rows).toBe(8)
      expect(outcome.detail.backend).toBe(backend)
      if (backend === 'webgpu') expect(outcome.detail.adapter).toMatch(/swiftshader/i)
      await expect.poll(() => page.locator('survey-classifier .body .row:not([hidden])').count()).toBe(8)
      await page.screenshot({ path: join(TMP, `embed-${backend}.png`), fullPage: true })
      const file = await download(page, 'parquet', join(TMP, `seed-cnn-${backend}.parquet`))
      results[backend] = await query(`select id, status, lens_p_lens, lens_p_lens_std, lens_label, lens_entropy, lens_mutual_info from read_parquet('${file}')`)
      expect(results[backend]!.length).toBe(8)
      // the table shows the file's values
      const cells = await page.locator('survey-classifier .body .row:not([hidden])').first().locator('.cell').allInnerTexts()
      expect(cells).toContain((results[backend]![0]!['lens_p_lens'] as number).toFixed(4))
    }
    const ids = (await query(`select id from read_parquet('${join(DATA, 'small.parquet')}')`)).map((r) => Number(r['id']))
    for (let i = 0; i < 8; i++) {
      const a = results['wasm']![i]!
      const b = results['webgpu']![i]!
      expect(Number(a['id'])).toBe(ids[i])
      expect(Number(b['id'])).toBe(ids[i])
      expect(a['status']).toBe('ok')
      expect(b['status']).toBe('ok')
      const p = a['lens_p_lens'] as number
      expect(p).toBeGreaterThanOrEqual(0)
      expect(p).toBeLessThanOrEqual(1)
      for (const column of ['lens_p_lens', 'lens_entropy']) expect(Math.abs((a[column] as number) - (b[column] as number)), `${column} row ${i}`).toBeLessThanOrEqual(1e-4)
      expect(b['lens_label']).toBe(a['lens_label'])
    }
    await page.close()
  }, 170_000)

  it('bad input shows a clear message and fires error; the page keeps working', async () => {
    const page = await openPage('/')
    await setAttributes(page, { models: 'trivial', workers: '1', backend: 'wasm' })
    const notCatalog = await outcomeOf(page, () => dropFile(page, join(DATA, 'not-a-catalog.txt'), 'not-a-catalog.txt'))
    expect(notCatalog.type).toBe('error')
    expect(notCatalog.detail.message).toMatch(/not-a-catalog\.txt is neither Parquet nor Arrow/)
    expect(await messageText(page)).toBe(notCatalog.detail.message)

    const submitUrl = async (url: string): Promise<void> => {
      await page.locator('survey-classifier .url input').fill(url)
      await page.locator('survey-classifier .url button').click()
    }
    const noRange = await outcomeOf(page, () => submitUrl('/no-range/data/small.parquet'))
    expect(noRange.type).toBe('error')
    expect(noRange.detail.message).toMatch(/no-range\/data\/small\.parquet does not support range requests/)
    expect(await messageText(page)).toContain('does not support range requests')

    await setAttributes(page, { models: 'seed-cnn-untrained' })
    const noCutouts = await outcomeOf(page, () => page.setInputFiles('survey-classifier input[type=file]', join(DATA, 'no-cutouts.parquet')))
    expect(noCutouts.type).toBe('error')
    expect(noCutouts.detail.message).toMatch(/no-cutouts\.parquet has no cutout column/)
    const wrongBands = await outcomeOf(page, () => page.setInputFiles('survey-classifier input[type=file]', join(DATA, 'wrong-bands.parquet')))
    expect(wrongBands.type).toBe('error')
    expect(wrongBands.detail.message).toMatch(/wrong-bands\.parquet cannot be used by model seed-cnn-untrained: it needs bands g,r,z.*missing g,r,z/)
    expect(await messageText(page)).toContain('cannot be used by model')

    const badBackend = await outcomeOf(page, async () => {
      await setAttributes(page, { backend: 'gpu' })
      await submitUrl('/data/small.parquet')
    })
    expect(badBackend.type).toBe('error')
    expect(badBackend.detail.message).toBe('survey-classifier: attribute backend must be auto, webgpu, wasm, cpu, got "gpu"')
    const badModels = await outcomeOf(page, async () => {
      await setAttributes(page, { backend: 'wasm', models: 'resnet' })
      await submitUrl('/data/small.parquet')
    })
    expect(badModels.type).toBe('error')
    expect(badModels.detail.message).toMatch(/pipeline "resnet" is unknown \(valid: default, cutouts-only, seed-cnn-untrained/)

    // still working: a URL read with range requests
    await setAttributes(page, { models: 'trivial' })
    const ok = await outcomeOf(page, () => submitUrl('/data/small.parquet'))
    expect(ok.type, JSON.stringify(ok.detail)).toBe('complete')
    expect(ok.detail.rows).toBe(8)
    expect(await page.locator('survey-classifier .message').isHidden()).toBe(true)
    await page.close()
  }, 90_000)

  it('cancel stops a running simulated-sample run and keeps the rows done so far', async () => {
    const page = await openPage('/')
    await setAttributes(page, { models: 'trivial', workers: '1', backend: 'wasm', 'sample-size': '100000', 'batch-size': '16' })
    const outcome = await outcomeOf(page, async () => {
      await page.locator('survey-classifier button.sample').click()
      await page.waitForFunction(() => (window as unknown as { events: { type: string; detail: { rowsDone: number } }[] }).events.some((e) => e.type === 'progress' && e.detail.rowsDone >= 32), undefined, { timeout: 60_000 })
      await page.locator('survey-classifier button.cancel').click()
    })
    expect(outcome.type).toBe('complete')
    expect(outcome.detail.cancelled).toBe(true)
    expect(outcome.detail.rows).toBeGreaterThanOrEqual(32)
    expect(outcome.detail.rows).toBeLessThan(100_000)
    const stored = await page.evaluate(() => (document.querySelector('survey-classifier') as unknown as { results: { rows: number } }).results.rows)
    expect(stored).toBe(outcome.detail.rows)
    expect(await page.locator('survey-classifier .message').innerText()).toMatch(/^Cancelled/)
    expect(await page.locator('survey-classifier button.cancel').isDisabled()).toBe(true)
    // cancelling at once (workers still starting) is not an error, and the next run works
    const early = await outcomeOf(page, async () => {
      await page.locator('survey-classifier button.sample').click()
      await page.locator('survey-classifier button.cancel').click()
    })
    expect(early.type === 'cancel' || (early.type === 'complete' && early.detail.cancelled === true), JSON.stringify(early)).toBe(true)
    await setAttributes(page, { 'sample-size': '20' })
    const again = await outcomeOf(page, () => page.locator('survey-classifier button.sample').click())
    expect(again.type, JSON.stringify(again.detail)).toBe('complete')
    expect(again.detail.rows).toBe(20)
    expect(again.detail.cancelled).toBe(false)
    await page.close()
  }, 90_000)

  it('renders a million-row table with a handful of row elements and scrolls to the last row', async () => {
    const page = await openPage('/')
    // a string, so the test runner does not rewrite the dynamic import
    const result = (await page.evaluate(`(async () => {
      const m = await import('/survey-classifier.js')
      const n = 1000000
      const store = new m.ResultStore([
        { name: 'id', kind: 'number', role: 'id', unit: '', description: '' },
        { name: 'status', kind: 'string', role: 'status', unit: '', description: '' },
        { name: 'p', kind: 'number', role: 'probability', unit: '', description: '' },
      ], 0)
      const id = new Float64Array(n).map((_, i) => i * 10)
      const p = new Float64Array(n).map((_, i) => (i % 1000) / 1000)
      store.append({ type: 'rows', rowStart: 0, numRows: n, columns: { id, status: new Array(n).fill('ok'), p }, thumbs: undefined, thumbRows: 0 })
      const table = new m.VirtualTable(store)
      const host = document.createElement('div')
      document.body.append(host)
      host.append(table.element)
      table.render()
      const firstDom = table.domRows
      table.scrollToRow(n - 1)
      const rows = [...table.element.querySelectorAll('.body .row:not([hidden])')]
      const last = rows[rows.length - 1]
      return { firstDom, dom: table.domRows, lastRow: last.dataset.row, lastCells: [...last.querySelectorAll('.cell')].map((c) => c.textContent) }
    })()`)) as { firstDom: number; dom: number; lastRow: string; lastCells: string[] }
    expect(result.firstDom).toBeLessThan(40)
    expect(result.dom).toBeLessThan(40)
    expect(result.lastRow).toBe('999999')
    expect(result.lastCells).toEqual(['1000000', '9999990', 'ok', '0.9990'])
    await page.close()
  })

  it('classifyInBrowser (the plain JS API) classifies the simulated sample and converts the output to CSV', async () => {
    const page = await openPage('/')
    const result = (await page.evaluate(`(async () => {
      const { classifyInBrowser } = await import('/survey-classifier.js')
      const progress = []
      const run = await classifyInBrowser({ input: { sample: 24, seed: 3 }, models: 'trivial', workers: 1, backend: 'wasm', batchSize: 8, onProgress: (p) => progress.push([p.rowsDone, p.backend]) })
      const csv = await (await run.download('csv')).text()
      const lines = csv.trimEnd().split('\\r\\n')
      return { rows: run.summary.rowsDone, stored: run.results.rows, columns: run.results.columns.map((c) => c.name), progress, header: lines[0].split(','), lines: lines.length, parquetMagic: new TextDecoder().decode(await run.output.slice(0, 4).arrayBuffer()) }
    })()`)) as { rows: number; stored: number; columns: string[]; progress: [number, string][]; header: string[]; lines: number; parquetMagic: string }
    expect(result.rows).toBe(24)
    expect(result.stored).toBe(24)
    expect(result.columns).toEqual(expect.arrayContaining(['id', 'status', 'pixel_mean', 'mag_r', 'truth_z']))
    expect(result.progress).toEqual([[8, 'none'], [16, 'none'], [24, 'none']])
    expect(result.parquetMagic).toBe('PAR1')
    expect(result.lines).toBe(25)
    expect(result.header).toEqual(expect.arrayContaining(['id', 'ra', 'dec', 'mag_r', 'status', 'pixel_mean']))
    expect(result.header).not.toContain('cutout')
    await page.close()
  })

  it('reads Arrow IPC streams and PNG-encoded cutouts (thumbnails decoded in the worker)', async () => {
    const page = await openPage('/')
    await setAttributes(page, { models: 'trivial', workers: '2', backend: 'wasm', 'batch-size': '16' })
    for (const name of ['arrow-stream.arrows', 'png.parquet']) {
      const expected = JSON.parse(await readFile(join(FIXTURES, name.replace(/\.[^.]+$/, '.expected.json')), 'utf8')) as { tolerance: number; rows: { status: string; pixel_mean: number | null }[] }
      const outcome = await outcomeOf(page, () => dropFile(page, join(FIXTURES, name), name))
      expect(outcome.type, JSON.stringify(outcome.detail)).toBe('complete')
      expect(outcome.detail.rows).toBe(expected.rows.length)
      const store = await page.evaluate(() => {
        const el = document.querySelector('survey-classifier') as unknown as { results: { thumbRows: number; toObjects(): Record<string, unknown>[] } }
        const canvas = document.querySelector('survey-classifier')!.shadowRoot!.querySelector('canvas.thumb') as HTMLCanvasElement
        const lit = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data.filter((v, i) => i % 4 !== 3 && v > 0).length
        return { thumbRows: el.results.thumbRows, objects: el.results.toObjects(), lit }
      })
      expect(store.thumbRows, name).toBe(expected.rows.length)
      expect(store.lit, name).toBeGreaterThan(0)
      store.objects.forEach((row, i) => {
        expect(row['status'], `${name} row ${i}`).toBe(expected.rows[i]!.status)
        const want = expected.rows[i]!.pixel_mean
        if (want === null) expect(row['pixel_mean']).toBeNull()
        else expect(Math.abs((row['pixel_mean'] as number) - want), `${name} row ${i}`).toBeLessThanOrEqual(expected.tolerance)
      })
    }
    await page.close()
  }, 60_000)

  it('loads its script, models and wasm from another origin; worker scripts come from the portal (worker-base)', async () => {
    const page = await openPage('/', portal.url)
    const refused = await outcomeOf(page, () => page.setInputFiles('survey-classifier input[type=file]', join(DATA, 'small.parquet')))
    expect(refused.type).toBe('error')
    expect(refused.detail.message).toMatch(/is not on this page's origin.*set worker-base/)
    expect(await messageText(page)).toContain('worker-base')
    await setAttributes(page, { 'worker-base': '/sc-workers/' })
    const outcome = await outcomeOf(page, () => page.setInputFiles('survey-classifier input[type=file]', join(DATA, 'small.parquet')))
    expect(outcome.type, JSON.stringify(outcome.detail)).toBe('complete')
    expect(outcome.detail.rows).toBe(8)
    expect(outcome.detail.backend).toBe('wasm')
    await page.close()
  }, 60_000)

  it('logged no console errors (pages and workers, CSP violations included)', () => {
    expect(consoleErrors).toEqual([])
  })
})

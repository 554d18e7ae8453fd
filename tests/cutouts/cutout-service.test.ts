import { createServer, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, beforeEach, describe, expect, expectTypeOf, it } from 'vitest'
import { expandCutoutUrl, fetchCutouts, type CutoutFetchResult, type CutoutFetchStatus } from '../../src/cutouts/cutout-service.js'
import { decodeFits, encodeFits } from '../../src/cutouts/fits.js'

// A real local cutout service. The path is the row id; the id's prefix picks the behaviour.
let server: Server
let base = ''
const hits = new Map<string, number>()
let inFlight = 0
let maxInFlight = 0
const held: ServerResponse[] = []
let gate: (() => void)[] = []
let gateTimer: ReturnType<typeof setTimeout> | undefined
const GATE = 4

function serveFits(res: ServerResponse, url: URL, id: string): void {
  // The image carries what the server saw, so tests can check URL expansion and ordering.
  const n = Number(id.split('-')[1])
  const data = Float64Array.from([n, Number(url.searchParams.get('ra')), Number(url.searchParams.get('dec')), Number(url.searchParams.get('size'))])
  const body = encodeFits({ width: 4, height: 1, depth: 1, data: Float32Array.from(data) }, -64, {
    header: { BANDS: url.searchParams.get('bands') ?? '' },
  })
  inFlight--
  res.writeHead(200, { 'content-type': 'application/fits' }).end(body)
}

function fail(res: ServerResponse, code: number, headers: Record<string, string> = {}): void {
  inFlight--
  res.writeHead(code, headers).end(`error ${code}`)
}

beforeAll(async () => {
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost')
    const id = decodeURIComponent(url.pathname.slice(1))
    const count = (hits.get(id) ?? 0) + 1
    hits.set(id, count)
    inFlight++
    maxInFlight = Math.max(maxInFlight, inFlight)
    const kind = id.split('-')[0]
    if (kind === 'ok') serveFits(res, url, id)
    else if (kind === 'flaky') (count <= 2 ? fail(res, 500) : serveFits(res, url, id))
    else if (kind === 'busy') (count === 1 ? fail(res, 429, { 'retry-after': '0' }) : serveFits(res, url, id))
    else if (kind === 'missing') fail(res, 404)
    else if (kind === 'forbidden') fail(res, 403)
    else if (kind === 'slow') {
      inFlight--
      held.push(res) // never answered within the client's timeout
    } else if (kind === 'delay') setTimeout(() => serveFits(res, url, id), Number(id.split('-')[2]))
    else if (kind === 'gated') {
      // Hold requests until none has arrived for 50 ms, then answer them all: the number
      // held at once is then the client's real concurrency (too many or too few both show).
      gate.push(() => serveFits(res, url, id))
      clearTimeout(gateTimer)
      gateTimer = setTimeout(() => {
        const waiting = gate
        gate = []
        for (const answer of waiting) answer()
      }, 50)
    } else fail(res, 400)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterAll(async () => {
  for (const res of held) res.destroy()
  server.closeAllConnections()
  await new Promise<void>((resolve) => server.close(() => resolve()))
})

beforeEach(() => {
  hits.clear()
  inFlight = 0
  maxInFlight = 0
})

const template = () => `${base}/{id}?ra={ra}&dec={dec}&size={size}&bands={bands}`
const fast = { size: 64, bands: ['g', 'r', 'z'], backoffMs: 1, timeoutMs: 5000 }

function values(result: CutoutFetchResult | undefined): number[] {
  if (!result?.ok) throw new Error(`expected ok, got ${JSON.stringify(result)}`)
  return Array.from(decodeFits(result.bytes).data)
}

describe('expandCutoutUrl', () => {
  it('substitutes every placeholder', () => {
    expect(expandCutoutUrl('https://svc/c?ra={ra}&dec={dec}&size={size}&bands={bands}&id={id}', { ra: 150.125, dec: -2.5, id: 'a b/c' }, 64, ['g', 'r', 'z'])).toBe(
      'https://svc/c?ra=150.125&dec=-2.5&size=64&bands=grz&id=a%20b%2Fc',
    )
  })

  it('writes tiny coordinates without exponents, bigint ids, and multi-letter bands with commas', () => {
    expect(expandCutoutUrl('{ra},{dec},{id},{bands}', { ra: 1e-7, dec: -3e-9, id: 123456789012345678901n }, 32, ['VIS', 'Y'])).toBe(
      '0.0000001,-0.000000003,123456789012345678901,VIS%2CY',
    )
  })

  it('rejects unknown placeholders listing the valid ones', () => {
    expect(() => expandCutoutUrl('https://svc/{ra}/{pixscale}', { ra: 1, dec: 2, id: 3 }, 64, ['r'])).toThrow(
      'cutout-service: unknown placeholder {pixscale} in template "https://svc/{ra}/{pixscale}" (valid: {ra}, {dec}, {id}, {size}, {bands})',
    )
  })
})

describe('fetchCutouts against a local HTTP server', () => {
  it('fetches FITS cutouts with the row coordinates, in input order', async () => {
    const rows = [
      { ra: 10.5, dec: -1.25, id: 'delay-0-150' },
      { ra: 20, dec: 30, id: 'delay-1-0' },
      { ra: 359.9, dec: 89.5, id: 'delay-2-60' },
    ]
    const results = await fetchCutouts(rows, { ...fast, template: template(), concurrency: 3 })
    expect(results.map((r) => r.ok)).toEqual([true, true, true])
    expect(values(results[0])).toEqual([0, 10.5, -1.25, 64])
    expect(values(results[1])).toEqual([1, 20, 30, 64])
    expect(values(results[2])).toEqual([2, 359.9, 89.5, 64].map(Math.fround))
    if (results[0]?.ok) expect(decodeFits(results[0].bytes).header['BANDS']).toBe('grz')
  })

  it('retries 500s with backoff until success', async () => {
    const [result] = await fetchCutouts([{ ra: 1, dec: 2, id: 'flaky-7' }], { ...fast, template: template() })
    expect(result).toMatchObject({ ok: true, attempts: 3 })
    expect(values(result)).toEqual([7, 1, 2, 64])
    expect(hits.get('flaky-7')).toBe(3)
  })

  it('gives up on 500s after the configured retries', async () => {
    const [result] = await fetchCutouts([{ ra: 1, dec: 2, id: 'flaky-8' }], { ...fast, template: template(), retries: 1 })
    expect(result).toMatchObject({ ok: false, status: 'cutout-http-500', attempts: 2 })
    expect(result?.ok === false && result.message).toMatch(/HTTP 500 .* \(after 2 attempts\)/)
    expect(hits.get('flaky-8')).toBe(2)
  })

  it('retries 429 honouring Retry-After', async () => {
    const [result] = await fetchCutouts([{ ra: 1, dec: 2, id: 'busy-3' }], { ...fast, template: template() })
    expect(result).toMatchObject({ ok: true, attempts: 2 })
  })

  it('does not retry 404 or other client errors', async () => {
    const results = await fetchCutouts(
      [
        { ra: 1, dec: 2, id: 'missing-1' },
        { ra: 1, dec: 2, id: 'forbidden-1' },
      ],
      { ...fast, template: template() },
    )
    expect(results).toMatchObject([
      { ok: false, status: 'cutout-http-404', attempts: 1 },
      { ok: false, status: 'cutout-http-403', attempts: 1 },
    ])
    expect(hits.get('missing-1')).toBe(1)
    expect(hits.get('forbidden-1')).toBe(1)
  })

  it('times out slow responses, retrying each', async () => {
    const [result] = await fetchCutouts([{ ra: 1, dec: 2, id: 'slow-1' }], { ...fast, template: template(), timeoutMs: 150, retries: 1 })
    expect(result).toMatchObject({ ok: false, status: 'cutout-timeout', attempts: 2 })
    expect(result?.ok === false && result.message).toMatch(/no complete response within 150 ms/)
    expect(hits.get('slow-1')).toBe(2)
  })

  it('reports network errors after retrying', async () => {
    const closed = createServer()
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
    const port = (closed.address() as AddressInfo).port
    await new Promise<void>((resolve) => closed.close(() => resolve()))
    const [result] = await fetchCutouts([{ ra: 1, dec: 2, id: 'x' }], { ...fast, template: `http://127.0.0.1:${port}/{id}`, retries: 2 })
    expect(result).toMatchObject({ ok: false, status: 'cutout-network-error', attempts: 3 })
  })

  it('keeps a failing row from failing the batch, one result per row', async () => {
    const rows = [
      { ra: 1, dec: 1, id: 'ok-1' },
      { ra: 1, dec: 1, id: 'missing-2' },
      { ra: Number.NaN, dec: 1, id: 'ok-3' },
      { ra: 1, dec: 1, id: 'flaky-4' },
      { ra: 1, dec: 1, id: 'ok-5' },
    ]
    const results = await fetchCutouts(rows, { ...fast, template: template(), concurrency: 2 })
    expect(results.map((r) => (r.ok ? 'ok' : r.status))).toEqual(['ok', 'cutout-http-404', 'cutout-bad-coordinates', 'ok', 'ok'])
    expect(values(results[4])[0]).toBe(5)
    expect(hits.has('ok-3')).toBe(false)
  })

  it('never has more than `concurrency` requests in flight, and does use that many', async () => {
    const rows = Array.from({ length: 12 }, (_, i) => ({ ra: i, dec: 0, id: `gated-${i}` }))
    const results = await fetchCutouts(rows, { ...fast, template: template(), concurrency: GATE })
    expect(results.every((r) => r.ok)).toBe(true)
    expect(results.map((r) => values(r)[0])).toEqual(rows.map((_, i) => i))
    expect(maxInFlight).toBe(GATE)
  })

  it('aborts in-flight requests and rejects with the signal reason', async () => {
    const controller = new AbortController()
    const rows = Array.from({ length: 6 }, (_, i) => ({ ra: i, dec: 0, id: `slow-abort-${i}` }))
    const pending = fetchCutouts(rows, { ...fast, template: template(), concurrency: 2, signal: controller.signal })
    setTimeout(() => controller.abort(new Error('user cancelled')), 100)
    await expect(pending).rejects.toThrow('user cancelled')
    // Only the first two rows were started; the rest never reached the server.
    expect(hits.size).toBe(2)
  })

  it('rejects an invalid template before making any request', async () => {
    await expect(fetchCutouts([{ ra: 1, dec: 2, id: 'ok-1' }], { ...fast, template: `${base}/{id}?r={radius}` })).rejects.toThrow(/unknown placeholder \{radius\}/)
    expect(hits.size).toBe(0)
  })
})

describe('fetchCutouts with injected fetch and jitter', () => {
  it('uses the injected fetch and draws one jitter value per retry', async () => {
    const urls: string[] = []
    const fakeFetch: typeof globalThis.fetch = async (input) => {
      urls.push(String(input))
      return new Response('overloaded', { status: 503 })
    }
    let draws = 0
    const [result] = await fetchCutouts([{ ra: 5, dec: 6, id: 9 }], {
      template: 'https://cutouts.example/{id}.fits?ra={ra}&dec={dec}',
      size: 32,
      bands: ['r'],
      retries: 3,
      backoffMs: 0,
      fetch: fakeFetch,
      random: () => {
        draws++
        return 0.5
      },
    })
    expect(result).toMatchObject({ ok: false, status: 'cutout-http-503', attempts: 4 })
    expect(urls).toEqual(Array(4).fill('https://cutouts.example/9.fits?ra=5&dec=6'))
    expect(draws).toBe(3)
  })

  it('types results as a union narrowed by ok', () => {
    expectTypeOf(fetchCutouts).returns.resolves.toEqualTypeOf<CutoutFetchResult[]>()
    const narrow = (r: CutoutFetchResult) => (r.ok ? r.bytes : r.status)
    expectTypeOf(narrow).returns.toEqualTypeOf<Uint8Array | CutoutFetchStatus>()
    expectTypeOf<'cutout-http-404'>().toMatchTypeOf<CutoutFetchStatus>()
  })

  it('treats an empty 200 body as a failed row', async () => {
    const [result] = await fetchCutouts([{ ra: 5, dec: 6, id: 9 }], {
      template: 'https://cutouts.example/{id}',
      size: 32,
      bands: ['r'],
      fetch: async () => new Response(new Uint8Array(0), { status: 200 }),
    })
    expect(result).toMatchObject({ ok: false, status: 'cutout-empty', attempts: 1 })
  })
})

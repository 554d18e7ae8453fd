/**
 * Fetching cutouts from an HTTP cutout service (for catalogs without a cutout
 * column): URL templates, bounded concurrency, retries with exponential
 * backoff, per-attempt timeouts and cancellation. A failing row becomes a
 * status, never a failed batch.
 */
import { mulberry32 } from '../random.js'

/** A catalog row as far as a cutout service needs it. */
export interface CutoutServiceRow {
  /** Right ascension in degrees. */
  ra: number
  /** Declination in degrees. */
  dec: number
  id: string | number | bigint
}

/** Options for {@link fetchCutouts}. */
export interface CutoutServiceOptions {
  /**
   * URL with `{ra}`, `{dec}`, `{id}`, `{size}` and `{bands}` placeholders, e.g.
   * `https://www.legacysurvey.org/viewer/fits-cutout?ra={ra}&dec={dec}&size={size}&bands={bands}&layer=ls-dr10`.
   */
  template: string
  /** Cutout size in pixels, substituted for `{size}`. */
  size: number
  /** Bands substituted for `{bands}` (see {@link expandCutoutUrl}). */
  bands: readonly string[]
  /** Requests in flight at once. Default 8. */
  concurrency?: number
  /** Retries after the first attempt on network errors, timeouts, 408, 429 and 5xx. Default 3. */
  retries?: number
  /**
   * Base backoff in ms: retry k (0-based) waits backoffMs × 2^k × a jitter
   * factor in [0.5, 1), or the server's Retry-After if longer (capped at 60 s). Default 250.
   */
  backoffMs?: number
  /** Per-attempt timeout in ms, covering headers and body. Default 30000. */
  timeoutMs?: number
  /** The fetch to use. Default `globalThis.fetch` (looked up at call time). */
  fetch?: typeof globalThis.fetch
  /** Cancels the whole call: in-flight requests are aborted and the promise rejects with the signal's reason. */
  signal?: AbortSignal
  /** Source of jitter in [0, 1). Default: a PRNG seeded with `seed`. */
  random?: () => number
  /** Seed of the default jitter PRNG. Default 1. */
  seed?: number
  /** Extra request headers (e.g. an API token). */
  headers?: Readonly<Record<string, string>>
}

/** Per-row failure statuses produced by {@link fetchCutouts}. */
export type CutoutFetchStatus =
  | `cutout-http-${number}`
  | 'cutout-timeout'
  | 'cutout-network-error'
  | 'cutout-empty'
  | 'cutout-bad-coordinates'

/** The outcome for one row of {@link fetchCutouts}; `attempts` counts requests made. */
export type CutoutFetchResult =
  | { ok: true; bytes: Uint8Array; attempts: number }
  | { ok: false; status: CutoutFetchStatus; message: string; attempts: number }

const PLACEHOLDERS = ['ra', 'dec', 'id', 'size', 'bands'] as const
const MAX_RETRY_AFTER_MS = 60_000

function formatCoordinate(value: number): string {
  const text = String(value)
  if (!/e/i.test(text)) return text
  // Services rarely parse exponents; 1e-7 deg → 0.0000001.
  return value.toFixed(12).replace(/\.?0+$/, '')
}

/**
 * Expands a cutout-service URL template for one row.
 *
 * ```ts
 * expandCutoutUrl('https://svc/cutout?ra={ra}&dec={dec}&size={size}&bands={bands}', { ra: 150.1, dec: 2.2, id: 7 }, 64, ['g', 'r', 'z'])
 * // → 'https://svc/cutout?ra=150.1&dec=2.2&size=64&bands=grz'
 * ```
 *
 * `{ra}`/`{dec}` are written in plain decimal, `{id}` URL-encoded, `{bands}`
 * joined with no separator when every band is one character ('grz') and with
 * commas otherwise ('VIS,Y,J'). Throws `cutout-service: unknown placeholder
 * {x} ... (valid: ...)` for unknown placeholders and on non-finite coordinates.
 */
export function expandCutoutUrl(
  template: string,
  row: { ra: number; dec: number; id: string | number | bigint },
  size: number,
  bands: readonly string[],
): string {
  return template.replace(/\{([^{}]*)\}/g, (match, name: string) => {
    switch (name) {
      case 'ra':
      case 'dec': {
        const value = row[name]
        if (typeof value !== 'number' || !Number.isFinite(value)) {
          throw new Error(`cutout-service: ${name} ${String(value)} of row ${String(row.id)} is not a finite number`)
        }
        return formatCoordinate(value)
      }
      case 'id':
        return encodeURIComponent(String(row.id))
      case 'size':
        return String(size)
      case 'bands':
        return encodeURIComponent(bands.every((b) => b.length === 1) ? bands.join('') : bands.join(','))
      default:
        throw new Error(
          `cutout-service: unknown placeholder ${match} in template ${JSON.stringify(template)} (valid: ${PLACEHOLDERS.map((p) => `{${p}}`).join(', ')})`,
        )
    }
  })
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('the operation was aborted', 'AbortError')
}

/** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortReason(signal))
      return
    }
    const onAbort = (): void => {
      clearTimeout(timer)
      reject(abortReason(signal as AbortSignal))
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}

function retryAfterMs(response: Response): number | undefined {
  const header = response.headers.get('retry-after')
  if (!header) return undefined
  const seconds = Number(header)
  if (Number.isFinite(seconds) && seconds >= 0) return Math.min(seconds * 1000, MAX_RETRY_AFTER_MS)
  const date = Date.parse(header)
  if (Number.isFinite(date)) return Math.min(Math.max(0, date - Date.now()), MAX_RETRY_AFTER_MS)
  return undefined
}

type Attempt =
  | { kind: 'ok'; bytes: Uint8Array }
  | { kind: 'fail'; status: CutoutFetchStatus; message: string; retry: boolean; waitMs?: number }

const TIMEOUT = Symbol('timeout')

async function attemptOnce(
  url: string,
  fetchFn: typeof globalThis.fetch,
  timeoutMs: number,
  headers: Readonly<Record<string, string>> | undefined,
  outer: AbortSignal | undefined,
): Promise<Attempt> {
  const controller = new AbortController()
  let timedOut = false
  const timer = setTimeout(() => {
    timedOut = true
    controller.abort(TIMEOUT)
  }, timeoutMs)
  const onOuterAbort = (): void => controller.abort(outer?.reason)
  outer?.addEventListener('abort', onOuterAbort, { once: true })
  try {
    const init: RequestInit = { signal: controller.signal }
    if (headers) init.headers = { ...headers }
    const response = await fetchFn(url, init)
    if (!response.ok) {
      // Drain so the connection can be reused; errors here do not matter.
      await response.body?.cancel().catch(() => undefined)
      const code = response.status
      const retry = code === 408 || code === 429 || code >= 500
      const waitMs = retry ? retryAfterMs(response) : undefined
      const failure: Attempt = {
        kind: 'fail',
        status: `cutout-http-${code}`,
        message: `cutout-service: HTTP ${code} ${response.statusText} for ${url}`,
        retry,
      }
      if (waitMs !== undefined) failure.waitMs = waitMs
      return failure
    }
    const bytes = new Uint8Array(await response.arrayBuffer())
    if (bytes.length === 0) {
      return { kind: 'fail', status: 'cutout-empty', message: `cutout-service: empty response for ${url}`, retry: false }
    }
    return { kind: 'ok', bytes }
  } catch (error) {
    if (outer?.aborted) throw abortReason(outer)
    if (timedOut) {
      return {
        kind: 'fail',
        status: 'cutout-timeout',
        message: `cutout-service: no complete response within ${timeoutMs} ms for ${url}`,
        retry: true,
      }
    }
    const reason = error instanceof Error ? `${error.message}${error.cause instanceof Error ? `: ${error.cause.message}` : ''}` : String(error)
    return { kind: 'fail', status: 'cutout-network-error', message: `cutout-service: ${reason} for ${url}`, retry: true }
  } finally {
    clearTimeout(timer)
    outer?.removeEventListener('abort', onOuterAbort)
  }
}

/**
 * Fetches one cutout per row from a cutout service.
 *
 * ```ts
 * const results = await fetchCutouts(rows, { template, size: 64, bands: ['g', 'r', 'z'], concurrency: 4 })
 * for (const r of results) if (r.ok) decodeCutoutBytes(r.bytes, ...) else markRow(r.status)
 * ```
 *
 * Resolves with one result per row, in input order. Failures are data:
 * `cutout-http-<code>` (404 and other 4xx are not retried; 408, 429 and 5xx
 * are), `cutout-timeout`, `cutout-network-error` (both retried),
 * `cutout-empty` and `cutout-bad-coordinates`. Rejects only for an invalid
 * template or options (before any request), or with the signal's reason
 * when `signal` aborts.
 */
export async function fetchCutouts(
  rows: readonly CutoutServiceRow[],
  options: CutoutServiceOptions,
): Promise<CutoutFetchResult[]> {
  const concurrency = options.concurrency ?? 8
  const retries = options.retries ?? 3
  const backoffMs = options.backoffMs ?? 250
  const timeoutMs = options.timeoutMs ?? 30_000
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new Error(`cutout-service: concurrency ${concurrency} must be a positive integer`)
  }
  if (!Number.isInteger(retries) || retries < 0) throw new Error(`cutout-service: retries ${retries} must be an integer ≥ 0`)
  if (!(backoffMs >= 0)) throw new Error(`cutout-service: backoffMs ${backoffMs} must be ≥ 0`)
  if (!(timeoutMs > 0)) throw new Error(`cutout-service: timeoutMs ${timeoutMs} must be > 0`)
  // Validate the template once, up front: a bad template is a configuration error, not a row failure.
  expandCutoutUrl(options.template, { ra: 0, dec: 0, id: '' }, options.size, options.bands)
  const fetchFn = options.fetch ?? globalThis.fetch
  if (typeof fetchFn !== 'function') throw new Error('cutout-service: no fetch function available')
  const random = options.random ?? mulberry32(options.seed ?? 1)
  const signal = options.signal
  if (signal?.aborted) throw abortReason(signal)

  const results = new Array<CutoutFetchResult>(rows.length)
  let next = 0

  const fetchRow = async (row: CutoutServiceRow): Promise<CutoutFetchResult> => {
    let url: string
    try {
      url = expandCutoutUrl(options.template, row, options.size, options.bands)
    } catch (error) {
      return {
        ok: false,
        status: 'cutout-bad-coordinates',
        message: error instanceof Error ? error.message : String(error),
        attempts: 0,
      }
    }
    for (let attempt = 0; ; attempt++) {
      const result = await attemptOnce(url, fetchFn, timeoutMs, options.headers, signal)
      if (result.kind === 'ok') return { ok: true, bytes: result.bytes, attempts: attempt + 1 }
      if (!result.retry || attempt >= retries) {
        const message = attempt > 0 ? `${result.message} (after ${attempt + 1} attempts)` : result.message
        return { ok: false, status: result.status, message, attempts: attempt + 1 }
      }
      const backoff = backoffMs * 2 ** attempt * (0.5 + 0.5 * random())
      await sleep(Math.max(backoff, result.waitMs ?? 0), signal)
    }
  }

  const worker = async (): Promise<void> => {
    while (next < rows.length) {
      if (signal?.aborted) throw abortReason(signal)
      const index = next++
      results[index] = await fetchRow(rows[index] as CutoutServiceRow)
    }
  }
  const workers = Array.from({ length: Math.min(concurrency, rows.length) }, worker)
  // allSettled first so no worker is left running unobserved, then surface the abort.
  const settled = await Promise.allSettled(workers)
  for (const s of settled) if (s.status === 'rejected') throw s.reason
  return results
}

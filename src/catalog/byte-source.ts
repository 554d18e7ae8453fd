/**
 * Random-access byte sources for catalogs: browser Blobs/Files and http(s)
 * URLs read with range requests. (Local files: see `src/node/fs-source.ts`.)
 */
import type { AsyncBuffer } from 'hyparquet'
import { SurveyError } from '../errors.js'

/** A random-access source plus a name for error messages. */
export interface NamedBuffer extends AsyncBuffer {
  readonly name: string
  /** Release the underlying file, when there is one. */
  close?(): Promise<void>
}

/** Wrap a Blob or File as a random-access buffer; only the requested ranges are read. */
export function blobBuffer(blob: Blob, name = (blob as { name?: string }).name ?? 'blob'): NamedBuffer {
  return {
    name,
    byteLength: blob.size,
    slice: (start, end) => blob.slice(start, end).arrayBuffer(),
  }
}

/** Options for {@link urlBuffer}. */
export interface UrlBufferOptions {
  /** fetch implementation; defaults to `globalThis.fetch`. */
  readonly fetch?: typeof globalThis.fetch
  readonly requestInit?: RequestInit
  readonly signal?: AbortSignal
}

/**
 * A random-access buffer over an http(s) URL, read with `Range` requests.
 *
 * The server must honour range requests: a catalog is never downloaded whole.
 * A server that answers a range request with the whole body (200 instead of
 * 206) is rejected with an error naming the URL, so a multi-GB catalog is not
 * silently fetched. Errors are thrown on the returned promise.
 */
export async function urlBuffer(url: string, options: UrlBufferOptions = {}): Promise<NamedBuffer> {
  const fetchFn = options.fetch ?? globalThis.fetch
  const init = options.requestInit ?? {}
  const ranged = async (start: number, end: number): Promise<Response> => {
    const headers = new Headers(init.headers)
    headers.set('Range', `bytes=${start}-${end - 1}`)
    let res: Response
    try {
      res = await fetchFn(url, { ...init, headers, ...(options.signal ? { signal: options.signal } : {}) })
    } catch (cause) {
      throw new SurveyError('input', `catalog url ${url} could not be fetched: ${String(cause)}`, { cause })
    }
    if (res.status === 200) {
      await res.body?.cancel()
      throw new SurveyError('input', `catalog url ${url} does not support range requests (answered 200 to a Range request); serve it from a server that honours Range, or download it first`)
    }
    if (res.status !== 206) {
      await res.body?.cancel()
      throw new SurveyError('input', `catalog url ${url} answered HTTP ${res.status} to a range request`)
    }
    return res
  }
  const probe = await ranged(0, 1)
  const contentRange = probe.headers.get('Content-Range') ?? ''
  await probe.arrayBuffer()
  const match = /\/(\d+)\s*$/.exec(contentRange)
  if (!match) throw new SurveyError('input', `catalog url ${url} sent no total length in Content-Range ("${contentRange}")`)
  const byteLength = Number(match[1])
  return {
    name: url,
    byteLength,
    async slice(start, end = byteLength) {
      if (end <= start) return new ArrayBuffer(0)
      const res = await ranged(start, end)
      return res.arrayBuffer()
    },
  }
}

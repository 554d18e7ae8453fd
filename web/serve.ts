/**
 * A tiny static server for the built embed (`web/dist`), as a portal would
 * serve it: a strict Content-Security-Policy on every response, no
 * cross-origin isolation, proper MIME types (application/wasm), and Range
 * requests. Paths under `/no-range/` serve the same files but ignore Range
 * (200 with the whole body), to show how the embed rejects such servers.
 *
 * Run: `npx tsx web/serve.ts [--port N] [--root DIR] [--mount /prefix/=DIR]...`
 * Importable: `startServer(options)`.
 */
import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { dirname, extname, join, normalize, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'

const HERE = dirname(fileURLToPath(import.meta.url))

/** The policy the demo is served with; it is what the embed is built to work under. */
export const STRICT_CSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self'; style-src 'self'; object-src 'none'; base-uri 'self'"

const MIME: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.wasm': 'application/wasm',
  '.bin': 'application/octet-stream',
  '.parquet': 'application/vnd.apache.parquet',
  '.arrow': 'application/vnd.apache.arrow.file',
  '.arrows': 'application/vnd.apache.arrow.stream',
  '.csv': 'text/csv; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
}

/** Options for {@link startServer}. */
export interface ServeOptions {
  /** Folder served at `/`; default `web/dist`. */
  readonly root?: string
  /** Port; default 8080 (0 = any free port). */
  readonly port?: number
  /** Host to bind; default 127.0.0.1. */
  readonly host?: string
  /** Extra folders: URL prefix (with slashes, e.g. '/fixtures/') → folder. */
  readonly mounts?: Readonly<Record<string, string>>
  /** Content-Security-Policy header; default {@link STRICT_CSP}. */
  readonly csp?: string
  /** Send `Access-Control-Allow-Origin: *` (serving the assets to a portal on another origin); default false. */
  readonly cors?: boolean
}

/** A running server. */
export interface RunningServer {
  readonly server: Server
  /** Base URL, e.g. http://127.0.0.1:8080/ */
  readonly url: string
  close(): Promise<void>
}

function resolvePath(pathname: string, root: string, mounts: Readonly<Record<string, string>>): string | undefined {
  let base = root
  let rest = pathname
  for (const [prefix, dir] of Object.entries(mounts)) {
    if (pathname.startsWith(prefix)) {
      base = dir
      rest = pathname.slice(prefix.length - 1)
      break
    }
  }
  const full = normalize(join(base, decodeURIComponent(rest)))
  const rootDir = resolve(base)
  return full === rootDir || full.startsWith(rootDir + sep) ? full : undefined
}

async function handle(req: IncomingMessage, res: ServerResponse, options: Required<Pick<ServeOptions, 'root' | 'csp' | 'cors'>> & { mounts: Readonly<Record<string, string>> }): Promise<void> {
  res.setHeader('Content-Security-Policy', options.csp)
  res.setHeader('X-Content-Type-Options', 'nosniff')
  res.setHeader('Cache-Control', 'no-store')
  if (options.cors) {
    res.setHeader('Access-Control-Allow-Origin', '*')
    res.setHeader('Access-Control-Allow-Headers', 'Range')
    res.setHeader('Access-Control-Expose-Headers', 'Content-Range, Content-Length, Accept-Ranges')
  }
  if (req.method === 'OPTIONS') {
    res.writeHead(204).end()
    return
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { Allow: 'GET, HEAD' }).end()
    return
  }
  const url = new URL(req.url ?? '/', 'http://localhost')
  let pathname = url.pathname
  const noRange = pathname.startsWith('/no-range/')
  if (noRange) pathname = pathname.slice('/no-range'.length)
  if (pathname.endsWith('/')) pathname += 'index.html'
  const path = resolvePath(pathname, options.root, options.mounts)
  const info = path ? await stat(path).catch(() => undefined) : undefined
  if (!path || !info?.isFile()) {
    res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end(`not found: ${url.pathname}\n`)
    return
  }
  const type = MIME[extname(path).toLowerCase()] ?? 'application/octet-stream'
  const size = info.size
  const range = noRange ? undefined : req.headers.range
  if (!noRange) res.setHeader('Accept-Ranges', 'bytes')
  if (range) {
    const m = /^bytes=(\d*)-(\d*)$/.exec(range.trim())
    let start = m && m[1] !== '' ? Number(m[1]) : NaN
    let end = m && m[2] !== '' ? Number(m[2]) : size - 1
    if (m && m[1] === '' && m[2] !== '') {
      start = Math.max(0, size - Number(m[2]))
      end = size - 1
    }
    if (!m || !(start >= 0) || start >= size || end < start) {
      res.writeHead(416, { 'Content-Range': `bytes */${size}` }).end()
      return
    }
    end = Math.min(end, size - 1)
    res.writeHead(206, { 'Content-Type': type, 'Content-Length': end - start + 1, 'Content-Range': `bytes ${start}-${end}/${size}` })
    if (req.method === 'HEAD') res.end()
    else createReadStream(path, { start, end }).pipe(res)
    return
  }
  res.writeHead(200, { 'Content-Type': type, 'Content-Length': size })
  if (req.method === 'HEAD') res.end()
  else createReadStream(path).pipe(res)
}

/**
 * Start the static server. Resolves once it listens; `close()` stops it.
 *
 * @example
 * const { url, close } = await startServer({ port: 0, mounts: { '/fixtures/': 'tests/fixtures' } })
 */
export async function startServer(options: ServeOptions = {}): Promise<RunningServer> {
  const resolved = {
    root: resolve(options.root ?? join(HERE, 'dist')),
    csp: options.csp ?? STRICT_CSP,
    cors: options.cors ?? false,
    mounts: Object.fromEntries(Object.entries(options.mounts ?? {}).map(([k, v]) => [k.endsWith('/') ? k : `${k}/`, resolve(v)])),
  }
  const server = createServer((req, res) => {
    handle(req, res, resolved).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' })
      res.end(`serve: ${String(error)}\n`)
    })
  })
  const host = options.host ?? '127.0.0.1'
  await new Promise<void>((ok, fail) => {
    server.once('error', fail)
    server.listen(options.port ?? 8080, host, () => ok())
  })
  const port = (server.address() as AddressInfo).port
  return {
    server,
    url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}/`,
    close: () => new Promise<void>((ok) => {
      server.closeAllConnections()
      server.close(() => ok())
    }),
  }
}

const invokedDirectly = process.argv[1] !== undefined && fileURLToPath(import.meta.url) === (await import('node:fs')).realpathSync(process.argv[1])
if (invokedDirectly) {
  const args = process.argv.slice(2)
  const value = (flag: string): string | undefined => {
    const at = args.indexOf(flag)
    return at >= 0 ? args[at + 1] : undefined
  }
  const mounts: Record<string, string> = {}
  args.forEach((a, i) => {
    if (a !== '--mount') return
    const [prefix, dir] = (args[i + 1] ?? '').split('=')
    if (!prefix || !dir) throw new Error(`serve: --mount expects /prefix/=DIR, got "${args[i + 1] ?? ''}"`)
    mounts[prefix] = dir
  })
  const port = value('--port') !== undefined ? Number(value('--port')) : 8080
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`serve: --port must be 0–65535, got "${value('--port')}"`)
  const root = value('--root')
  const host = value('--host')
  const running = await startServer({ port, mounts, cors: args.includes('--cors'), ...(root ? { root } : {}), ...(host ? { host } : {}) })
  process.stdout.write(`serving ${root ?? join(HERE, 'dist')} at ${running.url} (strict CSP; Range requests; /no-range/… ignores Range)\n`)
}

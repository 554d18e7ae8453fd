/**
 * zlib/gzip through the Compression Streams API, which browsers, Node 20+,
 * Deno and their workers all provide. Used by the PNG codec and for
 * gzip-compressed FITS cutouts.
 */
import { concatBytes } from '../bytes.js'

/** Formats accepted by {@link inflateBytes} and {@link deflateBytes}. */
export type CompressionFormatName = 'deflate' | 'gzip' | 'deflate-raw'

async function runTransform(
  stream: TransformStream<BufferSource, Uint8Array>,
  bytes: Uint8Array,
  maxBytes: number,
  what: string,
): Promise<Uint8Array> {
  const writer = stream.writable.getWriter()
  const reader = stream.readable.getReader()
  // Write and read concurrently: awaiting the write first would deadlock on
  // backpressure once the readable side's queue fills.
  const written = writer.write(bytes as Uint8Array<ArrayBuffer>).then(() => writer.close())
  // A write failure also errors the readable side, where it is reported.
  written.catch(() => undefined)
  const parts: Uint8Array[] = []
  let total = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    total += value.length
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined)
      throw new Error(`${what}: decompressed data exceeds the expected ${maxBytes} bytes`)
    }
    parts.push(value)
  }
  await written
  if (parts.length === 1 && parts[0]) return parts[0]
  return concatBytes(parts)
}

/**
 * Decompresses `bytes` (zlib 'deflate', 'gzip' or 'deflate-raw').
 *
 * Rejects with `<what>: corrupt or truncated <format> data (...)` when the
 * stream is invalid or ends early, and when the output would exceed
 * `maxBytes` (default 512 MiB), so corrupt input never hangs or balloons.
 */
export async function inflateBytes(
  bytes: Uint8Array,
  format: CompressionFormatName,
  what: string,
  maxBytes = 512 * 1024 * 1024,
): Promise<Uint8Array> {
  try {
    return await runTransform(new DecompressionStream(format), bytes, maxBytes, what)
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    if (message.startsWith(`${what}:`)) throw error
    throw new Error(`${what}: corrupt or truncated ${format} data (${message})`, { cause: error })
  }
}

/** Compresses `bytes` with zlib 'deflate', 'gzip' or 'deflate-raw'. */
export async function deflateBytes(bytes: Uint8Array, format: CompressionFormatName): Promise<Uint8Array> {
  return runTransform(new CompressionStream(format), bytes, Number.POSITIVE_INFINITY, 'compress')
}

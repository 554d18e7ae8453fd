/**
 * Node file adapters: random-access file buffers, byte streams and file sinks.
 */
import { createReadStream } from 'node:fs'
import { mkdir, open, rename, rm, stat, type FileHandle } from 'node:fs/promises'
import { dirname } from 'node:path'
import { SurveyError } from '../errors.js'
import type { NamedBuffer } from '../catalog/byte-source.js'
import type { ByteSink } from '../catalog/sink.js'

/**
 * A random-access buffer over a local file; reads only the requested ranges.
 * Missing or unreadable files throw an error naming the path.
 */
export async function fileBuffer(path: string): Promise<NamedBuffer & { close(): Promise<void> }> {
  let handle: FileHandle
  let size: number
  try {
    const info = await stat(path)
    if (!info.isFile()) throw new SurveyError('input', `catalog ${path} is not a file`)
    size = info.size
    handle = await open(path, 'r')
  } catch (cause) {
    if (cause instanceof SurveyError) throw cause
    const code = (cause as { code?: string }).code
    throw new SurveyError('input', code === 'ENOENT' ? `catalog ${path} does not exist` : `catalog ${path} cannot be opened: ${String(cause)}`, { cause })
  }
  return {
    name: path,
    byteLength: size,
    async slice(start, end = size) {
      const length = Math.max(0, Math.min(end, size) - start)
      const out = new Uint8Array(length)
      let done = 0
      while (done < length) {
        const { bytesRead } = await handle.read(out, done, length - done, start + done)
        if (bytesRead === 0) throw new SurveyError('input', `catalog ${path} ended at byte ${start + done}, expected ${start + length} (truncated while reading?)`)
        done += bytesRead
      }
      return out.buffer
    },
    close: () => handle.close(),
  }
}

/** A byte stream over a local file (for Arrow IPC). */
export function fileStream(path: string): AsyncIterable<Uint8Array> {
  return createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Uint8Array>
}

/**
 * A sink writing to `path`. Bytes go to `path + '.partial'` and the file is
 * renamed into place on close, so `path` only ever holds a complete catalog;
 * `abort()` removes the partial file.
 */
export async function fileSink(path: string): Promise<ByteSink> {
  const partial = `${path}.partial`
  let handle: FileHandle
  try {
    // a missing output folder is created, as users expect of `-o out/annotated.parquet`
    await mkdir(dirname(path), { recursive: true })
    handle = await open(partial, 'w')
  } catch (cause) {
    throw new SurveyError('output', `output ${path} cannot be created: ${String(cause)}`, { cause })
  }
  return {
    name: path,
    async write(bytes) {
      let done = 0
      while (done < bytes.byteLength) {
        const { bytesWritten } = await handle.write(bytes, done, bytes.byteLength - done)
        done += bytesWritten
      }
    },
    async close() {
      await handle.close()
      await rename(partial, path)
    },
    async abort() {
      await handle.close().catch(() => {})
      await rm(partial, { force: true })
    },
  }
}

/**
 * Byte sinks: where writers put the bytes of an output catalog.
 */
import { concatBytes } from '../bytes.js'

/** An append-only destination for an output catalog's bytes. */
export interface ByteSink {
  /** Name used in messages (a path, or "memory"). */
  readonly name: string
  /**
   * Append bytes; the promise settles when the sink can take more (backpressure).
   * The bytes are the caller's again once it settles (writers reuse their
   * buffers): a sink that keeps them past that must copy them.
   */
  write(bytes: Uint8Array): Promise<void>
  /** Flush and close; the output is complete. */
  close(): Promise<void>
  /** Stop and discard what was written (remove a partial file). */
  abort(): Promise<void>
}

/** An in-memory sink (browser downloads, tests); `bytes()` joins the chunks once closed. */
export interface MemorySink extends ByteSink {
  bytes(): Uint8Array
  blob(type?: string): Blob
}

/** Create an in-memory {@link ByteSink}. */
export function memorySink(name = 'memory'): MemorySink {
  let parts: Uint8Array[] = []
  return {
    name,
    write: async (bytes) => {
      parts.push(bytes.slice())
    },
    close: async () => {},
    abort: async () => {
      parts = []
    },
    bytes: () => concatBytes(parts),
    blob: (type = 'application/octet-stream') => new Blob(parts as BlobPart[], { type }),
  }
}

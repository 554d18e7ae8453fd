import type { CatalogChunk } from './types.js'

/** Writes an output catalog one chunk at a time. */
export interface CatalogWriter {
  /** Append rows; resolves when they are encoded and handed to the sink. */
  write(chunk: CatalogChunk): Promise<void>
  /** Finish the file, adding `metadata` (e.g. run provenance) where the format allows. */
  close(metadata?: Readonly<Record<string, string>>): Promise<void>
  /** Stop and discard the output. */
  abort(): Promise<void>
  /** Rows written so far. */
  readonly rowsWritten: number
}

import type { CatalogChunk, ColumnValues } from '../catalog/types.js'
import { concatValues } from '../catalog/values.js'

/** A batch of rows cut from the catalog's chunks. */
export interface RowBatch extends CatalogChunk {
  readonly batchIndex: number
}

function sliceValues(values: ColumnValues, start: number, end: number): ColumnValues {
  return values.slice(start, end) as ColumnValues
}

/**
 * Re-slice a stream of chunks (row groups, record batches) into batches of
 * exactly `size` rows (the last may be shorter). Pull-based: a chunk is
 * requested only when the current one is used up.
 */
export async function* rebatch(chunks: AsyncIterable<CatalogChunk>, size: number): AsyncGenerator<RowBatch> {
  let batchIndex = 0
  let parts: CatalogChunk[] = []
  let held = 0
  let rowStart = 0
  const emit = (): RowBatch => {
    const names = Object.keys(parts[0]!.columns)
    const columns: Record<string, ColumnValues> = {}
    for (const name of names) {
      const pieces = parts.map((p) => p.columns[name]!)
      columns[name] = pieces.length === 1 ? pieces[0]! : concatValues(pieces)
    }
    const batch: RowBatch = { batchIndex: batchIndex++, rowStart, numRows: held, columns }
    rowStart += held
    parts = []
    held = 0
    return batch
  }
  for await (const chunk of chunks) {
    let offset = 0
    while (offset < chunk.numRows) {
      const take = Math.min(size - held, chunk.numRows - offset)
      const columns: Record<string, ColumnValues> = {}
      for (const [name, values] of Object.entries(chunk.columns)) {
        columns[name] = offset === 0 && take === chunk.numRows ? values : sliceValues(values, offset, offset + take)
      }
      parts.push({ rowStart: chunk.rowStart + offset, numRows: take, columns })
      held += take
      offset += take
      if (held === size) yield emit()
    }
  }
  if (held > 0) yield emit()
}

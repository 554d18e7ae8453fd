/**
 * The simulated survey as a catalog source, streamed chunk by chunk (the
 * built-in sample that `npm start` classifies).
 */
import type { CatalogSource, ReadOptions } from '../catalog/source.js'
import { checkProjection } from '../catalog/source.js'
import type { CatalogChunk, ColumnValues } from '../catalog/types.js'
import { simulateSurvey, simulationSchema, validateSimulateOptions, type SimulateOptions } from '../simulate/index.js'

/** A catalog source that simulates rows on demand; nothing is held beyond one chunk. */
export function simulatedSource(options: SimulateOptions, chunkSize = 256): CatalogSource {
  validateSimulateOptions(options)
  const schema = simulationSchema(options)
  const name = `simulated survey (n=${options.n}, seed=${options.seed})`
  const source: CatalogSource = {
    name,
    format: 'simulated',
    schema,
    numRows: options.n,
    chunks: (read: ReadOptions = {}) => {
      checkProjection(source, read.columns)
      return (async function* (): AsyncGenerator<CatalogChunk> {
        for (const chunk of simulateSurvey(options, chunkSize)) {
          read.signal?.throwIfAborted()
          if (!read.columns) {
            yield chunk
            continue
          }
          const columns: Record<string, ColumnValues> = {}
          for (const c of read.columns) columns[c] = chunk.columns[c]!
          yield { ...chunk, columns }
        }
      })()
    },
  }
  return source
}

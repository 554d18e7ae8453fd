/**
 * A trivial worker with the inference worker's contract: it decodes each
 * cutout and reports the mean of its finite pixels. Used to measure the
 * pipeline's own overhead and to test the plumbing without a model.
 */
import { PIXEL_MEAN_COLUMN } from '../catalogs/columns.js'
import type { InferenceBatch, InferenceResult, WorkerApi, WorkerInfo, WorkerInit } from '../src/protocol.js'
import { decodeBatch } from './model/inputs.js'

/** Create the trivial API (one per worker). */
export function createTrivialApi(): WorkerApi {
  return {
    async init(_init: WorkerInit): Promise<WorkerInfo> {
      return { backend: 'none' }
    },
    async infer(batch: InferenceBatch): Promise<InferenceResult> {
      const decoded = await decodeBatch(batch)
      const mean = new Float32Array(batch.numRows).fill(Number.NaN)
      for (let i = 0; i < batch.numRows; i++) {
        const row = decoded.rows[i]
        if (!row || decoded.status[i] !== 'ok') continue
        let sum = 0
        let count = 0
        for (let j = 0; j < row.pixels.length; j++) {
          const v = row.pixels[j]!
          if (Number.isFinite(v)) {
            sum += v
            count++
          }
        }
        mean[i] = count > 0 ? sum / count : Number.NaN
      }
      return { batchIndex: batch.batchIndex, numRows: batch.numRows, status: decoded.status, detail: decoded.detail, outputs: { [PIXEL_MEAN_COLUMN.name]: mean } }
    },
  }
}

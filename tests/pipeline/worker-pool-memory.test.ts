// The worker pool must not keep batch results alive: a pool that retains
// something per batch grows the process with the catalog's size.
import { expose } from 'comlink'
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { MessageChannel } from 'node:worker_threads'
import { describe, expect, it } from 'vitest'
import { WorkerPool, type WorkerHandle } from '../../src/pool/worker-pool.js'
import type { InferenceBatch, InferenceResult, WorkerApi } from '../../src/protocol.js'

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

/** A worker in this thread, over a MessageChannel: each result holds `rowsPerResult` strings. */
function inThreadSpawner(rowsPerResult: number) {
  return (): WorkerHandle => {
    const { port1, port2 } = new MessageChannel()
    const api: WorkerApi = {
      init: async () => ({ backend: 'none' }),
      infer: async (batch: InferenceBatch): Promise<InferenceResult> => ({
        batchIndex: batch.batchIndex,
        numRows: rowsPerResult,
        status: Array.from({ length: rowsPerResult }, (_, i) => `ok-${batch.batchIndex}-${i}`),
        detail: new Array<null>(rowsPerResult).fill(null),
        outputs: {},
      }),
    }
    expose(api, nodeEndpoint(port1))
    let stop: (error: Error) => void = () => {}
    const died = new Promise<Error>((resolve) => {
      stop = resolve
    })
    return {
      endpoint: nodeEndpoint(port2),
      died,
      terminate: () => {
        stop(new Error('stopped'))
        port1.close()
        port2.close()
      },
    }
  }
}

const emptyBatch = (batchIndex: number): InferenceBatch => ({
  batchIndex, rowStart: 0, numRows: 0, where: 'test',
  cutouts: { kind: 'encoded', data: new Uint8Array(0), offsets: new Int32Array(1), bands: [] },
  preStatus: [], preDetail: [],
})

describe('worker pool memory', () => {
  it('holds nothing of a batch once its result is returned, however many batches run', async () => {
    const pool = await WorkerPool.create({ size: 2, spawn: inThreadSpawner(2000), init: { backend: 'cpu', models: [], passes: 1, seed: 0 } })
    try {
      const runBatches = async (from: number, count: number) => {
        for (let i = from; i < from + count; i += 4) {
          const results = await Promise.all([0, 1, 2, 3].map((k) => pool.run(() => ({ batch: emptyBatch(i + k), transfer: [] }))))
          expect(results.map((r) => r.batchIndex)).toEqual([i, i + 1, i + 2, i + 3])
        }
      }
      await runBatches(0, 40)
      gc()
      const before = process.memoryUsage().heapUsed
      // 400 results × 2000 strings ≈ 40 MB if the pool kept them
      await runBatches(40, 400)
      gc()
      const grown = process.memoryUsage().heapUsed - before
      expect(grown).toBeLessThan(8 * 2 ** 20)
    } finally {
      await pool.terminate()
    }
  })
})

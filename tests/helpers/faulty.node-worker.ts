// A test worker: the trivial worker's API, failing on purpose on chosen
// batches (fault injection for the pool's crash recovery). The plan comes from
// the SURVEY_FAULTS environment variable: { dir, batches: { "<index>": { mode, times } } }.
// `times` failures per batch are counted with marker files in `dir`, so the
// count survives the worker being replaced.
import { expose } from 'comlink'
import { installErrorTransfer } from '../../src/pool/error-transfer.js'
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs'
import { existsSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parentPort } from 'node:worker_threads'
import type { InferenceBatch, WorkerApi } from '../../src/protocol.js'
import { createTrivialApi } from '../../workers/trivial-api.js'

interface FaultPlan {
  dir: string
  batches: Record<string, { mode: 'throw' | 'exit' | 'oom'; times: number }>
}

const plan = JSON.parse(process.env['SURVEY_FAULTS'] ?? '{"dir":"","batches":{}}') as FaultPlan
const inner = createTrivialApi()

function failuresSoFar(batch: number): number {
  return readdirSync(plan.dir).filter((f) => f.startsWith(`batch-${batch}-`)).length
}

const api: WorkerApi = {
  init: (config) => inner.init(config),
  async infer(batch: InferenceBatch) {
    const fault = plan.batches[String(batch.batchIndex)]
    if (fault && existsSync(plan.dir) && failuresSoFar(batch.batchIndex) < fault.times) {
      writeFileSync(join(plan.dir, `batch-${batch.batchIndex}-${failuresSoFar(batch.batchIndex)}`), '')
      if (fault.mode === 'throw') throw new Error(`injected failure on batch ${batch.batchIndex}`)
      if (fault.mode === 'exit') process.exit(3)
      // ordinary heap objects (typed arrays live outside the V8 heap limit)
      const hog: object[][] = []
      for (;;) hog.push(Array.from({ length: 1 << 16 }, (_, k) => ({ k })))
    }
    return inner.infer(batch)
  },
}

if (!parentPort) throw new Error('faulty worker must run in a worker thread')
installErrorTransfer()
expose(api, nodeEndpoint(parentPort))

/**
 * The inference worker's API: load models once, then annotate batches.
 * Plain module so tests can call it directly; `*.worker.ts` files expose it.
 */
import { NONFINITE_COLUMN, classLabels } from '../catalogs/columns.js'
import { SurveyError } from '../src/errors.js'
import type { InferenceBatch, InferenceResult, OutputValues, WorkerApi, WorkerInfo, WorkerInit } from '../src/protocol.js'
import { initBackend } from './model/backend.js'
import { decodeBatch, packInputs } from './model/inputs.js'
import { loadModel, runAdaptivePasses, runPasses, withSeededRandom, type LoadedModel } from './model/run-model.js'
import { classProbabilities, classifierColumns, summariseOutputs } from './model/summarise.js'

/** Create the inference API (one per worker). */
export function createInferenceApi(): WorkerApi {
  let config: WorkerInit | undefined
  let models: LoadedModel[] = []
  // The pool queues a second batch on a busy worker; batches still run one at a time, in order,
  // so each owns the seeded Math.random (MC dropout masks) and the backend while it runs.
  const serial = serialQueue()
  return {
    async init(init: WorkerInit): Promise<WorkerInfo> {
      const info = await initBackend(init.backend, init.wasmPath)
      models = []
      for (const payload of init.models) models.push(await loadModel(payload))
      config = init
      return info
    },
    infer: (batch: InferenceBatch): Promise<InferenceResult> => serial(async () => {
      const cfg = config
      if (!cfg) throw new SurveyError('worker', 'worker: infer called before init')
      const decoded = await decodeBatch(batch)
      const outputs: Record<string, OutputValues> = {}
      let nonFinite: Int32Array | undefined
      for (const loaded of models) {
        const packed = packInputs(decoded, loaded.manifest.input)
        nonFinite ??= packed.nonFinite
        const n = packed.index.length
        const maxBatch = cfg.maxTensorBatch ?? 32
        if (cfg.adaptive && loaded.manifest.output.kind !== 'mdn' && cfg.passes > 1) {
          const C = classLabels(loaded.manifest).length
          const adaptive = cfg.adaptive
          const { summary } = await withSeededRandom(cfg.seed, batch.batchIndex, () =>
            runAdaptivePasses(loaded, packed.x, n, cfg.passes, maxBatch, (raw, rows) => classProbabilities(loaded.manifest, raw, rows), C, adaptive),
          )
          Object.assign(outputs, classifierColumns(loaded.manifest, summary, packed.index, batch.numRows))
        } else {
          const raw = await withSeededRandom(cfg.seed, batch.batchIndex, () =>
            runPasses(loaded, packed.x, n, cfg.passes, maxBatch, { tta: cfg.tta ?? false }),
          )
          Object.assign(outputs, summariseOutputs(loaded.manifest, raw, cfg.passes * (cfg.tta ? 8 : 1), packed.index, batch.numRows))
        }
      }
      const ok = decoded.status.map((s) => s === 'ok')
      // a row that failed for one model has no trustworthy output from any model
      for (const values of Object.values(outputs)) {
        for (let i = 0; i < batch.numRows; i++) {
          if (ok[i]) continue
          if (values instanceof Float32Array) values[i] = Number.NaN
          else if (Array.isArray(values)) (values as unknown[])[i] = null
        }
      }
      if (nonFinite) outputs[NONFINITE_COLUMN.name] = nonFinite
      return { batchIndex: batch.batchIndex, numRows: batch.numRows, status: decoded.status, detail: decoded.detail, outputs }
    }),
  }
}

/** Run async tasks one after another, in call order. */
export function serialQueue(): <T>(task: () => Promise<T>) => Promise<T> {
  let tail: Promise<unknown> = Promise.resolve()
  return <T>(task: () => Promise<T>): Promise<T> => {
    const run = tail.then(task)
    tail = run.catch(() => undefined)
    return run
  }
}

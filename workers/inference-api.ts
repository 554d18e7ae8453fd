/**
 * The inference worker's API: load models once, then annotate batches.
 * Plain module so tests can call it directly; `*.worker.ts` files expose it.
 */
import { NONFINITE_COLUMN, classLabels, classifierSummaryNames } from '../catalogs/columns.js'
import { SurveyError } from '../src/errors.js'
import type { InferenceBatch, InferenceResult, OutputValues, WorkerApi, WorkerInfo, WorkerInit } from '../src/protocol.js'
import { initBackend } from './model/backend.js'
import { checkPhotometry, decodeBatch, packInputs, packPhotometry } from './model/inputs.js'
import { loadModel, runAdaptivePasses, runPasses, withSeededRandom, type LoadedModel } from './model/run-model.js'
import { classProbabilities, classifierColumns, passesColumn, summariseOutputs } from './model/summarise.js'

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
      checkPhotometry(decoded, batch, models.flatMap((m) => (m.manifest.photometry ? [m.manifest.photometry] : [])))
      const outputs: Record<string, OutputValues> = {}
      let nonFinite: Int32Array | undefined
      for (const loaded of models) {
        const packed = packInputs(decoded, loaded.manifest.input)
        const features = loaded.manifest.photometry ? { features: packPhotometry(loaded.manifest.photometry, batch, packed.index) } : {}
        nonFinite ??= packed.nonFinite
        const n = packed.index.length
        const maxBatch = cfg.maxTensorBatch ?? 32
        const grid = cfg.pdfGrid ? { pdfGrid: cfg.pdfGrid } : {}
        if (cfg.adaptive && cfg.passes > 1) {
          if (cfg.tta) throw new SurveyError('option', 'adaptive MC dropout cannot be combined with test-time augmentation (tta)')
          const manifest = loaded.manifest
          const spec = manifest.output
          const mdn = spec.kind === 'mdn'
          const statistic = spec.kind === 'mdn' ? redshiftStatistic(spec.components, n) : (raw: Float32Array, rows: number) => classProbabilities(manifest, raw, rows)
          const C = mdn ? 1 : classLabels(manifest).length
          const adaptive = cfg.adaptive
          const result = await withSeededRandom(cfg.seed, batch.batchIndex, () =>
            runAdaptivePasses(loaded, packed.x, n, cfg.passes, maxBatch, statistic, C, { ...adaptive, ...features }),
          )
          if (mdn) {
            Object.assign(outputs, summariseOutputs(manifest, result.raw, cfg.passes, packed.index, batch.numRows, { ...grid, passesTaken: result.passes }))
          } else {
            Object.assign(outputs, classifierColumns(manifest, result.accumulator.summary(), packed.index, batch.numRows))
            outputs[classifierSummaryNames(manifest).passes] = passesColumn(result.passes, packed.index, batch.numRows)
          }
        } else {
          const raw = await withSeededRandom(cfg.seed, batch.batchIndex, () =>
            runPasses(loaded, packed.x, n, cfg.passes, maxBatch, { tta: cfg.tta ?? false, ...features }),
          )
          Object.assign(outputs, summariseOutputs(loaded.manifest, raw, cfg.passes * (cfg.tta ? 8 : 1), packed.index, batch.numRows, grid))
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

/**
 * The per-pass statistic adaptive MC dropout tracks for a mixture-density model of `K`
 * components over `n` objects: each pass's mixture mean redshift divided by (1 + z) of the
 * object's first pass, so the tolerance reads as a standard error in Δz/(1 + z).
 */
export function redshiftStatistic(K: number, n: number): (raw: Float32Array, rows: number, objects: Int32Array) => Float32Array {
  const scale = new Float64Array(n).fill(Number.NaN)
  return (raw, rows, objects) => {
    const out = new Float32Array(rows)
    for (let j = 0; j < rows; j++) {
      let total = 0
      let mean = 0
      for (let k = 0; k < K; k++) {
        total += raw[j * 3 * K + k]!
        mean += raw[j * 3 * K + k]! * raw[j * 3 * K + K + k]!
      }
      const z = mean / total
      const i = objects[j]!
      if (Number.isNaN(scale[i]!)) scale[i] = 1 / (1 + Math.max(0, z))
      out[j] = z * scale[i]!
    }
    return out
  }
}

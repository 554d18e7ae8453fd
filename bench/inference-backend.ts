// Child-process driver of the inference benchmark: one tfjs backend per process (a backend's
// kernels, memory and WebGPU device stay out of the other runs). For every shipped model it runs
// the inference worker's own code in this thread on batches of 32 simulated 64×64×3
// cutouts packed before each timed call (one deterministic pass, as `--passes 1`), after a
// warm-up batch, and prints images/s per model as one JSON line. Usage: inference-backend <webgpu|wasm|cpu> <catalog.parquet> <seconds>
import { readdir } from 'node:fs/promises'
import { photometryColumns, photometryColumnValues } from '../src/models/photometry.js'
import { loadModelDir, openCatalogFile } from '../src/node.js'
import { nodeWasmPath } from '../src/node/spawn-node.js'
import { shippedModelDir } from '../src/node/paths.js'
import { rebatch, type RowBatch } from '../src/operators/rebatch.js'
import { packCutouts, planCutouts } from '../src/pipeline/cutout-input.js'
import type { InferenceBatch } from '../src/protocol.js'
import { createInferenceApi } from '../workers/inference-api.js'

const [backend, input, secondsText] = process.argv.slice(2)
if ((backend !== 'webgpu' && backend !== 'wasm' && backend !== 'cpu') || !input) throw new Error('usage: inference-backend <webgpu|wasm|cpu> <catalog.parquet> [seconds]')
const seconds = Number(secondsText ?? '3')

const names = (await readdir(shippedModelDir('.'), { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name).sort()
const source = await openCatalogFile(input)
const plan = planCutouts(source.schema, source.name)
const batches: RowBatch[] = []
for await (const b of rebatch(source.chunks(), 32)) batches.push(b)
await source.close?.()

const results: Record<string, number | string> = {}
let resolved: string | undefined
let adapter: string | undefined
for (const name of names) {
  const model = await loadModelDir(shippedModelDir(name))
  const phot = model.manifest.photometry ? photometryColumns(model.manifest.photometry) : []
  const payload = (b: RowBatch): InferenceBatch => {
    const packed = packCutouts(plan, b)
    return {
      batchIndex: b.batchIndex, rowStart: b.rowStart, numRows: b.numRows, where: plan.where, cutouts: packed.payload, preStatus: packed.preStatus, preDetail: packed.preDetail,
      ...(phot.length > 0 ? { photometry: photometryColumnValues(phot, b.columns, b.numRows) } : {}),
    }
  }
  const api = createInferenceApi()
  try {
    const info = await api.init({ backend, wasmPath: nodeWasmPath(), models: [model], passes: 1, seed: 0 })
    resolved = info.backend
    adapter = info.adapter
    await api.infer(payload(batches[0]!)) // warm-up: shader/kernel compilation, weight upload
    // only the inference calls are timed: each batch is packed (as the pipeline's main thread
    // does) before its call; passes over the batches until the time budget is spent
    let images = 0
    let ms = 0
    for (let i = 0; images === 0 || ms < seconds * 1000; i = (i + 1) % batches.length) {
      const ready = payload(batches[i]!)
      const t0 = performance.now()
      await api.infer(ready)
      ms += performance.now() - t0
      images += ready.numRows
    }
    results[name] = images / (ms / 1000)
  } catch (error) {
    results[name] = `failed: ${error instanceof Error ? error.message : String(error)}`
  }
}
process.stdout.write(`${JSON.stringify({ backend: resolved ?? backend, ...(adapter ? { adapter } : {}), results })}\n`)
process.exit(0) // a WebGPU device can keep the event loop alive

/**
 * Cost of the uncertainty modes relative to one deterministic pass, measured
 * side by side on the same images in one thread (the inference worker's own
 * code, wasm backend): MC dropout T=30 naive, adaptive MC dropout, and
 * test-time augmentation over the 8 rotations/flips.
 */
import { loadModelDir } from '../src/node.js'
import { nodeWasmPath } from '../src/node/spawn-node.js'
import { shippedModelDir } from '../src/node/paths.js'
import type { InferenceBatch, WorkerInit } from '../src/protocol.js'
import { simulatedSource } from '../src/pipeline/simulated-source.js'
import { createInferenceApi } from '../workers/inference-api.js'

/** Results of {@link benchUncertainty}: seconds per mode and ratios to one pass. */
export interface UncertaintyBenchResult {
  readonly images: number
  readonly onePassSeconds: number
  readonly naive30Ratio: number
  readonly adaptiveRatio: number
  readonly adaptiveTolerance: number
  readonly ttaRatio: number
  readonly model: string
  readonly trained: boolean
}

/** Time each mode on `n` simulated 64×64×3 cutouts (default 64). */
export async function benchUncertainty(n = 64): Promise<UncertaintyBenchResult> {
  const model = await loadModelDir(shippedModelDir('seed-cnn-untrained'))
  const source = simulatedSource({ n, seed: 21 })
  const pixels = new Float32Array(n * 64 * 64 * 3)
  let row = 0
  for await (const chunk of source.chunks({ columns: ['cutout'] })) {
    for (const c of chunk.columns['cutout'] as Float32Array[]) pixels.set(c, (row++) * 64 * 64 * 3)
  }
  const batch = (): InferenceBatch => ({
    batchIndex: 0, rowStart: 0, numRows: n, where: 'benchmark cutouts',
    cutouts: { kind: 'pixels', data: pixels.slice(), offsets: Int32Array.from({ length: n + 1 }, (_, i) => i * 64 * 64 * 3), shapes: Int32Array.from({ length: 3 * n }, (_, i) => (i % 3 === 2 ? 3 : 64)), layout: 'hwc', bands: ['g', 'r', 'z'] },
    preStatus: new Array(n).fill(null), preDetail: new Array(n).fill(null),
  })
  const time = async (init: Omit<WorkerInit, 'backend' | 'models' | 'seed'>): Promise<number> => {
    const api = createInferenceApi()
    await api.init({ backend: 'wasm', wasmPath: nodeWasmPath(), models: [model], seed: 1, ...init })
    const t0 = performance.now()
    await api.infer(batch())
    return (performance.now() - t0) / 1000
  }
  await time({ passes: 1 }) // warm-up: wasm compilation, kernels
  const one = await time({ passes: 1 })
  const naive = await time({ passes: 30 })
  const tolerance = 0.01
  const adaptive = await time({ passes: 30, adaptive: { tolerance } })
  const tta = await time({ passes: 1, tta: true })
  return { images: n, onePassSeconds: one, naive30Ratio: naive / one, adaptiveRatio: adaptive / one, adaptiveTolerance: tolerance, ttaRatio: tta / one, model: model.manifest.name, trained: model.manifest.trained }
}

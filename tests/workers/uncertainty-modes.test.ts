// The inference worker's uncertainty modes, called in-process on the real wasm
// backend: test-time augmentation over the 8 rotations/flips, and adaptive MC
// dropout that stops sampling converged objects.
import * as tf from '@tensorflow/tfjs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { loadModelDir, nodeWasmPath } from '../../src/node.js'
import type { InferenceBatch, ModelPayload } from '../../src/protocol.js'
import { createInferenceApi } from '../../workers/inference-api.js'
import { dihedral } from '../../workers/model/run-model.js'

let model: ModelPayload
const N = 6
const pixels = new Float32Array(N * 64 * 64 * 3).map((_, i) => Math.sin(i * 0.37) * 0.05 + ((i % 193) / 193) * 0.02)

function batch(): InferenceBatch {
  const data = pixels.slice()
  return {
    batchIndex: 0, rowStart: 0, numRows: N, where: 'test cutouts',
    cutouts: { kind: 'pixels', data, offsets: Int32Array.from({ length: N + 1 }, (_, i) => i * 64 * 64 * 3), shapes: new Int32Array(3 * N).fill(64).map((v, i) => (i % 3 === 2 ? 3 : v)), layout: 'hwc', bands: ['g', 'r', 'z'] },
    preStatus: new Array(N).fill(null), preDetail: new Array(N).fill(null),
  }
}

/** The same seeded MC passes over the test batch with the prefix reused and with the full model each pass. */
async function reusedAndFull(payload: ModelPayload, passes: number, seed: number) {
  const { loadModel, runPasses, withSeededRandom } = await import('../../workers/model/run-model.js')
  const { decodeBatch, packInputs } = await import('../../workers/model/inputs.js')
  const loaded = await loadModel(payload)
  expect(loaded.split).toBeDefined()
  const packed = packInputs(await decodeBatch(batch()), payload.manifest.input)
  const reused = await withSeededRandom(seed, 0, () => runPasses(loaded, packed.x, N, passes, 32, { reusePrefix: true }))
  const full = await withSeededRandom(seed, 0, () => runPasses(loaded, packed.x, N, passes, 32, { reusePrefix: false }))
  return { loaded, reused, full }
}

beforeAll(async () => {
  model = await loadModelDir(join(import.meta.dirname, '..', '..', 'models', 'seed-cnn-untrained'))
})

describe('dihedral views', () => {
  it('gives 8 distinct views of an asymmetric image, and four quarter turns are the identity', async () => {
    await tf.setBackend('cpu')
    const image = tf.tensor4d(Float32Array.from({ length: 16 }, (_, i) => i * i), [1, 4, 4, 1])
    const views = await Promise.all([...Array(8).keys()].map(async (v) => Array.from(await dihedral(image, v).data())))
    expect(new Set(views.map((v) => v.join(','))).size).toBe(8)
    let turned = image
    for (let k = 0; k < 4; k++) turned = dihedral(turned, 1)
    expect(Array.from(await turned.data())).toEqual(Array.from(await image.data()))
    // a clockwise quarter turn: the top row (0) becomes the right-hand column
    const ramp = tf.tensor4d(Float32Array.from({ length: 9 }, (_, i) => Math.floor(i / 3)), [1, 3, 3, 1])
    expect(Array.from(await dihedral(ramp, 1).data())).toEqual([2, 1, 0, 2, 1, 0, 2, 1, 0])
  })
})

describe('uncertainty modes in the worker', () => {
  it('test-time augmentation averages the model over the 8 rotations/flips', async () => {
    const api = createInferenceApi()
    await api.init({ backend: 'wasm', wasmPath: nodeWasmPath(), models: [model], passes: 1, seed: 0, tta: true })
    const tta = await api.infer(batch())
    const plain = createInferenceApi()
    await plain.init({ backend: 'wasm', wasmPath: nodeWasmPath(), models: [model], passes: 1, seed: 0 })
    const one = await plain.infer(batch())
    const p = tta.outputs['lens_p_lens'] as Float32Array
    const std = tta.outputs['lens_p_lens_std'] as Float32Array
    // the spread over the 8 views is real (the untrained CNN is not rotation invariant)
    for (let i = 0; i < N; i++) expect(std[i]!).toBeGreaterThan(0)
    // and the identity view alone is the plain prediction: the TTA mean differs from it
    expect(Array.from(p)).not.toEqual(Array.from(one.outputs['lens_p_lens'] as Float32Array))
    // the mean is the average of the views: check it against running the views by hand
    const { loadModel, runPasses } = await import('../../workers/model/run-model.js')
    const loaded = await loadModel(model)
    const { decodeBatch, packInputs } = await import('../../workers/model/inputs.js')
    const packed = packInputs(await decodeBatch(batch()), model.manifest.input)
    const raw = await runPasses(loaded, packed.x, N, 1, 32, { tta: true })
    for (let i = 0; i < N; i++) {
      let mean = 0
      for (let v = 0; v < 8; v++) mean += raw[v * N + i]! / 8
      expect(p[i]!).toBeCloseTo(mean, 5)
    }
  }, 120_000)

  it('adaptive MC dropout stops at the minimum passes for a loose tolerance and samples to the maximum for a tight one', async () => {
    const { runAdaptivePasses, loadModel } = await import('../../workers/model/run-model.js')
    const { classProbabilities } = await import('../../workers/model/summarise.js')
    const { decodeBatch, packInputs } = await import('../../workers/model/inputs.js')
    const loaded = await loadModel(model)
    const packed = packInputs(await decodeBatch(batch()), model.manifest.input)
    const toProbs = (raw: Float32Array, rows: number) => classProbabilities(model.manifest, raw, rows)
    const loose = await runAdaptivePasses(loaded, packed.x, N, 20, 32, toProbs, 2, { tolerance: 0.5, minPasses: 4 })
    expect(loose.totalPasses).toBe(4 * N)
    const tight = await runAdaptivePasses(loaded, packed.x, N, 20, 32, toProbs, 2, { tolerance: 1e-6, minPasses: 4 })
    expect(tight.totalPasses).toBe(20 * N)
    for (let i = 0; i < N; i++) {
      expect(tight.accumulator.summary().std[2 * i + 1]!).toBeGreaterThan(0)
      expect(tight.accumulator.summary().mutualInformation[i]!).toBeGreaterThanOrEqual(0)
    }
  }, 120_000)

  it('MC passes that reuse the layers before the first dropout give exactly the full model\'s results', async () => {
    const { loaded, reused, full } = await reusedAndFull(model, 4, 3)
    // the seed CNN's first dropout follows conv1: the prefix is conv1 and its ReLU
    expect(loaded.split!.prefix.outputs[0]!.shape).toEqual([null, 64, 64, 32])
    expect(Array.from(reused)).toEqual(Array.from(full))
    expect(new Set(Array.from(reused.subarray(0, N)).map((v, i) => v === reused[N + i])).has(false)).toBe(true)
  }, 120_000)

  it('draws dropout masks with the keep probability, scaled as inverted dropout, reproducibly per seed', async () => {
    const { bernoulliMask } = await import('../../workers/model/architectures.js')
    const { withSeededRandom } = await import('../../workers/model/run-model.js')
    await tf.setBackend('cpu')
    const draw = (seed: number) => withSeededRandom(seed, 0, async () => Float32Array.from(await bernoulliMask([200, 50, 10], 0.75).data()))
    const a = await draw(1)
    const kept = a.filter((v) => v !== 0)
    expect(new Set(kept)).toEqual(new Set([Math.fround(1 / 0.75)]))
    // 100,000 draws: the kept fraction is within 5 binomial standard deviations of 0.75
    expect(Math.abs(kept.length / a.length - 0.75)).toBeLessThan(5 * Math.sqrt(0.75 * 0.25 / a.length))
    expect(Array.from(await draw(1))).toEqual(Array.from(a))
    expect(Array.from(await draw(2))).not.toEqual(Array.from(a))
  })

  it('reuses the layers before the first dropout in a model with several heads (the photo-z mixture-density network)', async () => {
    const photoz = await loadModelDir(join(import.meta.dirname, '..', '..', 'models', 'photoz-small-cnn'))
    const { loaded, reused, full } = await reusedAndFull(photoz, 3, 5)
    expect(loaded.split!.prefix.outputs[0]!.shape).toEqual([null, 16, 16, 64])
    expect(Array.from(reused)).toEqual(Array.from(full))
    expect(reused.length).toBe(3 * N * 15)
  }, 120_000)
})

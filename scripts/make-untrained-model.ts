/**
 * Write the UNTRAINED seed CNN bundle to models/seed-cnn-untrained/: the
 * Dominguez-Sanchez+18 architecture with seeded He-normal weights, stored as
 * float16, with a manifest that marks it untrained. It exists to exercise the
 * whole path (tensors, backends, transfers, provenance) until trained models
 * ship; its outputs are not science.
 *
 * Run: npx tsx scripts/make-untrained-model.ts
 */
import * as tf from '@tensorflow/tfjs'
import '@tensorflow/tfjs-backend-cpu'
import { mkdir, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { ModelManifest } from '../src/models/manifest.js'
import { buildSeedCnn, parameterCount } from '../workers/model/architectures.js'
import { saveLayersModel } from '../workers/train/save.js'
import { nodeDirectoryWriter } from '../workers/train/save-node.js'

const NAME = 'seed-cnn-untrained'
const SEED = 20181101

await tf.setBackend('cpu')
const dir = join(import.meta.dirname, '..', 'models', NAME)
await rm(dir, { recursive: true, force: true })
await mkdir(dir, { recursive: true })
const model = buildSeedCnn({ inputShape: [64, 64, 3], outputs: 1, head: 'sigmoid', seed: SEED })
const saved = await saveLayersModel(model, { writeFile: nodeDirectoryWriter(dir), float16: true })
const manifest: ModelManifest = {
  schema: 'survey-classifier/model-manifest@1',
  name: NAME,
  version: '0.1.0',
  task: 'lens',
  description: `Dominguez-Sanchez+18 seed CNN (conv 32@6x6, 64@5x5, pool, 128@2x2, pool, 128@3x3, dropout after each, dense 64, sigmoid), ${parameterCount(model).toLocaleString('en')} parameters, He-normal weights seeded with ${SEED}. UNTRAINED: for exercising the pipeline only.`,
  trained: false,
  architecture: 'seed-cnn',
  format: 'tfjs-layers',
  modelFile: 'model.json',
  files: Object.fromEntries(saved.files.map((f) => [f.path, f.sha256])),
  input: {
    inputShape: [64, 64, 3],
    bands: ['g', 'r', 'z'],
    pixelScale: 0.262,
    resize: 'crop-or-pad',
    // asinh stretch with a softening near the sky noise of a DR9-depth image (nanomaggies)
    normalisation: { kind: 'asinh', softening: [0.01, 0.015, 0.03] },
    nanFill: 0,
  },
  output: { kind: 'sigmoid', positive: 'lens', negative: 'non-lens' },
  mcDropout: { defaultPasses: 30 },
  training: { note: 'none: seeded initial weights', seed: SEED, weightStorage: 'float16' },
}
await writeFile(join(dir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`)
console.log(`wrote ${dir}: ${saved.files.map((f) => `${f.path} (${f.bytes} B)`).join(', ')}`)

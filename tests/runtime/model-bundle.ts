/**
 * A tiny seeded model bundle for the runtime tests: the seed CNN at 8×8×3
 * (the golden fixtures' cutout size), softmax over three labels, saved with a
 * manifest so every runtime loads exactly the same weights.
 */
import * as tf from '@tensorflow/tfjs'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { ModelManifest } from '../../src/models/manifest.js'
import { buildSeedCnn } from '../../workers/model/architectures.js'
import { saveLayersModel } from '../../workers/train/save.js'
import { nodeDirectoryWriter } from '../../workers/train/save-node.js'

/** Softmax labels of the test model (output columns are derived from them). */
export const TEST_LABELS = ['smooth', 'featured', 'artefact'] as const

/** Build the seeded 8×8×3 seed CNN and write its bundle (manifest.json, model.json, shards) into `dir`. */
export async function writeTestModelBundle(dir: string, seed = 7): Promise<ModelManifest> {
  if (tf.getBackend() !== 'cpu') await tf.setBackend('cpu')
  const model = buildSeedCnn({ inputShape: [8, 8, 3], outputs: TEST_LABELS.length, seed })
  const saved = await saveLayersModel(model, { writeFile: nodeDirectoryWriter(dir) })
  model.dispose()
  const manifest: ModelManifest = {
    schema: 'survey-classifier/model-manifest@1',
    name: 'runtime-test-cnn',
    version: '0.0.1',
    task: 'morphology',
    description: 'seed CNN at 8×8×3 with seeded untrained weights (runtime tests only)',
    trained: false,
    architecture: 'seed-cnn',
    format: 'tfjs-layers',
    modelFile: 'model.json',
    files: Object.fromEntries(saved.files.map((f) => [f.path, f.sha256])),
    input: { inputShape: [8, 8, 3], bands: ['g', 'r', 'z'], pixelScale: 0.262, normalisation: { kind: 'asinh', softening: [10, 10, 10] } },
    output: { kind: 'softmax', labels: [...TEST_LABELS] },
    mcDropout: { defaultPasses: 4 },
  }
  await writeFile(join(dir, 'manifest.json'), JSON.stringify(manifest, null, 1))
  return manifest
}

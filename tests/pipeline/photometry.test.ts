// Models that take catalog photometry as a second input (cutout + magnitudes → photo-z MDN):
// the manifest's photometry spec, the features, the real pipeline with real workers, rows
// whose photometry cannot be used, and a catalog without the columns.
import * as tf from '@tensorflow/tfjs'
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api'
import { mkdir, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createParquetWriter } from '../../src/catalog/parquet-sink.js'
import type { CatalogChunk } from '../../src/catalog/types.js'
import type { ModelManifest } from '../../src/models/manifest.js'
import { photometryFeatureNames, photometryFeatures, rawPhotometryFeatures, validatePhotometrySpec, type PhotometrySpec } from '../../src/models/photometry.js'
import { fileSink } from '../../src/node/fs-io.js'
import { annotateCatalog, fileWriterFactory, loadModelDir, nodeWasmPath, nodeWorkerSpawner, openCatalogFile, outputColumnsFor, type ModelPayload } from '../../src/node.js'
import { simulatedSource } from '../../src/pipeline/simulated-source.js'
import { buildPhotozMdn } from '../../workers/model/architectures.js'
import { loadModel, runPasses, withSeededRandom } from '../../workers/model/run-model.js'
import { saveLayersModel } from '../../workers/train/save.js'
import { nodeDirectoryWriter } from '../../workers/train/save-node.js'

const TMP = join(import.meta.dirname, '..', '.tmp', 'photometry')
const SPEC: PhotometrySpec = {
  bands: ['g', 'r', 'z'], magnitudes: ['mag_g', 'mag_r', 'mag_z'], errors: ['magerr_g', 'magerr_r', 'magerr_z'], reference: 1,
  mean: [21, 0.8, 0.6, -3, -3, -2.5], std: [1.5, 0.4, 0.3, 0.8, 0.8, 0.8],
}
let db: DuckDBConnection
let model: ModelPayload

/** An untrained cutout + photometry MDN bundle written to `dir` (weights seeded; shapes are what matter here). */
async function photometryBundle(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true })
  await mkdir(dir, { recursive: true })
  await tf.setBackend('cpu')
  const net = buildPhotozMdn({ inputShape: [64, 64, 3], components: 3, small: true, features: 6, seed: 4 })
  const saved = await saveLayersModel(net, { writeFile: nodeDirectoryWriter(dir), float16: false })
  const manifest: ModelManifest = {
    schema: 'survey-classifier/model-manifest@1', name: 'photoz-phot-test', version: '0.0.1', task: 'photoz',
    description: 'untrained cutout + photometry MDN for tests', trained: false, architecture: 'small-cnn', format: 'tfjs-layers',
    modelFile: 'model.json', files: Object.fromEntries(saved.files.map((f) => [f.path, f.sha256])),
    input: { inputShape: [64, 64, 3], bands: ['g', 'r', 'z'], pixelScale: 0.262, resize: 'crop-or-pad', normalisation: { kind: 'asinh', softening: [0.004, 0.007, 0.02] }, nanFill: 0 },
    output: { kind: 'mdn', components: 3, quantity: 'z', unit: '' },
    photometry: SPEC,
  }
  await writeFile(join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2))
}

/** The simulated sample with `mag_g` null in rows 3 and 7, and `magerr_r` 0 in row 5; or without `mag_z`. */
async function catalog(path: string, options: { dropMagZ?: boolean } = {}): Promise<void> {
  const source = simulatedSource({ n: 24, seed: 8 })
  const columns = source.schema.columns.filter((c) => !(options.dropMagZ && c.name === 'mag_z'))
  const writer = createParquetWriter(await fileSink(path), { ...source.schema, columns })
  for await (const chunk of source.chunks()) {
    const values = { ...chunk.columns }
    const g = Array.from(values['mag_g'] as Float32Array, (v, i) => (i === 3 || i === 7 ? null : v))
    values['mag_g'] = g
    values['magerr_r'] = Float32Array.from(values['magerr_r'] as Float32Array, (v, i) => (i === 5 ? 0 : v))
    if (options.dropMagZ) delete values['mag_z']
    await writer.write({ ...chunk, columns: values } as CatalogChunk)
  }
  await writer.close()
}

beforeAll(async () => {
  await mkdir(TMP, { recursive: true })
  db = await (await DuckDBInstance.create(':memory:')).connect()
  await photometryBundle(join(TMP, 'model'))
  model = await loadModelDir(join(TMP, 'model'))
}, 60_000)
afterAll(() => db.closeSync())

describe('photometry features', () => {
  it('are the reference magnitude, adjacent colours and log errors, standardised as the manifest says', () => {
    const row: Record<string, number> = { mag_g: 22.5, mag_r: 21.5, mag_z: 21, magerr_g: 0.1, magerr_r: 0.05, magerr_z: 0.08 }
    const raw = new Float64Array(6)
    expect(rawPhotometryFeatures(SPEC, (c) => row[c]!, raw, 0)).toBeUndefined()
    expect(Array.from(raw)).toEqual([21.5, 1, 0.5, Math.log(0.1), Math.log(0.05), Math.log(0.08)])
    const out = new Float32Array(7)
    photometryFeatures(SPEC, (c) => row[c]!, out, 1)
    expect(out[1]).toBeCloseTo((21.5 - 21) / 1.5, 6)
    expect(out[6]).toBeCloseTo((Math.log(0.08) + 2.5) / 0.8, 6)
    expect(photometryFeatureNames(SPEC)).toEqual(['mag_r', 'mag_g − mag_r', 'mag_r − mag_z', 'ln magerr_g', 'ln magerr_r', 'ln magerr_z'])
    expect(rawPhotometryFeatures(SPEC, (c) => (c === 'magerr_z' ? -1 : row[c]!), raw, 0)).toBe('magerr_z')
    expect(rawPhotometryFeatures(SPEC, (c) => (c === 'mag_g' ? Number.NaN : row[c]!), raw, 0)).toBe('mag_g')
  })

  it('a manifest with a bad photometry field is refused, naming it', () => {
    expect(() => validatePhotometrySpec({ ...SPEC, std: [1, 1, 1, 1, 1, 0] }, 'm.json')).toThrow(/m\.json: field "photometry\.std" should be 6 finite numbers > 0/)
    expect(() => validatePhotometrySpec({ ...SPEC, errors: ['magerr_g'] }, 'm.json')).toThrow(/field "photometry\.errors" should be 3 column names/)
    expect(() => validatePhotometrySpec({ ...SPEC, reference: 3 }, 'm.json')).toThrow(/field "photometry\.reference" should be a band index in \[0, 3\)/)
  })
})

describe('a cutout + photometry model', () => {
  it('reuses its image layers before the first dropout across MC passes, with the features passed through: the same numbers as the full model', async () => {
    await tf.setBackend('wasm').catch(() => tf.setBackend('cpu'))
    const loaded = await loadModel(model)
    expect(loaded.split).toBeDefined()
    expect(loaded.split!.suffix.inputs).toHaveLength(2)
    const n = 5
    const x = Float32Array.from({ length: n * 64 * 64 * 3 }, (_, i) => Math.sin(i * 0.013) * 0.3)
    const features = Float32Array.from({ length: n * 6 }, (_, i) => Math.cos(i))
    const reused = await withSeededRandom(2, 0, () => runPasses(loaded, x, n, 3, 8, { features, reusePrefix: true }))
    const full = await withSeededRandom(2, 0, () => runPasses(loaded, x, n, 3, 8, { features, reusePrefix: false }))
    expect(Array.from(reused)).toEqual(Array.from(full))
    // the features matter
    const other = await withSeededRandom(2, 0, () => runPasses(loaded, x, n, 3, 8, { features: features.map((v) => -v) }))
    expect(Array.from(other)).not.toEqual(Array.from(reused))
  }, 60_000)

  it('runs in the pipeline; rows whose photometry it cannot take get status photometry-missing naming the column', async () => {
    const input = join(TMP, 'input.parquet')
    const output = join(TMP, 'output.parquet')
    await catalog(input)
    const summary = await annotateCatalog({
      source: await openCatalogFile(input), createWriter: fileWriterFactory(output), spawn: nodeWorkerSpawner('inference'), wasmPath: nodeWasmPath(),
      models: [model], outputColumns: outputColumnsFor([model.manifest], 4), backend: 'wasm', workers: 2, batchSize: 8, passes: 4, dropCutouts: true,
    })
    expect(summary.rowsDone).toBe(24)
    expect(summary.rowsOk).toBe(21)
    const rows = (await db.runAndReadAll(`select id, status, status_detail, z_median, z_pdf_weights from '${output}' order by id`)).getRowObjectsJS()
    for (const [i, row] of rows.entries()) {
      if (i === 3 || i === 7 || i === 5) {
        expect(row['status']).toBe('photometry-missing')
        expect(row['status_detail']).toContain(i === 5 ? '"magerr_r" is 0' : '"mag_g" is null or NaN')
        expect(row['z_median']).toBeNull()
      } else {
        expect(row['status']).toBe('ok')
        expect(Number.isFinite(row['z_median'] as number)).toBe(true)
        expect(row['z_pdf_weights']).toHaveLength(5) // the pooled passes reduced to 5 components
      }
    }
  }, 120_000)

  it('refuses a catalog without one of its photometry columns before starting, naming the column', async () => {
    const input = join(TMP, 'no-mag-z.parquet')
    await catalog(input, { dropMagZ: true })
    await expect(annotateCatalog({
      source: await openCatalogFile(input), createWriter: fileWriterFactory(join(TMP, 'never.parquet')), spawn: nodeWorkerSpawner('inference'),
      models: [model], outputColumns: outputColumnsFor([model.manifest], 1),
    })).rejects.toThrow(/model photoz-phot-test takes catalog photometry, but the catalog has no column "mag_z"/)
  })

  it('a model whose inputs do not match the manifest\'s photometry is refused, saying what it needs', async () => {
    const manifest = { ...model.manifest, photometry: undefined }
    await expect(loadModel({ ...model, manifest })).rejects.toThrow(/declares no photometry, so it needs the cutout only/)
  })
})

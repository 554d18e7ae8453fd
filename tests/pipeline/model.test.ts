// The shipped (untrained) seed CNN through the real pipeline: real workers,
// real TF.js backends, provenance, MC dropout reproducibility.
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api'
import { tableFromIPC } from 'apache-arrow'
import { mkdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { annotateCatalog, fileWriterFactory, loadModelDir, nodeWasmPath, nodeWorkerSpawner, outputColumnsFor, type ModelPayload } from '../../src/node.js'
import { simulatedSource } from '../../src/pipeline/simulated-source.js'
import type { BackendRequest } from '../../src/protocol.js'

const TMP = join(import.meta.dirname, '..', '.tmp', 'model')
const MODEL = join(import.meta.dirname, '..', '..', 'models', 'seed-cnn-untrained')
let db: DuckDBConnection
let model: ModelPayload

beforeAll(async () => {
  await mkdir(TMP, { recursive: true })
  db = await (await DuckDBInstance.create(':memory:')).connect()
  model = await loadModelDir(MODEL)
})
afterAll(() => db.closeSync())

async function classify(output: string, options: { n: number; backend: BackendRequest; passes?: number; seed?: number; workers?: number }) {
  return annotateCatalog({
    source: simulatedSource({ n: options.n, seed: 5 }),
    createWriter: fileWriterFactory(output),
    spawn: nodeWorkerSpawner('inference'),
    wasmPath: nodeWasmPath(),
    models: [model],
    outputColumns: outputColumnsFor([model.manifest], options.passes ?? 1),
    backend: options.backend,
    workers: options.workers ?? 1,
    batchSize: 8,
    passes: options.passes ?? 1,
    seed: options.seed ?? 0,
    dropCutouts: true,
    provenance: { 'survey_classifier:version': 'test' },
  })
}

async function rows(path: string, columns: string): Promise<Record<string, unknown>[]> {
  return (await db.runAndReadAll(`select ${columns} from '${path}' order by id`)).getRowObjectsJS() as Record<string, unknown>[]
}

describe('the seed CNN in the pipeline', () => {
  it('gives the same predictions on wasm and cpu, and records the run in the output', async () => {
    const wasm = join(TMP, 'wasm.parquet')
    const cpu = join(TMP, 'cpu.parquet')
    const s1 = await classify(wasm, { n: 16, backend: 'wasm', workers: 2 })
    const s2 = await classify(cpu, { n: 16, backend: 'cpu' })
    expect(s1.backend.backend).toBe('wasm')
    expect(s2.backend.backend).toBe('cpu')
    const a = await rows(wasm, 'id, status, lens_p_lens, lens_entropy, lens_label')
    const b = await rows(cpu, 'id, status, lens_p_lens, lens_entropy, lens_label')
    expect(a).toHaveLength(16)
    a.forEach((row, i) => {
      expect(row['status']).toBe('ok')
      expect(Math.abs((row['lens_p_lens'] as number) - (b[i]!['lens_p_lens'] as number))).toBeLessThan(1e-4)
      expect(row['lens_label']).toBe((row['lens_p_lens'] as number) > 0.5 ? 'lens' : 'non-lens')
    })
    // the predictions depend on the image: not one constant
    expect(new Set(a.map((r) => (r['lens_p_lens'] as number).toFixed(4))).size).toBeGreaterThan(8)
    const kv = Object.fromEntries((await db.runAndReadAll(`select decode(key), decode(value) from parquet_kv_metadata('${wasm}')`)).getRowsJS() as [string, string][])
    expect(JSON.parse(kv['survey_classifier:backend']!)).toEqual({ backend: 'wasm' })
    const models = JSON.parse(kv['survey_classifier:models']!)
    expect(models).toEqual([expect.objectContaining({ name: 'seed-cnn-untrained', trained: false, manifest_sha256: model.manifestHash, files_sha256: model.manifest.files })])
    expect(JSON.parse(kv['survey_classifier:options']!)).toMatchObject({ passes: 1, batchSize: 8, dropCutouts: true })
    expect(kv['survey_classifier:complete']).toBe('true')
    expect(Date.parse(kv['survey_classifier:run_finished']!)).toBeGreaterThanOrEqual(Date.parse(kv['survey_classifier:run_started']!))
    const docs = JSON.parse(kv['survey_classifier:columns']!)
    expect(docs['lens_p_lens'].description).toContain('UNTRAINED')
    expect(docs['lens_entropy'].unit).toBe('nat')
    expect(docs['ra'].unit).toBe('deg')
    // raw cutouts were dropped, every other input column kept
    const described = (await db.runAndReadAll(`describe select * from '${wasm}'`)).getRowsJS().map((r) => r[0])
    expect(described).not.toContain('cutout')
    expect(described).toEqual(expect.arrayContaining(['id', 'ra', 'dec', 'mag_r', 'truth_class', 'truth_z', 'status', 'lens_p_lens', 'lens_mutual_info']))
  }, 120_000)

  it('makes MC dropout reproducible for a seed, different across seeds, with a real spread', async () => {
    const a = join(TMP, 'mc-a.parquet')
    const b = join(TMP, 'mc-b.parquet')
    const c = join(TMP, 'mc-c.parquet')
    await classify(a, { n: 12, backend: 'wasm', passes: 4, seed: 7, workers: 2 })
    await classify(b, { n: 12, backend: 'wasm', passes: 4, seed: 7, workers: 1 })
    await classify(c, { n: 12, backend: 'wasm', passes: 4, seed: 8, workers: 2 })
    const cols = 'lens_p_lens, lens_p_lens_std, lens_mutual_info, lens_entropy'
    const [ra, rb, rc] = await Promise.all([rows(a, cols), rows(b, cols), rows(c, cols)])
    expect(ra).toEqual(rb)
    expect(ra).not.toEqual(rc)
    for (const r of ra) {
      expect(r['lens_p_lens_std'] as number).toBeGreaterThan(0)
      expect(r['lens_mutual_info'] as number).toBeGreaterThanOrEqual(0)
      expect(r['lens_mutual_info'] as number).toBeLessThanOrEqual((r['lens_entropy'] as number) + 1e-6)
    }
  }, 120_000)

  it('writes Arrow with units, descriptions and provenance in the schema', async () => {
    const output = join(TMP, 'out.arrow')
    await classify(output, { n: 8, backend: 'wasm' })
    const table = tableFromIPC(await readFile(output))
    expect(table.numRows).toBe(8)
    expect(JSON.parse(table.schema.metadata.get('survey_classifier:backend')!)).toEqual({ backend: 'wasm' })
    const field = table.schema.fields.find((f) => f.name === 'lens_p_lens')!
    expect(field.metadata.get('description')).toContain('mean probability of class "lens"')
    expect(table.schema.fields.find((f) => f.name === 'ra')!.metadata.get('unit')).toBe('deg')
  }, 60_000)
})

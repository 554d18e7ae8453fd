// Adaptive MC dropout and the fixed-grid PDF column through the real pipeline, with the shipped
// trained lens finder and photo-z network: real workers, wasm, Parquet read back by DuckDB.
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api'
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { annotateCatalog, fileWriterFactory, loadModelDir, nodeWasmPath, nodeWorkerSpawner, outputColumnsFor, type ModelPayload } from '../../src/node.js'
import type { PdfGrid } from '../../src/pdf-grid.js'
import { simulatedSource } from '../../src/pipeline/simulated-source.js'

const TMP = join(import.meta.dirname, '..', '.tmp', 'adaptive')
const MODELS = join(import.meta.dirname, '..', '..', 'models')
const N = 48
let db: DuckDBConnection
let models: ModelPayload[]

beforeAll(async () => {
  await mkdir(TMP, { recursive: true })
  db = await (await DuckDBInstance.create(':memory:')).connect()
  models = [await loadModelDir(join(MODELS, 'lens-small4-cnn')), await loadModelDir(join(MODELS, 'photoz-small-cnn'))]
})
afterAll(() => db.closeSync())

async function classify(output: string, options: { adaptive?: number; pdfGrid?: PdfGrid }) {
  await annotateCatalog({
    source: simulatedSource({ n: N, seed: 31 }),
    createWriter: fileWriterFactory(output),
    spawn: nodeWorkerSpawner('inference'),
    wasmPath: nodeWasmPath(),
    models,
    outputColumns: outputColumnsFor(models.map((m) => m.manifest), 30, { adaptive: options.adaptive !== undefined, ...(options.pdfGrid ? { pdfGrid: options.pdfGrid } : {}) }),
    backend: 'wasm',
    workers: 1,
    batchSize: 16,
    passes: 30,
    seed: 4,
    dropCutouts: true,
    ...(options.adaptive !== undefined ? { adaptive: { tolerance: options.adaptive } } : {}),
    ...(options.pdfGrid ? { pdfGrid: options.pdfGrid } : {}),
  })
  return (await db.runAndReadAll(`select * from '${output}' order by id`)).getRowObjectsJS() as Record<string, unknown>[]
}

describe('adaptive MC dropout in the pipeline', () => {
  it('takes every pass at a tiny tolerance (unless the first passes agree exactly), giving exactly the naive result; stops early at 0.01 close to it', async () => {
    const naive = await classify(join(TMP, 'naive.parquet'), {})
    const full = await classify(join(TMP, 'full.parquet'), { adaptive: 1e-12 })
    const loose = await classify(join(TMP, 'loose.parquet'), { adaptive: 0.01 })
    expect(naive).toHaveLength(N)
    for (let i = 0; i < N; i++) {
      // an object whose first passes all give the same (saturated) probability has a standard
      // error of exactly 0, below any tolerance: it stops at the minimum of 5
      if (full[i]!['lens_mc_passes'] !== 30) {
        expect(full[i]!['lens_mc_passes']).toBe(5)
        expect(full[i]!['lens_p_lens_std']).toBe(0)
      } else {
        // the same 30 masks: the same numbers (the adaptive classifier path sums in float64, hence 1e-6)
        for (const c of ['lens_p_lens', 'lens_p_lens_std', 'lens_mutual_info']) expect(full[i]![c] as number).toBeCloseTo(naive[i]![c] as number, 6)
      }
      expect(full[i]!['z_mc_passes']).toBe(30)
      for (const c of ['z_mean', 'z_p16', 'z_p84']) expect(full[i]![c]).toBe(naive[i]![c])
      expect(full[i]!['z_pdf_weights']).toEqual(naive[i]!['z_pdf_weights'])
    }
    expect(full.filter((r) => r['lens_mc_passes'] === 30).length).toBeGreaterThan(N / 4)
    expect(naive[0]!['lens_mc_passes']).toBeUndefined()
    const lensPasses = loose.map((r) => r['lens_mc_passes'] as number)
    const zPasses = loose.map((r) => r['z_mc_passes'] as number)
    for (const p of [...lensPasses, ...zPasses]) {
      expect(p).toBeGreaterThanOrEqual(5)
      expect(p).toBeLessThanOrEqual(30)
    }
    // confident objects stop at the minimum; the trained models are confident about most
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length
    // (seed 31, 48 objects: lens 18 of 30 passes on average, bimodal; photo-z 5.1)
    expect(mean(lensPasses)).toBeLessThan(25)
    expect(lensPasses.filter((p) => p === 5).length).toBeGreaterThan(N / 4)
    expect(mean(zPasses)).toBeLessThan(10)
    // An object stops once its MC standard error is below 0.01, so its mean is near the 30-pass mean,
    // which has Monte Carlo error of its own: the lens finder's per-pass spread reaches ~0.2, so a
    // 30-pass mean is uncertain by up to ~0.04 and two 30-pass runs with different seeds differ by
    // up to ~0.1 for its least certain objects. The bounds are those of the two MC errors combined.
    const lensDiff = loose.map((r, i) => Math.abs((r['lens_p_lens'] as number) - (naive[i]!['lens_p_lens'] as number))).sort((a, b) => a - b)
    expect(lensDiff[Math.floor(0.9 * N)]!).toBeLessThan(0.08)
    expect(lensDiff[N - 1]!).toBeLessThan(0.25)
    for (let i = 0; i < N; i++) {
      const z = naive[i]!['z_mean'] as number
      expect(Math.abs((loose[i]!['z_mean'] as number) - z)).toBeLessThan(0.05 * (1 + z))
    }
  }, 240_000)

  it('stores the predictive PDF on a fixed grid that integrates to one and has the PDF\'s mean', async () => {
    const grid = { start: 0, stop: 4, n: 401 }
    const out = join(TMP, 'grid.parquet')
    const rows = await classify(out, { pdfGrid: grid })
    for (const row of rows) {
      const p = row['z_pdf_grid'] as number[]
      expect(p).toHaveLength(401)
      let area = 0
      let first = 0
      for (let j = 1; j < 401; j++) {
        area += 0.005 * (p[j]! + p[j - 1]!)
        first += 0.005 * (p[j]! * j * 0.01 + p[j - 1]! * (j - 1) * 0.01)
      }
      expect(area).toBeCloseTo(1, 2)
      expect(first / area).toBeCloseTo(row['z_mean'] as number, 2)
      expect(Math.min(...p)).toBeGreaterThanOrEqual(0)
    }
    const kv = Object.fromEntries((await db.runAndReadAll(`select decode(key), decode(value) from parquet_kv_metadata('${out}')`)).getRowsJS() as [string, string][])
    const docs = JSON.parse(kv['survey_classifier:columns']!)
    expect(docs['z_pdf_grid'].metadata).toEqual({ pdf_grid_start: '0', pdf_grid_stop: '4', pdf_grid_points: '401' })
    expect(JSON.parse(kv['survey_classifier:options']!).pdfGrid).toEqual(grid)
  }, 240_000)

  it('refuses adaptive with TTA, and bad grids, naming the option', async () => {
    const base = { source: simulatedSource({ n: 4, seed: 1 }), createWriter: fileWriterFactory(join(TMP, 'bad.parquet')), spawn: nodeWorkerSpawner('inference'), models, outputColumns: [] }
    await expect(annotateCatalog({ ...base, passes: 30, tta: true, adaptive: { tolerance: 0.01 } })).rejects.toThrow(/adaptive and tta cannot be combined/)
    await expect(annotateCatalog({ ...base, pdfGrid: { start: 1, stop: 0, n: 10 } })).rejects.toThrow(/option pdfGrid: the grid needs start < stop/)
    const { parsePdfGrid } = await import('../../src/pdf-grid.js')
    expect(() => parsePdfGrid('0:3')).toThrow(/--pdf-grid must be start:stop:points/)
    expect(parsePdfGrid('0:3:301')).toEqual({ start: 0, stop: 3, n: 301 })
  })
})

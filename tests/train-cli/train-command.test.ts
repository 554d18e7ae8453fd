// `survey-classify train` end to end: a labelled catalog in, a model bundle out
// that the pipeline verifies and runs, with a manifest recording the training.
import { mkdir, readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { beforeAll, expect, it } from 'vitest'
import { main } from '../../src/cli/main.js'
import { loadModelDir } from '../../src/node.js'

const TMP = join(import.meta.dirname, '..', '.tmp', 'train-cli')

function sink(): NodeJS.WriteStream {
  return new Writable({ write: (_c, _e, done) => done() }) as unknown as NodeJS.WriteStream
}

beforeAll(async () => {
  await rm(TMP, { recursive: true, force: true })
  await mkdir(TMP, { recursive: true })
})

it('trains a model from a simulated catalog into a bundle the pipeline accepts', async () => {
  const io = { stdout: sink(), stderr: sink() }
  expect(await main(['simulate', '--n', '96', '--seed', '3', '-o', join(TMP, 'train.parquet'), '--quiet'], io)).toBe(0)
  const model = join(TMP, 'merger-model')
  const code = await main(['train', join(TMP, 'train.parquet'), '--task', 'merger', '--arch', 'small-cnn', '--epochs', '1', '--batch-size', '16', '--no-augment', '-o', model, '--quiet'], io)
  expect(code).toBe(0)
  const manifest = JSON.parse(await readFile(join(model, 'manifest.json'), 'utf8'))
  expect(manifest).toMatchObject({ task: 'merger', trained: true, architecture: 'small-cnn', output: { kind: 'softmax', labels: ['non-merger', 'pre-merger', 'ongoing', 'post-merger'] } })
  expect(manifest.training).toMatchObject({ rows: 77, validationRows: 19, epochsRun: 1, seed: 42, label: 'truth_merger_stage' })
  expect(manifest.training.dataSha256).toMatch(/^[0-9a-f]{64}$/)
  expect(manifest.metrics.n).toBe(19)
  expect(manifest.metrics.confusion).toHaveLength(16)
  expect(manifest.input.normalisation.kind).toBe('asinh')
  expect(manifest.input.normalisation.softening.every((s: number) => s > 0 && s < 1)).toBe(true)
  // the bundle verifies (every sha256) and classifies through the pipeline
  await loadModelDir(model)
  const out = join(TMP, 'annotated.parquet')
  expect(await main(['classify', join(TMP, 'train.parquet'), '-o', out, '--model', model, '--backend', 'wasm', '--workers', '1', '--quiet'], io)).toBe(0)
  const { DuckDBInstance } = await import('@duckdb/node-api')
  const db = await (await DuckDBInstance.create(':memory:')).connect()
  const [row] = (await db.runAndReadAll(`select count(*), sum(merger_p_non_merger + merger_p_pre_merger + merger_p_ongoing + merger_p_post_merger) from '${out}'`)).getRowsJS()
  expect(Number(row![0])).toBe(96)
  expect(row![1] as number).toBeCloseTo(96, 2)

  // calibration: a temperature fitted on labelled data, written into the manifest and applied at inference
  const read = async (path: string) => (await db.runAndReadAll(`select merger_p_non_merger, merger_label from '${path}' order by id`)).getRowsJS()
  const before = await read(out)
  expect(await main(['calibrate', model, join(TMP, 'train.parquet')], io)).toBe(0)
  const calibrated = JSON.parse(await readFile(join(model, 'manifest.json'), 'utf8'))
  expect(calibrated.calibration.temperature).toBeGreaterThan(0)
  expect(calibrated.calibrationFit).toMatchObject({ rows: 96, passes: 1, method: 'temperature scaling of the log-probabilities' })
  expect(calibrated.calibrationFit.nllAfter).toBeLessThanOrEqual(calibrated.calibrationFit.nllBefore)
  const out2 = join(TMP, 'annotated-calibrated.parquet')
  expect(await main(['classify', join(TMP, 'train.parquet'), '-o', out2, '--model', model, '--backend', 'wasm', '--workers', '1', '--quiet'], io)).toBe(0)
  const after = await read(out2)
  expect(after.map((r) => r[0])).not.toEqual(before.map((r) => r[0]))
  // softmax(log p / T) changes how sure the model is, never which class it prefers
  expect(after.map((r) => r[1])).toEqual(before.map((r) => r[1]))
}, 240_000)

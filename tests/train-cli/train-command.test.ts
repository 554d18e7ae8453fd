// `survey-classify train` end to end: a labelled catalog in, a model bundle out
// that the pipeline verifies and runs, with a manifest recording the training.
import { existsSync } from 'node:fs'
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

  // calibration: a temperature and class biases fitted on labelled data, written into the
  // manifest and applied at inference (one deterministic pass, so the transform is exact per row)
  const P = ['merger_p_non_merger', 'merger_p_pre_merger', 'merger_p_ongoing', 'merger_p_post_merger']
  const read = async (path: string) => (await db.runAndReadAll(`select ${P.join(', ')} from '${path}' order by id`)).getRowsJS() as number[][]
  const out1 = join(TMP, 'annotated-1pass.parquet')
  expect(await main(['classify', join(TMP, 'train.parquet'), '-o', out1, '--model', model, '--backend', 'wasm', '--workers', '1', '--passes', '1', '--quiet'], io)).toBe(0)
  const before = await read(out1)
  expect(await main(['calibrate', model, join(TMP, 'train.parquet')], io)).toBe(0)
  const calibrated = JSON.parse(await readFile(join(model, 'manifest.json'), 'utf8'))
  const { temperature, classBias } = calibrated.calibration as { temperature: number; classBias: number[] }
  expect(temperature).toBeGreaterThan(0)
  expect(classBias).toHaveLength(4)
  expect(classBias[0]).toBe(0)
  expect(calibrated.calibrationFit).toMatchObject({ rows: 96, passes: 1, method: expect.stringMatching(/^bias-corrected temperature scaling/) })
  expect(calibrated.calibrationFit.nllAfter).toBeLessThanOrEqual(calibrated.calibrationFit.nllBefore)
  const out2 = join(TMP, 'annotated-calibrated.parquet')
  expect(await main(['classify', join(TMP, 'train.parquet'), '-o', out2, '--model', model, '--backend', 'wasm', '--workers', '1', '--passes', '1', '--quiet'], io)).toBe(0)
  const after = await read(out2)
  expect(after).toHaveLength(96)
  for (let r = 0; r < 96; r++) {
    const e = before[r]!.map((p, c) => Math.exp(Math.log(p) / temperature + classBias[c]!))
    const total = e.reduce((a, v) => a + v, 0)
    for (let c = 0; c < 4; c++) expect(after[r]![c]).toBeCloseTo(e[c]! / total, 4)
  }
}, 240_000)

it('--init-from fine-tunes a trained bundle: its weights and normalisation carry over, mismatches are refused', async () => {
  const io = { stdout: sink(), stderr: sink() }
  const data = join(TMP, 'lens-train.parquet')
  expect(await main(['simulate', '--n', '64', '--seed', '5', '-o', data, '--quiet'], io)).toBe(0)
  const base = join(TMP, 'lens-base')
  const common = ['--task', 'lens', '--arch', 'small-cnn', '--epochs', '1', '--batch-size', '16', '--no-augment', '--float32', '--quiet']
  expect(await main(['train', data, ...common, '--learning-rate', '0.01', '-o', base], io)).toBe(0)
  // a vanishing learning rate: the fine-tuned weights are the base model's, to float32 rounding
  const tuned = join(TMP, 'lens-tuned')
  expect(await main(['train', data, ...common, '--learning-rate', '1e-12', '--seed', '9', '--init-from', base, '-o', tuned], io)).toBe(0)
  const baseManifest = JSON.parse(await readFile(join(base, 'manifest.json'), 'utf8'))
  const tunedManifest = JSON.parse(await readFile(join(tuned, 'manifest.json'), 'utf8'))
  expect(tunedManifest.training.initFrom).toMatchObject({ name: 'lens-small-cnn', version: '1.0.0', manifestSha256: expect.stringMatching(/^[0-9a-f]{64}$/) })
  expect(tunedManifest.input.normalisation).toEqual(baseManifest.input.normalisation)
  expect(tunedManifest.description).toMatch(/starting from lens-small-cnn 1\.0\.0/)
  const { DuckDBInstance } = await import('@duckdb/node-api')
  const db = await (await DuckDBInstance.create(':memory:')).connect()
  const predictions = async (model: string, name: string): Promise<number[]> => {
    const out = join(TMP, `${name}.parquet`)
    expect(await main(['classify', data, '-o', out, '--model', model, '--backend', 'wasm', '--workers', '1', '--passes', '1', '--quiet'], io)).toBe(0)
    return (await db.runAndReadAll(`select lens_p_lens from '${out}' order by id`)).getRowsJS().map((r) => r[0] as number)
  }
  const a = await predictions(base, 'lens-base-out')
  const b = await predictions(tuned, 'lens-tuned-out')
  // a freshly initialised network (another seed) predicts differently; the fine-tuned one does not
  const fresh = join(TMP, 'lens-fresh')
  expect(await main(['train', data, ...common, '--learning-rate', '1e-12', '--seed', '9', '-o', fresh], io)).toBe(0)
  const c = await predictions(fresh, 'lens-fresh-out')
  expect(Math.max(...a.map((p, i) => Math.abs(p - b[i]!)))).toBeLessThan(1e-4)
  expect(Math.max(...a.map((p, i) => Math.abs(p - c[i]!)))).toBeGreaterThan(1e-3)
  // a model of another task or architecture is refused before training (exit code 2), naming the field
  const refused = async (args: string[]): Promise<string> => {
    let text = ''
    const stderr = new Writable({ write: (c, _e, done) => { text += String(c); done() } }) as unknown as NodeJS.WriteStream
    expect(await main(['train', data, '--epochs', '1', '--init-from', base, '-o', join(TMP, 'refused'), '--quiet', ...args], { stdout: sink(), stderr })).toBe(2)
    return text
  }
  expect(await refused(['--task', 'morphology', '--arch', 'small-cnn'])).toMatch(/--init-from: model lens-small-cnn has task "lens", this run needs "morphology"/)
  expect(await refused(['--task', 'lens', '--arch', 'small4-cnn'])).toMatch(/has architecture "small-cnn", this run needs "small4-cnn"/)
  expect(existsSync(join(TMP, 'refused'))).toBe(false) // nothing is written for a refused run
}, 240_000)

it('--reduce-lr is checked before anything is read: a factor outside (0, 1), or a wait not shorter than --patience, is refused', async () => {
  const refused = async (args: string[]): Promise<string> => {
    let text = ''
    const stderr = new Writable({ write: (c, _e, done) => { text += String(c); done() } }) as unknown as NodeJS.WriteStream
    expect(await main(['train', join(TMP, 'does-not-exist.parquet'), '--task', 'lens', '-o', join(TMP, 'never'), '--quiet', ...args], { stdout: sink(), stderr })).toBe(2)
    return text
  }
  expect(await refused(['--reduce-lr', '2'])).toMatch(/option --reduce-lr must be F or F:P with 0 < F < 1.*got "2"/)
  expect(await refused(['--reduce-lr', '0.5:x'])).toMatch(/option --reduce-lr must be F or F:P/)
  expect(await refused(['--reduce-lr', '0.5:3', '--patience', '3'])).toMatch(/option --reduce-lr waits 3 epochs, which must be fewer than --patience \(3\)/)
})

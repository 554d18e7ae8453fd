// `survey-classify evaluate` through its command function, with the same error → exit-code
// mapping as src/cli/main.ts: files written, summary on stderr, documented exit codes.
import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { capture } from '../helpers/capture.js'
import { describe, expect, it } from 'vitest'
import { EVALUATE_HELP, evaluateCommand } from '../../src/cli/evaluate.js'
import { exitCodeFor } from '../../src/cli/exit-codes.js'
import { errorMessage, isSurveyError } from '../../src/errors.js'
import type { EvaluationReport } from '../../src/evaluate/index.js'
import { classifierExtras, LENS_OUTPUT, tempDir, testManifest, writeAnnotated } from './annotated.js'

/** Run the command as main() does: a thrown error becomes its exit code and a message. */
async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out = capture()
  const err = capture()
  let code: number
  try {
    code = await evaluateCommand(argv, { stdout: out.stream, stderr: err.stream })
  } catch (error) {
    code = exitCodeFor(isSurveyError(error) ? error.code : undefined)
    err.stream.write(`survey-classify evaluate: ${errorMessage(error)}\n`)
  }
  return { code, out: out.text(), err: err.text() }
}

async function lensCatalog(withTruth: boolean, trained = false): Promise<string> {
  const n = 80
  const truth = Array.from({ length: n }, (_, i) => (i % 4 === 0 ? 1 : 0))
  const p = Float32Array.from(truth, (y, i) => (y ? 0.6 : 0.1) + (i % 5) / 20)
  const both = new Float32Array(2 * n)
  p.forEach((v, i) => {
    both[2 * i] = 1 - v
    both[2 * i + 1] = v
  })
  const path = join(tempDir(), withTruth ? 'annotated.parquet' : 'no-truth.parquet')
  await writeAnnotated(path, {
    manifests: [testManifest('lens', LENS_OUTPUT, { name: 'seed-cnn-untrained', trained })],
    n,
    extra: withTruth ? ['truth_is_lens', 'mag_r', 'truth_z'] : ['mag_r'],
    columns: {
      truth_is_lens: Int8Array.from(truth),
      mag_r: Float32Array.from({ length: n }, (_, i) => 18 + i / 20),
      truth_z: Float32Array.from({ length: n }, (_, i) => i / n),
      lens_p_lens: p,
      lens_p_lens_std: new Float32Array(n),
      ...classifierExtras('lens', ['non-lens', 'lens'], both, 2, n),
      status: Array.from({ length: n }, (_, i) => (i === 7 ? 'worker-failed' : 'ok')),
    },
  })
  return path
}

describe('survey-classify evaluate', () => {
  it('writes the metrics JSON and the HTML report, prints a summary, exits 0', async () => {
    const input = await lensCatalog(true)
    const dir = tempDir()
    const json = join(dir, 'metrics.json')
    const html = join(dir, 'report.html')
    const res = await run(input, '-o', json, '--html', html)
    expect(res.code).toBe(0)
    expect(res.out).toBe('')
    const report = JSON.parse(await readFile(json, 'utf8')) as EvaluationReport
    expect(report.schema).toBe('survey-classifier/evaluation@1')
    expect(report.rows).toMatchObject({ total: 80, ok: 79, skipped: 1 })
    expect(report.tasks.lens?.kind).toBe('classifier')
    expect(report.tasks.lens?.kind === 'classifier' && report.tasks.lens.binary?.auroc).toBe(1)
    expect(report.untrainedModels).toEqual(['seed-cnn-untrained'])
    const page = await readFile(html, 'utf8')
    expect(page).toContain('<svg ')
    expect(page).toContain('class="plot roc"')
    expect(page).not.toMatch(/https?:/)
    expect(res.err).toMatch(/evaluated 79 of 80 rows/)
    expect(res.err).toMatch(/lens \[UNTRAINED\]: n=79; accuracy .*AUROC 1, TPR0 1, TPR10 1/)
    expect(res.err).toContain(`wrote ${json} and ${html}`)
  })

  it('prints the JSON on stdout when no output file is given', async () => {
    const res = await run(await lensCatalog(true, true), '--quiet')
    expect(res.code).toBe(0)
    expect(res.err).toBe('')
    const report = JSON.parse(res.out) as EvaluationReport
    expect(report.untrainedModels).toEqual([])
    expect(report.tasks.lens?.trained).toBe(true)
  })

  it('a catalog without the truth column exits 3 and names the column', async () => {
    const dir = tempDir()
    const json = join(dir, 'metrics.json')
    const res = await run(await lensCatalog(false), '-o', json)
    expect(res.code).toBe(3)
    expect(res.err).toMatch(/truth column "truth_is_lens" missing in .*no-truth\.parquet/)
    expect(existsSync(json)).toBe(false)
  })

  it('--truth maps the tasks to other columns', async () => {
    const res = await run(await lensCatalog(false), '--truth', 'lens=mag_r', '--quiet')
    // mag_r is no 0/1 truth: every row's truth is outside the labels, so nothing is evaluated
    expect(res.code).toBe(0)
    const report = JSON.parse(res.out) as EvaluationReport
    expect(report.settings.truthColumns).toEqual({ lens: 'mag_r' })
    expect(report.tasks.lens?.n).toBe(0)
    expect(report.tasks.lens?.skipped.unknownTruth).toBe(79)
  })

  it('bad options exit 2 before the catalog is read; a missing file exits 3', async () => {
    expect((await run('x.parquet', '--truth', 'lenses=truth_is_lens')).code).toBe(2)
    expect((await run('x.parquet', '--truth', 'lens')).err).toContain('expected task=column, got "lens"')
    expect((await run('x.parquet', '--point', 'peak')).code).toBe(2)
    expect((await run('x.parquet', '--bins', '0')).code).toBe(2)
    expect((await run()).code).toBe(2)
    const missing = await run(join(tempDir(), 'absent.parquet'))
    expect(missing.code).toBe(3)
    expect(missing.err).toContain('absent.parquet')
  })

  it('an output that cannot be written exits 7 and names the path', async () => {
    const res = await run(await lensCatalog(true), '-o', join(tempDir(), 'no', 'such', 'dir', 'metrics.json'))
    expect(res.code).toBe(7)
    expect(res.err).toMatch(/cannot write .*metrics\.json/)
  })

  it('--help prints the usage', async () => {
    const res = await run('--help')
    expect(res.code).toBe(0)
    expect(res.out).toBe(`${EVALUATE_HELP}\n`)
    expect(EVALUATE_HELP).toContain('--truth')
  })
})

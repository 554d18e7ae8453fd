// evaluateCatalog on small annotated catalogs with known answers: the lens statistics of
// Metcalf+19, confusion matrices, photo-z point metrics, PIT/coverage of consistently drawn
// PDFs, status and truth skipping, provenance, column projection, and the HTML report.
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { CatalogSource, ReadOptions } from '../../src/catalog/source.js'
import type { ColumnValues } from '../../src/catalog/types.js'
import { isSurveyError } from '../../src/errors.js'
import { evaluateCatalog, renderReportHtml, formatReportSummary, type ClassifierReport, type PhotozReport } from '../../src/evaluate/index.js'
import { summariseMixtures } from '../../src/metrics/mixture.js'
import type { ModelManifest } from '../../src/models/manifest.js'
import { openCatalogFile } from '../../src/node.js'
import { mulberry32, normalSource, sampleMixture } from '../metrics/rng.js'
import {
  classifierExtras, LENS_OUTPUT, MERGER_OUTPUT, MORPHOLOGY_OUTPUT, PHOTOZ_OUTPUT, tempDir, testManifest, writeAnnotated,
} from './annotated.js'

const GENERATED_AT = '2026-01-01T00:00:00.000Z'

/** Lens catalog: p(lens) from `score(isLens, i)`; rows in `badRows` get status cutout-missing and NaN outputs. */
function lensColumns(truth: readonly number[], score: (isLens: number, i: number) => number, badRows = new Set<number>()): Record<string, ColumnValues> {
  const n = truth.length
  const p = new Float32Array(n)
  const status: string[] = []
  for (let i = 0; i < n; i++) {
    p[i] = badRows.has(i) ? NaN : score(truth[i]!, i)
    status.push(badRows.has(i) ? 'cutout-missing' : 'ok')
  }
  const both = new Float32Array(2 * n)
  for (let i = 0; i < n; i++) {
    both[2 * i] = 1 - p[i]!
    both[2 * i + 1] = p[i]!
  }
  return {
    truth_is_lens: Int8Array.from(truth),
    lens_p_lens: p,
    lens_p_lens_std: new Float32Array(n),
    ...classifierExtras('lens', ['non-lens', 'lens'], both, 2, n),
    mag_r: Float32Array.from({ length: n }, (_, i) => 18 + (6 * i) / n),
    truth_z: Float32Array.from({ length: n }, (_, i) => 0.05 + i / n),
    cutout: Array.from({ length: n }, () => new Float32Array(4)),
    status,
  }
}

async function writeLens(name: string, columns: Record<string, ColumnValues>, n: number, manifest: ModelManifest = testManifest('lens', LENS_OUTPUT)): Promise<string> {
  const path = join(tempDir(), name)
  await writeAnnotated(path, { manifests: [manifest], n, columns, extra: ['truth_is_lens', 'mag_r', 'truth_z', 'cutout'] })
  return path
}

async function evaluatePath(path: string, options: Parameters<typeof evaluateCatalog>[1] = {}) {
  const source = await openCatalogFile(path)
  try {
    return await evaluateCatalog(source, { generatedAt: GENERATED_AT, ...options })
  } finally {
    await source.close?.()
  }
}

function lensTruth(n: number, seed: number): number[] {
  const u = mulberry32(seed)
  return Array.from({ length: n }, () => (u() < 0.25 ? 1 : 0))
}

describe('lens metrics (Metcalf+19)', () => {
  it('a perfect classifier gives AUROC 1, TPR0 1 and TPR10 1; non-ok rows are skipped and counted', async () => {
    const n = 300
    const truth = lensTruth(n, 1)
    const u = mulberry32(2)
    const bad = new Set([3, 50, 51, 299])
    const path = await writeLens('perfect.parquet', lensColumns(truth, (y) => (y === 1 ? 0.6 + 0.4 * u() : 0.5 * u()), bad), n)
    const report = await evaluatePath(path)
    const lens = report.tasks.lens as ClassifierReport
    expect(lens.kind).toBe('classifier')
    expect(lens.binary?.auroc).toBe(1)
    expect(lens.binary?.tpr0).toBe(1)
    expect(lens.binary?.tpr10).toBe(1)
    expect(lens.accuracy).toBe(1)
    expect(lens.n).toBe(n - bad.size)
    expect(lens.skipped.status).toBe(bad.size)
    expect(report.rows).toMatchObject({ total: n, ok: n - bad.size, skipped: bad.size, statusCounts: { ok: n - bad.size, 'cutout-missing': bad.size } })
    const positives = truth.filter((y, i) => y === 1 && !bad.has(i)).length
    expect(lens.binary?.positives).toBe(positives)
    expect(lens.classCounts).toEqual([n - bad.size - positives, positives])
    // the ROC goes from (0, 0) to (1, 1) through (0, 1), where TPR0 is marked
    expect(lens.binary?.roc.fpr[0]).toBe(0)
    expect(lens.binary?.roc.tpr.at(-1)).toBe(1)
    expect(lens.binary?.tpr0Point).toMatchObject({ fpr: 0, tpr: 1, falsePositives: 0 })
    expect(lens.labels).toEqual(['non-lens', 'lens'])
    expect(lens.output).toBe('sigmoid')
  })

  it('a reversed classifier gives AUROC 0, TPR0 0 and TPR10 0', async () => {
    const n = 200
    const truth = lensTruth(n, 3)
    const u = mulberry32(4)
    const path = await writeLens('reversed.parquet', lensColumns(truth, (y) => (y === 1 ? 0.4 * u() : 0.6 + 0.4 * u())), n)
    const lens = (await evaluatePath(path)).tasks.lens as ClassifierReport
    expect(lens.binary?.auroc).toBe(0)
    expect(lens.binary?.tpr0).toBe(0)
    expect(lens.binary?.tpr10).toBe(0)
    expect(lens.accuracy).toBe(0)
  })

  it('TPR0 stops at the first false positive, TPR10 allows fewer than ten (hand-computed case)', async () => {
    // score order: + + − + − − + : P = 4, N = 3
    const truth = [1, 1, 0, 1, 0, 0, 1]
    const scores = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3]
    const path = await writeLens('hand.parquet', lensColumns(truth, (_, i) => scores[i]!), truth.length)
    const lens = (await evaluatePath(path)).tasks.lens as ClassifierReport
    expect(lens.binary?.tpr0).toBe(0.5)
    expect(lens.binary?.tpr10).toBe(1)
    // positives beat 3, 3, 2 and 0 of the 3 negatives
    expect(lens.binary?.auroc).toBeCloseTo(8 / 12, 12)
    expect(lens.binary?.tpr0Point).toMatchObject({ fpr: 0, tpr: 0.5, falsePositives: 0 })
    expect(lens.binary?.tpr10Point).toMatchObject({ fpr: 1, tpr: 1, falsePositives: 3 })
    // p ≥ 0.5 → lens: rows 0, 1, 3 right, 2 and 4 wrong, 5 right, 6 wrong
    expect(lens.confusionMatrix).toEqual([[1, 2], [1, 3]])
  })

  it('thins the ROC curve to about maxRocPoints and keeps its ends', async () => {
    const n = 3000
    const truth = lensTruth(n, 5)
    const g = normalSource(mulberry32(6))
    const path = await writeLens('many.parquet', lensColumns(truth, (y) => 1 / (1 + Math.exp(-(y * 1.5 + g())))), n)
    const lens = (await evaluatePath(path, { maxRocPoints: 50 })).tasks.lens as ClassifierReport
    const rocCurve = lens.binary!.roc
    expect(rocCurve.thinnedFrom).toBeGreaterThan(1000)
    expect(rocCurve.fpr.length).toBeLessThanOrEqual(55)
    expect([rocCurve.fpr[0], rocCurve.tpr[0]]).toEqual([0, 0])
    expect([rocCurve.fpr.at(-1), rocCurve.tpr.at(-1)]).toEqual([1, 1])
    expect(lens.binary!.auroc!).toBeGreaterThan(0.75)
    expect(lens.binary!.auroc!).toBeLessThan(0.95)
  })
})

describe('classifier confusion and calibration', () => {
  it('morphology: known confusion matrix, accuracy and per-class AUROC from string truths', async () => {
    // early rows: 3 predicted early, 1 late; late rows: 2 predicted early, 4 late
    const truth = ['early', 'early', 'early', 'early', 'late', 'late', 'late', 'late', 'late', 'late']
    const pEarly = [0.8, 0.8, 0.8, 0.3, 0.6, 0.6, 0.1, 0.1, 0.1, 0.1]
    const n = truth.length
    const probs = new Float32Array(2 * n)
    pEarly.forEach((p, i) => {
      probs[2 * i] = p
      probs[2 * i + 1] = 1 - p
    })
    const path = join(tempDir(), 'morph.parquet')
    await writeAnnotated(path, {
      manifests: [testManifest('morphology', MORPHOLOGY_OUTPUT)],
      n,
      extra: ['truth_morphology'],
      columns: {
        truth_morphology: truth,
        morphology_p_early: Float32Array.from(pEarly),
        morphology_p_early_std: new Float32Array(n),
        morphology_p_late: Float32Array.from(pEarly, (p) => 1 - p),
        morphology_p_late_std: new Float32Array(n),
        ...classifierExtras('morphology', ['early', 'late'], probs, 2, n),
        status: new Array(n).fill('ok'),
      },
    })
    const report = await evaluatePath(path)
    const m = report.tasks.morphology as ClassifierReport
    expect(m.labels).toEqual(['early', 'late'])
    expect(m.output).toBe('softmax')
    expect(m.confusionMatrix).toEqual([[3, 1], [2, 4]])
    expect(m.accuracy).toBeCloseTo(0.7, 12)
    // early vs rest: 0.8 ×3 beat all 6 late rows, 0.3 beats the four 0.1 rows → 22/24
    expect(m.perClassAuroc['early']).toBeCloseTo(22 / 24, 6)
    expect(m.perClassAuroc['late']).toBeCloseTo(22 / 24, 6)
    // the 15-bin reliability diagram: confidences 0.8 (4 rows, 3 right), 0.7 (1, wrong), 0.6 (2, wrong), 0.9 (4, right)
    const used = m.reliability.filter((b) => b.count > 0).map((b) => [b.count, b.accuracy])
    expect(used).toEqual([[2, 0], [1, 0], [3, 1], [4, 1]])
    expect(m.ece).toBeCloseTo((2 * 0.6 + 0.7 + 3 * 0.2 + 4 * 0.1) / 10, 6)
    expect(report.tasks.lens).toBeUndefined()
  })

  it('merger: four stages matched to slugged columns; a truth value outside the labels is skipped and reported', async () => {
    const stages = ['non-merger', 'pre-merger', 'ongoing', 'post-merger']
    const n = 41
    const truth = Array.from({ length: n }, (_, i) => (i === 40 ? 'unknown-stage' : stages[i % 4]!))
    const probs = new Float32Array(4 * n)
    for (let i = 0; i < n; i++) for (let c = 0; c < 4; c++) probs[4 * i + c] = c === i % 4 ? 0.85 : 0.05
    const cols: Record<string, ColumnValues> = { truth_merger_stage: truth, status: new Array(n).fill('ok'), ...classifierExtras('merger', stages, probs, 4, n) }
    stages.forEach((s, c) => {
      const slug = s.replace('-', '_')
      cols[`merger_p_${slug}`] = Float32Array.from({ length: n }, (_, i) => probs[4 * i + c]!)
      cols[`merger_p_${slug}_std`] = new Float32Array(n)
    })
    const path = join(tempDir(), 'merger.parquet')
    await writeAnnotated(path, { manifests: [testManifest('merger', MERGER_OUTPUT)], n, columns: cols, extra: ['truth_merger_stage'] })
    const m = (await evaluatePath(path)).tasks.merger as ClassifierReport
    expect(m.labels).toEqual(stages)
    expect(m.probabilityColumns).toEqual(['merger_p_non_merger', 'merger_p_pre_merger', 'merger_p_ongoing', 'merger_p_post_merger'])
    expect(m.accuracy).toBe(1)
    expect(m.confusionMatrix).toEqual([[10, 0, 0, 0], [0, 10, 0, 0], [0, 0, 10, 0], [0, 0, 0, 10]])
    expect(m.n).toBe(40)
    expect(m.skipped.unknownTruth).toBe(1)
    expect(m.notes.join(' ')).toContain('"unknown-stage"')
    expect(m.binary).toBeNull()
    // confidence 0.85 and always right: ECE = 0.15
    expect(m.ece).toBeCloseTo(0.15, 6)
  })
})

/** Photo-z columns: per object a mixture (5 components, padded like the workers), its summaries and the truth. */
function photozColumns(weights: Float32Array, means: Float32Array, stds: Float32Array, n: number, zTrue: ArrayLike<number>, zPoint?: ArrayLike<number>): Record<string, ColumnValues> {
  const K = 5
  const s = summariseMixtures(weights, means, stds, n, K)
  const list = (v: Float32Array) => Array.from({ length: n }, (_, i) => v.slice(i * K, (i + 1) * K))
  return {
    truth_z: Float32Array.from(zTrue),
    z_mean: Float32Array.from(s.mean),
    z_median: Float32Array.from(zPoint ?? s.median),
    z_mode: Float32Array.from(s.mode),
    z_std: Float32Array.from(s.std),
    z_p16: Float32Array.from(s.p16),
    z_p84: Float32Array.from(s.p84),
    z_p025: Float32Array.from(s.p025),
    z_p975: Float32Array.from(s.p975),
    z_pdf_weights: list(weights),
    z_pdf_means: list(means),
    z_pdf_stds: list(stds),
    mag_r: Float32Array.from({ length: n }, (_, i) => 19 + 5 * ((i * 7919) % n) / n),
    status: new Array(n).fill('ok'),
  }
}

/** Two-component mixtures padded to five (weight 0, mean 0, std 1), truths drawn from them with `truthScale` × the widths. */
function drawnMixtures(n: number, seed: number, truthScale = 1) {
  const K = 5
  const u = mulberry32(seed)
  const g = normalSource(u)
  const w = new Float32Array(n * K)
  const mu = new Float32Array(n * K)
  const sd = new Float32Array(n * K).fill(1)
  const z = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    const a = 0.3 + 1.2 * u()
    w[i * K] = 0.6
    w[i * K + 1] = 0.4
    mu[i * K] = a
    mu[i * K + 1] = a + 0.1 + 0.2 * u()
    sd[i * K] = 0.03 + 0.05 * u()
    sd[i * K + 1] = 0.03 + 0.05 * u()
    const wide = Float32Array.from(sd.subarray(i * K, i * K + 2), (s) => s * truthScale)
    z[i] = sampleMixture(w.subarray(i * K, i * K + 2), mu.subarray(i * K, i * K + 2), wide, 0, 2, u, g)
  }
  return { w, mu, sd, z }
}

async function writePhotoz(name: string, columns: Record<string, ColumnValues>, n: number, trained = true): Promise<string> {
  const path = join(tempDir(), name)
  await writeAnnotated(path, { manifests: [testManifest('photoz', PHOTOZ_OUTPUT, { trained })], n, columns, extra: ['truth_z', 'mag_r'], rowGroupSize: 500 })
  return path
}

describe('photo-z metrics', () => {
  it('z_phot = z_spec gives σ_MAD 0, zero bias and no outliers', async () => {
    const n = 200
    const { w, mu, sd } = drawnMixtures(n, 7)
    const zs = Float32Array.from({ length: n }, (_, i) => 0.1 + (2 * i) / n)
    const path = await writePhotoz('exact.parquet', photozColumns(w, mu, sd, n, zs, zs), n)
    const p = (await evaluatePath(path)).tasks.photoz as PhotozReport
    expect(p.kind).toBe('photoz')
    expect(p.n).toBe(n)
    expect(p.pointColumn).toBe('z_median')
    expect(p.sigmaMad).toBe(0)
    expect(p.biasMean).toBe(0)
    expect(p.biasMedian).toBe(0)
    expect(p.outlierFraction005).toBe(0)
    expect(p.railOutlierFraction).toBe(0)
    expect(p.railOutlierCut).toBe(0.06)
    expect(p.scatter.zSpec).toEqual(p.scatter.zPhot)
  })

  it('a known shift gives the bias and the outlier fraction', async () => {
    const n = 100
    const { w, mu, sd } = drawnMixtures(n, 8)
    const zs = Float32Array.from({ length: n }, (_, i) => 0.2 + i / n)
    // Δz = 0.02 for 90 rows, 0.2 for 10 rows → η(0.05) = 0.1
    const zp = Float64Array.from(zs, (z, i) => z + (i % 10 === 0 ? 0.2 : 0.02) * (1 + z))
    const p = (await evaluatePath(await writePhotoz('shift.parquet', photozColumns(w, mu, sd, n, zs, zp), n))).tasks.photoz as PhotozReport
    expect(p.outlierFraction005).toBeCloseTo(0.1, 12)
    expect(p.biasMedian).toBeCloseTo(0.02, 5)
    expect(p.biasMean).toBeCloseTo(0.9 * 0.02 + 0.1 * 0.2, 5)
    expect(p.sigmaMad).toBeCloseTo(0, 5)
  })

  it('truths drawn from the stored PDFs give a flat PIT (small KS) and nominal 68/95 % coverage', async () => {
    const n = 2000
    const { w, mu, sd, z } = drawnMixtures(n, 9)
    const p = (await evaluatePath(await writePhotoz('calibrated.parquet', photozColumns(w, mu, sd, n, z), n))).tasks.photoz as PhotozReport
    expect(p.pit?.n).toBe(n)
    // 1 % critical value of the KS statistic: 1.628/√n
    expect(p.pit!.ks!).toBeLessThan(1.628 / Math.sqrt(n))
    expect(p.pit!.ksPValue!).toBeGreaterThan(0.01)
    for (const d of p.pit!.density) expect(Math.abs(d - 1)).toBeLessThan(0.45)
    expect(Math.abs(p.coverage.c68!.observed! - 0.68)).toBeLessThan(0.035)
    expect(Math.abs(p.coverage.c95!.observed! - 0.95)).toBeLessThan(0.02)
    expect(p.coverage.c68!.columns).toEqual(['z_p16', 'z_p84'])
    expect(p.meanCrps!).toBeGreaterThan(0)
    expect(p.meanCrps!).toBeLessThan(0.1)
    // z_std grows with nothing here, but the curves exist, bin every row and are ordered in x
    const curve = p.uncertainty.vsMagnitude!
    expect(curve.x).toBe('mag_r')
    expect(curve.y).toBe('z_std')
    expect(curve.bins.reduce((a, b) => a + b.n, 0)).toBe(n)
    expect(curve.bins.length).toBe(10)
    for (let b = 1; b < curve.bins.length; b++) expect(curve.bins[b]!.xMedian).toBeGreaterThan(curve.bins[b - 1]!.xMedian)
    expect(p.uncertainty.vsRedshift?.x).toBe('truth_z')
  })

  it('over-confident PDFs (truths drawn 3× wider) fail the same checks', async () => {
    const n = 2000
    const { w, mu, sd, z } = drawnMixtures(n, 10, 3)
    const p = (await evaluatePath(await writePhotoz('overconfident.parquet', photozColumns(w, mu, sd, n, z), n))).tasks.photoz as PhotozReport
    expect(p.pit!.ks!).toBeGreaterThan(0.1)
    expect(p.coverage.c68!.observed!).toBeLessThan(0.5)
    expect(p.coverage.c95!.observed!).toBeLessThan(0.8)
  })

  it('thins the z_spec/z_phot scatter and leaves rows without a PDF out of the PIT', async () => {
    const n = 600
    const { w, mu, sd, z } = drawnMixtures(n, 11)
    const cols = photozColumns(w, mu, sd, n, z)
    for (const name of ['z_pdf_weights', 'z_pdf_means', 'z_pdf_stds']) (cols[name] as unknown[])[5] = null
    const p = (await evaluatePath(await writePhotoz('thin.parquet', cols, n), { maxScatterPoints: 100 })).tasks.photoz as PhotozReport
    expect(p.scatter.zSpec.length).toBe(100)
    expect(p.scatter.thinnedFrom).toBe(n)
    expect(p.n).toBe(n)
    expect(p.pit?.n).toBe(n - 1)
    expect(p.notes.join(' ')).toContain('1 rows have no usable PDF mixture')
  })
})

describe('inputs, provenance and projection', () => {
  it('reads only the columns it needs (never the cutouts)', async () => {
    const n = 50
    const path = await writeLens('projection.parquet', lensColumns(lensTruth(n, 12), (y) => y), n)
    const source = await openCatalogFile(path)
    const requested: (readonly string[] | undefined)[] = []
    const spy: CatalogSource = { ...source, chunks: (o?: ReadOptions) => { requested.push(o?.columns); return source.chunks(o) } }
    await evaluateCatalog(spy)
    await source.close?.()
    expect(requested).toHaveLength(1)
    expect(requested[0]).toBeDefined()
    expect(requested[0]).not.toContain('cutout')
    expect([...requested[0]!].sort()).toEqual(['lens_entropy', 'lens_p_lens', 'mag_r', 'status', 'truth_is_lens', 'truth_z'])
  })

  it('a missing truth column is an input error naming the column and the option', async () => {
    const n = 20
    const cols = lensColumns(lensTruth(n, 13), (y) => y)
    const path = join(tempDir(), 'no-truth.parquet')
    await writeAnnotated(path, { manifests: [testManifest('lens', LENS_OUTPUT)], n, columns: cols, extra: ['mag_r'] })
    const error = await evaluatePath(path).catch((e: unknown) => e)
    expect(isSurveyError(error)).toBe(true)
    expect((error as { code: string }).code).toBe('input')
    expect((error as Error).message).toMatch(/truth column "truth_is_lens" missing in .*no-truth\.parquet.*--truth lens=COLUMN/)
  })

  it('the truth mapping is configurable', async () => {
    const n = 40
    const cols = lensColumns(lensTruth(n, 14), (y) => y)
    cols['is_lens'] = cols['truth_is_lens']!
    delete cols['truth_is_lens']
    const path = join(tempDir(), 'renamed.parquet')
    await writeAnnotated(path, { manifests: [testManifest('lens', LENS_OUTPUT)], n, columns: cols, extra: ['is_lens', 'mag_r'] })
    const report = await evaluatePath(path, { truth: { lens: 'is_lens' } })
    expect((report.tasks.lens as ClassifierReport).binary?.auroc).toBe(1)
    expect(report.settings.truthColumns).toEqual({ lens: 'is_lens' })
    // no truth_z here: a warning, no redshift curve, no failure
    expect(report.warnings.join(' ')).toContain('"truth_z" missing')
    expect((report.tasks.lens as ClassifierReport).uncertainty.vsRedshift).toBeNull()
  })

  it('a catalog without model outputs is an input error', async () => {
    const path = join(tempDir(), 'plain.parquet')
    await writeAnnotated(path, { manifests: [], n: 3, columns: { truth_z: new Float32Array(3), status: ['ok', 'ok', 'ok'] }, extra: ['truth_z'], noProvenance: true })
    const error = await evaluatePath(path).catch((e: unknown) => e)
    expect((error as { code: string }).code).toBe('input')
    expect((error as Error).message).toContain('no model output columns')
  })

  it('marks untrained models from the provenance, and reports no provenance as unknown', async () => {
    const n = 30
    const untrained = testManifest('lens', LENS_OUTPUT, { name: 'seed-cnn-untrained', trained: false })
    const report = await evaluatePath(await writeLens('untrained.parquet', lensColumns(lensTruth(n, 15), (y) => y), n, untrained))
    expect(report.untrainedModels).toEqual(['seed-cnn-untrained'])
    expect(report.models).toEqual([{ name: 'seed-cnn-untrained', version: '1.0.0', task: 'lens', trained: false }])
    expect(report.tasks.lens?.trained).toBe(false)
    expect(formatReportSummary(report)).toContain('lens [UNTRAINED]')
    expect(renderReportHtml(report)).toContain('UNTRAINED model')

    const path = join(tempDir(), 'no-provenance.parquet')
    await writeAnnotated(path, { manifests: [testManifest('lens', LENS_OUTPUT)], n, columns: lensColumns(lensTruth(n, 15), (y) => y), extra: ['truth_is_lens', 'mag_r', 'truth_z', 'cutout'], noProvenance: true })
    const bare = await evaluatePath(path)
    expect(bare.models).toEqual([])
    expect(bare.tasks.lens?.trained).toBeNull()
    expect(bare.untrainedModels).toEqual([])
  })

  it('an Arrow IPC catalog gives the same metrics as the same catalog in Parquet', async () => {
    const n = 150
    const { w, mu, sd, z } = drawnMixtures(n, 20)
    const cols = { ...photozColumns(w, mu, sd, n, z), ...lensColumns(lensTruth(n, 21), (y, i) => (y ? 0.55 : 0.35) + (i % 9) / 30, new Set([4])) }
    const dir = tempDir()
    const reports = []
    for (const format of ['parquet', 'arrow'] as const) {
      const path = join(dir, `both.${format}`)
      await writeAnnotated(path, { manifests: [testManifest('lens', LENS_OUTPUT), testManifest('photoz', PHOTOZ_OUTPUT)], n, columns: cols, extra: ['truth_is_lens', 'truth_z', 'mag_r', 'cutout'], format, rowGroupSize: 40 })
      const report = await evaluatePath(path)
      reports.push({ ...report, catalog: '' })
    }
    expect(reports[1]).toEqual(reports[0])
    expect(reports[0]!.rows.skipped).toBe(1)
    expect((reports[0]!.tasks.photoz as PhotozReport).pit?.n).toBe(n - 1)
  })

  it('the report is plain JSON: it survives a round trip unchanged', async () => {
    const n = 64
    const path = await writeLens('json.parquet', lensColumns(lensTruth(n, 16), (y, i) => (y ? 0.5 : 0.3) + (i % 7) / 20), n)
    const report = await evaluatePath(path)
    expect(JSON.parse(JSON.stringify(report))).toEqual(report)
  })
})

describe('HTML report', () => {
  it('is self-contained, holds every plot, and escapes labels', async () => {
    const labels = ['S0 & <Sa>', 'E "x"']
    const n = 120
    const u = mulberry32(17)
    const truth: string[] = []
    const pFirst = new Float32Array(n)
    for (let i = 0; i < n; i++) {
      const first = u() < 0.5
      truth.push(first ? labels[0]! : labels[1]!)
      pFirst[i] = first ? 0.55 + 0.4 * u() : 0.45 * u()
    }
    const probs = new Float32Array(2 * n)
    for (let i = 0; i < n; i++) {
      probs[2 * i] = pFirst[i]!
      probs[2 * i + 1] = 1 - pFirst[i]!
    }
    const { w, mu, sd, z } = drawnMixtures(n, 18)
    const photo = photozColumns(w, mu, sd, n, z)
    const lens = lensColumns(lensTruth(n, 19), (y) => (y ? 0.7 : 0.2) + 0.1 * u())
    const manifests = [
      testManifest('lens', LENS_OUTPUT),
      testManifest('morphology', { kind: 'softmax', labels }),
      testManifest('photoz', PHOTOZ_OUTPUT),
    ]
    const path = join(tempDir(), 'all.parquet')
    await writeAnnotated(path, {
      manifests,
      n,
      extra: ['truth_is_lens', 'truth_morphology', 'truth_z', 'mag_r', 'cutout'],
      columns: {
        ...photo,
        ...lens,
        truth_z: photo['truth_z']!,
        truth_morphology: truth,
        morphology_p_s0_sa: pFirst,
        morphology_p_s0_sa_std: new Float32Array(n),
        morphology_p_e_x: Float32Array.from(pFirst, (p) => 1 - p),
        morphology_p_e_x_std: new Float32Array(n),
        ...classifierExtras('morphology', labels, probs, 2, n),
      },
    })
    const report = await evaluatePath(path)
    expect(Object.keys(report.tasks).sort()).toEqual(['lens', 'morphology', 'photoz'])
    expect((report.tasks.morphology as ClassifierReport).labels).toEqual(labels)
    expect((report.tasks.morphology as ClassifierReport).accuracy).toBe(1)
    const html = renderReportHtml(report)
    expect(html.startsWith('<!doctype html>')).toBe(true)
    for (const cls of ['plot roc', 'plot reliability', 'plot heatmap', 'plot uncertainty', 'plot photoz-scatter', 'plot pit', 'plot coverage']) {
      expect(html).toContain(`class="${cls}"`)
    }
    // ROC (full and zoomed) ×2 tasks… at least: 2 ROC, 2 confusion, 2 reliability, 3 photo-z, 6 uncertainty
    expect(html.match(/<svg /g)!.length).toBeGreaterThanOrEqual(15)
    expect(html).toContain('TPR0')
    expect(html).toContain('TPR10')
    expect(html).toContain('ECE')
    expect(html).toContain('|Δz|/(1+z) = 0.05')
    // no network, no scripts
    expect(html).not.toMatch(/https?:/)
    expect(html).not.toMatch(/<script|<link|<img|<iframe|url\((?!#)/i)
    // escaped labels
    expect(html).toContain('S0 &amp; &lt;Sa&gt;')
    expect(html).toContain('E &quot;x&quot;')
    expect(html).not.toContain('<Sa>')
    // deterministic for the same report
    expect(renderReportHtml(report)).toBe(html)
  })
})

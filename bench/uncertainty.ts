/**
 * Cost and calibration of the uncertainty modes, measured side by side on the same images in one
 * thread (the inference worker's own code, wasm backend):
 * one deterministic pass, MC dropout T=30 (naive), adaptive MC dropout, test-time augmentation
 * over the 8 rotations/flips, and TTA combined with T=30 MC dropout.
 *
 * The models are the sample survey's (the `default` pipeline: lens, morphology, photo-z, merger, trained
 * and calibrated), on simulated objects with truth, so each mode's calibration can be compared
 * with the naive mode's: ECE for the classifiers; 68%/95% interval coverage and the PIT KS
 * statistic for photo-z. The untrained seed CNN is timed too (cost only), because its first
 * dropout follows its first convolution, so prefix reuse saves little there.
 *
 * Run with `npx tsx bench/uncertainty.ts [n]`; `npm run bench` calls {@link benchUncertainty}.
 */
import { classColumnNames, classifierSummaryNames, mdnColumnNames } from '../catalogs/columns.js'
import { pipelineSpec } from '../pipelines/registry.js'
import { expectedCalibrationError } from '../src/metrics/classification.js'
import { mixtureCdfAt } from '../src/metrics/mixture.js'
import { intervalCoverage, ksUniform } from '../src/metrics/photoz.js'
import { loadModelDir } from '../src/node.js'
import { nodeWasmPath } from '../src/node/spawn-node.js'
import { shippedModelDir } from '../src/node/paths.js'
import type { InferenceBatch, InferenceResult, ModelPayload, WorkerInit } from '../src/protocol.js'
import { simulatedSource } from '../src/pipeline/simulated-source.js'
import { createInferenceApi } from '../workers/inference-api.js'

/** The modes compared. */
export const UNCERTAINTY_MODES = ['one pass', 'naive T=30', 'adaptive', 'TTA', 'TTA + T=30'] as const
/** One of {@link UNCERTAINTY_MODES}. */
export type UncertaintyMode = (typeof UNCERTAINTY_MODES)[number]

/** One model under one mode. */
export interface ModeResult {
  readonly mode: UncertaintyMode
  /** CPU-seconds of the run. */
  readonly seconds: number
  /** Cost relative to one deterministic pass over the same images. */
  readonly ratio: number
  /** Classifiers: expected calibration error of the positive / first class (15 bins). */
  readonly ece?: number
  /** Photo-z: fraction of true redshifts inside [p16, p84] and [p025, p975]; PIT KS statistic. */
  readonly coverage68?: number
  readonly coverage95?: number
  readonly pitKs?: number
  /** Adaptive mode: mean passes per object. */
  readonly meanPasses?: number
}

/** Results for one model. */
export interface ModelBench {
  readonly model: string
  readonly trained: boolean
  readonly images: number
  readonly modes: readonly ModeResult[]
}

/** Results of {@link benchUncertainty}. */
export interface UncertaintyBenchResult {
  readonly adaptiveTolerance: number
  readonly models: readonly ModelBench[]
}

function cpuSeconds(): number {
  const u = process.cpuUsage()
  return (u.user + u.system) / 1e6
}

interface Sample {
  readonly n: number
  readonly pixels: Float32Array
  readonly isLens: Float64Array
  readonly isEarly: Float64Array
  /** Merger stage (truth_merger_stage) of each object. */
  readonly mergerStage: readonly string[]
  readonly z: Float64Array
  /** The catalog photometry columns (mag_*, magerr_*), for models that take them. */
  readonly photometry: Record<string, Float64Array>
}

const PHOTOMETRY = ['mag_g', 'mag_r', 'mag_z', 'magerr_g', 'magerr_r', 'magerr_z']

async function sample(n: number, seed: number): Promise<Sample> {
  const source = simulatedSource({ n, seed })
  const per = 64 * 64 * 3
  const pixels = new Float32Array(n * per)
  const isLens = new Float64Array(n)
  const isEarly = new Float64Array(n)
  const mergerStage: string[] = []
  const z = new Float64Array(n)
  const photometry = Object.fromEntries(PHOTOMETRY.map((c) => [c, new Float64Array(n)]))
  let row = 0
  for await (const chunk of source.chunks({ columns: ['cutout', 'truth_is_lens', 'truth_morphology', 'truth_merger_stage', 'truth_z', ...PHOTOMETRY] })) {
    const c = chunk.columns
    for (let i = 0; i < chunk.numRows; i++, row++) {
      pixels.set((c['cutout'] as Float32Array[])[i]!, row * per)
      isLens[row] = Number((c['truth_is_lens'] as ArrayLike<number>)[i])
      isEarly[row] = (c['truth_morphology'] as readonly string[])[i] === 'early' ? 1 : 0
      mergerStage.push((c['truth_merger_stage'] as readonly string[])[i]!)
      z[row] = Number((c['truth_z'] as ArrayLike<number>)[i])
      for (const name of PHOTOMETRY) photometry[name]![row] = Number((c[name] as ArrayLike<number | null>)[i] ?? Number.NaN)
    }
  }
  return { n, pixels, isLens, isEarly, mergerStage, z, photometry }
}

function batchOf(s: Sample, n: number): InferenceBatch {
  return {
    batchIndex: 0, rowStart: 0, numRows: n, where: 'benchmark cutouts',
    cutouts: { kind: 'pixels', data: s.pixels.slice(0, n * 64 * 64 * 3), offsets: Int32Array.from({ length: n + 1 }, (_, i) => i * 64 * 64 * 3), shapes: Int32Array.from({ length: 3 * n }, (_, i) => (i % 3 === 2 ? 3 : 64)), layout: 'hwc', bands: ['g', 'r', 'z'] },
    preStatus: new Array(n).fill(null), preDetail: new Array(n).fill(null),
    photometry: Object.fromEntries(Object.entries(s.photometry).map(([name, values]) => [name, values.slice(0, n)])),
  }
}

const MODE_INIT: Record<UncertaintyMode, (tolerance: number) => Pick<WorkerInit, 'passes'> & Partial<WorkerInit>> = {
  'one pass': () => ({ passes: 1 }),
  'naive T=30': () => ({ passes: 30 }),
  adaptive: (tolerance) => ({ passes: 30, adaptive: { tolerance } }),
  TTA: () => ({ passes: 1, tta: true }),
  'TTA + T=30': () => ({ passes: 30, tta: true }),
}

/** Calibration of one mode's outputs over the rows with status ok (a photometry model skips rows without magnitudes). */
function calibration(model: ModelPayload, out: InferenceResult, s: Sample): Omit<ModeResult, 'mode' | 'seconds' | 'ratio'> {
  const m = model.manifest
  const spec = m.output
  const ok = out.status.flatMap((st, i) => (st === 'ok' ? [i] : []))
  const n = ok.length
  const pick = (values: ArrayLike<number>) => Float64Array.from(ok, (i) => values[i]!)
  const meanPasses = (name: string) => {
    const passes = out.outputs[name] as Int32Array | undefined
    return passes ? { meanPasses: ok.reduce((a, i) => a + passes[i]!, 0) / n } : {}
  }
  if (spec.kind === 'mdn') {
    const names = mdnColumnNames(m)
    const col = (name: string) => pick(out.outputs[name] as Float32Array)
    const truth = pick(s.z)
    const lists = out.outputs[names.weights] as readonly (Float32Array | null)[]
    const K = lists[ok[0]!]!.length
    const flat = (name: string) => {
      const rows = out.outputs[name] as readonly (Float32Array | null)[]
      const a = new Float32Array(n * K)
      ok.forEach((i, j) => a.set(rows[i]!, j * K))
      return a
    }
    const pit = mixtureCdfAt(flat(names.weights), flat(names.means), flat(names.stds), n, K, truth)
    return {
      coverage68: intervalCoverage(col(names.summary.p16), col(names.summary.p84), truth),
      coverage95: intervalCoverage(col(names.summary.p025), col(names.summary.p975), truth),
      pitKs: ksUniform(pit),
      ...meanPasses(names.passes),
    }
  }
  let p: Float64Array
  let labels: Float64Array
  if (spec.kind === 'sigmoid') {
    // binary: the positive class's probability against 0/1 truth
    p = pick(out.outputs[classColumnNames(m, spec.positive).p] as Float32Array)
    labels = pick(m.task === 'lens' ? s.isLens : s.isEarly)
  } else {
    // softmax (merger stage): top-label ECE of the N×C probabilities against the stage index
    const C = spec.labels.length
    const cols = spec.labels.map((l) => out.outputs[classColumnNames(m, l).p] as Float32Array)
    p = new Float64Array(n * C)
    ok.forEach((i, j) => cols.forEach((col, c) => (p[j * C + c] = col[i]!)))
    if (m.task !== 'merger') throw new Error(`bench: no truth for the labels of ${m.name}`)
    labels = Float64Array.from(ok, (i) => spec.labels.indexOf(s.mergerStage[i]!))
    if (labels.includes(-1)) throw new Error(`bench: a merger stage of the sample is not among ${m.name}'s labels ${spec.labels.join(', ')}`)
  }
  return {
    ...(m.trained ? { ece: expectedCalibrationError(p, labels) } : {}),
    ...meanPasses(classifierSummaryNames(m).passes),
  }
}

async function benchModel(model: ModelPayload, s: Sample, n: number, tolerance: number, modes: readonly UncertaintyMode[]): Promise<ModelBench> {
  const run = async (mode: UncertaintyMode): Promise<{ seconds: number; out: InferenceResult }> => {
    const api = createInferenceApi()
    await api.init({ backend: 'wasm', wasmPath: nodeWasmPath(), models: [model], seed: 1, maxTensorBatch: 32, ...MODE_INIT[mode](tolerance) })
    // CPU time of this process (single-threaded wasm): unlike wall-clock time it does not grow
    // when other jobs share the machine
    const c0 = cpuSeconds()
    const out = await api.infer(batchOf(s, n))
    return { seconds: cpuSeconds() - c0, out }
  }
  await run('one pass') // warm-up: wasm compilation, kernels
  const results: ModeResult[] = []
  let one = NaN
  for (const mode of modes) {
    const { seconds, out } = await run(mode)
    if (mode === 'one pass') one = seconds
    results.push({ mode, seconds, ratio: seconds / one, ...calibration(model, out, s) })
  }
  return { model: model.manifest.name, trained: model.manifest.trained, images: n, modes: results }
}

/**
 * Time every mode on `n` simulated 64×64×3 cutouts (default 512) for each model of the default
 * pipeline, and on `seedN` (default 32) for the untrained seed CNN.
 */
export async function benchUncertainty(n = 512, seedN = 32, tolerance = 0.01): Promise<UncertaintyBenchResult> {
  const s = await sample(Math.max(n, seedN), 21)
  const models: ModelBench[] = []
  for (const name of pipelineSpec('default').models) {
    models.push(await benchModel(await loadModelDir(shippedModelDir(name)), s, n, tolerance, UNCERTAINTY_MODES))
  }
  models.push(await benchModel(await loadModelDir(shippedModelDir('seed-cnn-untrained')), s, seedN, tolerance, ['one pass', 'naive T=30', 'adaptive', 'TTA']))
  return { adaptiveTolerance: tolerance, models }
}

/** The results as printable lines. */
export function formatUncertaintyBench(r: UncertaintyBenchResult): string[] {
  const f = (v: number | undefined, d = 3) => (v === undefined ? '' : v.toFixed(d))
  const lines = [`uncertainty modes: cost (CPU time) / one deterministic pass, and calibration (adaptive tolerance ${r.adaptiveTolerance}; targets: naive T=30 ≤ 25×, adaptive ≤ 8× with calibration no worse than naive)`]
  lines.push(`${'model'.padEnd(22)} ${'mode'.padEnd(11)} ${'CPU s'.padStart(8)} ${'cost'.padStart(7)} ${'passes'.padStart(7)} ${'ECE'.padStart(6)} ${'cov68'.padStart(6)} ${'cov95'.padStart(6)} ${'PIT KS'.padStart(7)}`)
  for (const m of r.models) {
    for (const x of m.modes) {
      lines.push(`${`${m.model}${m.trained ? '' : '*'} (${m.images})`.padEnd(22)} ${x.mode.padEnd(11)} ${x.seconds.toFixed(3).padStart(8)} ${`${x.ratio.toFixed(1)}×`.padStart(7)} ${f(x.meanPasses, 1).padStart(7)} ${f(x.ece).padStart(6)} ${f(x.coverage68).padStart(6)} ${f(x.coverage95).padStart(6)} ${f(x.pitKs).padStart(7)}`)
    }
  }
  // the sample survey runs the default pipeline's models one after the other on every batch
  const pipeline = r.models.filter((m) => m.trained)
  const total = (mode: UncertaintyMode) => pipeline.reduce((sum, m) => sum + (m.modes.find((x) => x.mode === mode)?.seconds ?? NaN), 0)
  lines.push(`default pipeline (${pipeline.map((m) => m.model).join(' + ')}): ${UNCERTAINTY_MODES.slice(1).map((mode) => `${mode} ${(total(mode) / total('one pass')).toFixed(1)}×`).join(', ')} of one pass`)
  lines.push('* untrained: cost only (its first dropout follows its first convolution, so MC passes rerun nearly the whole network)')
  return lines
}

const argv = (globalThis as { process?: { argv?: string[] } }).process?.argv ?? []
if (argv[1] !== undefined && /bench[/\\]uncertainty\.(ts|js)$/.test(argv[1])) {
  for (const l of formatUncertaintyBench(await benchUncertainty(argv[2] ? Number(argv[2]) : undefined))) console.log(l)
}

/**
 * `evaluateCatalog`: stream an annotated catalog with truth columns and compute every task's
 * metrics with the definitions of the models issue and the anchor papers (Metcalf+19 for
 * lenses, Pasquet+19 and RAIL for photo-z, Guo+17 for calibration). Only the needed columns
 * are read (never the cutouts); only rows with status 'ok' are evaluated.
 * @module
 */

import { labelSlug } from '../../catalogs/columns.js'
import type { CatalogSource } from '../catalog/source.js'
import type { CatalogSchema, ColumnValues } from '../catalog/types.js'
import { SurveyError } from '../errors.js'
import {
  accuracy, argmaxRows, auroc, confusionMatrix, crps, intervalCoverage, ksUniform, ksUniformPValue, mixtureCdfAt,
  photozPointMetrics, pit, pitHistogram, pitOutlierRate, reliabilityDiagram, roc, tprAtFalsePositives,
} from '../metrics/index.js'
import type { Task } from '../models/manifest.js'
import { binnedMedians, finiteOrNull, GrowableFloat64, thinCurve, thinIndices } from './binning.js'
import {
  classifierColumns, DEFAULT_MAGNITUDE_COLUMN, DEFAULT_TRUTH_COLUMNS, EVALUATION_TASKS, photozColumns, provenanceModels, requireColumn,
  type ClassifierColumns, type PhotozColumns, type PointEstimate,
} from './columns.js'
import {
  EVALUATION_SCHEMA, type BinaryMetrics, type ClassifierReport, type EvaluatedModel, type EvaluationReport, type PhotozReport,
  type RocMark, type TaskReport, type UncertaintyCurves,
} from './report.js'

/** Options of {@link evaluateCatalog}. */
export interface EvaluateOptions {
  /** Truth column per task; defaults {@link DEFAULT_TRUTH_COLUMNS} (the simulator's). */
  readonly truth?: Partial<Record<Task, string>>
  /** Tasks to evaluate; default: the tasks of the provenance's models plus any whose output columns exist. */
  readonly tasks?: readonly Task[]
  /** Output column prefix per classifier task; default the task name (`columnPrefix` of the manifest). */
  readonly prefixes?: Partial<Record<Task, string>>
  /** Quantity name of the photo-z columns (default 'z': z_median, z_pdf_weights, …). */
  readonly photozQuantity?: string
  /** Which PDF summary is z_phot (default 'median'). */
  readonly pointEstimate?: PointEstimate
  /** Magnitude column for "uncertainty vs magnitude" (default 'mag_r'); missing → a warning, no curve. */
  readonly magnitudeColumn?: string
  /** Redshift column for "uncertainty vs redshift" (default the photo-z truth column). */
  readonly redshiftColumn?: string
  /** Reliability-diagram bins (default 15, Guo et al. 2017). */
  readonly reliabilityBins?: number
  /** PIT histogram bins (default 20). */
  readonly pitBins?: number
  /** Equal-count bins of the uncertainty curves (default 10). */
  readonly uncertaintyBins?: number
  /** ROC points kept for plotting (default 400). */
  readonly maxRocPoints?: number
  /** z_spec/z_phot pairs kept for plotting (default 3000). */
  readonly maxScatterPoints?: number
  /** ISO time stamp written into the report (default now). */
  readonly generatedAt?: string
  /** Stops reading between chunks. */
  readonly signal?: AbortSignal
}

const MISSING = -1
const UNKNOWN = -2

type Cell = unknown

function cellAt(values: ColumnValues | undefined, i: number): Cell {
  return values === undefined ? undefined : (values as ArrayLike<unknown>)[i]
}

const decoder = new TextDecoder()

/** A numeric cell as a number: null/undefined/strings → NaN, bigint and booleans converted. */
function toNumber(v: Cell): number {
  if (typeof v === 'number') return v
  if (typeof v === 'bigint') return Number(v)
  if (typeof v === 'boolean') return v ? 1 : 0
  return NaN
}

/** A text cell: strings as they are, utf8 bytes decoded; else null. */
function toText(v: Cell): string | null {
  if (typeof v === 'string') return v
  if (v instanceof Uint8Array) return decoder.decode(v)
  return null
}

/** A list cell as numbers, or null. */
function toList(v: Cell): ArrayLike<number> | null {
  if (v === null || v === undefined) return null
  if (Array.isArray(v) || ArrayBuffer.isView(v)) return v as unknown as ArrayLike<number>
  return null
}

function statusOf(values: ColumnValues | undefined, i: number): string {
  if (values === undefined) return 'ok'
  return toText(cellAt(values, i)) ?? 'null'
}

interface Shared {
  readonly magnitude: string | undefined
  readonly redshift: string | undefined
  readonly uncertaintyBins: number
}

interface Skips {
  status: number
  missingTruth: number
  unknownTruth: number
  missingPrediction: number
}

const newSkips = (): Skips => ({ status: 0, missingTruth: 0, unknownTruth: 0, missingPrediction: 0 })

interface TaskAccumulator {
  readonly task: Task
  readonly skipped: Skips
  readonly columns: readonly string[]
  add(chunk: Readonly<Record<string, ColumnValues>>, i: number): void
  finish(model: EvaluatedModel | null, notes: string[]): TaskReport
}

function uncertaintyCurves(column: string | undefined, unit: string, y: GrowableFloat64, mag: GrowableFloat64, z: GrowableFloat64, shared: Shared): UncertaintyCurves {
  if (column === undefined) return { column: '', unit, vsMagnitude: null, vsRedshift: null }
  return {
    column,
    unit,
    vsMagnitude: shared.magnitude ? binnedMedians(mag.view(), y.view(), shared.uncertaintyBins, shared.magnitude, column) : null,
    vsRedshift: shared.redshift ? binnedMedians(z.view(), y.view(), shared.uncertaintyBins, shared.redshift, column) : null,
  }
}

class ClassifierAccumulator implements TaskAccumulator {
  readonly skipped = newSkips()
  readonly columns: readonly string[]
  private readonly probs = new GrowableFloat64()
  private readonly truth = new GrowableFloat64()
  private readonly entropy = new GrowableFloat64()
  private readonly mag = new GrowableFloat64()
  private readonly z = new GrowableFloat64()
  private readonly slugs: string[]
  private readonly unknownValues = new Set<string>()
  private readonly row: Float64Array

  constructor(
    readonly task: Task,
    private readonly cols: ClassifierColumns,
    private readonly truthColumn: string,
    private readonly shared: Shared,
    private readonly settings: { reliabilityBins: number; maxRocPoints: number },
  ) {
    this.slugs = cols.labels.map(labelSlug)
    this.row = new Float64Array(cols.probability.length)
    this.columns = [...cols.probability, truthColumn, ...(cols.entropy ? [cols.entropy] : [])]
  }

  private truthIndex(v: Cell): number {
    if (v === null || v === undefined) return MISSING
    const C = this.slugs.length
    const text = toText(v)
    if (text !== null) {
      const k = this.slugs.indexOf(labelSlug(text))
      if (k >= 0) return k
      // "0"/"1" style text encodings of a class index
      if (/^\d+$/.test(text.trim()) && Number(text) < C) return Number(text)
      this.unknownValues.add(text)
      return UNKNOWN
    }
    const n = toNumber(v)
    if (Number.isNaN(n)) return MISSING
    if (Number.isInteger(n) && n >= 0 && n < C) return n
    this.unknownValues.add(String(n))
    return UNKNOWN
  }

  add(chunk: Readonly<Record<string, ColumnValues>>, i: number): void {
    const P = this.cols.probability
    for (let k = 0; k < P.length; k++) {
      const p = toNumber(cellAt(chunk[P[k]!], i))
      if (!Number.isFinite(p)) {
        this.skipped.missingPrediction++
        return
      }
      this.row[k] = p
    }
    const t = this.truthIndex(cellAt(chunk[this.truthColumn], i))
    if (t === MISSING) {
      this.skipped.missingTruth++
      return
    }
    if (t === UNKNOWN) {
      this.skipped.unknownTruth++
      return
    }
    for (let k = 0; k < P.length; k++) this.probs.push(this.row[k]!)
    this.truth.push(t)
    this.entropy.push(this.cols.entropy ? toNumber(cellAt(chunk[this.cols.entropy], i)) : NaN)
    this.mag.push(this.shared.magnitude ? toNumber(cellAt(chunk[this.shared.magnitude], i)) : NaN)
    this.z.push(this.shared.redshift ? toNumber(cellAt(chunk[this.shared.redshift], i)) : NaN)
  }

  finish(model: EvaluatedModel | null, notes: string[]): ClassifierReport {
    const { labels, output } = this.cols
    const C = labels.length
    const K = this.cols.probability.length
    const probs = this.probs.view()
    const y = Int32Array.from(this.truth.view())
    const N = y.length
    if (this.unknownValues.size > 0) {
      notes.push(`${this.skipped.unknownTruth} rows have a truth value that is not a label (${[...this.unknownValues].slice(0, 5).map((v) => JSON.stringify(v)).join(', ')}); labels: ${labels.join(', ')}`)
    }
    const classCounts = new Array<number>(C).fill(0)
    for (let i = 0; i < N; i++) classCounts[y[i]!]!++
    const base = {
      kind: 'classifier' as const,
      task: this.task,
      model,
      trained: model ? model.trained : null,
      truthColumn: this.truthColumn,
      n: N,
      skipped: { ...this.skipped },
      prefix: this.cols.prefix,
      probabilityColumns: this.cols.probability,
      output,
      labels,
      classCounts,
      uncertainty: uncertaintyCurves(this.cols.entropy, 'nat', this.entropy, this.mag, this.z, this.shared),
      notes,
    }
    if (N === 0) {
      notes.push('no rows to evaluate')
      return {
        ...base, accuracy: null, confusionMatrix: labels.map(() => labels.map(() => 0)), ece: null, mce: null, reliability: [],
        perClassAuroc: Object.fromEntries(labels.map((l) => [l, null])), binary: null,
      }
    }
    // sigmoid: probs holds p(positive) per row
    const preds = output === 'sigmoid' ? Int32Array.from(probs, (p) => (p >= 0.5 ? 1 : 0)) : argmaxRows(probs, N, K)
    const cm = confusionMatrix(y, preds, C)
    const rel = reliabilityDiagram(probs, y, this.settings.reliabilityBins)
    const scoreOf = (c: number): Float64Array => {
      const s = new Float64Array(N)
      for (let i = 0; i < N; i++) s[i] = output === 'sigmoid' ? (c === 1 ? probs[i]! : 1 - probs[i]!) : probs[i * K + c]!
      return s
    }
    const perClassAuroc: Record<string, number | null> = {}
    labels.forEach((label, c) => {
      perClassAuroc[label] = finiteOrNull(auroc(scoreOf(c), Int32Array.from(y, (t) => (t === c ? 1 : 0))))
    })
    return {
      ...base,
      accuracy: finiteOrNull(accuracy(y, preds)),
      confusionMatrix: labels.map((_, t) => labels.map((__, p) => cm[t * C + p]!)),
      ece: finiteOrNull(rel.ece),
      mce: finiteOrNull(rel.mce),
      reliability: Array.from(rel.count, (count, b) => ({
        lower: rel.lower[b]!, upper: rel.upper[b]!, confidence: finiteOrNull(rel.confidence[b]!), accuracy: finiteOrNull(rel.accuracy[b]!), count,
      })),
      perClassAuroc,
      binary: C === 2 ? this.binaryMetrics(scoreOf(1), y, labels[1]!, notes) : null,
    }
  }

  private binaryMetrics(scores: Float64Array, y: Int32Array, positiveLabel: string, notes: string[]): BinaryMetrics {
    let P = 0
    for (let i = 0; i < y.length; i++) P += y[i]!
    const Nn = y.length - P
    const empty = { positiveLabel, positives: P, negatives: Nn, roc: { fpr: [], tpr: [], thinnedFrom: 0 }, tpr0Point: null, tpr10Point: null }
    if (P === 0 || Nn === 0) {
      notes.push(`ROC undefined: ${P} positive and ${Nn} negative rows`)
      return { ...empty, auroc: null, tpr0: P === 0 ? null : finiteOrNull(tprAtFalsePositives(scores, y, 0)), tpr10: P === 0 ? null : finiteOrNull(tprAtFalsePositives(scores, y, 10)) }
    }
    const curve = roc(scores, y)
    // the ROC point each TPR_n is reached at: the last threshold with fewer than max(1, n) false positives
    const mark = (maxFp: number): { mark: RocMark; index: number } | null => {
      const limit = Math.max(1, maxFp)
      let best = -1
      for (let k = 0; k < curve.fpr.length; k++) if (Math.round(curve.fpr[k]! * Nn) < limit) best = k
      if (best < 0) return null
      const t = curve.thresholds[best]!
      return { index: best, mark: { fpr: curve.fpr[best]!, tpr: curve.tpr[best]!, falsePositives: Math.round(curve.fpr[best]! * Nn), threshold: Number.isFinite(t) ? t : null } }
    }
    const m0 = mark(0)
    const m10 = mark(10)
    const thin = thinCurve(curve.fpr, curve.tpr, this.settings.maxRocPoints, [m0?.index ?? 0, m10?.index ?? 0])
    return {
      ...empty,
      auroc: finiteOrNull(auroc(scores, y)),
      tpr0: finiteOrNull(tprAtFalsePositives(scores, y, 0)),
      tpr10: finiteOrNull(tprAtFalsePositives(scores, y, 10)),
      roc: { fpr: thin.fpr, tpr: thin.tpr, thinnedFrom: curve.fpr.length },
      tpr0Point: m0?.mark ?? null,
      tpr10Point: m10?.mark ?? null,
    }
  }
}

class PhotozAccumulator implements TaskAccumulator {
  readonly task = 'photoz' as const
  readonly skipped = newSkips()
  readonly columns: readonly string[]
  private readonly zSpec = new GrowableFloat64()
  private readonly zPhot = new GrowableFloat64()
  private readonly std = new GrowableFloat64()
  private readonly p16 = new GrowableFloat64()
  private readonly p84 = new GrowableFloat64()
  private readonly p025 = new GrowableFloat64()
  private readonly p975 = new GrowableFloat64()
  private readonly pitValues = new GrowableFloat64()
  private readonly crpsValues = new GrowableFloat64()
  private readonly mag = new GrowableFloat64()
  private readonly z = new GrowableFloat64()
  private readonly one = new Float64Array(1)
  private readonly cdf = new Float64Array(1)
  private badMixtures = 0

  constructor(
    private readonly cols: PhotozColumns,
    private readonly truthColumn: string,
    private readonly shared: Shared,
    private readonly settings: { pitBins: number; maxScatterPoints: number },
  ) {
    const c = cols
    this.columns = [c.point, truthColumn, c.std, c.p16, c.p84, c.p025, c.p975, c.mixture?.weights, c.mixture?.means, c.mixture?.stds]
      .filter((x): x is string => x !== undefined)
  }

  add(chunk: Readonly<Record<string, ColumnValues>>, i: number): void {
    const c = this.cols
    const zp = toNumber(cellAt(chunk[c.point], i))
    if (!Number.isFinite(zp)) {
      this.skipped.missingPrediction++
      return
    }
    const zs = toNumber(cellAt(chunk[this.truthColumn], i))
    if (!Number.isFinite(zs)) {
      this.skipped.missingTruth++
      return
    }
    const num = (name: string | undefined): number => (name ? toNumber(cellAt(chunk[name], i)) : NaN)
    this.zSpec.push(zs)
    this.zPhot.push(zp)
    this.std.push(num(c.std))
    this.p16.push(num(c.p16))
    this.p84.push(num(c.p84))
    this.p025.push(num(c.p025))
    this.p975.push(num(c.p975))
    this.mag.push(num(this.shared.magnitude))
    this.z.push(num(this.shared.redshift))
    if (!c.mixture) return
    const w = toList(cellAt(chunk[c.mixture.weights], i))
    const mu = toList(cellAt(chunk[c.mixture.means], i))
    const s = toList(cellAt(chunk[c.mixture.stds], i))
    if (!w || !mu || !s || w.length === 0 || w.length !== mu.length || w.length !== s.length) {
      this.badMixtures++
      this.pitValues.push(NaN)
      this.crpsValues.push(NaN)
      return
    }
    this.one[0] = zs
    mixtureCdfAt(w, mu, s, 1, w.length, this.one, {}, this.cdf)
    this.pitValues.push(this.cdf[0]!)
    this.crpsValues.push(crps(w, mu, s, zs))
  }

  finish(model: EvaluatedModel | null, notes: string[]): PhotozReport {
    const c = this.cols
    const zs = this.zSpec.view()
    const zp = this.zPhot.view()
    const N = zs.length
    if (N === 0) notes.push('no rows to evaluate')
    const m = photozPointMetrics(zp, zs)
    let pitReport: PhotozReport['pit'] = null
    let meanCrpsValue: number | null = null
    if (c.mixture) {
      if (this.badMixtures > 0) notes.push(`${this.badMixtures} rows have no usable PDF mixture (null or ragged lists): left out of PIT and CRPS`)
      const values = pit(this.pitValues.view())
      const finite = values.filter((v) => !Number.isNaN(v))
      const hist = pitHistogram(finite, this.settings.pitBins)
      const ks = ksUniform(finite)
      pitReport = {
        n: hist.n,
        edges: Array.from(hist.edges),
        counts: Array.from(hist.counts),
        density: Array.from(hist.density, (d) => (Number.isFinite(d) ? d : 0)),
        ks: finiteOrNull(ks),
        ksPValue: finiteOrNull(ksUniformPValue(ks, hist.n)),
        outlierRate: finiteOrNull(pitOutlierRate(finite)),
      }
      let sum = 0
      let k = 0
      for (const v of this.crpsValues.view()) {
        if (Number.isNaN(v)) continue
        sum += v
        k++
      }
      meanCrpsValue = k > 0 ? sum / k : null
    } else {
      notes.push(`no PDF mixture columns (${c.point.replace(/_[a-z0-9]+$/, '')}_pdf_weights/_means/_stds): PIT and CRPS not computed`)
    }
    const coverage = (lo: string | undefined, hi: string | undefined, a: GrowableFloat64, b: GrowableFloat64) =>
      lo && hi ? { observed: finiteOrNull(intervalCoverage(a.view(), b.view(), zs)), columns: [lo, hi] as const } : null
    const c68 = coverage(c.p16, c.p84, this.p16, this.p84)
    const c95 = coverage(c.p025, c.p975, this.p025, this.p975)
    if (!c68 || !c95) notes.push('interval columns missing: coverage not computed for every interval')
    const keep = thinIndices(N, this.settings.maxScatterPoints)
    return {
      kind: 'photoz',
      task: 'photoz',
      model,
      trained: model ? model.trained : null,
      truthColumn: this.truthColumn,
      n: N,
      skipped: { ...this.skipped },
      pointColumn: c.point,
      sigmaMad: finiteOrNull(m.sigmaMad),
      biasMean: finiteOrNull(m.biasMean),
      biasMedian: finiteOrNull(m.biasMedian),
      outlierFraction005: finiteOrNull(m.outlierFraction005),
      sigmaIqr: finiteOrNull(m.sigmaIqr),
      railOutlierFraction: finiteOrNull(m.railOutlierFraction),
      railOutlierCut: finiteOrNull(m.railOutlierCut),
      pit: pitReport,
      meanCrps: meanCrpsValue,
      coverage: {
        c68: c68 ? { nominal: 0.68, ...c68 } : null,
        c95: c95 ? { nominal: 0.95, ...c95 } : null,
      },
      scatter: { zSpec: keep.map((i) => zs[i]!), zPhot: keep.map((i) => zp[i]!), thinnedFrom: N },
      uncertainty: uncertaintyCurves(c.std, '', this.std, this.mag, this.z, this.shared),
      notes,
    }
  }
}

function has(schema: CatalogSchema, column: string): boolean {
  return schema.columns.some((c) => c.name === column)
}

/**
 * Evaluate an annotated catalog against its truth columns: per task the number of rows
 * evaluated and skipped, and the metrics of the models issue — lens: AUROC, TPR0, TPR10, ROC;
 * morphology/merger: accuracy, confusion matrix, per-class AUROC; every classifier: ECE and
 * reliability bins; photo-z: σ_MAD, bias (mean and median), η(0.05), RAIL outlier rate, PIT
 * histogram and KS, mean CRPS, 68/95 % coverage; uncertainty vs magnitude and redshift.
 * Rows whose `status` is not 'ok' are skipped and counted. Whether each model was trained comes
 * from the run provenance (`survey_classifier:models`).
 *
 * Example:
 * ```ts
 * const report = await evaluateCatalog(await openCatalogFile('annotated.parquet'), { truth: { lens: 'is_lens' } })
 * report.tasks.lens?.kind === 'classifier' && report.tasks.lens.binary?.auroc
 * ```
 * Defaults: truth columns {@link DEFAULT_TRUTH_COLUMNS}, tasks from the provenance and the
 * columns present, z_phot = z_median, 15 reliability bins, 20 PIT bins.
 * Errors (rejected promise): SurveyError 'input' naming a missing truth or output column, or
 * when the catalog has no model outputs at all; read errors of the source.
 */
export async function evaluateCatalog(source: CatalogSource, options: EvaluateOptions = {}): Promise<EvaluationReport> {
  const schema = source.schema
  const warnings: string[] = []
  const models = provenanceModels(schema.metadata, (w) => warnings.push(w))
  const truth: Record<Task, string> = { ...DEFAULT_TRUTH_COLUMNS, ...options.truth }
  const quantity = options.photozQuantity ?? 'z'
  const pointEstimate = options.pointEstimate ?? 'median'
  const prefixOf = (task: Task): string => options.prefixes?.[task] ?? task
  const reliabilityBins = options.reliabilityBins ?? 15
  const pitBins = options.pitBins ?? 20
  const uncertaintyBins = options.uncertaintyBins ?? 10
  for (const [name, value] of [['reliabilityBins', reliabilityBins], ['pitBins', pitBins], ['uncertaintyBins', uncertaintyBins]] as const) {
    if (!(Number.isInteger(value) && value >= 1)) throw new SurveyError('option', `evaluate: ${name} must be a positive integer, got ${value}`)
  }

  const found = (task: Task): ClassifierColumns | PhotozColumns | undefined =>
    task === 'photoz' ? photozColumns(schema, quantity, pointEstimate) : classifierColumns(schema, prefixOf(task))
  const provenanceTasks = new Set(models.map((m) => m.task))
  const tasks = options.tasks
    ? [...options.tasks]
    : EVALUATION_TASKS.filter((t) => provenanceTasks.has(t) || found(t) !== undefined)
  if (tasks.length === 0) {
    throw new SurveyError('input', `evaluate: no model output columns in ${source.name} (looked for ${EVALUATION_TASKS.map((t) => (t === 'photoz' ? `${quantity}_${pointEstimate}` : `${prefixOf(t)}_p_*`)).join(', ')}); run 'survey-classify classify' first`)
  }

  const magnitude = options.magnitudeColumn ?? DEFAULT_MAGNITUDE_COLUMN
  const redshift = options.redshiftColumn ?? truth.photoz
  const shared: Shared = {
    magnitude: has(schema, magnitude) ? magnitude : undefined,
    redshift: has(schema, redshift) ? redshift : undefined,
    uncertaintyBins,
  }
  if (!shared.magnitude) warnings.push(`evaluate: magnitude column "${magnitude}" missing in ${source.name}: no uncertainty-vs-magnitude curves`)
  if (!shared.redshift) warnings.push(`evaluate: redshift column "${redshift}" missing in ${source.name}: no uncertainty-vs-redshift curves`)

  const accumulators: TaskAccumulator[] = []
  for (const task of tasks) {
    const cols = found(task)
    if (!cols) {
      const model = models.find((m) => m.task === task)
      const expected = task === 'photoz' ? `"${quantity}_${pointEstimate}"` : `"${prefixOf(task)}_p_*"`
      throw new SurveyError('input', `evaluate: no ${task} output columns (${expected}) in ${source.name}${model ? ` although the provenance lists the ${task} model "${model.name}"; if it writes another column prefix, pass it (--prefix ${task}=PREFIX)` : ''}`)
    }
    requireColumn(schema, source.name, truth[task], `truth`, `name the ${task} truth column with --truth ${task}=COLUMN (option truth.${task}), or leave ${task} out with --tasks`)
    accumulators.push(
      task === 'photoz'
        ? new PhotozAccumulator(cols as PhotozColumns, truth[task], shared, { pitBins, maxScatterPoints: options.maxScatterPoints ?? 3000 })
        : new ClassifierAccumulator(task, cols as ClassifierColumns, truth[task], shared, { reliabilityBins, maxRocPoints: options.maxRocPoints ?? 400 }),
    )
  }

  const statusColumn = has(schema, 'status') ? 'status' : undefined
  if (!statusColumn) warnings.push(`evaluate: no "status" column in ${source.name}: every row treated as ok`)
  const projection = [...new Set([
    ...(statusColumn ? [statusColumn] : []),
    ...accumulators.flatMap((a) => a.columns),
    ...(shared.magnitude ? [shared.magnitude] : []),
    ...(shared.redshift ? [shared.redshift] : []),
  ])]

  const statusCounts: Record<string, number> = {}
  let total = 0
  let ok = 0
  for await (const chunk of source.chunks({ columns: projection, ...(options.signal ? { signal: options.signal } : {}) })) {
    const status = statusColumn ? chunk.columns[statusColumn] : undefined
    for (let i = 0; i < chunk.numRows; i++) {
      total++
      const s = statusOf(status, i)
      statusCounts[s] = (statusCounts[s] ?? 0) + 1
      if (s !== 'ok') {
        for (const a of accumulators) a.skipped.status++
        continue
      }
      ok++
      for (const a of accumulators) a.add(chunk.columns, i)
    }
  }

  const reports: Partial<Record<Task, TaskReport>> = {}
  for (const a of accumulators) {
    const matching = models.filter((m) => m.task === a.task)
    const notes: string[] = []
    if (matching.length > 1) notes.push(`the provenance lists ${matching.length} ${a.task} models (${matching.map((m) => m.name).join(', ')}); evaluated the columns of "${matching[0]!.name}"'s prefix`)
    const model = matching[0] ?? null
    reports[a.task] = a.finish(model, notes)
  }
  const evaluated = new Set(accumulators.map((a) => a.task as string))
  return {
    schema: EVALUATION_SCHEMA,
    catalog: source.name,
    generatedAt: options.generatedAt ?? new Date().toISOString(),
    rows: { total, ok, skipped: total - ok, statusCounts, hasStatusColumn: statusColumn !== undefined },
    models,
    untrainedModels: models.filter((m) => !m.trained && evaluated.has(m.task)).map((m) => m.name),
    settings: { truthColumns: Object.fromEntries(tasks.map((t) => [t, truth[t]])), magnitudeColumn: magnitude, redshiftColumn: redshift, reliabilityBins, pitBins, uncertaintyBins },
    tasks: reports,
    warnings,
  }
}

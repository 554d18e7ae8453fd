/**
 * The evaluation report: a plain, JSON-able object (numbers, strings, arrays; `null` where a
 * statistic is undefined, e.g. AUROC without negatives). Written by `survey-classify evaluate`
 * as metrics JSON and rendered by {@link renderReportHtml}.
 * @module
 */

import type { Task } from '../models/manifest.js'

/** Schema tag of {@link EvaluationReport}; bump on incompatible changes. */
export const EVALUATION_SCHEMA = 'survey-classifier/evaluation@1'

/** A model from the run provenance (`survey_classifier:models` metadata). */
export interface EvaluatedModel {
  readonly name: string
  readonly version: string | null
  readonly task: string
  /** False for seeded, untrained weights: the metrics then say nothing about science. */
  readonly trained: boolean
}

/** Why rows were left out of a task's metrics. */
export interface SkippedRows {
  /** Rows whose `status` is not 'ok'. */
  readonly status: number
  /** Rows with a null/NaN truth value. */
  readonly missingTruth: number
  /** Rows whose truth value is not one of the model's labels. */
  readonly unknownTruth: number
  /** 'ok' rows with null/NaN predictions. */
  readonly missingPrediction: number
}

/** One bin of a binned-median curve (uncertainty vs magnitude or redshift). */
export interface BinnedPoint {
  readonly xLow: number
  readonly xHigh: number
  readonly xMedian: number
  readonly n: number
  readonly yMedian: number
  readonly y16: number
  readonly y84: number
}

/** Binned medians of an uncertainty column against another column (equal-count bins). */
export interface BinnedCurve {
  /** Column on the x axis. */
  readonly x: string
  /** Column on the y axis. */
  readonly y: string
  readonly bins: readonly BinnedPoint[]
}

/** Uncertainty against magnitude and against redshift; null where a column is missing. */
export interface UncertaintyCurves {
  /** The uncertainty column (`<prefix>_entropy` or `z_std`). */
  readonly column: string
  /** 'nat' for entropies; '' for z_std (dimensionless). */
  readonly unit: string
  readonly vsMagnitude: BinnedCurve | null
  readonly vsRedshift: BinnedCurve | null
}

/** Reliability-diagram bin (top-label confidence vs accuracy). */
export interface ReliabilityBin {
  readonly lower: number
  readonly upper: number
  readonly confidence: number | null
  readonly accuracy: number | null
  readonly count: number
}

/** A point marked on a ROC curve. */
export interface RocMark {
  readonly fpr: number
  readonly tpr: number
  /** False positives at that threshold. */
  readonly falsePositives: number
  readonly threshold: number | null
}

/** Binary metrics: the lens-finding statistics of Metcalf et al. 2019. */
export interface BinaryMetrics {
  readonly positiveLabel: string
  readonly positives: number
  readonly negatives: number
  readonly auroc: number | null
  /** Highest TPR with no false positive. */
  readonly tpr0: number | null
  /** Highest TPR with fewer than 10 false positives. */
  readonly tpr10: number | null
  /** Thinned ROC curve from (0, 0) to (1, 1). */
  readonly roc: { readonly fpr: readonly number[]; readonly tpr: readonly number[]; readonly thinnedFrom: number }
  readonly tpr0Point: RocMark | null
  readonly tpr10Point: RocMark | null
}

/** Fields common to every task's report. */
export interface TaskReportBase {
  readonly task: Task
  /** The model from the provenance, when it names one for this task. */
  readonly model: EvaluatedModel | null
  /** From the provenance; null when the catalog records no provenance for this task. */
  readonly trained: boolean | null
  readonly truthColumn: string
  /** Rows evaluated. */
  readonly n: number
  readonly skipped: SkippedRows
  readonly uncertainty: UncertaintyCurves
  readonly notes: readonly string[]
}

/** Metrics of a classifier (morphology, lens, merger). */
export interface ClassifierReport extends TaskReportBase {
  readonly kind: 'classifier'
  /** Output column prefix, e.g. 'lens'. */
  readonly prefix: string
  /** Probability columns read, in label order ('sigmoid' models store only the positive one). */
  readonly probabilityColumns: readonly string[]
  readonly output: 'sigmoid' | 'softmax'
  readonly labels: readonly string[]
  /** Evaluated rows per true class, in label order. */
  readonly classCounts: readonly number[]
  readonly accuracy: number | null
  /** Rows = true class, columns = predicted class (argmax; p ≥ 0.5 for sigmoid). */
  readonly confusionMatrix: readonly (readonly number[])[]
  /** Top-label expected calibration error (Guo et al. 2017) with `reliability.length` equal bins. */
  readonly ece: number | null
  readonly mce: number | null
  readonly reliability: readonly ReliabilityBin[]
  /** One-vs-rest AUROC per label (null without positives or negatives). */
  readonly perClassAuroc: Readonly<Record<string, number | null>>
  /** Lens-style metrics for two-class tasks (positive = the second label). */
  readonly binary: BinaryMetrics | null
}

/** Metrics of a photometric-redshift model. */
export interface PhotozReport extends TaskReportBase {
  readonly kind: 'photoz'
  /** Column used as z_phot (default `z_median`). */
  readonly pointColumn: string
  /** σ_MAD = 1.4826 · median(|Δz − median Δz|), Δz = (z_phot − z_spec)/(1 + z_spec) (Pasquet+19). */
  readonly sigmaMad: number | null
  /** Mean Δz (Pasquet+19). */
  readonly biasMean: number | null
  /** Median Δz (RAIL / LSST Science Book). */
  readonly biasMedian: number | null
  /** η: fraction with |Δz| > 0.05 (Pasquet+19). */
  readonly outlierFraction005: number | null
  readonly sigmaIqr: number | null
  /** Fraction with |Δz| > max(0.06, 3σ_IQR) (RAIL `PointOutlierRate`). */
  readonly railOutlierFraction: number | null
  readonly railOutlierCut: number | null
  /** PIT from the stored mixture PDF (qp mixmod columns), null without them. */
  readonly pit: {
    readonly n: number
    readonly edges: readonly number[]
    readonly counts: readonly number[]
    readonly density: readonly number[]
    /** KS statistic against U(0, 1). */
    readonly ks: number | null
    readonly ksPValue: number | null
    /** Fraction of PIT values < 1e-4 or > 1 − 1e-4. */
    readonly outlierRate: number | null
  } | null
  /** Mean CRPS of the stored mixtures (closed form, Grimit+06), null without them. */
  readonly meanCrps: number | null
  /** Interval coverage from the stored quantile columns; null when a column is missing. */
  readonly coverage: {
    readonly c68: { readonly nominal: 0.68; readonly observed: number | null; readonly columns: readonly [string, string] } | null
    readonly c95: { readonly nominal: 0.95; readonly observed: number | null; readonly columns: readonly [string, string] } | null
  }
  /** Thinned (z_spec, z_phot) pairs for the scatter plot. */
  readonly scatter: { readonly zSpec: readonly number[]; readonly zPhot: readonly number[]; readonly thinnedFrom: number }
}

/** A task's report. */
export type TaskReport = ClassifierReport | PhotozReport

/** The whole evaluation of one annotated catalog. */
export interface EvaluationReport {
  readonly schema: typeof EVALUATION_SCHEMA
  /** The catalog's name (path or URL). */
  readonly catalog: string
  readonly generatedAt: string
  readonly rows: {
    readonly total: number
    readonly ok: number
    /** Rows left out because their status is not 'ok'. */
    readonly skipped: number
    /** Count per status value ('ok' included). */
    readonly statusCounts: Readonly<Record<string, number>>
    /** False when the catalog has no `status` column (every row was treated as ok). */
    readonly hasStatusColumn: boolean
  }
  /** Models from the run provenance (empty when the catalog records none). */
  readonly models: readonly EvaluatedModel[]
  /** Names of untrained models whose outputs are evaluated: their metrics are not science. */
  readonly untrainedModels: readonly string[]
  readonly settings: {
    readonly truthColumns: Readonly<Record<string, string>>
    readonly magnitudeColumn: string
    readonly redshiftColumn: string
    readonly reliabilityBins: number
    readonly pitBins: number
    readonly uncertaintyBins: number
  }
  readonly tasks: Readonly<Partial<Record<Task, TaskReport>>>
  readonly warnings: readonly string[]
}

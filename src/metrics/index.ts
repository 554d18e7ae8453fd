/**
 * Statistics for survey-classifier: classification metrics and calibration, photo-z metrics,
 * Gaussian-mixture redshift PDFs, special functions. Browser-safe, no TF.js.
 *
 * Example: `import { auroc, sigmaMad, summariseMixture } from './metrics/index.js'`.
 * The MC-dropout pass summaries live with the workers in `workers/model/uncertainty.ts`.
 * @module
 */

export * from './calibration.js'
export * from './classification.js'
export * from './mixture.js'
export * from './optimise.js'
export * from './photoz.js'
export * from './special.js'
export * from './stats.js'

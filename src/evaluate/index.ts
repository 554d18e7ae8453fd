/**
 * Evaluation of annotated catalogs against truth columns: metrics JSON and a self-contained
 * HTML report with SVG plots. Browser-safe (no `node:*`); the CLI command is `src/cli/evaluate.ts`.
 *
 * Example:
 * ```ts
 * const report = await evaluateCatalog(source)
 * const html = renderReportHtml(report)
 * ```
 * @module
 */

export { evaluateCatalog, type EvaluateOptions } from './evaluate.js'
export { renderReportHtml, renderReportSections, formatReportSummary } from './report-html.js'
export {
  DEFAULT_TRUTH_COLUMNS, DEFAULT_MAGNITUDE_COLUMN, EVALUATION_TASKS, MODELS_METADATA_KEY, parseTaskMapping, parseTasks,
  classifierColumns, photozColumns, provenanceModels, type ClassifierColumns, type PhotozColumns, type PointEstimate,
} from './columns.js'
export { binnedMedians, thinCurve, thinIndices } from './binning.js'
export { rocPlot, reliabilityPlot, confusionPlot, uncertaintyPlot, photozScatterPlot, pitPlot, coveragePlot, type PlotOptions } from './plots.js'
export * as svg from './svg.js'
export * from './report.js'

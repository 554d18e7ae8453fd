/**
 * The report's plots, one function per figure, each returning a complete `<svg>` string built
 * with the helpers in `svg.ts` (DOM-free, text escaped), so a web page can reuse them.
 * @module
 */

import type { BinaryMetrics, BinnedCurve, ClassifierReport, PhotozReport } from './report.js'
import {
  axes, band, extent, formatNumber, heatmap, histogramBars, legend, linePath, marker, plotFrame, scatterPoints, segment,
  svgPlot, textAt, type PlotFrame,
} from './svg.js'

const BLUE = '#1f77b4'
const RED = '#d62728'
const ORANGE = '#ff7f0e'
const GREY = '#888888'
const GREEN = '#2ca02c'

const nan = (v: number | null): number => (v === null ? NaN : v)

/** Options shared by the plots. */
export interface PlotOptions {
  /** Prefix of the title, e.g. "[UNTRAINED] ". */
  readonly titlePrefix?: string
  /** Add the SVG namespace for standalone files. */
  readonly standalone?: boolean
}

/**
 * ROC curve with the diagonal, AUROC in the legend, and the TPR0 and TPR10 points (Metcalf+19)
 * marked. `maxFpr` < 1 zooms into low false-positive rates, where TPR0/TPR10 live.
 *
 * Example: `rocPlot(report.tasks.lens.binary, { maxFpr: 0.05 })`.
 */
export function rocPlot(b: BinaryMetrics, options: PlotOptions & { maxFpr?: number } = {}): string {
  const maxFpr = options.maxFpr ?? 1
  const f = plotFrame({ xDomain: [0, maxFpr], yDomain: [0, 1] })
  const zoom = maxFpr < 1
  const title = `${options.titlePrefix ?? ''}${zoom ? `ROC at FPR ≤ ${formatNumber(maxFpr, 3)}` : `ROC (${b.positiveLabel} positive)`}`
  const clipped = [
    segment(f, 0, 0, 1, 1, { stroke: GREY, dash: '4 3', strokeWidth: 1 }),
    linePath(f, b.roc.fpr, b.roc.tpr, { stroke: BLUE, strokeWidth: 2, title: `AUROC ${formatNumber(b.auroc)}` }),
  ].join('')
  const marks: string[] = []
  if (b.tpr0Point) {
    marks.push(marker(f, b.tpr0Point.fpr, b.tpr0Point.tpr, { fill: RED, radius: 4.5, title: `TPR0 = ${formatNumber(b.tpr0)} (no false positive)` }))
    marks.push(textAt(f, b.tpr0Point.fpr, b.tpr0Point.tpr, `TPR0 ${formatNumber(b.tpr0, 3)}`, { dx: 7, dy: 14, fill: RED }))
  }
  if (b.tpr10Point) {
    marks.push(marker(f, b.tpr10Point.fpr, b.tpr10Point.tpr, { fill: ORANGE, radius: 4.5, title: `TPR10 = ${formatNumber(b.tpr10)} (${b.tpr10Point.falsePositives} false positives)` }))
    marks.push(textAt(f, b.tpr10Point.fpr, b.tpr10Point.tpr, `TPR10 ${formatNumber(b.tpr10, 3)}`, { dx: 7, dy: -6, fill: ORANGE }))
  }
  const body = [
    axes(f, { xLabel: 'false-positive rate', yLabel: 'true-positive rate' }),
    ...marks,
    legend(f.width - f.margin.right - 150, f.height - f.margin.bottom - 50, [
      { label: `AUROC = ${formatNumber(b.auroc, 4)}`, colour: BLUE },
      { label: `TPR0 = ${formatNumber(b.tpr0, 3)}`, colour: RED, kind: 'dot' },
      { label: `TPR10 = ${formatNumber(b.tpr10, 3)}`, colour: ORANGE, kind: 'dot' },
    ]),
  ].join('')
  return svgPlot(f, body, { title, standalone: options.standalone ?? false, className: 'plot roc' }, clipped)
}

/**
 * Reliability diagram: accuracy per confidence bin as bars, mean confidence per bin as points,
 * the diagonal of perfect calibration, and the ECE in the title.
 *
 * Example: `reliabilityPlot(report.tasks.morphology)`.
 */
export function reliabilityPlot(r: ClassifierReport, options: PlotOptions = {}): string {
  const f = plotFrame({ xDomain: [0, 1], yDomain: [0, 1] })
  const edges = [...r.reliability.map((b) => b.lower), r.reliability.at(-1)?.upper ?? 1]
  const heights = r.reliability.map((b) => (b.count > 0 ? nan(b.accuracy) : NaN))
  const body = [
    axes(f, { xLabel: 'confidence (top-label probability)', yLabel: 'fraction correct' }),
    histogramBars(f, edges, heights, { fill: '#c6dbef', stroke: '#6baed6', title: 'fraction correct per confidence bin' }),
    segment(f, 0, 0, 1, 1, { stroke: GREY, dash: '4 3', strokeWidth: 1 }),
    linePath(f, r.reliability.map((b) => nan(b.confidence)), r.reliability.map((b) => nan(b.accuracy)), { stroke: BLUE, strokeWidth: 1 }),
    scatterPoints(f, r.reliability.map((b) => nan(b.confidence)), r.reliability.map((b) => nan(b.accuracy)), { radius: 3, fill: BLUE, opacity: 1 }),
    legend(f.margin.left + 8, f.margin.top + 12, [
      { label: `ECE = ${formatNumber(r.ece, 3)}`, colour: BLUE, kind: 'dot' },
      { label: 'perfect calibration', colour: GREY, kind: 'dash' },
    ]),
  ].join('')
  return svgPlot(f, body, { title: `${options.titlePrefix ?? ''}Reliability, ${r.task} (ECE ${formatNumber(r.ece, 3)})`, standalone: options.standalone ?? false, className: 'plot reliability' })
}

/**
 * Confusion matrix heatmap: rows = true class, columns = predicted; each cell shows the count
 * and the fraction of its row, shaded by that fraction.
 *
 * Example: `confusionPlot(report.tasks.merger)`.
 */
export function confusionPlot(r: ClassifierReport, options: PlotOptions = {}): string {
  const rows = r.confusionMatrix
  const fractions = rows.map((row) => {
    const total = row.reduce((a, b) => a + b, 0)
    return row.map((v) => (total > 0 ? v / total : 0))
  })
  return heatmap({
    rowLabels: r.labels,
    columnLabels: r.labels,
    values: rows,
    shade: fractions,
    cellText: (i, j) => `${rows[i]![j]!}\n${formatNumber(100 * fractions[i]![j]!, 3)}%`,
    xLabel: 'predicted class',
    yLabel: 'true class',
    title: `${options.titlePrefix ?? ''}Confusion, ${r.task} (accuracy ${formatNumber(r.accuracy, 4)})`,
    cellSize: r.labels.length > 3 ? 62 : 76,
    ...(options.standalone ? { standalone: true } : {}),
  })
}

/**
 * Binned median of an uncertainty against another quantity with its 16–84 % band.
 *
 * Example: `uncertaintyPlot(report.tasks.photoz.uncertainty.vsMagnitude, 'z_std', 'mag_r')`.
 */
export function uncertaintyPlot(curve: BinnedCurve, yLabel: string, xLabel: string, options: PlotOptions = {}): string {
  const xs = curve.bins.map((b) => b.xMedian)
  const lo = curve.bins.map((b) => b.y16)
  const hi = curve.bins.map((b) => b.y84)
  const med = curve.bins.map((b) => b.yMedian)
  const [y0, y1] = extent([...lo, ...hi, ...med], 0.08)
  const bottom = Math.min(0, y0)
  // headroom above the data for the legend
  const f = plotFrame({ xDomain: extent([...curve.bins.map((b) => b.xLow), ...curve.bins.map((b) => b.xHigh)], 0.02), yDomain: [bottom, y1 + 0.3 * (y1 - bottom)] })
  const clipped = [
    band(f, xs, lo, hi, { fill: BLUE, opacity: 0.18, title: '16–84 % of the rows in each bin' }),
    linePath(f, xs, med, { stroke: BLUE, strokeWidth: 2 }),
    scatterPoints(f, xs, med, { radius: 2.5, fill: BLUE, opacity: 1 }),
  ].join('')
  const body = [
    axes(f, { xLabel, yLabel }),
    legend(f.margin.left + 8, f.margin.top + 12, [
      { label: 'median per bin', colour: BLUE },
      { label: '16–84 %', colour: BLUE, kind: 'box' },
    ]),
  ].join('')
  return svgPlot(f, body, { title: `${options.titlePrefix ?? ''}${yLabel} vs ${xLabel}`, standalone: options.standalone ?? false, className: 'plot uncertainty' }, clipped)
}

function outlierBounds(f: PlotFrame, zMax: number, cut: number, colour: string, dash: string, title: string): string {
  // |Δz|/(1 + z_spec) = cut  ⇔  z_phot = z_spec ± cut (1 + z_spec)
  return [
    segment(f, 0, cut, zMax, zMax + cut * (1 + zMax), { stroke: colour, dash, strokeWidth: 1.2, title }),
    segment(f, 0, -cut, zMax, zMax - cut * (1 + zMax), { stroke: colour, dash, strokeWidth: 1.2, title }),
  ].join('')
}

/**
 * z_phot against z_spec with the identity line and the outlier bounds
 * |z_phot − z_spec|/(1 + z_spec) = 0.05 (Pasquet+19) and, dashed, RAIL's max(0.06, 3σ_IQR).
 *
 * Example: `photozScatterPlot(report.tasks.photoz)`.
 */
export function photozScatterPlot(r: PhotozReport, options: PlotOptions = {}): string {
  const [, hi] = extent([...r.scatter.zSpec, ...r.scatter.zPhot], 0.03)
  const zMax = Math.max(hi, 0.1)
  const f = plotFrame({ xDomain: [0, zMax], yDomain: [0, zMax], width: 380, height: 360 })
  const clipped = [
    scatterPoints(f, r.scatter.zSpec, r.scatter.zPhot, { radius: 1.5, fill: BLUE, opacity: 0.45 }),
    segment(f, 0, 0, zMax, zMax, { stroke: '#333', strokeWidth: 1 }),
    outlierBounds(f, zMax, 0.05, RED, '5 3', '|Δz|/(1+z) = 0.05'),
    r.railOutlierCut !== null && r.railOutlierCut !== 0.05 ? outlierBounds(f, zMax, r.railOutlierCut, ORANGE, '2 3', `RAIL cut ${formatNumber(r.railOutlierCut, 3)}`) : '',
  ].join('')
  const shown = r.scatter.thinnedFrom > r.scatter.zSpec.length ? ` (${r.scatter.zSpec.length} of ${r.scatter.thinnedFrom} shown)` : ''
  const body = [
    axes(f, { xLabel: `z_spec (${r.truthColumn})${shown}`, yLabel: `z_phot (${r.pointColumn})` }),
    legend(f.margin.left + 8, f.margin.top + 12, [
      { label: `σ_MAD = ${formatNumber(r.sigmaMad, 3)}, η₀.₀₅ = ${formatNumber(r.outlierFraction005, 3)}`, colour: BLUE, kind: 'dot' },
      { label: '|Δz|/(1+z) = 0.05', colour: RED, kind: 'dash' },
      { label: `RAIL cut ${formatNumber(r.railOutlierCut, 3)}: ${formatNumber(r.railOutlierFraction, 3)}`, colour: ORANGE, kind: 'dash' },
    ]),
  ].join('')
  return svgPlot(f, body, { title: `${options.titlePrefix ?? ''}z_phot vs z_spec`, standalone: options.standalone ?? false, className: 'plot photoz-scatter' }, clipped)
}

/**
 * PIT histogram as density (1 = perfectly calibrated) with the KS statistic in the title.
 * Empty string when the report has no PIT.
 *
 * Example: `pitPlot(report.tasks.photoz)`.
 */
export function pitPlot(r: PhotozReport, options: PlotOptions = {}): string {
  const p = r.pit
  if (!p) return ''
  const [, top] = extent([...p.density, 1.2], 0.1)
  const f = plotFrame({ xDomain: [0, 1], yDomain: [0, top] })
  const body = [
    axes(f, { xLabel: 'PIT = CDF(z_spec)', yLabel: 'density' }),
    histogramBars(f, p.edges, p.density, { fill: '#c6dbef', stroke: '#6baed6' }),
    segment(f, 0, 1, 1, 1, { stroke: RED, dash: '5 3', strokeWidth: 1.2, title: 'uniform' }),
    legend(f.margin.left + 8, f.margin.top + 12, [
      { label: `KS = ${formatNumber(p.ks, 3)} (p = ${formatNumber(p.ksPValue, 2)}), n = ${p.n}`, colour: '#6baed6', kind: 'box' },
      { label: 'uniform (calibrated)', colour: RED, kind: 'dash' },
    ]),
  ].join('')
  return svgPlot(f, body, { title: `${options.titlePrefix ?? ''}PIT histogram (KS ${formatNumber(p.ks, 3)})`, standalone: options.standalone ?? false, className: 'plot pit' })
}

/**
 * Observed against nominal coverage of the 68 % (z_p16–z_p84) and 95 % (z_p025–z_p975) intervals.
 * Empty string when neither interval is available.
 *
 * Example: `coveragePlot(report.tasks.photoz)`.
 */
export function coveragePlot(r: PhotozReport, options: PlotOptions = {}): string {
  const items = [r.coverage.c68, r.coverage.c95]
  if (items.every((c) => c === null)) return ''
  const f = plotFrame({ xDomain: [0, 2], yDomain: [0, 1] })
  const parts: string[] = []
  items.forEach((c, i) => {
    if (!c) return
    parts.push(histogramBars(f, [i + 0.15, i + 0.48], [c.nominal], { fill: '#dddddd', stroke: GREY, title: `nominal ${c.nominal}` }))
    parts.push(histogramBars(f, [i + 0.52, i + 0.85], [nan(c.observed)], { fill: GREEN, stroke: '#1b7a1b', opacity: 0.7, title: `observed ${formatNumber(c.observed)} (${c.columns.join('–')})` }))
    if (c.observed !== null) parts.push(textAt(f, i + 0.685, c.observed, formatNumber(c.observed, 3), { anchor: 'middle', dy: -4 }))
  })
  const body = [
    axes(f, { xLabel: 'interval', yLabel: 'fraction of z_spec inside', xTicks: [0.5, 1.5], xTickLabels: ['68 % (p16–p84)', '95 % (p025–p975)'], grid: true }),
    ...parts,
    legend(f.margin.left + 8, f.margin.top + 12, [
      { label: 'nominal', colour: GREY, kind: 'box' },
      { label: 'observed', colour: GREEN, kind: 'box' },
    ]),
  ].join('')
  return svgPlot(f, body, { title: `${options.titlePrefix ?? ''}Interval coverage`, standalone: options.standalone ?? false, className: 'plot coverage' })
}

/**
 * Render an {@link EvaluationReport} as one self-contained HTML page (inline CSS and SVG, no
 * scripts, no network), and as a short plain-text summary for terminals.
 * @module
 */

import { confusionPlot, coveragePlot, photozScatterPlot, pitPlot, reliabilityPlot, rocPlot, uncertaintyPlot } from './plots.js'
import type { ClassifierReport, EvaluationReport, PhotozReport, SkippedRows, TaskReport, UncertaintyCurves } from './report.js'
import { escapeXml, formatNumber } from './svg.js'

const TASK_TITLES: Readonly<Record<string, string>> = Object.freeze({
  lens: 'Strong lenses',
  morphology: 'Morphology',
  merger: 'Merger stage',
  photoz: 'Photometric redshift',
})

const CSS = `
:root { color-scheme: light; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0 auto; max-width: 1200px; padding: 16px 24px 48px; color: #1d1d1d; background: #fff; }
h1 { font-size: 22px; margin: 8px 0 4px; }
h2 { font-size: 18px; margin: 32px 0 8px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
.meta { color: #555; margin: 0 0 12px; }
table { border-collapse: collapse; margin: 8px 0 12px; }
th, td { text-align: left; padding: 3px 10px 3px 0; border-bottom: 1px solid #eee; vertical-align: top; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
th { font-weight: 600; }
.definition { color: #666; font-size: 12px; }
.figures { display: flex; flex-wrap: wrap; gap: 12px; }
.figures svg { border: 1px solid #eee; background: #fff; max-width: 100%; height: auto; }
.untrained { background: #fdecea; border: 1px solid #d62728; color: #8b1a1a; padding: 8px 12px; border-radius: 4px; font-weight: 600; }
.badge { display: inline-block; font-size: 12px; padding: 1px 8px; border-radius: 10px; margin-left: 8px; vertical-align: middle; }
.badge.untrained-badge { background: #d62728; color: #fff; }
.badge.trained-badge { background: #2ca02c; color: #fff; }
.badge.unknown-badge { background: #999; color: #fff; }
.notes, .warnings { color: #7a4b00; }
footer { margin-top: 40px; color: #777; font-size: 12px; }
`

function esc(text: string): string {
  return escapeXml(text)
}

function metricRows(rows: readonly (readonly [string, number | null | string, string])[]): string {
  const body = rows.map(([name, value, definition]) =>
    `<tr><th>${esc(name)}</th><td class="num">${esc(typeof value === 'string' ? value : formatNumber(value, 4))}</td><td class="definition">${esc(definition)}</td></tr>`,
  ).join('')
  return `<table class="metrics"><tbody>${body}</tbody></table>`
}

function skippedText(s: SkippedRows): string {
  const parts = [
    s.status > 0 ? `${s.status} status not ok` : '',
    s.missingPrediction > 0 ? `${s.missingPrediction} without prediction` : '',
    s.missingTruth > 0 ? `${s.missingTruth} without truth` : '',
    s.unknownTruth > 0 ? `${s.unknownTruth} with a truth value that is not a label` : '',
  ].filter((p) => p !== '')
  return parts.length > 0 ? parts.join(', ') : 'none'
}

function trainedBadge(r: TaskReport): string {
  if (r.trained === false) return '<span class="badge untrained-badge">UNTRAINED model</span>'
  if (r.trained === true) return '<span class="badge trained-badge">trained</span>'
  return '<span class="badge unknown-badge">no provenance</span>'
}

function uncertaintyFigures(u: UncertaintyCurves, prefix: string): string[] {
  const out: string[] = []
  const label = u.unit ? `${u.column} [${u.unit}]` : u.column
  if (u.vsMagnitude && u.vsMagnitude.bins.length > 0) out.push(uncertaintyPlot(u.vsMagnitude, label, u.vsMagnitude.x, { titlePrefix: prefix }))
  if (u.vsRedshift && u.vsRedshift.bins.length > 0) out.push(uncertaintyPlot(u.vsRedshift, label, u.vsRedshift.x, { titlePrefix: prefix }))
  return out
}

function classifierSection(r: ClassifierReport): string {
  const prefix = r.trained === false ? '[UNTRAINED] ' : ''
  const rows: [string, number | null | string, string][] = [
    ['rows evaluated', String(r.n), `status ok, with prediction and truth (${r.truthColumn})`],
    ['rows skipped', skippedText(r.skipped), ''],
    ['accuracy', r.accuracy, r.output === 'sigmoid' ? 'fraction with (p ≥ 0.5) = truth' : 'fraction with argmax class = truth'],
    ['ECE', r.ece, `top-label expected calibration error, ${r.reliability.length} equal bins (Guo+17)`],
    ['MCE', r.mce, 'largest |accuracy − confidence| over non-empty bins'],
  ]
  if (r.binary) {
    rows.push(
      ['AUROC', r.binary.auroc, `area under the ROC curve, "${r.binary.positiveLabel}" positive (${r.binary.positives} positives, ${r.binary.negatives} negatives)`],
      ['TPR0', r.binary.tpr0, 'highest TPR with no false positive (Metcalf+19)'],
      ['TPR10', r.binary.tpr10, 'highest TPR with fewer than 10 false positives (Metcalf+19)'],
    )
  }
  // with two classes each one-vs-rest AUROC equals the binary AUROC
  if (!r.binary) for (const [label, value] of Object.entries(r.perClassAuroc)) rows.push([`AUROC ${label} vs rest`, value, 'one-vs-rest'])
  const figures: string[] = []
  if (r.binary && r.binary.roc.fpr.length > 0) {
    figures.push(rocPlot(r.binary, { titlePrefix: prefix }))
    const fp10 = r.binary.tpr10Point?.fpr ?? 0
    const zoom = Math.min(1, Math.max(0.02, fp10 * 4))
    if (zoom < 0.5) figures.push(rocPlot(r.binary, { titlePrefix: prefix, maxFpr: zoom }))
  }
  if (r.n > 0) {
    figures.push(confusionPlot(r, { titlePrefix: prefix }))
    figures.push(reliabilityPlot(r, { titlePrefix: prefix }))
  }
  figures.push(...uncertaintyFigures(r.uncertainty, prefix))
  return sectionHtml(r, metricRows(rows), figures, `labels: ${r.labels.join(', ')}; columns: ${r.probabilityColumns.join(', ')}${r.uncertainty.column ? `, ${r.uncertainty.column}` : ''}`)
}

function photozSection(r: PhotozReport): string {
  const prefix = r.trained === false ? '[UNTRAINED] ' : ''
  const rows: [string, number | null | string, string][] = [
    ['rows evaluated', String(r.n), `status ok, with ${r.pointColumn} and truth (${r.truthColumn})`],
    ['rows skipped', skippedText(r.skipped), ''],
    ['σ_MAD', r.sigmaMad, '1.4826 · median(|Δz − median Δz|), Δz = (z_phot − z_spec)/(1 + z_spec) (Pasquet+19)'],
    ['bias (mean)', r.biasMean, '⟨Δz⟩ (Pasquet+19)'],
    ['bias (median)', r.biasMedian, 'median Δz (LSST Science Book / RAIL)'],
    ['η (|Δz| > 0.05)', r.outlierFraction005, 'outlier fraction (Pasquet+19)'],
    ['σ_IQR', r.sigmaIqr, 'IQR(Δz)/1.349'],
    ['RAIL outlier rate', r.railOutlierFraction, `fraction with |Δz| > max(0.06, 3σ_IQR) = ${formatNumber(r.railOutlierCut, 4)}`],
    ['PIT KS', r.pit?.ks ?? null, `Kolmogorov–Smirnov distance of the PIT from U(0,1)${r.pit ? `, p = ${formatNumber(r.pit.ksPValue, 3)}, n = ${r.pit.n}` : ''}`],
    ['PIT outlier rate', r.pit?.outlierRate ?? null, 'fraction of PIT < 1e-4 or > 1 − 1e-4'],
    ['mean CRPS', r.meanCrps, 'continuous ranked probability score of the stored Gaussian mixture (Grimit+06)'],
    ['68 % coverage', r.coverage.c68?.observed ?? null, r.coverage.c68 ? `fraction of z_spec in [${r.coverage.c68.columns.join(', ')}], nominal 0.68` : 'columns missing'],
    ['95 % coverage', r.coverage.c95?.observed ?? null, r.coverage.c95 ? `fraction of z_spec in [${r.coverage.c95.columns.join(', ')}], nominal 0.95` : 'columns missing'],
  ]
  const figures = r.n > 0 ? [photozScatterPlot(r, { titlePrefix: prefix }), pitPlot(r, { titlePrefix: prefix }), coveragePlot(r, { titlePrefix: prefix })] : []
  figures.push(...uncertaintyFigures(r.uncertainty, prefix))
  return sectionHtml(r, metricRows(rows), figures.filter((f) => f !== ''), `z_phot: ${r.pointColumn}`)
}

function sectionHtml(r: TaskReport, table: string, figures: readonly string[], detail: string): string {
  const model = r.model ? `model ${r.model.name}${r.model.version ? ` ${r.model.version}` : ''}` : 'model not recorded in the catalog provenance'
  const untrained = r.trained === false
    ? `<p class="untrained">UNTRAINED model: "${esc(r.model?.name ?? '')}" has seeded weights; these numbers exercise the pipeline and are not a scientific result.</p>`
    : ''
  const notes = r.notes.length > 0 ? `<ul class="notes">${r.notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>` : ''
  return `<section id="task-${esc(r.task)}" class="task${r.trained === false ? ' untrained-task' : ''}">
<h2>${esc(TASK_TITLES[r.task] ?? r.task)}${trainedBadge(r)}</h2>
<p class="meta">${esc(model)}; ${esc(detail)}</p>
${untrained}${notes}${table}
<div class="figures">${figures.join('\n')}</div>
</section>`
}

/**
 * A self-contained HTML page for a report: summary, provenance (trained or not), a metrics
 * table per task with the definitions used, and inline SVG plots — ROC with AUROC/TPR0/TPR10,
 * confusion matrices, reliability diagrams with ECE, z_phot vs z_spec with the outlier bounds,
 * PIT histogram, interval coverage, uncertainty vs magnitude and redshift. No scripts, no
 * external resources; every catalog-derived text is escaped.
 *
 * Example: `await writeFile('report.html', renderReportHtml(report))`. Never throws for a report
 * made by `evaluateCatalog`.
 */
export function renderReportHtml(report: EvaluationReport): string {
  const untrained = report.untrainedModels.length > 0
    ? `<p class="untrained">UNTRAINED model(s): ${esc(report.untrainedModels.join(', '))}. Their metrics are near chance by construction and are not a scientific result.</p>`
    : ''
  const status = Object.entries(report.rows.statusCounts).sort((a, b) => b[1] - a[1]).map(([s, n]) => `${s}: ${n}`).join(', ')
  const models = report.models.length > 0
    ? `<table class="models"><thead><tr><th>model</th><th>version</th><th>task</th><th>trained</th></tr></thead><tbody>${report.models.map((m) =>
      `<tr><td>${esc(m.name)}</td><td>${esc(m.version ?? '—')}</td><td>${esc(m.task)}</td><td>${m.trained ? 'yes' : '<strong>NO (untrained)</strong>'}</td></tr>`).join('')}</tbody></table>`
    : '<p class="meta">The catalog records no model provenance (metadata "survey_classifier:models").</p>'
  const warnings = report.warnings.length > 0 ? `<ul class="warnings">${report.warnings.map((w) => `<li>${esc(w)}</li>`).join('')}</ul>` : ''
  const sections = renderReportSections(report)
  const truth = Object.entries(report.settings.truthColumns).map(([t, c]) => `${t}=${c}`).join(', ')
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Evaluation: ${esc(report.catalog)}</title>
<style>${CSS}</style>
</head>
<body>
<header>
<h1>Evaluation of ${esc(report.catalog)}</h1>
<p class="meta">generated ${esc(report.generatedAt)} · ${report.rows.total} rows, ${report.rows.ok} evaluated (status ok), ${report.rows.skipped} skipped${status ? ` (${esc(status)})` : ''}${report.rows.hasStatusColumn ? '' : ' · no status column'} · truth columns: ${esc(truth)}</p>
${untrained}${models}${warnings}
</header>
${sections}
<footer>survey-classifier evaluation report (${esc(report.schema)}). Definitions: Metcalf et al. 2019 (TPR0, TPR10), Pasquet et al. 2019 (σ_MAD, bias, η), RAIL/LSST Science Book (median bias, outlier rate with max(0.06, 3σ_IQR)), Guo et al. 2017 (ECE), Grimit et al. 2006 (CRPS of Gaussian mixtures).</footer>
</body>
</html>
`
}

/**
 * The task sections of a report (metrics table with definitions and the SVG plots per task) as
 * an HTML fragment without page chrome or styles: the HTML report's body, and what the portal
 * embed shows after a run on a catalog with truth columns. Class names: `task`, `metrics`,
 * `figures`, `untrained`, `badge`, `definition`, `meta`. Every catalog-derived text is escaped.
 */
export function renderReportSections(report: EvaluationReport): string {
  return Object.values(report.tasks).map((t) => (t.kind === 'photoz' ? photozSection(t) : classifierSection(t))).join('\n')
}

/**
 * A few lines summarising a report for a terminal (one line per task plus a warning about
 * untrained models).
 *
 * Example: `process.stderr.write(formatReportSummary(report))`.
 */
export function formatReportSummary(report: EvaluationReport): string {
  const lines: string[] = [`evaluated ${report.rows.ok} of ${report.rows.total} rows of ${report.catalog} (${report.rows.skipped} skipped: status not ok)`]
  for (const t of Object.values(report.tasks)) {
    const tag = t.trained === false ? ' [UNTRAINED]' : ''
    const skipped = t.skipped.missingPrediction + t.skipped.missingTruth + t.skipped.unknownTruth
    const extra = skipped > 0 ? `, ${skipped} more skipped (${skippedText({ ...t.skipped, status: 0 })})` : ''
    if (t.kind === 'photoz') {
      lines.push(`  photoz${tag}: n=${t.n}${extra}; σ_MAD ${formatNumber(t.sigmaMad, 3)}, bias ${formatNumber(t.biasMean, 3)}, η0.05 ${formatNumber(t.outlierFraction005, 3)}, RAIL outliers ${formatNumber(t.railOutlierFraction, 3)}, PIT KS ${formatNumber(t.pit?.ks ?? null, 3)}, CRPS ${formatNumber(t.meanCrps, 3)}, coverage 68% ${formatNumber(t.coverage.c68?.observed ?? null, 3)} 95% ${formatNumber(t.coverage.c95?.observed ?? null, 3)}`)
    } else {
      const binary = t.binary ? `, AUROC ${formatNumber(t.binary.auroc, 3)}, TPR0 ${formatNumber(t.binary.tpr0, 3)}, TPR10 ${formatNumber(t.binary.tpr10, 3)}` : ''
      lines.push(`  ${t.task}${tag}: n=${t.n}${extra}; accuracy ${formatNumber(t.accuracy, 3)}${binary}, ECE ${formatNumber(t.ece, 3)}`)
    }
  }
  if (report.untrainedModels.length > 0) lines.push(`note: UNTRAINED model(s) ${report.untrainedModels.join(', ')}: these metrics are not science`)
  for (const w of report.warnings) lines.push(`warning: ${w}`)
  return `${lines.join('\n')}\n`
}

/**
 * `survey-classify evaluate`: metrics JSON and an HTML report for an annotated catalog with
 * truth columns.
 */
import { writeFile } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import { SurveyError, errorMessage } from '../errors.js'
import { DEFAULT_MAGNITUDE_COLUMN, DEFAULT_TRUTH_COLUMNS, parseTaskMapping, parseTasks, type PointEstimate } from '../evaluate/columns.js'
import { evaluateCatalog, type EvaluateOptions } from '../evaluate/evaluate.js'
import { formatReportSummary, renderReportHtml } from '../evaluate/report-html.js'
import { openCatalogFile } from '../node.js'
import { EXIT_CODES } from './exit-codes.js'
import { intOption, type CommandIo } from './shared.js'

const DEFAULT_TRUTH_TEXT = Object.entries(DEFAULT_TRUTH_COLUMNS).map(([t, c]) => `${t}=${c}`).join(',')

/** Help text of `evaluate`. */
export const EVALUATE_HELP = `usage: survey-classify evaluate <annotated.parquet|.arrow> [-o metrics.json] [--html report.html] [options]

Compare the model outputs of an annotated catalog (written by 'classify') with
its truth columns: lens AUROC, TPR0 and TPR10 (Metcalf+19); morphology and
merger accuracy, confusion matrix and per-class AUROC; expected calibration
error and reliability bins; photo-z σ_MAD, bias, outlier fractions (|Δz| > 0.05,
Pasquet+19; RAIL's max(0.06, 3σ_IQR)), PIT histogram and KS, CRPS, 68/95 %
interval coverage; uncertainty against magnitude and redshift. Only rows with
status 'ok' are evaluated; the others are counted. Only the needed columns are
read (never the cutouts). Without -o and --html the metrics JSON goes to stdout.

  -o, --output FILE        metrics JSON
  --html FILE              self-contained HTML report (inline SVG plots, no scripts, no network)
  --truth T=COL,...        truth column per task (default ${DEFAULT_TRUTH_TEXT})
  --tasks T,...            tasks to evaluate (default: the run's models and any output columns found)
  --prefix T=PREFIX,...    output column prefix of a classifier task (default the task name)
  --magnitude COL          x axis of "uncertainty vs magnitude" (default ${DEFAULT_MAGNITUDE_COLUMN})
  --redshift COL           x axis of "uncertainty vs redshift" (default the photoz truth column)
  --point median|mean|mode z_phot used for the point metrics (default median: z_median)
  --bins N                 reliability-diagram bins (default 15)
  --pit-bins N             PIT histogram bins (default 20)
  --quiet                  no summary on stderr

tasks: lens, morphology, merger, photoz

examples
  survey-classify evaluate annotated.parquet -o metrics.json --html report.html
  survey-classify evaluate out.parquet --truth lens=is_lens,photoz=zspec --html report.html

exit codes: 0 ok · 2 bad option · 3 bad input (e.g. a missing truth column) · 7 output not writable`

async function writeOutput(path: string, text: string): Promise<void> {
  try {
    await writeFile(path, text, 'utf8')
  } catch (cause) {
    throw new SurveyError('output', `evaluate: cannot write ${path}: ${errorMessage(cause)}`, { cause })
  }
}

/**
 * Run `evaluate`; returns the exit code. Errors are thrown (SurveyError 'option', 'input' or
 * 'output'); `main` maps them to exit codes 2, 3 and 7.
 */
export async function evaluateCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      output: { type: 'string', short: 'o' },
      html: { type: 'string' },
      truth: { type: 'string' },
      tasks: { type: 'string' },
      prefix: { type: 'string' },
      magnitude: { type: 'string' },
      redshift: { type: 'string' },
      point: { type: 'string' },
      bins: { type: 'string' },
      'pit-bins': { type: 'string' },
      quiet: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  })
  if (values.help) {
    io.stdout.write(`${EVALUATE_HELP}\n`)
    return EXIT_CODES.ok
  }
  if (positionals.length !== 1) {
    throw new SurveyError('option', positionals.length === 0 ? 'an annotated catalog is required' : `one catalog expected, got ${positionals.length}: ${positionals.join(' ')}`)
  }
  const point = values.point ?? 'median'
  if (point !== 'median' && point !== 'mean' && point !== 'mode') throw new SurveyError('option', `option --point must be median, mean or mode, got "${point}"`)
  // every option is checked before the catalog is opened
  const options: EvaluateOptions = {
    ...(values.truth !== undefined ? { truth: parseTaskMapping(values.truth, 'truth') } : {}),
    ...(values.tasks !== undefined ? { tasks: parseTasks(values.tasks) } : {}),
    ...(values.prefix !== undefined ? { prefixes: parseTaskMapping(values.prefix, 'prefix') } : {}),
    ...(values.magnitude !== undefined ? { magnitudeColumn: values.magnitude } : {}),
    ...(values.redshift !== undefined ? { redshiftColumn: values.redshift } : {}),
    pointEstimate: point as PointEstimate,
    reliabilityBins: intOption(values.bins, 'bins', 15, 1),
    pitBins: intOption(values['pit-bins'], 'pit-bins', 20, 1),
  }
  const source = await openCatalogFile(positionals[0]!)
  let report
  try {
    report = await evaluateCatalog(source, options)
  } finally {
    await source.close?.()
  }
  const json = `${JSON.stringify(report, null, 2)}\n`
  if (values.output) await writeOutput(values.output, json)
  if (values.html) await writeOutput(values.html, renderReportHtml(report))
  if (!values.output && !values.html) io.stdout.write(json)
  if (!values.quiet) {
    io.stderr.write(formatReportSummary(report))
    const written = [values.output, values.html].filter((p): p is string => p !== undefined)
    if (written.length > 0) io.stderr.write(`wrote ${written.join(' and ')}\n`)
  }
  return EXIT_CODES.ok
}

/**
 * `survey-classify classify`: annotate a catalog with the shipped or given models.
 */
import { availableParallelism } from 'node:os'
import { parseArgs } from 'node:util'
import { outputColumnsFor, PIXEL_MEAN_COLUMN } from '../../catalogs/columns.js'
import { pipelineSpec } from '../../pipelines/registry.js'
import { annotateCatalog, type RunSummary } from '../annotate.js'
import type { CatalogFormat } from '../catalog/open.js'
import { SurveyError } from '../errors.js'
import { parsePdfGrid } from '../pdf-grid.js'
import { fileWriterFactory, loadModelDir, openCatalogFile } from '../node.js'
import { denoWasmPath, denoWorkerSpawner } from '../deno/spawn-deno.js'
import { ENV } from '../env.js'
import { nodeWasmPath, nodeWorkerSpawner } from '../node/spawn-node.js'
import { packageVersion, shippedModelDir } from '../node/paths.js'
import type { CutoutOptions } from '../pipeline/cutout-input.js'
import { simulatedSource } from '../pipeline/simulated-source.js'
import type { BackendRequest, ModelPayload } from '../protocol.js'
import { EXIT_CODES } from './exit-codes.js'
import { progressReporter } from './progress.js'
import { intOption, listOption, type CommandIo } from './shared.js'

/** Help text of `classify`. */
export const CLASSIFY_HELP = `usage: survey-classify classify <catalog.parquet|catalog.arrow> -o <output> [options]
       survey-classify classify --sample [N] -o <output> [options]

Annotate every row of a catalog with model predictions and uncertainties.
The input is streamed (row groups / record batches on demand), so catalogs
larger than memory are fine; rows come out in input order, each exactly once,
with a 'status' column ('ok' or an error code).

input
  <catalog>                 Parquet or Arrow IPC (file or stream) file
  --sample [N]              classify the built-in simulated survey (N rows, default 1024)
  --sample-seed S           seed of the simulated sample (default 1)

output
  -o, --output FILE         output catalog; format from the extension (.parquet, .arrow)
  --format parquet|arrow    override the output format
  --drop-cutouts            leave the raw cutout column out of the output
  --row-group-size N        rows per Parquet row group (default 10000)

models
  --pipeline NAME           shipped pipeline (default "default"; "--pipeline list" lists them)
  --model DIR               a model bundle folder (manifest.json + model.json + shards); repeatable,
                            replaces the pipeline's models
  --passes T                MC-dropout passes (default: the pipeline's; 1 = deterministic)
  --seed S                  seed of the MC-dropout masks (default 0)
  --tta                     test-time augmentation: also average over the 8 rotations/flips (×8 cost)
  --adaptive TOL            adaptive MC dropout: stop sampling an object once the MC standard error
                            is below TOL (e.g. 0.01): of its class probabilities (classifiers), or of
                            its mean redshift in units of 1+z (photo-z); --passes is then the maximum,
                            and a <task>_mc_passes column records the passes taken (not with --tta)
  --pdf-grid A:B:N          photo-z: also store each PDF on N redshifts from A to B (e.g. 0:3:301),
                            as a list column z_pdf_grid (qp "interp"), next to the mixture columns

cutouts
  --cutout-column NAME      column holding cutouts (default "cutout")
  --cutout-shape HxWxC      shape in storage order when the column has no metadata (e.g. 64x64x3, or 3x64x64 with chw)
  --cutout-layout hwc|chw   axis order of numeric cutouts (FITS-style catalogs store bands first: chw)
  --bands g,r,z             band names in storage order
  --cutout-url TEMPLATE     fetch cutouts from a service: {ra} {dec} {id} {size} {bands} placeholders
  --cutout-size N           {size} for the service (default: the model input size)

execution
  --backend auto|webgpu|wasm|cpu   compute backend (default auto: WebGPU on a hardware adapter, else WASM)
  --workers N               worker threads (default: number of cores)
  --batch-size N            rows per batch (default: the pipeline's)
  --in-flight K             batches read but not yet written, at most (default 2 × workers)
  --retries N               retries of a batch whose worker crashes (default 2)
  --worker trivial          run the no-model worker (pixel means; measures pipeline overhead)

reporting
  --quiet                   no progress output
  --json                    print a machine-readable summary on stdout

examples
  survey-classify classify survey.parquet -o annotated.parquet
  survey-classify classify --sample 5000 -o sample.arrow --backend wasm --workers 2
  survey-classify classify legacy.parquet -o out.parquet --cutout-shape 3x64x64 --cutout-layout chw --bands g,r,z

exit codes: 0 ok · 2 bad option · 3 bad input · 4 bad model · 5 backend unavailable ·
            6 workers failed · 7 output not writable · 8 some rows not ok · 130 interrupted`

/** Run `classify`; returns the exit code. */
export async function classifyCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      output: { type: 'string', short: 'o' },
      format: { type: 'string' },
      sample: { type: 'boolean' },
      'sample-seed': { type: 'string' },
      'drop-cutouts': { type: 'boolean' },
      'row-group-size': { type: 'string' },
      pipeline: { type: 'string' },
      model: { type: 'string', multiple: true },
      passes: { type: 'string' },
      seed: { type: 'string' },
      tta: { type: 'boolean' },
      adaptive: { type: 'string' },
      'pdf-grid': { type: 'string' },
      'cutout-column': { type: 'string' },
      'cutout-shape': { type: 'string' },
      'cutout-layout': { type: 'string' },
      bands: { type: 'string' },
      'cutout-url': { type: 'string' },
      'cutout-size': { type: 'string' },
      backend: { type: 'string' },
      workers: { type: 'string' },
      'batch-size': { type: 'string' },
      'in-flight': { type: 'string' },
      retries: { type: 'string' },
      worker: { type: 'string' },
      quiet: { type: 'boolean' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  })
  if (values.help) {
    io.stdout.write(`${CLASSIFY_HELP}\n`)
    return EXIT_CODES.ok
  }
  if (values.pipeline === 'list') {
    const { PIPELINES } = await import('../../pipelines/registry.js')
    for (const [name, spec] of Object.entries(PIPELINES)) io.stdout.write(`${name.padEnd(20)} ${spec.description}\n`)
    return EXIT_CODES.ok
  }
  const output = values.output
  if (!output) throw new SurveyError('option', 'option --output (-o) is required')
  const sampleSize = values.sample ? (positionals[0] !== undefined && /^\d+$/.test(positionals[0]) ? Number(positionals.shift()) : 1024) : undefined
  if (values.sample && positionals.length > 0) throw new SurveyError('option', `--sample takes no input catalog (got ${positionals.join(' ')})`)
  if (!values.sample && positionals.length !== 1) throw new SurveyError('option', positionals.length === 0 ? 'an input catalog (or --sample) is required' : `one input catalog expected, got ${positionals.length}: ${positionals.join(' ')}`)
  const backend = (values.backend ?? 'auto') as BackendRequest
  if (!['auto', 'webgpu', 'wasm', 'cpu'].includes(backend)) throw new SurveyError('option', `option --backend must be auto, webgpu, wasm or cpu, got "${values.backend}"`)
  const format = values.format as CatalogFormat | undefined
  if (format !== undefined && format !== 'parquet' && format !== 'arrow') throw new SurveyError('option', `option --format must be parquet or arrow, got "${values.format}"`)
  const layout = values['cutout-layout']
  if (layout !== undefined && layout !== 'hwc' && layout !== 'chw') throw new SurveyError('option', `option --cutout-layout must be hwc or chw, got "${layout}"`)
  const workerKind = values.worker ?? 'inference'
  if (workerKind !== 'inference' && workerKind !== 'trivial') throw new SurveyError('option', `option --worker must be trivial (or omitted), got "${workerKind}"`)

  // every option is checked before any file is opened
  const spec = pipelineSpec(values.pipeline ?? 'default')
  const passes = intOption(values.passes, 'passes', spec.passes, 1)
  const workers = intOption(values.workers, 'workers', availableParallelism(), 1)
  const batchSize = intOption(values['batch-size'], 'batch-size', spec.batchSize, 1)
  const maxInFlight = intOption(values['in-flight'], 'in-flight', 2 * workers, 1)
  const maxRetries = intOption(values.retries, 'retries', 2, 0)
  const seed = intOption(values.seed, 'seed', 0, 0)
  const adaptiveTolerance = values.adaptive !== undefined ? Number(values.adaptive) : undefined
  if (adaptiveTolerance !== undefined && !(adaptiveTolerance > 0 && adaptiveTolerance < 1)) throw new SurveyError('option', `option --adaptive must be a tolerance between 0 and 1 (e.g. 0.01), got "${values.adaptive}"`)
  if (adaptiveTolerance !== undefined && passes < 2) throw new SurveyError('option', 'option --adaptive needs --passes of at least 2 (the maximum number of passes)')
  if (adaptiveTolerance !== undefined && values.tta) throw new SurveyError('option', 'options --adaptive and --tta cannot be combined: adaptive MC dropout samples dropout masks of the plain cutout only')
  const pdfGrid = values['pdf-grid'] !== undefined ? parsePdfGrid(values['pdf-grid']) : undefined
  const sampleSeed = intOption(values['sample-seed'], 'sample-seed', 1, 0)
  const rowGroupSize = values['row-group-size'] ? { rowGroupSize: intOption(values['row-group-size'], 'row-group-size', 10_000, 1) } : {}
  const cutoutSize = values['cutout-size'] !== undefined ? intOption(values['cutout-size'], 'cutout-size', 64, 1) : undefined
  const createWriter = fileWriterFactory(output, format, rowGroupSize)
  const bands = listOption(values.bands)

  const models: ModelPayload[] = []
  if (workerKind === 'inference') {
    const dirs = values.model ?? spec.models.map(shippedModelDir)
    for (const dir of dirs) models.push(await loadModelDir(dir))
  }
  const outputColumns = workerKind === 'trivial' ? [PIXEL_MEAN_COLUMN] : outputColumnsFor(models.map((m) => m.manifest), passes * (values.tta ? 8 : 1), { adaptive: adaptiveTolerance !== undefined, ...(pdfGrid ? { pdfGrid } : {}) })
  const cutouts: CutoutOptions = {
    ...(values['cutout-column'] ? { column: values['cutout-column'] } : {}),
    ...(values['cutout-shape'] ? { shape: values['cutout-shape'] } : {}),
    ...(layout ? { layout } : {}),
    ...(bands ? { bands } : {}),
    ...(values['cutout-url']
      ? {
          service: {
            template: values['cutout-url'],
            size: cutoutSize ?? models[0]?.manifest.input.inputShape[0] ?? 64,
            bands: bands ?? models[0]?.manifest.input.bands ?? [],
          },
        }
      : {}),
  }
  const source = sampleSize !== undefined
    ? simulatedSource({ n: sampleSize, seed: sampleSeed })
    : await openCatalogFile(positionals[0]!)
  const controller = new AbortController()
  let interrupted = 0
  const onSigint = (): void => {
    interrupted++
    if (interrupted > 1) process.exit(EXIT_CODES.cancelled)
    io.stderr.write('\ninterrupted: stopping (finishing the rows already done; Ctrl-C again to quit at once)\n')
    controller.abort(new SurveyError('cancelled', 'interrupted by the user'))
  }
  process.on('SIGINT', onSigint)
  const reporter = progressReporter(io.stderr, { quiet: values.quiet === true || values.json === true })
  let summary: RunSummary
  try {
    summary = await annotateCatalog({
      source,
      createWriter,
      spawn: ENV.runtime === 'deno' ? denoWorkerSpawner(workerKind) : nodeWorkerSpawner(workerKind),
      wasmPath: ENV.runtime === 'deno' ? denoWasmPath() : nodeWasmPath(),
      models,
      outputColumns,
      backend,
      workers,
      batchSize,
      maxInFlight,
      maxRetries,
      passes,
      seed,
      ...(values.tta ? { tta: true } : {}),
      ...(adaptiveTolerance !== undefined ? { adaptive: { tolerance: adaptiveTolerance } } : {}),
      ...(pdfGrid ? { pdfGrid } : {}),
      cutouts,
      dropCutouts: values['drop-cutouts'] === true,
      signal: controller.signal,
      onProgress: (p) => reporter.update(p),
      onWorkerFailure: (e) => {
        if (!values.quiet) io.stderr.write(`\nworker ${e.slot} failed on batch ${e.batchIndex} (attempt ${e.attempt}): ${e.error.message}; restarting it\n`)
      },
      provenance: {
        'survey_classifier:version': packageVersion(),
        'survey_classifier:command': ['survey-classify', 'classify', ...argv].join(' '),
      },
    })
  } finally {
    process.off('SIGINT', onSigint)
    reporter.done()
  }
  if (values.json) {
    io.stdout.write(`${JSON.stringify({ output, ...summary, outputColumns: summary.outputColumns.map((c) => c.name) })}\n`)
  } else if (!values.quiet) {
    const adapter = summary.backend.adapter ? ` (${summary.backend.adapter})` : ''
    const verb = summary.cancelled ? 'interrupted; wrote' : 'wrote'
    io.stderr.write(`${verb} ${summary.rowsDone.toLocaleString('en')} rows to ${output} in ${summary.elapsedSeconds.toFixed(1)} s (${summary.rowsPerSecond.toFixed(1)} rows/s) on ${summary.backend.backend}${adapter} with ${summary.workers} worker(s); ${summary.rowsFailed} rows not ok\n`)
    if (models.some((m) => !m.manifest.trained)) io.stderr.write('note: the models used are UNTRAINED (seeded weights): the predictions exercise the pipeline and are not science\n')
  }
  if (summary.cancelled) return EXIT_CODES.cancelled
  return summary.rowsFailed > 0 ? EXIT_CODES.rowsFailed : EXIT_CODES.ok
}

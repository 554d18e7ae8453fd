/**
 * `survey-classify calibrate`: fit a model's calibration on a labelled catalog
 * and record it in the model's manifest.
 */
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { SurveyError } from '../errors.js'
import { loadModelDir, openCatalogFile } from '../node.js'
import { EXIT_CODES } from './exit-codes.js'
import { intOption, type CommandIo } from './shared.js'

/** Help text of `calibrate`. */
export const CALIBRATE_HELP = `usage: survey-classify calibrate <model-dir> <labelled-catalog> [options]

Fit post-hoc calibration on a labelled validation catalog and store it in the
model's manifest.json (field "calibration"), where inference applies it:
temperature scaling for classifiers (sigmoid or softmax), PDF width scaling
for mixture-density photo-z models. Use a catalog the model was not trained on.

  --label COL      label/target column (default: the simulated survey's truth column)
  --passes T       MC-dropout passes to calibrate for (default 1)
  --seed S         seed of the dropout masks (default 0)
  --dry-run        print the fit without writing the manifest

example
  survey-classify calibrate models/lens-small4-cnn val.parquet --passes 30`

/** Run `calibrate`; returns the exit code. */
export async function calibrateCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv], allowPositionals: true, strict: true,
    options: { label: { type: 'string' }, passes: { type: 'string' }, seed: { type: 'string' }, 'dry-run': { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  })
  if (values.help) {
    io.stdout.write(`${CALIBRATE_HELP}\n`)
    return EXIT_CODES.ok
  }
  if (positionals.length !== 2) throw new SurveyError('option', 'give a model folder and a labelled catalog')
  const [dir, catalog] = positionals as [string, string]
  const passes = intOption(values.passes, 'passes', 1, 1)
  const seed = intOption(values.seed, 'seed', 0, 0)
  const model = await loadModelDir(dir)
  const source = await openCatalogFile(catalog)
  const { calibrateModel } = await import('../../workers/train/calibrate.js')
  const result = await calibrateModel({ model, source, passes, seed, ...(values.label ? { label: values.label } : {}) })
  await source.close?.()
  io.stderr.write(`calibration of ${model.manifest.name}: ${JSON.stringify(result.calibration)} ${JSON.stringify(result.record)}\n`)
  if (values['dry-run']) return EXIT_CODES.ok
  const path = join(dir, 'manifest.json')
  const manifest = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>
  manifest['calibration'] = result.calibration
  manifest['calibrationFit'] = result.record
  await writeFile(path, `${JSON.stringify(manifest, null, 2)}\n`)
  io.stderr.write(`wrote the calibration into ${path}\n`)
  return EXIT_CODES.ok
}

/**
 * `survey-classify simulate`: write the simulated survey as a catalog.
 */
import { writeFile } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import { SurveyError } from '../errors.js'
import { fileWriterFactory } from '../node.js'
import { packageVersion } from '../node/paths.js'
import { simulatedSource } from '../pipeline/simulated-source.js'
import { renderContactSheet, type SimulateOptions } from '../simulate/index.js'
import { EXIT_CODES } from './exit-codes.js'
import { intOption, listOption, type CommandIo } from './shared.js'

/** Help text of `simulate`. */
export const SIMULATE_HELP = `usage: survey-classify simulate --n N -o <catalog.parquet|.arrow> [options]
       survey-classify simulate --contact-sheet sheet.png [options]

Write a simulated multi-band survey with truth columns for every task
(morphology, strong lenses, photometric redshift, merger stage). The same
options and seed give byte-identical output.

  --n N                 number of objects (default 10000)
  --seed S              random seed (default 1)
  --size PIX            cutout side in pixels (default 64)
  --bands g,r,z         bands (u, g, r, i, z, Y; default g,r,z)
  --pixel-scale ARCSEC  pixel scale in arcsec/pixel (default 0.262)
  --lens-fraction F     fraction of strong lenses (default from the simulator)
  --merger-fraction F   fraction of mergers (default from the simulator)
  --lens-light include|subtract   keep or subtract the deflector's light
  -o, --output FILE     output catalog (.parquet or .arrow)
  --row-group-size N    rows per Parquet row group (default 1024)
  --contact-sheet FILE  also (or only) write a PNG grid of cutouts per class
  --per-class N         cutouts per class on the contact sheet (default 8)
  --quiet               no progress output

examples
  survey-classify simulate --n 10000 --seed 1 --size 64 --bands g,r,z -o sample.parquet
  survey-classify simulate --contact-sheet sheet.png --seed 3`

function fraction(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined
  const n = Number(value)
  if (!Number.isFinite(n)) throw new SurveyError('option', `option --${name} must be a number, got "${value}"`)
  return n
}

/** Run `simulate`; returns the exit code. */
export async function simulateCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      n: { type: 'string' },
      seed: { type: 'string' },
      size: { type: 'string' },
      bands: { type: 'string' },
      'pixel-scale': { type: 'string' },
      'lens-fraction': { type: 'string' },
      'merger-fraction': { type: 'string' },
      'lens-light': { type: 'string' },
      output: { type: 'string', short: 'o' },
      'row-group-size': { type: 'string' },
      'contact-sheet': { type: 'string' },
      'per-class': { type: 'string' },
      quiet: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  })
  if (values.help) {
    io.stdout.write(`${SIMULATE_HELP}\n`)
    return EXIT_CODES.ok
  }
  if (positionals.length > 0) throw new SurveyError('option', `simulate takes no positional arguments (got ${positionals.join(' ')})`)
  if (!values.output && !values['contact-sheet']) throw new SurveyError('option', 'give --output (-o) and/or --contact-sheet')
  const lensLight = values['lens-light']
  if (lensLight !== undefined && lensLight !== 'include' && lensLight !== 'subtract') throw new SurveyError('option', `option --lens-light must be include or subtract, got "${lensLight}"`)
  const pixelScale = fraction(values['pixel-scale'], 'pixel-scale')
  const lensFraction = fraction(values['lens-fraction'], 'lens-fraction')
  const mergerFraction = fraction(values['merger-fraction'], 'merger-fraction')
  const bands = listOption(values.bands)
  const options: SimulateOptions = {
    n: intOption(values.n, 'n', 10_000, -Infinity),
    seed: intOption(values.seed, 'seed', 1, 0),
    size: intOption(values.size, 'size', 64, -Infinity),
    ...(bands ? { bands } : {}),
    ...(pixelScale !== undefined ? { pixelScale } : {}),
    ...(lensFraction !== undefined ? { lensFraction } : {}),
    ...(mergerFraction !== undefined ? { mergerFraction } : {}),
    ...(lensLight ? { lensLight } : {}),
  }
  let source
  try {
    source = simulatedSource(options, 256)
  } catch (cause) {
    throw new SurveyError('option', cause instanceof Error ? cause.message : String(cause), { cause })
  }
  if (values.output) {
    const create = fileWriterFactory(values.output, undefined, { rowGroupSize: intOption(values['row-group-size'], 'row-group-size', 1024, 1) })
    const writer = await create(source.schema, undefined, {
      'survey_classifier:version': packageVersion(),
      'survey_classifier:command': ['survey-classify', 'simulate', ...argv].join(' '),
    })
    try {
      let done = 0
      for await (const chunk of source.chunks()) {
        await writer.write(chunk)
        done += chunk.numRows
        if (!values.quiet && io.stderr.isTTY) io.stderr.write(`\r\x1b[2Ksimulated ${done}/${options.n}`)
      }
      await writer.close({ 'survey_classifier:version': packageVersion() })
    } catch (error) {
      await writer.abort()
      throw error
    }
    if (!values.quiet) io.stderr.write(`${io.stderr.isTTY ? '\n' : ''}wrote ${options.n} simulated objects to ${values.output}\n`)
  }
  if (values['contact-sheet']) {
    const png = await renderContactSheet({ ...options, perClass: intOption(values['per-class'], 'per-class', 8, 1) })
    await writeFile(values['contact-sheet'], png)
    if (!values.quiet) io.stderr.write(`wrote contact sheet ${values['contact-sheet']}\n`)
  }
  return EXIT_CODES.ok
}

#!/usr/bin/env node
/**
 * `survey-classify`: the command-line interface.
 */
import { realpathSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { errorMessage, isSurveyError } from '../errors.js'
import { tuneHeapForStreaming } from '../node/heap.js'
import { packageVersion } from '../node/paths.js'
import { CLASSIFY_HELP, classifyCommand } from './classify.js'
import { EVALUATE_HELP, evaluateCommand } from './evaluate.js'
import { TRAIN_HELP, trainCommand } from './train.js'
import { CALIBRATE_HELP, calibrateCommand } from './calibrate.js'
import { EXIT_CODES, exitCodeFor } from './exit-codes.js'
import type { CommandIo } from './shared.js'
import { SIMULATE_HELP, simulateCommand } from './simulate.js'

const HELP = `usage: survey-classify <command> [options]

Stream survey catalogs (Parquet/Arrow, image cutouts) through TensorFlow.js
models in worker pools and write annotated catalogs with uncertainty columns.

commands
  classify    annotate a catalog (or the built-in simulated sample) with model predictions
  simulate    write a simulated multi-band survey with truth columns
  evaluate    metrics JSON and an HTML report for an annotated catalog with truth columns
  train       train a model on a labelled catalog and write a model bundle with its manifest
  calibrate   fit temperature / PDF-width calibration on a labelled catalog into a model's manifest
  help [cmd]  show help for a command

  --version   print the version

examples
  survey-classify classify survey.parquet -o annotated.parquet
  survey-classify classify --sample -o sample-annotated.parquet
  survey-classify simulate --n 10000 --seed 1 -o sample.parquet
  survey-classify evaluate annotated.parquet -o metrics.json --html report.html

Run 'survey-classify <command> --help' for a command's options.`

const COMMANDS: Readonly<Record<string, { run: (argv: readonly string[], io: CommandIo) => Promise<number>; help: string }>> = Object.freeze({
  classify: { run: classifyCommand, help: CLASSIFY_HELP },
  simulate: { run: simulateCommand, help: SIMULATE_HELP },
  evaluate: { run: evaluateCommand, help: EVALUATE_HELP },
  train: { run: trainCommand, help: TRAIN_HELP },
  calibrate: { run: calibrateCommand, help: CALIBRATE_HELP },
})

/** Run the CLI with arguments (without node and script); returns the exit code. */
export async function main(argv: readonly string[], io: CommandIo = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  const [command, ...rest] = argv
  if (command === undefined || command === '--help' || command === '-h') {
    io.stdout.write(`${HELP}\n`)
    return command === undefined ? EXIT_CODES.option : EXIT_CODES.ok
  }
  if (command === '--version') {
    io.stdout.write(`${packageVersion()}\n`)
    return EXIT_CODES.ok
  }
  if (command === 'help') {
    const topic = rest[0]
    io.stdout.write(`${topic && COMMANDS[topic] ? COMMANDS[topic].help : HELP}\n`)
    return EXIT_CODES.ok
  }
  const entry = COMMANDS[command]
  if (!entry) {
    io.stderr.write(`survey-classify: unknown command "${command}" (commands: ${Object.keys(COMMANDS).join(', ')}, help)\n`)
    return EXIT_CODES.option
  }
  try {
    return await entry.run(rest, io)
  } catch (error) {
    const code = isSurveyError(error) ? error.code : (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') ? 'option' : undefined
    io.stderr.write(`survey-classify ${command}: ${errorMessage(error)}\n`)
    if (code === undefined && error instanceof Error && error.stack && process.env['SURVEY_CLASSIFY_DEBUG']) io.stderr.write(`${error.stack}\n`)
    return exitCodeFor(code)
  }
}

function invokedDirectly(): boolean {
  const script = process.argv[1]
  if (script === undefined) return false
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url))
  } catch {
    return false
  }
}

if (invokedDirectly()) {
  let tuned = true
  try {
    // streaming runs keep a small live set; without this V8 lets garbage pile up on long runs
    tuneHeapForStreaming()
  } catch (error) {
    process.stderr.write(`survey-classify: ${errorMessage(error)}\n`)
    tuned = false
  }
  process.exitCode = tuned ? await main(process.argv.slice(2)) : EXIT_CODES.option
}

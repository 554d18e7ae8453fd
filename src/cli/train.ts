/**
 * `survey-classify train`: train a model from any labelled catalog.
 */
import { parseArgs } from 'node:util'
import { SurveyError } from '../errors.js'
import type { Task } from '../models/manifest.js'
import { loadModelDir, openCatalogFile } from '../node.js'
import { EXIT_CODES } from './exit-codes.js'
import { intOption, type CommandIo } from './shared.js'

/** Help text of `train`. */
export const TRAIN_HELP = `usage: survey-classify train <catalog> --task lens|morphology|photoz|merger -o <model-dir> [options]

Train a model on a labelled catalog (Parquet or Arrow with cutouts) and write
a model bundle: model.json, weight shards and a manifest with the
preprocessing, the labels, the training record and validation metrics.
Runs on the fastest CPU backend (wasm with the project's gradient kernels).

  --task T                 lens | morphology | photoz | merger
  -o, --output DIR         model bundle folder to write
  --label COL              label/target column (default: the simulated survey's truth column)
  --validation CATALOG     held-out catalog (default: every fifth row is held out)
  --arch seed-cnn|small-cnn|small4-cnn   architecture (default seed-cnn: Dominguez-Sanchez+18;
                           small4-cnn: the small trunk with a fourth conv block, 38 px receptive field)
  --epochs N               default 10          --batch-size N    default 32
  --learning-rate X        default 0.001       --seed S          default 42
  --patience N             early-stopping patience in epochs (default 3)
  --reduce-lr F[:P]        multiply the learning rate by F (0 < F < 1) after P epochs (default 2) without a
                           better validation loss (Keras' ReduceLROnPlateau; floor 1e-5); give --patience > P
  --no-augment             no rotation/flip/shift/zoom augmentation
  --limit N                use at most N training rows
  --components K           mixture components for photoz (default 5)
  --photometry g,r,z       photoz: also feed the catalog photometry of these bands (columns mag_<band> and
                           magerr_<band>) into the dense layers; recorded in the manifest
  --class-weight W         classifiers: "balanced" (n / (C·n_c) per class) or one weight per class
                           in label order, e.g. 1,3,3,3 for merger (default: none)
  --init-from MODEL-DIR    start from a trained bundle's weights (fine-tuning, e.g. a shipped model on your own
                           labels); task, --arch, bands and photometry must match; its normalisation is kept
  --checkpoint DIR         save a checkpoint after every epoch; --resume continues from it
  --float32                store weights as float32 (default float16)
  --name NAME --model-version V   manifest name and version
  --backend auto|wasm|cpu
  --quiet

examples
  survey-classify simulate --n 8000 --seed 1 -o train.parquet
  survey-classify simulate --n 2000 --seed 2 -o val.parquet
  survey-classify train train.parquet --validation val.parquet --task lens -o models/lens`

const TASKS = ['lens', 'morphology', 'photoz', 'merger'] as const

/** Run `train`; returns the exit code. */
export async function trainCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      task: { type: 'string' }, output: { type: 'string', short: 'o' }, label: { type: 'string' }, validation: { type: 'string' },
      arch: { type: 'string' }, epochs: { type: 'string' }, 'batch-size': { type: 'string' }, 'learning-rate': { type: 'string' },
      seed: { type: 'string' }, patience: { type: 'string' }, 'reduce-lr': { type: 'string' }, 'class-weight': { type: 'string' }, photometry: { type: 'string' }, 'no-augment': { type: 'boolean' }, limit: { type: 'string' },
      components: { type: 'string' }, 'init-from': { type: 'string' }, checkpoint: { type: 'string' }, resume: { type: 'boolean' }, float32: { type: 'boolean' },
      name: { type: 'string' }, 'model-version': { type: 'string' }, backend: { type: 'string' }, quiet: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  })
  if (values.help) {
    io.stdout.write(`${TRAIN_HELP}\n`)
    return EXIT_CODES.ok
  }
  const task = values.task as Task | undefined
  if (!task || !TASKS.includes(task as (typeof TASKS)[number])) throw new SurveyError('option', `option --task must be one of ${TASKS.join(', ')}, got ${JSON.stringify(values.task)}`)
  if (!values.output) throw new SurveyError('option', 'option --output (-o) is required (the model folder to write)')
  if (positionals.length !== 1) throw new SurveyError('option', `one training catalog expected, got ${positionals.length}`)
  const arch = values.arch ?? 'seed-cnn'
  if (arch !== 'seed-cnn' && arch !== 'small-cnn' && arch !== 'small4-cnn') throw new SurveyError('option', `option --arch must be seed-cnn, small-cnn or small4-cnn, got "${arch}"`)
  const backend = values.backend ?? 'auto'
  if (backend !== 'auto' && backend !== 'wasm' && backend !== 'cpu') throw new SurveyError('option', `option --backend must be auto, wasm or cpu for training, got "${backend}"`)
  const learningRate = Number(values['learning-rate'] ?? 0.001)
  if (!(learningRate > 0)) throw new SurveyError('option', `option --learning-rate must be a positive number, got "${values['learning-rate']}"`)
  const epochs = intOption(values.epochs, 'epochs', 10, 1)
  const batchSize = intOption(values['batch-size'], 'batch-size', 32, 1)
  const seed = intOption(values.seed, 'seed', 42, 0)
  const patience = intOption(values.patience, 'patience', 3, 1)
  const reduceLrOnPlateau = reduceLrOption(values['reduce-lr'])
  if (reduceLrOnPlateau && reduceLrOnPlateau.patience >= patience) throw new SurveyError('option', `option --reduce-lr waits ${reduceLrOnPlateau.patience} epochs, which must be fewer than --patience (${patience}), or early stopping ends the run before the rate is reduced`)
  const limit = values.limit !== undefined ? intOption(values.limit, 'limit', 0, 1) : undefined
  const components = intOption(values.components, 'components', 5, 1)
  const classWeightText = values['class-weight']
  const classWeights = classWeightText === undefined ? undefined : classWeightText === 'balanced' ? ('balanced' as const) : classWeightText.split(',').map(Number)
  if (Array.isArray(classWeights) && classWeights.some((w) => !(w >= 0 && Number.isFinite(w)))) throw new SurveyError('option', `option --class-weight must be "balanced" or comma-separated non-negative numbers, got "${classWeightText}"`)
  const output = values.output

  const { mkdir, writeFile } = await import('node:fs/promises')
  const { dirname, join } = await import('node:path')
  const { trainTaskModel } = await import('../../workers/train/run-training.js')
  const { fsCheckpointStore } = await import('../../workers/train/checkpoint-node.js')
  const initFrom = values['init-from'] ? await loadModelDir(values['init-from']) : undefined
  const train = await openCatalogFile(positionals[0]!)
  const validation = values.validation ? await openCatalogFile(values.validation) : undefined
  const say = (line: string): void => {
    if (!values.quiet) io.stderr.write(`${line}\n`)
  }
  const manifest = await trainTaskModel({
    task, train, ...(validation ? { validation } : {}), ...(values.label ? { label: values.label } : {}),
    architecture: arch, epochs, batchSize, learningRate, seed, patience, ...(reduceLrOnPlateau ? { reduceLrOnPlateau } : {}), augment: values['no-augment'] !== true,
    float16: values.float32 !== true, ...(limit ? { limit } : {}), components, ...(classWeights ? { classWeights } : {}), ...(initFrom ? { initFrom } : {}),
    ...(values.photometry ? { photometry: { bands: values.photometry.split(',').map((b) => b.trim()).filter((b) => b !== '') } } : {}),
    ...(values.checkpoint ? { checkpoint: fsCheckpointStore(values.checkpoint), resume: values.resume === true } : {}),
    backend, name: values.name ?? `${task}-${arch}`, version: values['model-version'] ?? '1.0.0',
    command: ['survey-classify', 'train', ...argv].join(' '),
    writeFile: async (path, bytes) => {
      await mkdir(dirname(join(output, path)), { recursive: true })
      await writeFile(join(output, path), bytes)
    },
    log: say,
    onProgress: (ev) => {
      if (ev.type === 'start') say(`training on ${ev.backend}: ${ev.trainRows} rows, ${ev.validationRows} validation rows, up to ${ev.epochs} epochs`)
      else if (ev.type === 'epoch') say(`epoch ${ev.epoch + 1}: ${Object.entries(ev.logs).filter(([k]) => k !== 'epoch').map(([k, v]) => `${k} ${typeof v === 'number' ? v.toFixed(4) : String(v)}`).join(', ')} · ${ev.imagesPerSec.toFixed(0)} img/s${ev.improved ? ' ✓' : ''}`)
      else if (ev.type === 'learning-rate') say(`no better validation loss: learning rate now ${ev.learningRate.toPrecision(3)}`)
      else if (ev.type === 'stop') say(`stopped after epoch ${ev.epoch + 1} (${ev.reason})`)
    },
  })
  await train.close?.()
  await validation?.close?.()
  say(`wrote ${output}: validation ${JSON.stringify(manifest.metrics)}`)
  return EXIT_CODES.ok
}

/** Parse `--reduce-lr F[:P]`. */
function reduceLrOption(text: string | undefined): { factor: number; patience: number } | undefined {
  if (text === undefined) return undefined
  const [f, p, ...rest] = text.split(':')
  const factor = Number(f)
  const patience = p === undefined ? 2 : Number(p)
  if (rest.length > 0 || !(factor > 0 && factor < 1) || !Number.isInteger(patience) || patience < 1) {
    throw new SurveyError('option', `option --reduce-lr must be F or F:P with 0 < F < 1 and P a positive integer (e.g. 0.5:2), got "${text}"`)
  }
  return { factor, patience }
}

/**
 * Named pipelines: which shipped models run, with what defaults. A frozen
 * registry whose keys type the public `pipelineSpec()` lookup.
 */
import { SurveyError } from '../src/errors.js'

/** A named composition of shipped models and run defaults. */
export interface PipelineSpec {
  readonly description: string
  /** Folders under `models/` holding each model's bundle. */
  readonly models: readonly string[]
  /** Default MC-dropout passes. */
  readonly passes: number
  /** Default rows per batch. */
  readonly batchSize: number
}

/** The shipped pipelines. */
export const PIPELINES = Object.freeze({
  default: {
    description: 'the shipped trained models: lens finder, morphology (early/late), photo-z mixture-density network from the cutout plus catalog photometry (mag_g/r/z, magerr_g/r/z) and merger stage (small CNNs trained on the simulated survey), 30 MC-dropout passes',
    models: ['lens-small4-cnn', 'morphology-small4-cnn', 'photoz-phot-small-cnn', 'merger-small4-cnn'],
    passes: 30,
    batchSize: 32,
  },
  'cutouts-only': {
    description: 'as default, but the photo-z network reads the cutout alone (for catalogs without magnitude columns), 30 MC-dropout passes',
    models: ['lens-small4-cnn', 'morphology-small4-cnn', 'photoz-small-cnn', 'merger-small4-cnn'],
    passes: 30,
    batchSize: 32,
  },
  'seed-cnn-untrained': {
    description: 'the Dominguez-Sanchez+18 seed CNN with seeded, UNTRAINED weights: exercises tensors, backends and transfers; its outputs are not science',
    models: ['seed-cnn-untrained'],
    passes: 1,
    batchSize: 32,
  },
  lens: {
    description: 'strong-lens finder only (small CNN with a fourth conv block, sigmoid), 30 MC-dropout passes',
    models: ['lens-small4-cnn'],
    passes: 30,
    batchSize: 32,
  },
  morphology: {
    description: 'early/late-type morphology only (small CNN with a fourth conv block, sigmoid), 30 MC-dropout passes',
    models: ['morphology-small4-cnn'],
    passes: 30,
    batchSize: 32,
  },
  photoz: {
    description: 'photometric redshift only, from the cutout plus catalog photometry (small CNN + 5-component mixture-density head), 30 MC-dropout passes',
    models: ['photoz-phot-small-cnn'],
    passes: 30,
    batchSize: 32,
  },
  merger: {
    description: 'merger stage only: non-merger, pre-merger, ongoing, post-merger (Koppula+21; small CNN with a fourth conv block, softmax), 30 MC-dropout passes',
    models: ['merger-small4-cnn'],
    passes: 30,
    batchSize: 32,
  },
  'photoz-cutouts': {
    description: 'photometric redshift only, from the cutout alone (small CNN + 5-component mixture-density head), 30 MC-dropout passes',
    models: ['photoz-small-cnn'],
    passes: 30,
    batchSize: 32,
  },
} as const satisfies Record<string, PipelineSpec>)

/** Names of the shipped pipelines. */
export type PipelineName = keyof typeof PIPELINES

/** Look up a pipeline; an unknown name throws an error listing the valid ones. */
export function pipelineSpec(name: string): PipelineSpec {
  if (!Object.hasOwn(PIPELINES, name)) {
    throw new SurveyError('option', `pipeline "${name}" is unknown (valid: ${Object.keys(PIPELINES).join(', ')})`)
  }
  return PIPELINES[name as PipelineName]
}

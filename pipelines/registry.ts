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
    description: 'every shipped model (until trained models ship: the untrained seed CNN, for plumbing only)',
    models: ['seed-cnn-untrained'],
    passes: 1,
    batchSize: 32,
  },
  'seed-cnn-untrained': {
    description: 'the Dominguez-Sanchez+18 seed CNN with seeded, UNTRAINED weights: exercises tensors, backends and transfers; its outputs are not science',
    models: ['seed-cnn-untrained'],
    passes: 1,
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

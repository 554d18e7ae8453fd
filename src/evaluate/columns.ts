/**
 * Which columns an evaluation reads: truth columns per task (defaults match the simulated
 * survey, `src/simulate/schema.ts`), the model output columns (named in `catalogs/columns.ts`)
 * and the run provenance stored in the catalog metadata.
 * @module
 */

import { labelSlug } from '../../catalogs/columns.js'
import type { CatalogSchema, ColumnSpec } from '../catalog/types.js'
import { SurveyError } from '../errors.js'
import type { Task } from '../models/manifest.js'
import type { EvaluatedModel } from './report.js'

/** Every task, in report order. */
export const EVALUATION_TASKS: readonly Task[] = Object.freeze(['lens', 'morphology', 'merger', 'photoz'] as const)

/** Truth column per task in the simulated survey (`survey-classify simulate`). */
export const DEFAULT_TRUTH_COLUMNS: Readonly<Record<Task, string>> = Object.freeze({
  lens: 'truth_is_lens',
  morphology: 'truth_morphology',
  merger: 'truth_merger_stage',
  photoz: 'truth_z',
})

/** Magnitude column for "uncertainty vs magnitude" (the simulator's measured r magnitude). */
export const DEFAULT_MAGNITUDE_COLUMN = 'mag_r'

/** Metadata key holding the run's models (written by `annotateCatalog`). */
export const MODELS_METADATA_KEY = 'survey_classifier:models'

function isTask(value: string): value is Task {
  return (EVALUATION_TASKS as readonly string[]).includes(value)
}

/**
 * Parse a `task=column,task=column` mapping (the CLI's `--truth` and `--prefix`).
 *
 * Example: `parseTaskMapping('lens=is_lens,photoz=zspec', 'truth')` → { lens: 'is_lens', photoz: 'zspec' }.
 * Throws SurveyError 'option' naming the bad entry or the unknown task (with the valid ones).
 */
export function parseTaskMapping(text: string, option: string): Partial<Record<Task, string>> {
  const out: Partial<Record<Task, string>> = {}
  for (const part of text.split(',').map((s) => s.trim()).filter((s) => s !== '')) {
    const eq = part.indexOf('=')
    if (eq <= 0 || eq === part.length - 1) throw new SurveyError('option', `option --${option}: expected task=column, got "${part}"`)
    const task = part.slice(0, eq).trim()
    const column = part.slice(eq + 1).trim()
    if (!isTask(task)) throw new SurveyError('option', `option --${option}: unknown task "${task}" (valid: ${EVALUATION_TASKS.join(', ')})`)
    out[task] = column
  }
  return out
}

/**
 * Parse a comma-separated task list.
 *
 * Example: `parseTasks('lens,photoz')` → ['lens', 'photoz']. Throws SurveyError 'option' for an unknown task.
 */
export function parseTasks(text: string, option = 'tasks'): Task[] {
  const tasks = text.split(',').map((s) => s.trim()).filter((s) => s !== '')
  for (const t of tasks) if (!isTask(t)) throw new SurveyError('option', `option --${option}: unknown task "${t}" (valid: ${EVALUATION_TASKS.join(', ')})`)
  return tasks as Task[]
}

/**
 * The models recorded in a catalog's provenance; empty when there is none. Malformed
 * provenance is reported through `warn` and ignored.
 */
export function provenanceModels(metadata: Readonly<Record<string, string>>, warn: (message: string) => void): EvaluatedModel[] {
  const text = metadata[MODELS_METADATA_KEY]
  if (text === undefined) return []
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    warn(`evaluate: metadata "${MODELS_METADATA_KEY}" is not valid JSON; provenance ignored`)
    return []
  }
  if (!Array.isArray(parsed)) {
    warn(`evaluate: metadata "${MODELS_METADATA_KEY}" is not a list; provenance ignored`)
    return []
  }
  const out: EvaluatedModel[] = []
  for (const entry of parsed) {
    if (typeof entry !== 'object' || entry === null) continue
    const e = entry as Record<string, unknown>
    if (typeof e['name'] !== 'string' || typeof e['task'] !== 'string') continue
    out.push({
      name: e['name'],
      version: typeof e['version'] === 'string' ? e['version'] : null,
      task: e['task'],
      // a model that does not say it is trained is treated as untrained
      trained: e['trained'] === true,
    })
  }
  return out
}

/** The columns of one classifier's outputs. */
export interface ClassifierColumns {
  readonly prefix: string
  readonly output: 'sigmoid' | 'softmax'
  readonly labels: readonly string[]
  /** One per label for softmax; only the positive (second) label's for sigmoid. */
  readonly probability: readonly string[]
  readonly entropy: string | undefined
}

const PROBABILITY_DESCRIPTION = /mean probability of class "(.*)"/
const LABEL_DESCRIPTION = /most probable class \((.*)\)/

/**
 * Find a classifier's columns by prefix: `<prefix>_p_<label>` (not `_std`), the labels from the
 * `<prefix>_label` column's description ("most probable class (a | b)") or, failing that, from
 * the probability columns. Undefined when there is no probability column.
 */
export function classifierColumns(schema: CatalogSchema, prefix: string): ClassifierColumns | undefined {
  const head = `${prefix}_p_`
  const pCols = schema.columns.filter((c) => c.name.startsWith(head) && !c.name.endsWith('_std'))
  if (pCols.length === 0) return undefined
  const labelOf = (c: ColumnSpec): string => PROBABILITY_DESCRIPTION.exec(c.description ?? '')?.[1] ?? c.name.slice(head.length)
  const bySlug = new Map(pCols.map((c) => [c.name.slice(head.length), c]))
  const described = LABEL_DESCRIPTION.exec(schema.columns.find((c) => c.name === `${prefix}_label`)?.description ?? '')?.[1]
  let labels = described ? described.split(' | ') : undefined
  // the description must agree with the probability columns, else fall back to the columns
  if (labels && !(labels.length >= 2 && (labels.every((l) => bySlug.has(labelSlug(l))) || (pCols.length === 1 && labels.length === 2 && bySlug.has(labelSlug(labels[1]!)))))) labels = undefined
  const entropyName = `${prefix}_entropy`
  const entropy = schema.columns.some((c) => c.name === entropyName) ? entropyName : undefined
  if (labels && labels.every((l) => bySlug.has(labelSlug(l)))) {
    return { prefix, output: 'softmax', labels, probability: labels.map((l) => bySlug.get(labelSlug(l))!.name), entropy }
  }
  if (labels) return { prefix, output: 'sigmoid', labels, probability: [bySlug.get(labelSlug(labels[1]!))!.name], entropy }
  if (pCols.length === 1) {
    const positive = labelOf(pCols[0]!)
    return { prefix, output: 'sigmoid', labels: [`not ${positive}`, positive], probability: [pCols[0]!.name], entropy }
  }
  return { prefix, output: 'softmax', labels: pCols.map(labelOf), probability: pCols.map((c) => c.name), entropy }
}

/** The columns of a photo-z model's outputs (quantity 'z' by default). */
export interface PhotozColumns {
  readonly point: string
  readonly std: string | undefined
  readonly p16: string | undefined
  readonly p84: string | undefined
  readonly p025: string | undefined
  readonly p975: string | undefined
  /** qp "mixmod" list columns, when all three are present. */
  readonly mixture: { readonly weights: string; readonly means: string; readonly stds: string } | undefined
}

/** Point estimates a photo-z evaluation can use. */
export type PointEstimate = 'median' | 'mean' | 'mode'

/** Find a photo-z model's columns; undefined when the point-estimate column is missing. */
export function photozColumns(schema: CatalogSchema, quantity: string, point: PointEstimate): PhotozColumns | undefined {
  const names = new Set(schema.columns.map((c) => c.name))
  const has = (suffix: string): string | undefined => (names.has(`${quantity}_${suffix}`) ? `${quantity}_${suffix}` : undefined)
  const pointName = has(point)
  if (!pointName) return undefined
  const w = has('pdf_weights')
  const m = has('pdf_means')
  const s = has('pdf_stds')
  return {
    point: pointName,
    std: has('std'),
    p16: has('p16'),
    p84: has('p84'),
    p025: has('p025'),
    p975: has('p975'),
    mixture: w && m && s ? { weights: w, means: m, stds: s } : undefined,
  }
}

/** Throw SurveyError 'input' when a needed column is missing, naming it and what it is for. */
export function requireColumn(schema: CatalogSchema, source: string, column: string, purpose: string, hint: string): void {
  if (schema.columns.some((c) => c.name === column)) return
  const all = schema.columns.map((c) => c.name)
  const listed = all.length > 40 ? `${all.slice(0, 40).join(', ')}, … (${all.length} columns)` : all.join(', ')
  throw new SurveyError('input', `evaluate: ${purpose} column "${column}" missing in ${source}; ${hint} (columns: ${listed})`)
}

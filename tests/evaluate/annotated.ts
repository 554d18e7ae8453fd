/**
 * Builders of small annotated catalogs for the evaluation tests: the output columns come from
 * `catalogs/columns.ts` (as the workers write them), the truth columns follow the simulator,
 * and the file is written with the library's own Parquet writer.
 */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { modelOutputColumns, STATUS_COLUMN } from '../../catalogs/columns.js'
import type { ColumnSpec, ColumnValues } from '../../src/catalog/types.js'
import type { ModelManifest, OutputSpec, Task } from '../../src/models/manifest.js'
import { createArrowWriter, createParquetWriter, fileSink } from '../../src/node.js'

/** A manifest with just what column naming needs. */
export function testManifest(task: Task, output: OutputSpec, options: { name?: string; trained?: boolean; columnPrefix?: string } = {}): ModelManifest {
  return {
    schema: 'survey-classifier/model-manifest@1',
    name: options.name ?? `${task}-test`,
    version: '1.0.0',
    task,
    description: 'test model',
    trained: options.trained ?? true,
    architecture: 'test',
    format: 'tfjs-layers',
    modelFile: 'model.json',
    files: {},
    input: { inputShape: [8, 8, 1], bands: ['r'], pixelScale: 0.262, normalisation: { kind: 'none' } },
    output,
    ...(options.columnPrefix ? { columnPrefix: options.columnPrefix } : {}),
  }
}

export const LENS_OUTPUT: OutputSpec = { kind: 'sigmoid', positive: 'lens', negative: 'non-lens' }
export const MORPHOLOGY_OUTPUT: OutputSpec = { kind: 'softmax', labels: ['early', 'late'] }
export const MERGER_OUTPUT: OutputSpec = { kind: 'softmax', labels: ['non-merger', 'pre-merger', 'ongoing', 'post-merger'] }
export const PHOTOZ_OUTPUT: OutputSpec = { kind: 'mdn', components: 5, quantity: 'z', unit: '' }

/** A fresh temporary folder. */
export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'evaluate-test-'))
}

/** Truth/extra column specs as in `src/simulate/schema.ts`. */
export const TRUTH_SPECS: Readonly<Record<string, ColumnSpec>> = {
  truth_is_lens: { name: 'truth_is_lens', type: 'int8', nullable: false },
  truth_morphology: { name: 'truth_morphology', type: 'utf8', nullable: false },
  truth_merger_stage: { name: 'truth_merger_stage', type: 'utf8', nullable: false },
  truth_z: { name: 'truth_z', type: 'float32', nullable: false },
  mag_r: { name: 'mag_r', type: 'float32', unit: 'mag' },
  cutout: { name: 'cutout', type: { list: 'float32', size: 4 }, nullable: false },
}

/** What {@link writeAnnotated} writes. */
export interface AnnotatedSpec {
  readonly manifests: readonly ModelManifest[]
  /** Rows; every column named by the manifests' outputs, `status`, and the truth columns given. */
  readonly n: number
  readonly columns: Readonly<Record<string, ColumnValues>>
  /** Extra column specs (truth columns); defaults from {@link TRUTH_SPECS}. */
  readonly extra?: readonly string[]
  /** Leave the provenance metadata out. */
  readonly noProvenance?: boolean
  /** Rows per row group (default 64: several chunks). */
  readonly rowGroupSize?: number
  /** Output format (default parquet). */
  readonly format?: 'parquet' | 'arrow'
}

/** Write an annotated catalog to `path` (Parquet, or Arrow IPC) with `survey_classifier:models` provenance. */
export async function writeAnnotated(path: string, spec: AnnotatedSpec): Promise<void> {
  const outputs = spec.manifests.flatMap((m) => modelOutputColumns(m, 10))
  const extra = (spec.extra ?? []).map((name) => TRUTH_SPECS[name] ?? { name, type: 'float32' as const })
  const columns: ColumnSpec[] = [...extra, ...outputs, STATUS_COLUMN]
  for (const c of columns) if (!(c.name in spec.columns)) throw new Error(`test fixture: no values for column ${c.name}`)
  const metadata: Record<string, string> = spec.noProvenance
    ? {}
    : { 'survey_classifier:models': JSON.stringify(spec.manifests.map((m) => ({ name: m.name, version: m.version, task: m.task, trained: m.trained }))) }
  const sink = await fileSink(path)
  const writer = spec.format === 'arrow'
    ? createArrowWriter(sink, { columns, metadata: {} }, { metadata })
    : await createParquetWriter(sink, { columns, metadata: {} }, { rowGroupSize: spec.rowGroupSize ?? 64, metadata })
  const size = spec.rowGroupSize ?? 64
  // several chunks, as a real catalog streams
  for (let start = 0; start < spec.n; start += size) {
    const end = Math.min(spec.n, start + size)
    const chunk = Object.fromEntries(columns.map((c) => {
      const values = spec.columns[c.name]!
      return [c.name, (values as { slice(a: number, b: number): ColumnValues }).slice(start, end)]
    }))
    await writer.write({ rowStart: start, numRows: end - start, columns: chunk })
  }
  await writer.close()
}

/** Columns every classifier needs besides its probabilities: std, label, entropy, MI (values irrelevant to the metrics). */
export function classifierExtras(prefix: string, labels: readonly string[], probs: Float32Array, C: number, n: number): Record<string, ColumnValues> {
  const out: Record<string, ColumnValues> = {}
  const label: string[] = []
  const entropy = new Float32Array(n)
  for (let i = 0; i < n; i++) {
    let best = 0
    let h = 0
    for (let c = 0; c < C; c++) {
      const p = probs[i * C + c]!
      if (p > probs[i * C + best]!) best = c
      if (p > 0) h -= p * Math.log(p)
    }
    label.push(labels[best]!)
    entropy[i] = h
  }
  out[`${prefix}_label`] = label
  out[`${prefix}_entropy`] = entropy
  out[`${prefix}_mutual_info`] = new Float32Array(n)
  return out
}

/**
 * The Deno entry: everything in the browser entry, the file adapters of the
 * Node entry (Deno runs them through its `node:` compatibility), and a worker
 * pool of Deno Workers instead of worker_threads.
 *
 * @example
 * // deno run -A annotate.ts
 * import { annotateFile, loadModelDir } from 'survey-classifier'
 * const model = await loadModelDir('models/seed-cnn-untrained')
 * await annotateFile({ input: 'survey.parquet', output: 'out.parquet', models: [model], outputColumns: modelOutputColumns(model.manifest, 1) })
 */
import { annotateCatalog, type AnnotateOptions, type RunSummary } from './annotate.js'
import type { CatalogFormat } from './catalog/open.js'
import { denoWasmPath, denoWorkerSpawner, type DenoWorkerKind } from './deno/spawn-deno.js'
import { ENV } from './env.js'
import { fileWriterFactory, openCatalogFile } from './node.js'

export * from './index.js'
export { fileBuffer, fileSink, fileStream } from './node/fs-io.js'
export { fileWriterFactory, loadModelDir, openCatalogFile } from './node.js'
export { DENO_WORKER_NAME, denoWasmPath, denoWorkerSpawner, denoWorkerUrl, type DenoWorkerKind } from './deno/spawn-deno.js'

/** Options for {@link annotateFile} (Deno). */
export interface DenoAnnotateFileOptions extends Omit<AnnotateOptions, 'source' | 'createWriter' | 'spawn' | 'wasmPath'> {
  readonly input: string
  readonly output: string
  readonly format?: CatalogFormat
  readonly rowGroupSize?: number
  /** Worker script: the model worker (default) or the trivial one. */
  readonly worker?: DenoWorkerKind
}

/**
 * Annotate a local catalog file into a local output file with a pool of Deno
 * Workers. Worker count defaults to the number of cores
 * (`navigator.hardwareConcurrency`). Errors are thrown on the returned
 * promise (see {@link annotateCatalog}).
 */
export async function annotateFile(options: DenoAnnotateFileOptions): Promise<RunSummary> {
  const source = await openCatalogFile(options.input)
  const { input: _input, output, format, rowGroupSize, worker, ...rest } = options
  return annotateCatalog({
    ...rest,
    source,
    workers: options.workers ?? ENV.hardwareConcurrency,
    createWriter: fileWriterFactory(output, format, rowGroupSize !== undefined ? { rowGroupSize } : {}),
    spawn: denoWorkerSpawner(worker ?? 'inference'),
    wasmPath: denoWasmPath(),
  })
}

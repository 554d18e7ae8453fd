/**
 * Benchmarks of the pipeline itself, measured side by side in one run:
 * - the model's own throughput (a fresh inference worker called directly with
 *   pre-packed batches, one at a time) vs the full pipeline with one worker
 *   running the same model → the pipeline's overhead;
 * - the full pipeline with the trivial worker (no model) → how far the
 *   plumbing is from being the bottleneck;
 * - peak RSS streaming 10k vs 1M rows → memory flat in catalog size.
 */
import { releaseProxy, transfer, wrap } from 'comlink'
import { spawnSync } from 'node:child_process'
import { mkdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { outputColumnsFor, PIXEL_MEAN_COLUMN } from '../catalogs/columns.js'
import { median } from '../src/metrics/stats.js'
import { annotateCatalog } from '../src/annotate.js'
import { createParquetWriter } from '../src/catalog/parquet-sink.js'
import { memorySink } from '../src/catalog/sink.js'
import { fileWriterFactory, loadModelDir, openCatalogFile } from '../src/node.js'
import { nodeWasmPath, nodeWorkerSpawner } from '../src/node/spawn-node.js'
import { shippedModelDir } from '../src/node/paths.js'
import { packCutouts, planCutouts } from '../src/pipeline/cutout-input.js'
import { simulatedSource } from '../src/pipeline/simulated-source.js'
import { rebatch, type RowBatch } from '../src/operators/rebatch.js'
import type { WorkerApi } from '../src/protocol.js'

/** Peak RSS of one way of running the job on 10k and on 1M rows. */
export interface PeakRss {
  readonly label: string
  readonly rows10kMb: number
  readonly rows1mMb: number
}

/** Peak RSS so far (MB) when a run had done `rows` rows: 10k, 20k, 40k, … 640k, then every million, and its last row. */
export interface RssPoint {
  readonly rows: number
  readonly peakMb: number
}

/** Results of {@link benchPipeline}. */
export interface PipelineBenchResult {
  /** The seed CNN's and a shipped small CNN's. */
  readonly overheads: readonly ModelOverhead[]
  /** The no-model pipeline, one worker, cutouts written back. */
  readonly pipelineTrivialRowsPerSec: number
  /** Peak RSS streaming 10k vs 1M tiny rows, each in a fresh process, for each way of running the job. */
  readonly peakRss: readonly PeakRss[]
  /** As the CLI runs: peak RSS so far along the 1M-row run and along a 3M-row run (where it stops growing). */
  readonly cliCurve1m: readonly RssPoint[]
  readonly cliCurve3m: readonly RssPoint[]
  /** Live heap (after a full GC) when 10% and 90% of the 1M rows are done, in a separate run: what the pipeline retains. */
  readonly liveHeap1mTenthMb: number
  readonly liveHeap1mNineTenthsMb: number
}

const TMP = join(fileURLToPath(new URL('.', import.meta.url)), '..', 'out', 'bench')

/** Write `n` simulated objects (seed 11) to a Parquet file in row groups of 256. */
export async function writeSample(path: string, n: number): Promise<void> {
  const source = simulatedSource({ n, seed: 11 })
  const sink = memorySink()
  const writer = createParquetWriter(sink, source.schema, { rowGroupSize: 256 })
  for await (const chunk of source.chunks()) await writer.write(chunk)
  await writer.close()
  const { writeFile } = await import('node:fs/promises')
  await writeFile(path, sink.bytes())
}

interface StreamRun {
  readonly peakRss: number
  /** [rows done, peak RSS so far in bytes] (library and cli modes) */
  readonly curve?: readonly (readonly [number, number])[]
  readonly liveHeapTenth?: number
  readonly liveHeapNineTenths?: number
}

type StreamMode = 'library' | 'cli' | 'isolate' | 'isolate-gc'

function streamInChild(input: string, output: string, heapMb?: number, flags: readonly string[] = [], mode: StreamMode = 'library'): StreamRun {
  const driver = fileURLToPath(new URL(`./stream-catalog.${import.meta.url.endsWith('.ts') ? 'ts' : 'js'}`, import.meta.url))
  const limit = heapMb ? [`--max-old-space-size=${heapMb}`] : []
  const args = import.meta.url.endsWith('.ts') ? [...limit, ...flags, '--import', 'tsx', driver, input, output, mode] : [...limit, ...flags, driver, input, output, mode]
  const child = spawnSync(process.execPath, args, { encoding: 'utf8' })
  if (child.status !== 0) throw new Error(`stream driver failed: ${child.stderr.slice(-1000)}`)
  return JSON.parse(child.stdout.trim().split('\n').pop()!) as StreamRun
}

const streamRun = (input: string, output: string, heapMb?: number, mode: StreamMode = 'library'): StreamRun => streamInChild(input, output, heapMb, mode === 'isolate-gc' ? ['--expose-gc'] : [], mode)
const curveMb = (run: StreamRun): RssPoint[] => (run.curve ?? []).map(([rows, peak]) => ({ rows, peakMb: peak / 2 ** 20 }))

async function tinyCatalog(path: string, rows: number): Promise<void> {
  // written by our own writer in row groups of 10k: 2×2×1 cutouts [i, 1, 2, 3]
  const schema = { columns: [{ name: 'id', type: 'int64' as const }, { name: 'cutout', type: { list: 'float32' as const } }], metadata: {} }
  const { fileSink } = await import('../src/node/fs-io.js')
  const writer = createParquetWriter(await fileSink(path), schema, { rowGroupSize: 10_000 })
  for (let start = 0; start < rows; start += 10_000) {
    const n = Math.min(10_000, rows - start)
    const ids = BigInt64Array.from({ length: n }, (_, i) => BigInt(start + i))
    const cutouts = Array.from({ length: n }, (_, i) => Float32Array.of(start + i, 1, 2, 3))
    await writer.write({ rowStart: start, numRows: n, columns: { id: ids, cutout: cutouts } })
  }
  await writer.close()
}

/** The pipeline's overhead for one model: the model alone vs the full pipeline with one worker. */
export interface ModelOverhead {
  readonly model: string
  readonly rows: number
  /** Rounds of the three measurements, interleaved (alone, pipeline, pipeline without cutouts). */
  readonly rounds: number
  /** Medians over the rounds. */
  readonly modelAloneImgPerSec: number
  /** Steady state: rows from the first 10% done to the last, over that time. */
  readonly pipelineImgPerSec: number
  /** Per round, 1 − pipeline / alone of that round: steady, end to end, without cutouts. */
  readonly steadyOverheads: readonly number[]
  readonly endToEndOverheads: readonly number[]
  readonly dropCutoutsOverheads: readonly number[]
}

/**
 * The model alone (a fresh inference worker called with pre-packed batches, one
 * deterministic pass) vs the full pipeline with one worker running it, on
 * `input` (simulated 64×64×3 cutouts). The machine's load drifts by a few
 * percent over a minute, as much as the target, so the three runs are repeated
 * `rounds` times, interleaved, and each round's overhead is taken against that
 * round's model-alone rate.
 */
async function modelOverhead(name: string, input: string, rows: number, rounds: number): Promise<ModelOverhead> {
  const model = await loadModelDir(shippedModelDir(name))
  const batchSize = 32
  const source = await openCatalogFile(input)
  const plan = planCutouts(source.schema, source.name)
  const batches: RowBatch[] = []
  for await (const b of rebatch(source.chunks({ columns: ['cutout'] }), batchSize)) batches.push(b)
  await source.close?.()
  const pack = (b: RowBatch) => {
    const packed = packCutouts(plan, b)
    const payload = { batchIndex: b.batchIndex, rowStart: b.rowStart, numRows: b.numRows, where: plan.where, cutouts: packed.payload, preStatus: packed.preStatus, preDetail: packed.preDetail }
    return transfer(payload, packed.transfer)
  }
  const spawn = nodeWorkerSpawner('inference')
  const alone = async (): Promise<number> => {
    // a fresh worker, as each pipeline run has: the model's own rate in the thread it runs in,
    // fed batches packed beforehand and transferred, as the pipeline transfers them
    const handle = spawn(0)
    const api = wrap<WorkerApi>(handle.endpoint)
    try {
      await api.init({ backend: 'wasm', wasmPath: nodeWasmPath(), models: [model], passes: 1, seed: 0 })
      for (const b of batches.slice(0, 2)) await api.infer(pack(b))
      const ready = batches.map(pack)
      const t0 = performance.now()
      for (const payload of ready) await api.infer(payload)
      return rows / ((performance.now() - t0) / 1000)
    } finally {
      api[releaseProxy]()
      await handle.terminate()
    }
  }

  const run = async (out: string, dropCutouts: boolean): Promise<{ steady: number, endToEnd: number }> => {
    let from: { rows: number, t: number } | undefined
    let to = { rows: 0, t: 0 }
    const summary = await annotateCatalog({
      source: await openCatalogFile(input),
      createWriter: fileWriterFactory(out),
      spawn: nodeWorkerSpawner('inference'),
      wasmPath: nodeWasmPath(),
      models: [model],
      outputColumns: outputColumnsFor([model.manifest], 1),
      backend: 'wasm',
      workers: 1,
      batchSize,
      maxInFlight: 2,
      dropCutouts,
      onProgress: (p) => {
        const now = { rows: p.rowsDone, t: performance.now() }
        if (!from && p.rowsDone >= rows / 10) from = now
        to = now
      },
    })
    const steady = from && to.rows > from.rows ? (to.rows - from.rows) / ((to.t - from.t) / 1000) : Number.NaN
    return { steady, endToEnd: summary.rowsDone / summary.elapsedSeconds }
  }
  const aloneRates: number[] = []
  const withCutouts: { steady: number, endToEnd: number }[] = []
  const dropped: number[] = []
  for (let round = 0; round < rounds; round++) {
    aloneRates.push(await alone())
    withCutouts.push(await run(join(TMP, `${name}-out.parquet`), false))
    dropped.push((await run(join(TMP, `${name}-drop-out.parquet`), true)).steady)
  }
  const overhead = (rates: readonly number[]): number[] => rates.map((r, i) => 1 - r / aloneRates[i]!)
  return {
    model: name, rows, rounds,
    modelAloneImgPerSec: median(aloneRates),
    pipelineImgPerSec: median(withCutouts.map((w) => w.steady)),
    steadyOverheads: overhead(withCutouts.map((w) => w.steady)),
    endToEndOverheads: overhead(withCutouts.map((w) => w.endToEnd)),
    dropCutoutsOverheads: overhead(dropped),
  }
}

/**
 * Run the pipeline benchmarks: the overhead for the seed CNN on `rows`
 * simulated 64×64×3 cutouts (default 384) and for a shipped small CNN, about
 * 11× faster, on `fastRows` (default 4096), each over `rounds` interleaved
 * rounds; the no-model pipeline; peak RSS.
 */
export async function benchPipeline(rows = 384, fastRows = 4096, rounds = 3): Promise<PipelineBenchResult> {
  await mkdir(TMP, { recursive: true })
  const input = join(TMP, 'sample.parquet')
  await writeSample(input, rows)
  const seed = await modelOverhead('seed-cnn-untrained', input, rows, rounds)
  const fastInput = join(TMP, 'sample-fast.parquet')
  await writeSample(fastInput, fastRows)
  const fast = await modelOverhead('morphology-small4-cnn', fastInput, fastRows, rounds)

  const summary = await annotateCatalog({
    source: await openCatalogFile(fastInput),
    createWriter: fileWriterFactory(join(TMP, 'trivial-out.parquet')),
    spawn: nodeWorkerSpawner('trivial'),
    models: [],
    outputColumns: [PIXEL_MEAN_COLUMN],
    workers: 1,
    batchSize: 32,
    maxInFlight: 2,
  })
  const pipelineTrivial = summary.rowsDone / summary.elapsedSeconds

  // peak RSS, 10k vs 1M rows, each in a fresh process
  const small = join(TMP, 'rows-10k.parquet')
  const big = join(TMP, 'rows-1m.parquet')
  await tinyCatalog(small, 10_000)
  await tinyCatalog(big, 1_000_000)
  const ways: readonly { label: string, mode: StreamMode, heapMb?: number }[] = [
    { label: 'as the CLI runs (target ≤ 1024 MB, flat)', mode: 'cli' },
    { label: 'library with V8 defaults', mode: 'library' },
    { label: 'V8 heap capped at 192 MB', mode: 'library', heapMb: 192 },
    { label: 'job in a worker isolate, young gen 4 MB', mode: 'isolate' },
    { label: 'that isolate with a full GC forced every 8,192 rows (the floor)', mode: 'isolate-gc' },
  ]
  let cliCurve1m: RssPoint[] = []
  const peakRss = ways.map(({ label, mode, heapMb }): PeakRss => {
    const rows10k = streamRun(small, join(TMP, 'rows-10k-out.parquet'), heapMb, mode)
    const rows1m = streamRun(big, join(TMP, 'rows-1m-out.parquet'), heapMb, mode)
    if (mode === 'cli') cliCurve1m = curveMb(rows1m)
    return { label, rows10kMb: rows10k.peakRss / 2 ** 20, rows1mMb: rows1m.peakRss / 2 ** 20 }
  })
  // its own run: the two forced GCs would lower the peaks above
  const live = streamInChild(big, join(TMP, 'rows-1m-out.parquet'), undefined, ['--expose-gc'])
  await rm(big, { force: true })
  // does the peak keep growing past 1M rows?
  const huge = join(TMP, 'rows-3m.parquet')
  await tinyCatalog(huge, 3_000_000)
  const cliCurve3m = curveMb(streamRun(huge, join(TMP, 'rows-3m-out.parquet'), undefined, 'cli'))
  await rm(huge, { force: true })
  await rm(join(TMP, 'rows-3m-out.parquet'), { force: true })
  return {
    overheads: [seed, fast], pipelineTrivialRowsPerSec: pipelineTrivial, peakRss, cliCurve1m, cliCurve3m,
    liveHeap1mTenthMb: (live.liveHeapTenth ?? Number.NaN) / 2 ** 20, liveHeap1mNineTenthsMb: (live.liveHeapNineTenths ?? Number.NaN) / 2 ** 20,
  }
}

// Child-process driver for the memory benchmark: annotate a catalog with the
// trivial worker and print rows done and peak memory as JSON. Run it under a
// heap limit (--max-old-space-size) to prove memory does not grow with rows.
// It also prints the peak so far when 10k, 20k, 40k, … 640k, 1M, 2M, … rows are done (the
// growth curve within one run). Run with --expose-gc, it also prints the live heap (after a full GC) when a
// tenth and when nine tenths of the rows are done: what the run retains, apart
// from the garbage V8 lets pile up between collections.
// Modes (third argument):
// - `library`: annotateFile under V8's defaults;
// - `cli`: V8's heap first tuned as the CLI tunes it;
// - `isolate`: the job in a worker thread whose young generation is capped at
//   4 MB (resourceLimits: the one way to cap it after start-up), heap tuned as
//   the CLI does;
// - `isolate-gc`: the same, plus a full GC every 8,192 rows (run with
//   --expose-gc): how far V8 lets the heaps shrink at all, not a setting to use.
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads'
import { tuneHeapForStreaming } from '../src/node/heap.js'

type Mode = 'library' | 'cli' | 'isolate' | 'isolate-gc'

const gc = (globalThis as { gc?: () => void }).gc

async function stream(input: string, output: string, gcEveryRows: number, onRows: (done: number, total: number | undefined) => void): Promise<number> {
  // imported here, so that in the isolate modes only the job's thread loads the library
  const { PIXEL_MEAN_COLUMN, annotateFile } = await import('../src/node.js')
  let nextGc = gcEveryRows
  const summary = await annotateFile({
    input, output, worker: 'trivial', models: [], outputColumns: [PIXEL_MEAN_COLUMN], workers: 2, batchSize: 4096, maxInFlight: 4,
    cutouts: { shape: '2x2x1' }, rowGroupSize: 10_000,
    onProgress: (p) => {
      if (gc && gcEveryRows > 0 && p.rowsDone >= nextGc) {
        gc()
        nextGc += gcEveryRows
      }
      onRows(p.rowsDone, p.totalRows)
    },
  })
  return summary.rowsDone
}

if (!isMainThread) {
  const { input, output, gcEveryRows } = workerData as { input: string, output: string, gcEveryRows: number }
  tuneHeapForStreaming()
  const rows = await stream(input, output, gcEveryRows, () => parentPort!.postMessage('progress'))
  parentPort!.postMessage({ rows })
} else {
  const [input, output, modeArg] = process.argv.slice(2)
  if (!input || !output) throw new Error('usage: stream-catalog <input> <output> [library|cli|isolate|isolate-gc]')
  const mode = (modeArg ?? 'library') as Mode
  let peakHeap = 0
  let peakRss = 0
  const sample = (): void => {
    const m = process.memoryUsage()
    peakHeap = Math.max(peakHeap, m.heapUsed)
    peakRss = Math.max(peakRss, m.rss)
  }
  if (mode === 'isolate' || mode === 'isolate-gc') {
    if (mode === 'isolate-gc' && !gc) throw new Error('stream-catalog: isolate-gc needs --expose-gc')
    const timer = setInterval(sample, 10)
    const rows = await new Promise<number>((resolve, reject) => {
      const worker = new Worker(new URL(import.meta.url), {
        workerData: { input, output, gcEveryRows: mode === 'isolate-gc' ? 8192 : 0 },
        resourceLimits: { maxYoungGenerationSizeMb: 4 },
      })
      worker.on('message', (m: unknown) => {
        sample()
        if (typeof m === 'object' && m !== null && 'rows' in m) resolve((m as { rows: number }).rows)
      })
      worker.on('error', reject)
      worker.on('exit', (code) => reject(new Error(`job worker exited with code ${code}`)))
    })
    clearInterval(timer)
    // the heap figures are the job isolate's neighbours' (this thread's); RSS is the process's
    process.stdout.write(`${JSON.stringify({ rows, peakHeap, peakRss })}\n`)
    process.exit(0)
  }
  if (mode === 'cli') tuneHeapForStreaming()
  const timer = setInterval(sample, 10)
  const live: number[] = []
  const curve: [number, number][] = []
  let nextMark = 10_000
  const rows = await stream(input, output, 0, (done, total) => {
    sample()
    if (done >= nextMark) {
      curve.push([done, peakRss])
      // 10k, 20k, 40k, … 640k, then every million
      while (nextMark <= done) nextMark = nextMark < 1_000_000 ? Math.min(nextMark * 2, 1_000_000) : nextMark + 1_000_000
    }
    if (gc && total && done >= total * (live.length === 0 ? 0.1 : 0.9) && live.length < 2) {
      gc()
      live.push(process.memoryUsage().heapUsed)
    }
  })
  clearInterval(timer)
  sample()
  if (curve.at(-1)?.[0] !== rows) curve.push([rows, peakRss])
  const liveHeap = gc ? { liveHeapTenth: live[0], liveHeapNineTenths: live[1] } : {}
  process.stdout.write(`${JSON.stringify({ rows, peakHeap, peakRss, curve, ...liveHeap })}\n`)
}

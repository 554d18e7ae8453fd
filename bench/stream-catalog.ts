// Child-process driver for the memory test: annotate a catalog with the
// trivial worker and print rows done and peak memory as JSON. Run it under a
// heap limit (--max-old-space-size) to prove memory does not grow with rows.
// Run with --expose-gc, it also prints the live heap (after a full GC) when a
// tenth and when nine tenths of the rows are done: what the run retains, apart
// from the garbage V8 lets pile up between collections.
// With a third argument `cli`, V8's heap is first tuned as the CLI tunes it.
import { PIXEL_MEAN_COLUMN, annotateFile } from '../src/node.js'
import { tuneHeapForStreaming } from '../src/node/heap.js'

const [input, output, mode] = process.argv.slice(2)
if (!input || !output) throw new Error('usage: stream-catalog <input> <output> [cli]')
if (mode === 'cli') tuneHeapForStreaming()
const gc = (globalThis as { gc?: () => void }).gc
let peakHeap = 0
let peakRss = 0
const live: number[] = []
const summary = await annotateFile({
  input, output, worker: 'trivial', models: [], outputColumns: [PIXEL_MEAN_COLUMN], workers: 2, batchSize: 4096, maxInFlight: 4,
  cutouts: { shape: '2x2x1' }, rowGroupSize: 10_000,
  onProgress: (p) => {
    const m = process.memoryUsage()
    peakHeap = Math.max(peakHeap, m.heapUsed)
    peakRss = Math.max(peakRss, m.rss)
    if (gc && p.totalRows && p.rowsDone >= p.totalRows * (live.length === 0 ? 0.1 : 0.9) && live.length < 2) {
      gc()
      live.push(process.memoryUsage().heapUsed)
    }
  },
})
const liveHeap = gc ? { liveHeapTenth: live[0], liveHeapNineTenths: live[1] } : {}
process.stdout.write(`${JSON.stringify({ rows: summary.rowsDone, peakHeap, peakRss, ...liveHeap })}\n`)

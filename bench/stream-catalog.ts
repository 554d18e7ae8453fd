// Child-process driver for the memory test: annotate a catalog with the
// trivial worker and print rows done and peak memory as JSON. Run it under a
// heap limit (--max-old-space-size) to prove memory does not grow with rows.
import { PIXEL_MEAN_COLUMN, annotateFile } from '../src/node.js'

const [input, output] = process.argv.slice(2)
if (!input || !output) throw new Error('usage: stream-catalog <input> <output>')
let peakHeap = 0
let peakRss = 0
const summary = await annotateFile({
  input, output, worker: 'trivial', models: [], outputColumns: [PIXEL_MEAN_COLUMN], workers: 2, batchSize: 4096, maxInFlight: 4,
  cutouts: { shape: '2x2x1' }, rowGroupSize: 10_000,
  onProgress: () => {
    const m = process.memoryUsage()
    peakHeap = Math.max(peakHeap, m.heapUsed)
    peakRss = Math.max(peakRss, m.rss)
  },
})
process.stdout.write(`${JSON.stringify({ rows: summary.rowsDone, peakHeap, peakRss })}\n`)

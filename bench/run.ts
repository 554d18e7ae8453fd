/**
 * `npm run bench`: every benchmark, measured side by side in one run, printed
 * as figures and ratios. Not a test: machines are shared and noisy, so the
 * ratios (measured together) matter more than absolute numbers.
 * `npm run bench -- pipeline inference` runs only the sections named
 * (simulator, pipeline, inference, uncertainty).
 */
import { benchInference, formatInferenceBench } from './inference.js'
import { median } from '../src/metrics/stats.js'
import { benchPipeline, type RssPoint } from './pipeline.js'
import { benchSimulate } from './simulate.js'
import { benchUncertainty, formatUncertaintyBench } from './uncertainty.js'

const line = (label: string, value: string) => console.log(`${label.padEnd(58)} ${value}`)

const SECTIONS = ['simulator', 'pipeline', 'inference', 'uncertainty'] as const
const asked = process.argv.slice(2)
for (const a of asked) if (!(SECTIONS as readonly string[]).includes(a)) throw new Error(`unknown benchmark section "${a}" (sections: ${SECTIONS.join(', ')})`)
const want = (section: (typeof SECTIONS)[number]): boolean => asked.length === 0 || asked.includes(section)

console.log('survey-classifier benchmarks (one run, side by side)\n')
if (want('simulator')) {
  const sim = await benchSimulate(10_000)
  const simTs = await benchSimulate(10_000, false)
  line('simulator: 64×64×3 cutouts/s (wall), 10,000 cutouts', sim.cutoutsPerSecond.toFixed(0))
  line('simulator: cutouts per CPU-second (target ≥ 2000 on one core)', sim.cutoutsPerCpuSecond.toFixed(0))
  line('simulator with the TypeScript FFT: per CPU-second', simTs.cutoutsPerCpuSecond.toFixed(0))
  line('WebAssembly SIMD FFT speed-up of the whole simulator', `${(sim.cutoutsPerCpuSecond / simTs.cutoutsPerCpuSecond).toFixed(2)}×`)

}

if (want('pipeline')) {
  const p = await benchPipeline()
  console.log('')
  for (const o of p.overheads) {
    const pct = (x: number): string => `${(x * 100).toFixed(1)}%`
    const each = (xs: readonly number[]): string => `median ${pct(median(xs))} (rounds ${xs.map(pct).join(', ')})`
    line(`${o.model} (${o.rows} rows, ${o.rounds} interleaved rounds): alone, wasm, 1 thread: img/s`, o.modelAloneImgPerSec.toFixed(1))
    line('  full pipeline, 1 worker, steady: img/s', o.pipelineImgPerSec.toFixed(1))
    line('  overhead, steady (target ≤ 5%)', each(o.steadyOverheads))
    line('  overhead end to end (start-up and close included)', each(o.endToEndOverheads))
    line('  overhead with --drop-cutouts, steady', each(o.dropCutoutsOverheads))
  }
  line('full pipeline, no-model worker, 1 worker, cutouts written: rows/s', p.pipelineTrivialRowsPerSec.toFixed(0))
  for (const r of p.peakRss) {
    line(`peak RSS 10k / 1M rows, ${r.label} (MB)`, `${r.rows10kMb.toFixed(0)} / ${r.rows1mMb.toFixed(0)}`)
    line('  ratio 1M / 10k', (r.rows1mMb / r.rows10kMb).toFixed(2))
  }
  const curve = (points: readonly RssPoint[]): string => points.map((c) => `${c.rows >= 1e6 ? `${+(c.rows / 1e6).toFixed(2)}M` : `${Math.round(c.rows / 1e3)}k`} ${c.peakMb.toFixed(0)}`).join(', ')
  line('peak RSS so far along the 1M-row run, as the CLI runs (rows: MB)', curve(p.cliCurve1m))
  line('peak RSS so far along a 3M-row run, as the CLI runs (rows: MB)', curve(p.cliCurve3m))
  const at = (points: readonly RssPoint[], rows: number): number => points.find((c) => c.rows >= rows)?.peakMb ?? Number.NaN
  line('  ratio 3M / 1M (no growth past the warm-up = 1.00)', (p.cliCurve3m.at(-1)!.peakMb / at(p.cliCurve3m, 1_000_000)).toFixed(2))
  line('live heap after full GC at 10% / 90% of 1M rows (MB)', `${p.liveHeap1mTenthMb.toFixed(1)} / ${p.liveHeap1mNineTenthsMb.toFixed(1)}`)
  line('live heap ratio 90% / 10% (retained per row: flat = 1.00)', (p.liveHeap1mNineTenthsMb / p.liveHeap1mTenthMb).toFixed(2))
}

if (want('inference')) {
  console.log('')
  for (const l of formatInferenceBench(await benchInference())) console.log(l)
}

if (want('uncertainty')) {
  const u = await benchUncertainty()
  console.log('')
  for (const l of formatUncertaintyBench(u)) console.log(l)
}

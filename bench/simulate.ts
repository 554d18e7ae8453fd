/**
 * Benchmark: simulated cutouts per second at 64×64×3 (g,r,z) on one core.
 * Run with `npx tsx bench/simulate.ts [n] [--ts-fft]`; `npm run bench` calls {@link benchSimulate}.
 * Reports the wall-clock rate and, where `process.cpuUsage` exists (Node, Deno), the rate per
 * CPU-second of this thread, which is robust when other processes share the machine.
 */
import { setWasmFft } from '../src/simulate/fft-wasm.js'
import { simulateSurvey } from '../src/simulate/index.js'

/** Result of {@link benchSimulate}. */
export interface SimulateBenchResult {
  /** Cutouts per wall-clock second. */
  readonly cutoutsPerSecond: number
  /** Cutouts per CPU-second of this process (NaN where CPU time is not measurable). */
  readonly cutoutsPerCpuSecond: number
  readonly n: number
  readonly seconds: number
}

function cpuSeconds(): number {
  const p = (globalThis as { process?: { cpuUsage?: () => { user: number; system: number } } }).process
  if (!p?.cpuUsage) return NaN
  const u = p.cpuUsage()
  return (u.user + u.system) / 1e6
}

/**
 * Simulates `n` cutouts at 64×64×3 (default 10,000, after a 300-cutout warm-up) and reports the
 * rate; `wasmFft: false` runs the PSF convolution's FFTs in TypeScript instead of WebAssembly
 * SIMD (the same output bytes).
 */
export async function benchSimulate(n = 10_000, wasmFft = true): Promise<SimulateBenchResult> {
  setWasmFft(wasmFft)
  try {
    return run(n)
  } finally {
    setWasmFft(true)
  }
}

function run(n: number): SimulateBenchResult {
  for (const chunk of simulateSurvey({ n: 300, seed: 7 }, 300)) void chunk
  const c0 = cpuSeconds()
  const t0 = performance.now()
  let rows = 0
  for (const chunk of simulateSurvey({ n, seed: 1 }, 256)) rows += chunk.numRows
  const seconds = (performance.now() - t0) / 1000
  const cpu = cpuSeconds() - c0
  return { cutoutsPerSecond: rows / seconds, cutoutsPerCpuSecond: rows / cpu, n: rows, seconds }
}

const argv = (globalThis as { process?: { argv?: string[] } }).process?.argv ?? []
if (argv[1] !== undefined && /bench[/\\]simulate\.(ts|js)$/.test(argv[1])) {
  const wasm = !argv.includes('--ts-fft')
  const n = argv[2] && /^\d+$/.test(argv[2]) ? Number(argv[2]) : undefined
  const r = await benchSimulate(n, wasm)
  console.log(
    `simulate: ${r.cutoutsPerSecond.toFixed(0)} cutouts/s wall-clock, ${r.cutoutsPerCpuSecond.toFixed(0)} per CPU-second, at 64x64x3 (${r.n} in ${r.seconds.toFixed(2)} s, one thread, ${wasm ? 'WebAssembly SIMD' : 'TypeScript'} FFT)`,
  )
}

/**
 * Benchmark: simulated cutouts per second at 64×64×3 (g,r,z) on one core.
 * Run with `npx tsx bench/simulate.ts`; `npm run bench` calls {@link benchSimulate}.
 */
import { simulateSurvey } from '../src/simulate/index.js'

/** Simulates `n` cutouts (default 2000, after a 200-cutout warm-up) and reports the rate. */
export async function benchSimulate(n = 2000): Promise<{ cutoutsPerSecond: number; n: number; seconds: number }> {
  for (const chunk of simulateSurvey({ n: 200, seed: 7 }, 200)) void chunk
  const t0 = performance.now()
  let rows = 0
  for (const chunk of simulateSurvey({ n, seed: 1 }, 256)) rows += chunk.numRows
  const seconds = (performance.now() - t0) / 1000
  return { cutoutsPerSecond: rows / seconds, n: rows, seconds }
}

const isMain = typeof process !== 'undefined' && process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/').split('/').pop() ?? '')
if (isMain) {
  const r = await benchSimulate()
  console.log(`simulate: ${r.cutoutsPerSecond.toFixed(0)} cutouts/s at 64x64x3 (${r.n} in ${r.seconds.toFixed(2)} s, one core)`)
}

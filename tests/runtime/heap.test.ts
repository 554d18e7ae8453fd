// The CLI's V8 heap tuning for streaming runs: which flag it sets and when it
// leaves V8 alone, and that the flag, set while the process runs, really bounds
// the heap of a process that churns through old-generation garbage.
import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { DEFAULT_HEAP_GROWING_PERCENT, HEAP_GROWING_ENV, tuneHeapForStreaming } from '../../src/node/heap.js'

const exec = promisify(execFile)
const ROOT = join(import.meta.dirname, '..', '..')

describe('tuneHeapForStreaming', () => {
  const run = (env: Record<string, string>, startFlags: string[] = []): { result: ReturnType<typeof tuneHeapForStreaming>, set: string[] } => {
    const set: string[] = []
    const result = tuneHeapForStreaming(DEFAULT_HEAP_GROWING_PERCENT, { env, startFlags, setFlags: (f) => set.push(f) })
    return { result, set }
  }

  it('fixes the growing factor at 50% by default, or at the percent the environment asks for', () => {
    expect(run({})).toEqual({ result: { applied: true, percent: 50 }, set: ['--heap-growing-percent=50'] })
    expect(run({ [HEAP_GROWING_ENV]: '75' })).toEqual({ result: { applied: true, percent: 75 }, set: ['--heap-growing-percent=75'] })
  })

  it("leaves V8 alone with 0 or when the process was started with its own flag", () => {
    expect(run({ [HEAP_GROWING_ENV]: '0' }).set).toEqual([])
    const own = run({}, ['--max-semi-space-size=4', '--heap-growing-percent=10'])
    expect(own.set).toEqual([])
    expect(own.result).toMatchObject({ applied: false, reason: expect.stringContaining('--heap-growing-percent') })
  })

  it('refuses a bad value, naming the variable', () => {
    for (const bad of ['abc', '-5', '2000', '1.5']) {
      expect(() => run({ [HEAP_GROWING_ENV]: bad })).toThrow(`environment variable ${HEAP_GROWING_ENV} must be an integer from 0 to 1000`)
    }
  })

  it('bounds the heap of a running process that replaces a 48 MB live set 60 times over', async () => {
    // with V8's own heuristics this churn peaks at ~280 MB of heap here; fixed at
    // +50% it stays near 48 × 1.5 MB plus the young generation
    const script = `
      import { tuneHeapForStreaming } from './src/node/heap.ts'
      if (process.argv[1] === 'tuned') tuneHeapForStreaming()
      const live = Array.from({ length: 48 }, (_, i) => new Array(131072).fill(i + 0.5))
      let peak = 0
      for (let i = 0; i < 3000; i++) {
        live[i % 48] = new Array(131072).fill(i + 0.5)
        if (i % 8 === 0) peak = Math.max(peak, process.memoryUsage().heapTotal)
      }
      console.log(JSON.stringify({ peakMb: peak / 2 ** 20, live: live.length }))`
    const peak = async (mode: string): Promise<number> => {
      const { stdout } = await exec(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, mode], { cwd: ROOT })
      return (JSON.parse(stdout) as { peakMb: number }).peakMb
    }
    const tuned = await peak('tuned')
    expect(tuned).toBeGreaterThan(48)
    expect(tuned).toBeLessThan(180)
  }, 60_000)
})

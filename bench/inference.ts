/**
 * Inference speed of every shipped model on every tfjs backend this machine has, side by side:
 * images/s of one deterministic pass through the inference worker's own code on one thread,
 * batches of 32 simulated 64×64×3 cutouts. Each backend runs in its own process
 * (bench/inference-backend.ts); a backend that cannot start here is reported as such.
 */
import { spawnSync } from 'node:child_process'
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { writeSample } from './pipeline.js'

/** One backend's result: images/s per model, or why it could not run. */
export interface BackendInferenceResult {
  readonly backend: string
  readonly adapter?: string
  /** Model name → images/s, or a "failed: …" message. */
  readonly results: Readonly<Record<string, number | string>>
}

const TMP = join(fileURLToPath(new URL('.', import.meta.url)), '..', 'out', 'bench')

/** Benchmark the shipped models on `backends`, `seconds` of timed inference per model and backend. */
export async function benchInference(backends: readonly ('webgpu' | 'wasm' | 'cpu')[] = ['webgpu', 'wasm', 'cpu'], seconds = 3): Promise<BackendInferenceResult[]> {
  await mkdir(TMP, { recursive: true })
  const input = join(TMP, 'inference-sample.parquet')
  await writeSample(input, 128)
  const fromSource = import.meta.url.endsWith('.ts')
  const driver = fileURLToPath(new URL(`./inference-backend.${fromSource ? 'ts' : 'js'}`, import.meta.url))
  return backends.map((backend) => {
    const child = spawnSync(process.execPath, [...(fromSource ? ['--import', 'tsx'] : []), driver, backend, input, String(seconds)], { encoding: 'utf8', timeout: 600_000 })
    const last = child.stdout.trim().split('\n').pop() ?? ''
    if (child.status !== 0 || !last.startsWith('{')) return { backend, results: { all: `failed: ${child.stderr.trim().split('\n').pop() ?? `exit ${child.status}`}` } }
    const parsed = JSON.parse(last) as BackendInferenceResult
    // 'auto'-style fallbacks would hide a missing backend: report what actually ran
    return parsed.backend === backend ? parsed : { backend, results: { all: `failed: ${backend} unavailable, ran on ${parsed.backend}` } }
  })
}

/** Table lines: one row per model, one column per backend, plus each backend's speed-up over cpu. */
export function formatInferenceBench(results: readonly BackendInferenceResult[]): string[] {
  const models = [...new Set(results.flatMap((r) => Object.keys(r.results)))].filter((m) => m !== 'all')
  const cell = (v: number | string | undefined): string => (typeof v === 'number' ? v.toFixed(1) : v === undefined ? '—' : 'failed')
  const head = results.map((r) => r.backend.padStart(10)).join('')
  const lines = [`inference, one pass, batch 32, 1 thread: images/s    ${head}`]
  for (const m of models) lines.push(`  ${m.padEnd(52)}${results.map((r) => cell(r.results[m] ?? r.results['all']).padStart(10)).join('')}`)
  const cpu = results.find((r) => r.backend === 'cpu')
  for (const r of results) {
    if (r.backend === 'cpu' || !cpu) continue
    const ratios = models.map((m) => {
      const a = r.results[m]
      const b = cpu.results[m]
      return typeof a === 'number' && typeof b === 'number' ? a / b : Number.NaN
    }).filter((x) => Number.isFinite(x))
    if (ratios.length > 0) lines.push(`  ${`${r.backend} / cpu speed-up (range over models)`.padEnd(52)}${`${Math.min(...ratios).toFixed(1)}–${Math.max(...ratios).toFixed(1)}×`.padStart(10)}`)
  }
  for (const r of results) {
    const failure = Object.values(r.results).find((v) => typeof v === 'string')
    if (failure) lines.push(`  ${r.backend}: ${failure}`)
    if (r.adapter) lines.push(`  ${r.backend} adapter: ${r.adapter}`)
  }
  return lines
}

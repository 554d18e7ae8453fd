// The same catalog and seeded model through every runtime × backend pair —
// Node (worker_threads) with wasm, cpu and webgpu (Dawn on a software Vulkan
// driver), Deno (Deno Workers) with wasm and webgpu (wgpu) — each in a fresh
// process, and the same predictions (within 1e-4) from all of them; plus what
// happens when a backend is missing.
// Needs the system packages of scripts/ci-system-deps.sh (a software Vulkan driver).
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from 'hyparquet'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TEST_LABELS, writeTestModelBundle } from './model-bundle.js'
import { dawnIcd, denoIcd, type SoftwareIcd } from './vulkan.js'

const ROOT = join(import.meta.dirname, '..', '..')
const DRIVER = join(ROOT, 'tests', 'runtime', 'annotate-driver.ts')
const CLI = join(ROOT, 'src', 'cli', 'main.ts')
const FIXTURE = join(ROOT, 'tests', 'fixtures', 'list-hwc-snappy.parquet')
const DENO_BIN_CJS = join(ROOT, 'node_modules', 'deno', 'bin.cjs')
const DENO = join(ROOT, 'node_modules', 'deno', 'deno')
const NOWHERE_ICD = '/nonexistent/vulkan/icd.json'
const TOLERANCE = 1e-4
const SEED = 5
const PASSES = 3

type Runtime = 'node' | 'deno'
type Backend = 'wasm' | 'cpu' | 'webgpu' | 'auto'

interface DriverResult {
  ok: boolean
  runtime?: string
  workers?: string[]
  summary?: { rowsDone: number; rowsOk: number; workers: number; backend: { backend: string; adapter?: string } }
  code?: string
  message?: string
}

interface Exec {
  code: number
  stdout: string
  stderr: string
}

let tmp: string
let model: string
let dawn: SoftwareIcd | undefined
let denoGpu: SoftwareIcd | undefined

function run(file: string, args: readonly string[], env: Record<string, string | undefined>): Promise<Exec> {
  const base: Record<string, string | undefined> = { ...process.env, XDG_RUNTIME_DIR: join(tmp, 'xdg'), NO_COLOR: '1' }
  delete base['VK_ICD_FILENAMES']
  return new Promise((resolve) => {
    execFile(file, args, { cwd: ROOT, env: { ...base, ...env }, timeout: 180_000, maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0
      resolve({ code, stdout, stderr })
    })
  })
}

/** Classify the fixture through the runtime's own entry in a fresh process. */
async function classify(runtime: Runtime, backend: Backend, output: string, env: Record<string, string | undefined> = {}, workers = backend === 'webgpu' ? 1 : 2): Promise<DriverResult & { stderr: string }> {
  const args = JSON.stringify({ input: FIXTURE, output, model, backend, workers, batchSize: 20, passes: PASSES, seed: SEED })
  const res = runtime === 'node'
    ? await run(process.execPath, ['--import', 'tsx', DRIVER, args], env)
    : await run(DENO, ['run', '-A', '--sloppy-imports', DRIVER, args], env)
  const line = res.stdout.split('\n').reverse().find((l) => l.startsWith('{'))
  if (!line) throw new Error(`${runtime} ${backend}: no result (exit ${res.code})\n${res.stderr.slice(-4000)}`)
  return { ...(JSON.parse(line) as DriverResult), stderr: res.stderr }
}

type Row = Record<string, unknown>

async function readOutput(path: string): Promise<{ rows: Row[]; provenance: Record<string, string> }> {
  const file = await asyncBufferFromFile(path)
  const metadata = await parquetMetadataAsync(file)
  const provenance = Object.fromEntries((metadata.key_value_metadata ?? []).map((kv) => [kv.key, kv.value ?? '']))
  return { rows: (await parquetReadObjects({ file, metadata, columns: ['id', 'status', ...PROB_COLUMNS, ...STD_COLUMNS, 'morphology_label', 'morphology_entropy', 'morphology_mutual_info'] })) as Row[], provenance }
}

const PROB_COLUMNS = TEST_LABELS.map((l) => `morphology_p_${l}`)
const STD_COLUMNS = TEST_LABELS.map((l) => `morphology_p_${l}_std`)
const NUMERIC_COLUMNS = [...PROB_COLUMNS, ...STD_COLUMNS, 'morphology_entropy', 'morphology_mutual_info']

const PAIRS: readonly { runtime: Runtime; backend: 'wasm' | 'cpu' | 'webgpu' }[] = [
  { runtime: 'node', backend: 'wasm' },
  { runtime: 'node', backend: 'cpu' },
  { runtime: 'node', backend: 'webgpu' },
  { runtime: 'deno', backend: 'wasm' },
  { runtime: 'deno', backend: 'webgpu' },
]
const results = new Map<string, DriverResult & { stderr: string; output: string }>()
const key = (p: { runtime: Runtime; backend: string }) => `${p.runtime}/${p.backend}`

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'survey-runtime-'))
  await mkdir(join(tmp, 'xdg'), { mode: 0o700 })
  model = join(tmp, 'model')
  await writeTestModelBundle(model)
  // npm 11 skips deno's install script; its bin.cjs links the platform binary on first use
  if (!existsSync(DENO)) await run(process.execPath, [DENO_BIN_CJS, '--version'], {})
  dawn = await dawnIcd()
  denoGpu = denoIcd()
  if (!dawn || !denoGpu) throw new Error('no software Vulkan driver that WebGPU accepts: run scripts/ci-system-deps.sh (as root) first')
  // two at a time: this machine has two cores
  const queue = [...PAIRS]
  const worker = async () => {
    for (let p = queue.shift(); p; p = queue.shift()) {
      const output = join(tmp, `${p.runtime}-${p.backend}.parquet`)
      const icd = p.backend === 'webgpu' ? (p.runtime === 'node' ? dawn : denoGpu) : undefined
      const result = await classify(p.runtime, p.backend, output, icd ? { VK_ICD_FILENAMES: icd.path } : {})
      results.set(key(p), { ...result, output })
    }
  }
  await Promise.all([worker(), worker()])
}, 300_000)

afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true })
})

describe('every runtime × backend pair', () => {
  for (const pair of PAIRS) {
    it(`${key(pair)} classifies every row on the requested backend and records it in the provenance`, async () => {
      const r = results.get(key(pair))!
      expect(r.ok, `${key(pair)}: ${r.message}\n${r.stderr.slice(-2000)}`).toBe(true)
      expect(r.runtime).toBe(pair.runtime)
      expect(r.summary!.rowsDone).toBe(40)
      expect(r.summary!.rowsOk).toBe(40)
      expect(r.summary!.backend.backend).toBe(pair.backend)
      if (pair.backend === 'webgpu') {
        const icd = pair.runtime === 'node' ? dawn! : denoGpu!
        expect(r.summary!.backend.adapter).toMatch(/\(software\)$/)
        expect(r.summary!.backend.adapter).toMatch(icd.name === 'lavapipe' ? /llvmpipe/i : /swiftshader/i)
      } else {
        expect(r.summary!.backend.adapter).toBeUndefined()
      }
      const { rows, provenance } = await readOutput(r.output)
      expect(rows.map((row) => row['status'])).toEqual(new Array(40).fill('ok'))
      expect(JSON.parse(provenance['survey_classifier:backend']!)).toEqual(r.summary!.backend)
    })
  }

  it('the simulator gives the same bytes in Node and Deno, both with the WebAssembly SIMD FFT', async () => {
    const driver = join(ROOT, 'tests', 'runtime', 'simulate-driver.ts')
    const out = await Promise.all([
      run(process.execPath, ['--import', 'tsx', driver], {}),
      run(DENO, ['run', '-A', '--sloppy-imports', driver], {}),
    ])
    const [node, deno] = out.map((r) => JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as { wasm: boolean; rows: number; hash: string })
    expect(node).toEqual({ wasm: true, rows: 32, hash: expect.stringMatching(/^[0-9a-f]+$/) })
    expect(deno).toEqual(node)
  })

  it('Deno runs the pool on Deno Workers (module workers running workers/inference.worker.ts)', () => {
    for (const backend of ['wasm', 'webgpu'] as const) {
      const r = results.get(`deno/${backend}`)!
      expect(r.summary!.workers).toBe(backend === 'webgpu' ? 1 : 2)
      expect(r.workers).toHaveLength(r.summary!.workers)
      for (const [i, w] of r.workers!.entries()) {
        expect(w).toBe(`survey-classifier-deno-inference-${i} ${new URL('../../workers/inference.worker.ts', import.meta.url).href}`)
      }
    }
    // the Node runs start no web Workers (they use worker_threads)
    expect(results.get('node/wasm')!.workers).toEqual([])
  })

  it('gives the same predictions within 1e-4 on every pair, MC dropout included', async () => {
    const reference = (await readOutput(results.get('node/wasm')!.output)).rows
    // the model is real: probabilities sum to one, differ between rows, and MC dropout varies them
    for (const row of reference) expect(PROB_COLUMNS.reduce((s, c) => s + (row[c] as number), 0)).toBeCloseTo(1, 5)
    expect(new Set(reference.map((row) => (row[PROB_COLUMNS[0]!] as number).toFixed(4))).size).toBeGreaterThan(10)
    expect(reference.some((row) => (row[STD_COLUMNS[0]!] as number) > 1e-3)).toBe(true)
    for (const pair of PAIRS.slice(1)) {
      const rows = (await readOutput(results.get(key(pair))!.output)).rows
      expect(rows).toHaveLength(reference.length)
      let worst = 0
      rows.forEach((row, i) => {
        const ref = reference[i]!
        expect(row['id']).toBe(ref['id'])
        for (const c of NUMERIC_COLUMNS) worst = Math.max(worst, Math.abs((row[c] as number) - (ref[c] as number)))
        const probs = PROB_COLUMNS.map((c) => ref[c] as number).sort((a, b) => b - a)
        // the label may only differ where the two best classes tie within the tolerance
        if (probs[0]! - probs[1]! > 2 * TOLERANCE) expect(row['morphology_label'], `${key(pair)} row ${i}`).toBe(ref['morphology_label'])
      })
      expect(worst, `${key(pair)} vs node/wasm`).toBeLessThanOrEqual(TOLERANCE)
    }
  })
})

describe('backend choice', () => {
  const cli = (args: readonly string[], env: Record<string, string | undefined>) =>
    run(process.execPath, ['--import', 'tsx', CLI, 'classify', FIXTURE, '--model', model, '--batch-size', '20', '--workers', '1', ...args], env)

  it('an explicit webgpu with no usable adapter fails with exit code 5 and says why', async () => {
    const res = await cli(['-o', join(tmp, 'no-gpu.parquet'), '--backend', 'webgpu'], { VK_ICD_FILENAMES: NOWHERE_ICD })
    expect(res.code).toBe(5)
    expect(res.stderr).toMatch(/backend webgpu unavailable: navigator\.gpu\.requestAdapter\(\) found no adapter .*\(try --backend wasm\)/)
    expect(existsSync(join(tmp, 'no-gpu.parquet'))).toBe(false)
  })

  it('auto falls back to wasm when there is no adapter, and prints the backend it chose', async () => {
    const res = await cli(['-o', join(tmp, 'auto-none.parquet'), '--backend', 'auto'], { VK_ICD_FILENAMES: NOWHERE_ICD })
    expect(res.code, res.stderr).toBe(0)
    expect(res.stderr).toMatch(/wrote 40 rows to .* on wasm with 1 worker/)
  })

  it('with no Vulkan driver installed, explicit webgpu names the missing driver and auto uses wasm without loading Dawn', async () => {
    // the Vulkan loader's search path, pointed at empty folders (system folders /etc/vulkan hold no driver here)
    const empty = join(tmp, 'no-vulkan')
    await mkdir(empty, { recursive: true })
    const env = { XDG_DATA_DIRS: empty, XDG_CONFIG_DIRS: empty, XDG_DATA_HOME: empty }
    const gpu = await cli(['-o', join(tmp, 'no-driver.parquet'), '--backend', 'webgpu'], env)
    expect(gpu.code).toBe(5)
    expect(gpu.stderr).toMatch(/backend webgpu unavailable: no Vulkan driver is installed \(no ICD manifest in .*\/vulkan\/icd\.d.*\); WebGPU in Node \(Dawn\) needs one/)
    const auto = await cli(['-o', join(tmp, 'no-driver-auto.parquet'), '--backend', 'auto'], env)
    expect(auto.code, auto.stderr).toBe(0)
    expect(auto.stderr).toMatch(/ on wasm with 1 worker/)
    // Dawn was never loaded, so none of its loader warnings
    expect(auto.stderr).not.toContain('vkCreateInstance')
  })

  it('auto does not pick a software adapter (Node/Dawn and Deno/wgpu alike); explicit webgpu does and prints it', async () => {
    const auto = await cli(['-o', join(tmp, 'auto-sw.parquet'), '--backend', 'auto'], { VK_ICD_FILENAMES: dawn!.path })
    expect(auto.code, auto.stderr).toBe(0)
    expect(auto.stderr).toMatch(/ on wasm with 1 worker/)
    const denoAuto = await classify('deno', 'auto', join(tmp, 'deno-auto.parquet'), { VK_ICD_FILENAMES: denoGpu!.path }, 1)
    expect(denoAuto.ok, denoAuto.message).toBe(true)
    expect(denoAuto.summary!.backend).toEqual({ backend: 'wasm' })
    const gpu = await cli(['-o', join(tmp, 'explicit-sw.parquet'), '--backend', 'webgpu'], { VK_ICD_FILENAMES: dawn!.path })
    expect(gpu.code, gpu.stderr).toBe(0)
    expect(gpu.stderr).toMatch(dawn!.name === 'lavapipe' ? / on webgpu \(mesa\/software: llvmpipe.*\(software\)\) with 1 worker/ : / on webgpu \(google\/swiftshader.*\(software\)\) with 1 worker/)
  })

  it('rejects an unknown backend name', async () => {
    const res = await cli(['-o', join(tmp, 'bad.parquet'), '--backend', 'metal'], {})
    expect(res.code).toBe(2)
    expect(res.stderr).toContain('option --backend must be auto, webgpu, wasm or cpu, got "metal"')
  })
})

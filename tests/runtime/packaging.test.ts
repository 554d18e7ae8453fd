// How users reach the library in each runtime: package.json `exports` resolved
// by Node, Deno and a browser bundler; the browser builds staying free of
// Node-only code; and the CLI run by `deno run` giving Node's output.
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { promisify } from 'node:util'
import { build } from 'esbuild'
import { asyncBufferFromFile, parquetReadObjects } from 'hyparquet'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { writeTestModelBundle } from './model-bundle.js'

const exec = promisify(execFile)
const ROOT = join(import.meta.dirname, '..', '..')
const DENO_BIN_CJS = join(ROOT, 'node_modules', 'deno', 'bin.cjs')
const DENO = join(ROOT, 'node_modules', 'deno', 'deno')
const FIXTURE = join(ROOT, 'tests', 'fixtures', 'list-hwc-snappy.parquet')

type Conditional = string | { readonly [condition: string]: Conditional }

let tmp: string

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'survey-packaging-'))
  if (!existsSync(DENO)) await exec(process.execPath, [DENO_BIN_CJS, '--version'], { cwd: ROOT })
})
afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true })
})

/** Every file path a conditional export can resolve to. */
function targets(value: Conditional): string[] {
  return typeof value === 'string' ? [value] : Object.values(value).flatMap(targets)
}

describe('package exports', () => {
  it('resolve to the Deno entry under Deno, the Node entry under Node and the browser entry in a browser bundle', async () => {
    const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { name: string; exports?: Record<string, Conditional> }
    expect(pkg.exports, 'package.json has no "exports" map').toBeDefined()
    const root = pkg.exports!['.']
    expect(root, 'package.json exports has no "." entry').toBeDefined()
    // a consumer project with the package installed: every export target is a stub naming itself
    const consumer = join(tmp, 'consumer')
    const installed = join(consumer, 'node_modules', pkg.name)
    await mkdir(installed, { recursive: true })
    await writeFile(join(installed, 'package.json'), JSON.stringify({ ...pkg, type: 'module' }))
    for (const target of targets(root!)) {
      await mkdir(dirname(join(installed, target)), { recursive: true })
      await writeFile(join(installed, target), target.endsWith('.d.ts') ? 'export declare const entry: string\n' : `export const entry = ${JSON.stringify(target)}\n`)
    }
    await writeFile(join(consumer, 'package.json'), JSON.stringify({ type: 'module', dependencies: { [pkg.name]: '*' } }))
    const probe = `const m = await import(${JSON.stringify(pkg.name)}); console.log(m.entry)`
    const node = await exec(process.execPath, ['--input-type=module', '-e', probe], { cwd: consumer })
    expect(node.stdout.trim()).toBe('./dist/src/node.js')
    const deno = await exec(DENO, ['eval', probe], { cwd: consumer, env: { ...process.env, NO_COLOR: '1' } })
    expect(deno.stdout.trim()).toBe('./dist/src/deno.js')
    const browser = await build({
      stdin: { contents: `import { entry } from ${JSON.stringify(pkg.name)}; console.log(entry)`, resolveDir: consumer },
      bundle: true, platform: 'browser', format: 'esm', write: false, logLevel: 'silent',
    })
    expect(browser.outputFiles[0]!.text).toContain('"./dist/src/index.js"')
  })

  it('point at files the build produces from existing sources (entries and their types)', async () => {
    const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { exports?: Record<string, Conditional> }
    const all = Object.values(pkg.exports ?? {}).flatMap(targets).filter((t) => t.startsWith('./dist/'))
    expect(all.length).toBeGreaterThan(0)
    for (const target of all) {
      const source = target.replace(/^\.\/dist\//, '').replace(/\.d\.ts$|\.js$/, '.ts')
      expect(existsSync(join(ROOT, source)), `${target} is built from ${source}, which does not exist`).toBe(true)
    }
  })
})

describe('browser builds', () => {
  it('the browser entry and the inference worker bundle for the browser without Node-only code', async () => {
    for (const entry of ['src/index.ts', 'workers/inference.worker.ts']) {
      const result = await build({ entryPoints: [join(ROOT, entry)], bundle: true, platform: 'browser', format: 'esm', write: false, logLevel: 'silent' })
      const text = result.outputFiles[0]!.text
      // the Node WebGPU adapter (Dawn) is loaded only in Node, by a specifier bundlers leave alone
      expect(text, entry).not.toMatch(/node:worker_threads|mkdtempSync|survey-classifier-xdg-/)
    }
  })
})

describe('the CLI under Deno', () => {
  it('`deno run -A src/cli/main.ts classify` writes what the Node CLI writes, bit for bit', async () => {
    const model = join(tmp, 'model')
    await writeTestModelBundle(model)
    const args = (out: string) => ['classify', FIXTURE, '-o', out, '--model', model, '--backend', 'wasm', '--workers', '2', '--batch-size', '20', '--passes', '3', '--seed', '5', '--json']
    const env = { ...process.env, NO_COLOR: '1' }
    const denoOut = join(tmp, 'deno-cli.parquet')
    const nodeOut = join(tmp, 'node-cli.parquet')
    const deno = await exec(DENO, ['run', '-A', 'src/cli/main.ts', ...args(denoOut)], { cwd: ROOT, env, timeout: 120_000 })
    const node = await exec(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args(nodeOut)], { cwd: ROOT, env, timeout: 120_000 })
    expect((JSON.parse(node.stdout) as { backend: unknown }).backend).toEqual({ backend: 'wasm' })
    const denoSummary = JSON.parse(deno.stdout) as { rowsOk: number; backend: unknown; workers: number }
    expect(denoSummary.rowsOk).toBe(40)
    expect(denoSummary.backend).toEqual({ backend: 'wasm' })
    expect(denoSummary.workers).toBe(2)
    const read = async (path: string) => (await parquetReadObjects({ file: await asyncBufferFromFile(path) })) as Record<string, unknown>[]
    const [fromDeno, fromNode] = [await read(denoOut), await read(nodeOut)]
    expect(fromDeno.length).toBe(40)
    // same backend, same seed: the same numbers, bit for bit
    expect(fromDeno.map(({ cutout: _c, ...rest }) => rest)).toEqual(fromNode.map(({ cutout: _c, ...rest }) => rest))
  })

  it('`deno run -A src/cli/main.ts train` trains the weights the Node CLI trains, bit for bit', async () => {
    const env = { ...process.env, NO_COLOR: '1' }
    const catalog = join(tmp, 'train.parquet')
    await exec(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'simulate', '--n', '64', '--seed', '5', '--size', '32', '-o', catalog, '--quiet'], { cwd: ROOT, env, timeout: 120_000 })
    const args = (out: string) => ['train', catalog, '--task', 'morphology', '--arch', 'small-cnn', '--epochs', '2', '--batch-size', '16', '--seed', '3', '-o', out]
    const denoDir = join(tmp, 'deno-trained')
    const nodeDir = join(tmp, 'node-trained')
    const deno = await exec(DENO, ['run', '-A', 'src/cli/main.ts', ...args(denoDir)], { cwd: ROOT, env, timeout: 300_000 })
    await exec(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args(nodeDir)], { cwd: ROOT, env, timeout: 300_000 })
    expect(deno.stdout + deno.stderr).toContain('training on wasm')
    type Manifest = { files: Record<string, string>; trained: boolean; training: { backend: string; epochsRun: number } }
    const manifest = async (dir: string): Promise<Manifest> => JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as Manifest
    const [fromDeno, fromNode] = [await manifest(denoDir), await manifest(nodeDir)]
    expect(fromDeno.trained).toBe(true)
    expect(fromDeno.training.backend).toBe('wasm')
    expect(fromDeno.training.epochsRun).toBe(2)
    // same backend, same seed, same data: the same weight file (its sha256 is in the manifest)
    expect(fromDeno.files).toEqual(fromNode.files)
  }, 600_000)
})

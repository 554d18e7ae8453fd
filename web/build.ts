/**
 * Builds the portal embed into `web/dist/`: the element bundle, the worker
 * bundles (coordinator, inference, trivial), tfjs-backend-wasm's .wasm files,
 * the shipped model bundles and the demo page.
 *
 * Run: `npx tsx web/build.ts [--out DIR] [--no-minify]`. Importable: `buildWeb()`.
 */
import { build, type Plugin } from 'esbuild'
import { cp, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

const HERE = dirname(fileURLToPath(import.meta.url))
const ROOT = join(HERE, '..')

/** Options for {@link buildWeb}. */
export interface BuildWebOptions {
  /** Output folder; default `web/dist`. */
  readonly outDir?: string
  /** Minify the bundles; default true. */
  readonly minify?: boolean
}

/** What {@link buildWeb} produced. */
export interface BuildWebResult {
  readonly outDir: string
  /** Output files relative to `outDir`, with sizes in bytes. */
  readonly files: Readonly<Record<string, number>>
  /** Snippets of `eval(` / `new Function(` found in the bundles (all in code paths that do not run in a browser; see the report). */
  readonly evalSites: readonly { file: string; snippet: string }[]
}

/** Entry points → output names (ES modules, one file each). */
const ENTRIES: Readonly<Record<string, string>> = {
  'survey-classifier': join(HERE, 'src', 'survey-classifier.ts'),
  'coordinator.worker': join(HERE, 'src', 'coordinator.worker.ts'),
  'inference.worker': join(ROOT, 'workers', 'inference.worker.ts'),
  'trivial.worker': join(ROOT, 'workers', 'trivial.worker.ts'),
}

// Node built-ins reached only from Node-only branches of dependencies (emscripten's
// loader, hyparquet-compressors): resolve them to an empty module instead of failing.
const emptyNodeBuiltins: Plugin = {
  name: 'empty-node-builtins',
  setup(b) {
    b.onResolve({ filter: /^(node:)?(fs|path|os|crypto|worker_threads|perf_hooks|util|url|child_process|module)$/ }, (args) => ({ path: args.path, namespace: 'empty-node' }))
    b.onLoad({ filter: /.*/, namespace: 'empty-node' }, () => ({ contents: 'export default {}', loader: 'js' }))
  },
}

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = []
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) out.push(...(await listFiles(path)))
    else out.push(path)
  }
  return out
}

// apache-arrow's builders compile their null check with `new Function` (builder/valid), which a
// strict CSP (no 'unsafe-eval') refuses: the Arrow writer would throw EvalError in the browser.
// This closure-based replacement has the same semantics (strict equality, NaN handled apart).
const CSP_SAFE_ARROW_VALID = `
export function createIsValidFunction(nullValues) {
  if (!nullValues || nullValues.length <= 0) return function isValid() { return true }
  const hasNaN = nullValues.some((x) => x !== x)
  const nulls = nullValues.filter((x) => x === x)
  if (nulls.length === 1) { const n = nulls[0]; return hasNaN ? (x) => x === x && x !== n : (x) => x !== n }
  if (nulls.length === 2) { const [a, b] = nulls; return hasNaN ? (x) => x === x && x !== a && x !== b : (x) => x !== a && x !== b }
  const set = new Set(nulls)
  return (x) => !(hasNaN && x !== x) && !set.has(x)
}
`
const cspSafeArrow: Plugin = {
  name: 'csp-safe-apache-arrow',
  setup(b) {
    b.onLoad({ filter: /apache-arrow[\\/]builder[\\/]valid\.m?js$/ }, () => ({ contents: CSP_SAFE_ARROW_VALID, loader: 'js' }))
  },
}

/** Find `eval` and `new Function(` in a bundle, with some context for the report. */
function findEvalSites(file: string, text: string): { file: string; snippet: string }[] {
  const sites: { file: string; snippet: string }[] = []
  const pattern = /(?<![\w$.'"-])(?:eval(?![\w$'"-])|new\s+Function\s*\(|Function\s*\(\s*["'`])/g
  for (const match of text.matchAll(pattern)) {
    const at = match.index ?? 0
    sites.push({ file, snippet: text.slice(Math.max(0, at - 80), at + 80) })
  }
  return sites
}

/**
 * Build the embed and the demo page. Errors (a failed bundle, a missing
 * wasm file) are thrown on the returned promise.
 */
export async function buildWeb(options: BuildWebOptions = {}): Promise<BuildWebResult> {
  const outDir = options.outDir ?? join(HERE, 'dist')
  await rm(outDir, { recursive: true, force: true })
  await mkdir(outDir, { recursive: true })
  await build({
    entryPoints: ENTRIES,
    outdir: outDir,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    splitting: false,
    minify: options.minify ?? true,
    sourcemap: 'linked',
    legalComments: 'none',
    logLevel: 'error',
    define: { 'process.env.NODE_ENV': '"production"' },
    plugins: [emptyNodeBuiltins, cspSafeArrow],
  })
  const wasmDir = join(ROOT, 'node_modules', '@tensorflow', 'tfjs-backend-wasm', 'dist')
  await mkdir(join(outDir, 'tfjs-wasm'), { recursive: true })
  for (const name of ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm']) {
    await cp(join(wasmDir, name), join(outDir, 'tfjs-wasm', name))
  }
  const models = join(ROOT, 'models')
  const modelDirs = (await readdir(models, { withFileTypes: true }).catch(() => [])).filter((e) => e.isDirectory())
  for (const dir of modelDirs) {
    await cp(join(models, dir.name), join(outDir, 'models', dir.name), { recursive: true, filter: (src) => !src.endsWith('.ts') })
  }
  for (const name of await readdir(join(HERE, 'public'))) await cp(join(HERE, 'public', name), join(outDir, name), { recursive: true })

  const files: Record<string, number> = {}
  const evalSites: { file: string; snippet: string }[] = []
  for (const path of await listFiles(outDir)) {
    const rel = relative(outDir, path).split('\\').join('/')
    files[rel] = (await stat(path)).size
    if (rel.endsWith('.js')) evalSites.push(...findEvalSites(rel, await readFile(path, 'utf8')))
  }
  await writeFile(join(outDir, 'build-info.json'), `${JSON.stringify({ files, evalSites }, null, 1)}\n`)
  return { outDir, files, evalSites }
}

const invokedDirectly = process.argv[1] !== undefined && fileURLToPath(import.meta.url) === (await import('node:fs')).realpathSync(process.argv[1])
if (invokedDirectly) {
  const args = process.argv.slice(2)
  const outAt = args.indexOf('--out')
  const result = await buildWeb({
    ...(outAt >= 0 && args[outAt + 1] ? { outDir: args[outAt + 1] } : {}),
    minify: !args.includes('--no-minify'),
  })
  for (const [file, size] of Object.entries(result.files)) if (!file.endsWith('.map')) process.stdout.write(`${file.padEnd(48)} ${(size / 1024).toFixed(0).padStart(7)} KiB\n`)
  process.stdout.write(`built ${result.outDir}; ${result.evalSites.length} eval/new Function site(s) in bundles (listed in build-info.json; none is reached in a browser)\n`)
}

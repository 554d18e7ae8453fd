/**
 * Node adapter: WebGPU for Node through the optional `webgpu` package (Dawn).
 *
 * tfjs-backend-webgpu registers itself only if `navigator.gpu` exists when it
 * is imported, and Node has no `navigator.gpu`; {@link installNodeWebGpu}
 * provides one, and must run before that import (workers/model/backend.ts
 * does this inside each worker).
 */
import { mkdtempSync, readdirSync } from 'node:fs'
import { homedir, tmpdir } from 'node:os'
import { join } from 'node:path'
import { isMainThread } from 'node:worker_threads'
import { errorMessage } from '../errors.js'

/** Outcome of {@link installNodeWebGpu}. */
export interface NodeWebGpuSetup {
  /** True when `navigator.gpu` is now present. */
  readonly available: boolean
  /** Where it came from: the runtime itself, or Dawn from the `webgpu` package. */
  readonly source?: 'native' | 'dawn'
  /** Why it is not available (package missing, native module failed to load). */
  readonly reason?: string
}

interface DawnModule {
  create(options: string[]): unknown
  globals: Record<string, unknown>
}

let setup: Promise<NodeWebGpuSetup> | undefined

/**
 * Point `XDG_RUNTIME_DIR` at a private folder (mode 0700) when it is unset,
 * which silences the Vulkan loader's warnings. Effective only on the main
 * thread: a worker's `process.env` is a copy that native code does not see,
 * so call this before starting workers. Returns the folder in use, if any.
 */
export function ensureXdgRuntimeDir(): string | undefined {
  const current = process.env['XDG_RUNTIME_DIR']
  if (current || !isMainThread) return current
  try {
    const dir = mkdtempSync(join(tmpdir(), 'survey-classifier-xdg-'))
    process.env['XDG_RUNTIME_DIR'] = dir
    return dir
  } catch {
    return undefined
  }
}

/**
 * On Linux, the folders where the Vulkan loader looks for driver (ICD)
 * manifests, as its documentation lists them; [] elsewhere (Dawn uses Metal
 * or D3D12 there), or when `VK_ICD_FILENAMES` / `VK_DRIVER_FILES` name the
 * drivers explicitly.
 */
export function vulkanIcdFolders(env: Readonly<Record<string, string | undefined>> = process.env): string[] {
  if (process.platform !== 'linux' || env['VK_ICD_FILENAMES'] || env['VK_DRIVER_FILES'] || env['VK_ADD_DRIVER_FILES']) return []
  const split = (value: string | undefined, fallback: string) => (value || fallback).split(':').filter((d) => d !== '')
  return [
    ...split(env['XDG_CONFIG_DIRS'], '/etc/xdg'),
    '/usr/local/etc',
    '/etc',
    env['XDG_DATA_HOME'] || join(homedir(), '.local', 'share'),
    ...split(env['XDG_DATA_DIRS'], '/usr/local/share:/usr/share'),
  ].map((d) => join(d, 'vulkan', 'icd.d'))
}

/**
 * Whether a Vulkan driver could be found: false only on Linux with no ICD
 * manifest in any of {@link vulkanIcdFolders} (Dawn would find no adapter
 * and print loader warnings); true when unsure.
 */
export function vulkanDriverInstalled(env: Readonly<Record<string, string | undefined>> = process.env): boolean {
  const folders = vulkanIcdFolders(env)
  if (folders.length === 0) return true
  return folders.some((dir) => {
    try {
      return readdirSync(dir).some((f) => f.endsWith('.json'))
    } catch {
      return false
    }
  })
}

/**
 * Give Node a `navigator.gpu` from the optional `webgpu` package (Dawn), once
 * per thread; a runtime that already has one (Deno, Node with a native
 * implementation) is left alone. Never throws: when the package is missing
 * or its native module fails to load, or (Linux) no Vulkan driver is
 * installed at all, resolves with `available: false` and the reason. Whether an adapter exists is a separate question
 * (`navigator.gpu.requestAdapter()`; with no Vulkan driver it resolves null).
 *
 * @example
 * const gpu = await installNodeWebGpu()
 * if (gpu.available) await import('@tensorflow/tfjs-backend-webgpu')
 *
 * @param dawnOptions Dawn's `create()` options, e.g. `['backend=vulkan']` (default none).
 */
export function installNodeWebGpu(dawnOptions: readonly string[] = []): Promise<NodeWebGpuSetup> {
  setup ??= install(dawnOptions)
  return setup
}

async function install(dawnOptions: readonly string[]): Promise<NodeWebGpuSetup> {
  const g = globalThis as { navigator?: { gpu?: unknown } }
  if (g.navigator?.gpu !== undefined) return { available: true, source: 'native' }
  if (!vulkanDriverInstalled()) {
    // checked first: Dawn would only print the loader's warnings and find no adapter
    return { available: false, reason: `no Vulkan driver is installed (no ICD manifest in ${vulkanIcdFolders().join(', ')}); WebGPU in Node (Dawn) needs one, e.g. mesa-vulkan-drivers or the GPU vendor's` }
  }
  ensureXdgRuntimeDir()
  let dawn: DawnModule
  try {
    // a variable specifier keeps bundlers from pulling the native module into browser builds
    const specifier = 'webgpu'
    dawn = (await import(specifier)) as DawnModule
  } catch (cause) {
    const code = (cause as { code?: string }).code
    return {
      available: false,
      reason: code === 'ERR_MODULE_NOT_FOUND'
        ? 'the optional package "webgpu" (Dawn for Node) is not installed (npm install webgpu)'
        : `the optional package "webgpu" failed to load: ${errorMessage(cause)}`,
    }
  }
  let gpu: unknown
  try {
    gpu = dawn.create([...dawnOptions])
  } catch (cause) {
    return { available: false, reason: `webgpu: Dawn create() failed: ${errorMessage(cause)}` }
  }
  // GPUBufferUsage, GPUTextureUsage, GPUMapMode…: tfjs-backend-webgpu reads them as globals
  for (const [name, value] of Object.entries(dawn.globals)) {
    if (!(name in globalThis)) Object.defineProperty(globalThis, name, { value, configurable: true, writable: true })
  }
  // Node 20 has no navigator; Node 21+ has one without gpu
  if (g.navigator === undefined) Object.defineProperty(globalThis, 'navigator', { value: {}, configurable: true, writable: true })
  Object.defineProperty(g.navigator, 'gpu', { value: gpu, configurable: true })
  return { available: true, source: 'dawn' }
}

/**
 * Compute-backend selection inside a worker: WebGPU → WASM → CPU.
 *
 * WebGPU comes from the runtime (browsers, Deno) or, in Node, from the
 * optional `webgpu` package (Dawn), installed as `navigator.gpu` before
 * tfjs-backend-webgpu is imported (it registers itself only if
 * `navigator.gpu` exists at import time).
 */
import * as tf from '@tensorflow/tfjs'
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm'
import { ENV } from '../../src/env.js'
import { SurveyError, errorMessage } from '../../src/errors.js'
import type { BackendRequest, WorkerInfo } from '../../src/protocol.js'

/** What a WebGPU adapter says about itself (fields vary by implementation). */
export interface GpuAdapterInfoLike {
  readonly vendor?: string
  readonly architecture?: string
  readonly device?: string
  readonly description?: string
  readonly isFallbackAdapter?: boolean
}
interface GpuAdapterLike {
  readonly isFallbackAdapter?: boolean
  readonly info?: GpuAdapterInfoLike
  requestAdapterInfo?: () => Promise<GpuAdapterInfoLike>
}
interface GpuLike {
  requestAdapter(options?: { powerPreference?: string }): Promise<GpuAdapterLike | null>
}

/** A WebGPU adapter found by {@link probeWebGpu}. */
export interface WebGpuAdapter {
  /** e.g. "google/swiftshader: SwiftShader driver 5.0.0", "llvmpipe (LLVM 15.0.6, 256 bits)". */
  readonly description: string
  /** A software (CPU) implementation: a fallback adapter, SwiftShader, llvmpipe/lavapipe, WARP. */
  readonly software: boolean
}

/** The result of looking for WebGPU: an adapter, or why there is none. */
export type WebGpuProbe = { readonly adapter: WebGpuAdapter } | { readonly adapter?: undefined; readonly reason: string }

const SOFTWARE_ADAPTERS = /swiftshader|llvmpipe|lavapipe|software|basic render|microsoft basic|warp/i
// relative to this file in the sources and in the build alike; a variable so bundlers leave it out of browser builds
const NODE_WEBGPU_MODULE = '../../src/node/webgpu.js'

/** "vendor/architecture: description", leaving out the numeric ids some implementations report (Deno's wgpu). */
export function describeAdapter(info: GpuAdapterInfoLike): string {
  const named = (s: string | undefined): s is string => s !== undefined && s !== '' && !/^\d+$/.test(s)
  const head = [info.vendor, info.architecture].filter(named).join('/')
  const tail = named(info.description) ? info.description : named(info.device) ? info.device : ''
  return [head, tail].filter((s) => s !== '').join(': ') || 'unknown adapter'
}

/**
 * Find a WebGPU adapter in this runtime (in Node, installing Dawn's
 * `navigator.gpu` first when the optional `webgpu` package is present).
 * Resolves with the adapter's description and whether it is software, or
 * with the reason there is none; never throws.
 */
export async function probeWebGpu(): Promise<WebGpuProbe> {
  const g = globalThis as { navigator?: { gpu?: GpuLike } }
  if (g.navigator?.gpu === undefined && ENV.runtime === 'node') {
    const { installNodeWebGpu } = (await import(NODE_WEBGPU_MODULE)) as typeof import('../../src/node/webgpu.js')
    const setup = await installNodeWebGpu()
    if (!setup.available) return { reason: setup.reason ?? 'no navigator.gpu in Node' }
  }
  const gpu = g.navigator?.gpu
  if (gpu === undefined) return { reason: `this ${ENV.runtime} runtime has no navigator.gpu` }
  let adapter: GpuAdapterLike | null
  try {
    adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' })
  } catch (cause) {
    return { reason: `navigator.gpu.requestAdapter() failed: ${errorMessage(cause)}` }
  }
  if (!adapter) return { reason: 'navigator.gpu.requestAdapter() found no adapter (no GPU, or no Vulkan/Metal/D3D12 driver; a software one such as lavapipe or SwiftShader can be chosen with VK_ICD_FILENAMES)' }
  let info: GpuAdapterInfoLike = {}
  try {
    info = adapter.info ?? (await adapter.requestAdapterInfo?.()) ?? {}
  } catch {
    // an adapter without info is still an adapter
  }
  const description = describeAdapter(info)
  const software = info.isFallbackAdapter === true || adapter.isFallbackAdapter === true || SOFTWARE_ADAPTERS.test(`${info.architecture ?? ''} ${description}`)
  return { adapter: { description, software } }
}

let wasmPathSet = false

async function tryBackend(name: 'webgpu' | 'wasm' | 'cpu', wasmPath: string | undefined): Promise<boolean> {
  if (name === 'webgpu') {
    await import('@tensorflow/tfjs-backend-webgpu')
  } else if (name === 'wasm' && !wasmPathSet) {
    if (wasmPath) setWasmPaths(wasmPath)
    wasmPathSet = true
  }
  try {
    return await tf.setBackend(name)
  } catch {
    return false
  }
}

/**
 * Select and initialise a backend in this worker.
 *
 * - `auto`: WebGPU only on a hardware adapter (never a software/fallback
 *   one), otherwise WASM, otherwise CPU.
 * - `webgpu`: any adapter, software included (for tests and CPU-only
 *   machines with lavapipe or SwiftShader).
 * - `wasm`, `cpu`: that backend.
 *
 * Resolves with the backend in use and, for WebGPU, the adapter (suffixed
 * "(software)" when it is one). An explicit request that cannot be met
 * rejects with a `backend` error saying why (exit code 5 in the CLI).
 * @param wasmPath folder (trailing slash) of tfjs-backend-wasm's .wasm files; default: tfjs's own lookup.
 */
export async function initBackend(request: BackendRequest, wasmPath?: string): Promise<WorkerInfo> {
  if (request === 'webgpu' || request === 'auto') {
    const probe = await probeWebGpu()
    if (request === 'webgpu') {
      if (!probe.adapter) throw new SurveyError('backend', `backend webgpu unavailable: ${probe.reason} (try --backend wasm)`)
      if (!(await tryBackend('webgpu', wasmPath))) throw new SurveyError('backend', `backend webgpu failed to initialise on adapter ${probe.adapter.description}`)
      return { backend: 'webgpu', adapter: `${probe.adapter.description}${probe.adapter.software ? ' (software)' : ''}` }
    }
    if (probe.adapter && !probe.adapter.software && (await tryBackend('webgpu', wasmPath))) return { backend: 'webgpu', adapter: probe.adapter.description }
  }
  if (request === 'wasm' || request === 'auto') {
    if (await tryBackend('wasm', wasmPath)) return { backend: 'wasm' }
    if (request === 'wasm') throw new SurveyError('backend', `backend wasm failed to initialise (.wasm files expected under ${wasmPath ?? "tfjs-backend-wasm's default path"})`)
  }
  if (await tryBackend('cpu', wasmPath)) return { backend: 'cpu' }
  throw new SurveyError('backend', 'backend cpu failed to initialise')
}

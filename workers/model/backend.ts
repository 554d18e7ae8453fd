/**
 * Compute-backend selection inside a worker: WebGPU → WASM → CPU.
 */
import * as tf from '@tensorflow/tfjs'
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm'
import { SurveyError, errorMessage } from '../../src/errors.js'
import type { BackendRequest } from '../../src/protocol.js'

interface GpuAdapterInfoLike {
  vendor?: string
  architecture?: string
  device?: string
  description?: string
}
interface GpuAdapterLike {
  isFallbackAdapter?: boolean
  info?: GpuAdapterInfoLike
  requestAdapterInfo?: () => Promise<GpuAdapterInfoLike>
}
interface GpuLike {
  requestAdapter(options?: { powerPreference?: string }): Promise<GpuAdapterLike | null>
}

const SOFTWARE_ADAPTERS = /swiftshader|llvmpipe|lavapipe|software|basic render|microsoft basic/i

/** Describe a WebGPU adapter and say whether it is a software (CPU) implementation. */
async function probeWebGpu(): Promise<{ description: string; software: boolean } | undefined> {
  const gpu = (globalThis as { navigator?: { gpu?: GpuLike } }).navigator?.gpu
  if (!gpu) return undefined
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' })
  if (!adapter) return undefined
  const info = adapter.info ?? (await adapter.requestAdapterInfo?.()) ?? {}
  const description = [info.vendor, info.architecture, info.device, info.description].filter((s) => s).join(' ') || 'unknown adapter'
  const software = adapter.isFallbackAdapter === true || SOFTWARE_ADAPTERS.test(description)
  return { description, software }
}

let wasmImported = false

async function tryBackend(name: 'webgpu' | 'wasm' | 'cpu', wasmPath: string | undefined): Promise<boolean> {
  if (name === 'webgpu') {
    await import('@tensorflow/tfjs-backend-webgpu')
  } else if (name === 'wasm') {
    if (!wasmImported) {
      if (wasmPath) setWasmPaths(wasmPath)
      wasmImported = true
    }
  }
  try {
    return await tf.setBackend(name)
  } catch {
    return false
  }
}

/**
 * Select and initialise a backend. `auto` takes WebGPU only on a hardware
 * adapter, otherwise WASM, otherwise CPU; an explicit request that cannot be
 * met throws a `backend` error saying why.
 */
export async function initBackend(request: BackendRequest, wasmPath?: string): Promise<{ backend: string; adapter?: string }> {
  if (request === 'webgpu' || request === 'auto') {
    let probe: Awaited<ReturnType<typeof probeWebGpu>>
    try {
      probe = await probeWebGpu()
    } catch (cause) {
      if (request === 'webgpu') throw new SurveyError('backend', `backend webgpu unavailable: requestAdapter failed: ${errorMessage(cause)}`, { cause })
      probe = undefined
    }
    if (request === 'webgpu') {
      if (!probe) throw new SurveyError('backend', 'backend webgpu unavailable: no navigator.gpu or no adapter in this runtime (try --backend wasm)')
      if (!(await tryBackend('webgpu', wasmPath))) throw new SurveyError('backend', `backend webgpu failed to initialise on adapter ${probe.description}`)
      return { backend: 'webgpu', adapter: `${probe.description}${probe.software ? ' (software)' : ''}` }
    }
    if (probe && !probe.software && (await tryBackend('webgpu', wasmPath))) return { backend: 'webgpu', adapter: probe.description }
  }
  if (request === 'wasm' || request === 'auto') {
    if (await tryBackend('wasm', wasmPath)) return { backend: 'wasm' }
    if (request === 'wasm') throw new SurveyError('backend', `backend wasm failed to initialise (wasm files expected under ${wasmPath ?? 'the default path'})`)
  }
  if (await tryBackend('cpu', wasmPath)) return { backend: 'cpu' }
  throw new SurveyError('backend', 'backend cpu failed to initialise')
}

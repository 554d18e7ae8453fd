/**
 * The simulator's 2-D FFT column passes in WebAssembly SIMD (src/simulate/wasm/fft.c), an
 * accelerator for {@link fft2dTransposed}: the same butterflies on the same twiddles, two
 * elements of a row at a time, bit-identical to the TypeScript (tests/simulate/render.test.ts
 * checks it). Where WebAssembly SIMD cannot be compiled (an old engine, or a page whose Content
 * Security Policy forbids WebAssembly) the TypeScript transform runs instead, with the same
 * output bytes.
 */
import { flatFftPlan, fft2dTransposed } from './fft.js'
import { FFT_WASM_BASE64 } from './wasm/fft-wasm.js'

/** A 2-D transform bound to its own n×n real and imaginary buffers. */
export interface BoundFft2d {
  readonly n: number
  readonly re: Float64Array
  readonly im: Float64Array
  /** Whether the WebAssembly module runs it (else the TypeScript code). */
  readonly wasm: boolean
  /** {@link fft2dTransposed} of the buffers, in place: forward, or inverse (unnormalised). */
  transform(inverse: boolean): void
}

let wasmEnabled = true
let compiled: WebAssembly.Module | null | undefined

/** Turns the WebAssembly transform on or off for transforms bound from now on (tests, benchmarks). */
export function setWasmFft(enabled: boolean): void {
  wasmEnabled = enabled
}

function wasmModule(): WebAssembly.Module | null {
  if (compiled !== undefined) return compiled
  try {
    const bin = atob(FFT_WASM_BASE64)
    const bytes = new Uint8Array(bin.length)
    for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i)
    // synchronous: the module is < 4 KiB, which browsers compile synchronously on any thread
    compiled = new WebAssembly.Module(bytes)
  } catch {
    compiled = null
  }
  return compiled
}

type FftExport = (re: number, im: number, n: number, sgn: number, swaps: number, nPairs: number, tw: number, lastH: number, lastW: number) => void

/** Binds a transform of n×n grids (n a power of two ≥ 4) to fresh buffers. */
export function bindFft2d(n: number): BoundFft2d {
  const mod = wasmEnabled ? wasmModule() : null
  if (mod) {
    try {
      return bindWasm(mod, n)
    } catch {
      // fall through to the TypeScript transform
    }
  }
  const re = new Float64Array(n * n)
  const im = new Float64Array(n * n)
  return { n, re, im, wasm: false, transform: (inverse) => fft2dTransposed(re, im, n, inverse) }
}

function bindWasm(mod: WebAssembly.Module, n: number): BoundFft2d {
  const inst = new WebAssembly.Instance(mod, {})
  const memory = inst.exports.memory as WebAssembly.Memory
  const heapBase = (inst.exports.__heap_base as WebAssembly.Global).value as number
  const fn = inst.exports.fft2dTransposed as FftExport
  const plan = flatFftPlan(n)
  const align = (x: number): number => (x + 15) & ~15
  const reOff = align(heapBase)
  const imOff = reOff + 8 * n * n
  const swOff = imOff + 8 * n * n
  const fwOff = align(swOff + 4 * plan.swaps.length)
  const ivOff = fwOff + 8 * plan.forward.length
  const lfOff = ivOff + 8 * plan.inverse.length
  const liOff = lfOff + 8 * plan.lastForward.length
  const end = liOff + 8 * plan.lastInverse.length
  const need = Math.ceil(end / 65536) - memory.buffer.byteLength / 65536
  if (need > 0) memory.grow(need)
  const buf = memory.buffer
  new Uint32Array(buf, swOff, plan.swaps.length).set(plan.swaps)
  new Float64Array(buf, fwOff, plan.forward.length).set(plan.forward)
  new Float64Array(buf, ivOff, plan.inverse.length).set(plan.inverse)
  new Float64Array(buf, lfOff, plan.lastForward.length).set(plan.lastForward)
  new Float64Array(buf, liOff, plan.lastInverse.length).set(plan.lastInverse)
  const nPairs = plan.swaps.length / 2
  const lastH = plan.lastH
  return {
    n,
    re: new Float64Array(buf, reOff, n * n),
    im: new Float64Array(buf, imOff, n * n),
    wasm: true,
    transform: (inverse) => {
      if (inverse) fn(reOff, imOff, n, -1, swOff, nPairs, ivOff, lastH, liOff)
      else fn(reOff, imOff, n, 1, swOff, nPairs, fwOff, lastH, lfOff)
    },
  }
}

/**
 * Picks the fastest tfjs backend for training on CPU: 'wasm' (XNNPACK, SIMD) with the conv2d
 * gradient kernels from ./wasm-conv2d-backprop-filter.js registered, else the pure-JS 'cpu'.
 * The wasm backend package must be imported somewhere for 'wasm' to exist; this module imports
 * it. In Node the .wasm binaries are found next to the package by default; pass `wasmPath`
 * (a folder URL/path ending in '/') where a bundler or Worker polyfill moves them.
 */
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { registerWasmTrainingKernels } from './wasm-conv2d-backprop-filter.js';

/** Backends a training run may use. */
export type TrainingBackend = 'wasm' | 'cpu';

/** Options of {@link selectTrainingBackend}. */
export interface SelectBackendOptions {
  /** 'auto' (default) tries wasm then cpu; a name forces that backend (errors if it fails). */
  prefer?: 'auto' | TrainingBackend;
  /** Folder holding tfjs-backend-wasm's .wasm files (default: the package's own dist/). */
  wasmPath?: string;
}

/**
 * Activates a training backend and returns its name. With 'auto', a wasm failure falls back to
 * 'cpu' silently; with a forced name the failure is thrown as `train: backend 'wasm' ...`.
 * @example const backend = await selectTrainingBackend(); // 'wasm'
 */
export async function selectTrainingBackend(opts: SelectBackendOptions = {}): Promise<TrainingBackend> {
  const prefer = opts.prefer ?? 'auto';
  registerWasmTrainingKernels();
  const order: TrainingBackend[] = prefer === 'auto' ? ['wasm', 'cpu'] : [prefer];
  let lastError: unknown;
  for (const name of order) {
    try {
      // setWasmPaths throws once the wasm backend has initialised; only the first call may set it.
      if (name === 'wasm' && opts.wasmPath !== undefined && tf.findBackend('wasm') === null) setWasmPaths(opts.wasmPath);
      if (tf.getBackend() === name) return name;
      if (await tf.setBackend(name)) {
        await tf.ready();
        return name;
      }
      lastError = new Error(`backend '${name}' did not initialise`);
    } catch (err) {
      lastError = err;
    }
  }
  throw new Error(`train: backend '${order.join("', '")}' unavailable`, { cause: lastError });
}

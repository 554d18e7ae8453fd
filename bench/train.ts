/**
 * Training throughput of the seed CNN (64×64×3, batch 32, Adam, binary cross-entropy, dropout on)
 * through the project's own training loop (workers/train/train.ts), on tfjs 'wasm' with this
 * project's conv-gradient kernels versus the pure-JS 'cpu' backend (timed at batch 4, see
 * `cpuBatchSize`), plus wasm with tfjs' own
 * (slow) Conv2DBackpropInput to show what replacing it gains. Run: `npx tsx bench/train.ts`;
 * per-kernel CPU times of the four convolutions: `npx tsx bench/train.ts --kernels`.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { pathToFileURL } from 'node:url';
import { buildSeedCnn } from '../workers/model/architectures.js';
import { trainModel } from '../workers/train/train.js';
import { conv2DBackpropInputWasm, registerWasmTrainingKernels } from '../workers/train/wasm-conv2d-backprop-filter.js';

/** Options of {@link benchTrain}. */
export interface BenchTrainOptions {
  /** Timed wasm steps after one warm-up step (default 4). */
  wasmSteps?: number;
  /** Timed cpu steps, no warm-up (default 1). */
  cpuSteps?: number;
  /** Also time wasm with tfjs' built-in Conv2DBackpropInput (default true). */
  builtinInput?: boolean;
  /** Batch size (default 32). */
  batchSize?: number;
  /**
   * Batch size for the cpu measurement (default 4: one batch-32 step of the seed CNN takes more
   * than 15 CPU-minutes on the cpu backend, whose conv gradients are scalar JS loops).
   */
  cpuBatchSize?: number;
  /** Progress lines (default console.log). */
  log?: (line: string) => void;
}

/**
 * Training throughput in images per wall-clock second; the `*PerCpuSec` fields divide by the
 * process's CPU time instead (both backends run on one thread in Node), which stays meaningful
 * when other processes compete for the cores.
 */
export interface BenchTrainResult {
  wasmImgPerSec: number;
  cpuImgPerSec: number;
  /** wasm with tfjs' own Conv2DBackpropInput kernel (NaN when not measured). */
  wasmBuiltinInputImgPerSec: number;
  wasmImgPerCpuSec: number;
  cpuImgPerCpuSec: number;
  wasmBuiltinInputImgPerCpuSec: number;
  batchSize: number;
  cpuBatchSize: number;
}

/** Images per wall-clock second and per CPU second of this process. */
interface Rate {
  wall: number;
  cpu: number;
}

async function stepsPerSec(backend: 'wasm' | 'cpu', steps: number, batchSize: number, warmup: boolean): Promise<Rate> {
  await tf.setBackend(backend);
  const model = buildSeedCnn({ inputShape: [64, 64, 3], seed: 1 });
  const n = batchSize * (steps + (warmup ? 1 : 0));
  let state = 12345;
  const x = Float32Array.from({ length: n * 64 * 64 * 3 }, () => ((state = (state * 1103515245 + 12345) >>> 0) / 2 ** 32));
  const y = Float32Array.from({ length: n }, (_, i) => i % 2);
  const times: number[] = [];
  const cpuTimes: number[] = [];
  let t = performance.now();
  let c = process.cpuUsage();
  await trainModel({
    model,
    data: { x, y, n, inputShape: [64, 64, 3] },
    task: 'binary',
    epochs: 1,
    batchSize,
    validationSplit: 0,
    backend,
    seed: 1,
    onProgress: (ev) => {
      if (ev.type === 'batch') {
        const now = performance.now();
        const cNow = process.cpuUsage();
        times.push(now - t);
        cpuTimes.push((cNow.user - c.user + cNow.system - c.system) / 1000);
        t = now;
        c = cNow;
      }
    },
  });
  model.dispose();
  // first wasm step: warm-up (XNNPACK operator creation, weight upload)
  const timed = warmup ? times.slice(1) : times;
  const cpuTimed = warmup ? cpuTimes.slice(1) : cpuTimes;
  const rate = (ms: number[]) => (batchSize * ms.length * 1000) / ms.reduce((a, b) => a + b, 0);
  return { wall: rate(timed), cpu: rate(cpuTimed) };
}

/**
 * Measures seed-CNN training throughput (img/s) on wasm (project kernels) and cpu.
 * Leaves the project's kernels registered and the 'wasm' backend active.
 */
export async function benchTrain(opts: BenchTrainOptions = {}): Promise<BenchTrainResult> {
  const log = opts.log ?? ((l: string) => console.log(l));
  const batchSize = opts.batchSize ?? 32;
  // tfjs' own wasm Conv2DBackpropInput, captured before the project's kernels replace it
  const builtin = tf.getKernel('Conv2DBackpropInput', 'wasm');
  registerWasmTrainingKernels();
  const fmt = (r: Rate, d = 1) => `${r.wall.toFixed(d)} img/s wall, ${r.cpu.toFixed(d)} img per cpu-s`;
  const wasm = await stepsPerSec('wasm', opts.wasmSteps ?? 4, batchSize, true);
  log(`wasm (project conv-gradient kernels): ${fmt(wasm)}`);
  let builtinRate: Rate = { wall: Number.NaN, cpu: Number.NaN };
  if ((opts.builtinInput ?? true) && builtin && builtin.kernelFunc !== (conv2DBackpropInputWasm as unknown as tf.KernelFunc)) {
    tf.unregisterKernel('Conv2DBackpropInput', 'wasm');
    useKernel(builtin);
    try {
      builtinRate = await stepsPerSec('wasm', Math.min(2, opts.wasmSteps ?? 4), batchSize, true);
    } finally {
      tf.unregisterKernel('Conv2DBackpropInput', 'wasm');
      tf.registerKernel({ kernelName: 'Conv2DBackpropInput', backendName: 'wasm', kernelFunc: conv2DBackpropInputWasm as unknown as tf.KernelFunc });
    }
    log(`wasm (tfjs built-in Conv2DBackpropInput): ${fmt(builtinRate)}`);
  }
  const cpuBatchSize = opts.cpuBatchSize ?? 4;
  const cpu = await stepsPerSec('cpu', opts.cpuSteps ?? 1, cpuBatchSize, false);
  log(`cpu (pure JS, batch ${cpuBatchSize}): ${fmt(cpu, 3)}`);
  await tf.setBackend('wasm');
  return {
    wasmImgPerSec: wasm.wall,
    cpuImgPerSec: cpu.wall,
    wasmBuiltinInputImgPerSec: builtinRate.wall,
    wasmImgPerCpuSec: wasm.cpu,
    cpuImgPerCpuSec: cpu.cpu,
    wasmBuiltinInputImgPerCpuSec: builtinRate.cpu,
    batchSize,
    cpuBatchSize,
  };
}

/**
 * Registers a kernel config and runs its setup on the live wasm backend (tfjs runs setupFuncs
 * only when a backend initialises, and the built-in kernel was unregistered before that).
 */
function useKernel(config: tf.KernelConfig): void {
  tf.registerKernel(config);
  const backend = tf.findBackend('wasm');
  if (backend && config.setupFunc) config.setupFunc(backend);
}

/** Per-layer timing of one conv kernel call, in CPU milliseconds of this process. */
export interface ConvKernelTiming {
  layer: string;
  forwardMs: number;
  filterGradMs: number;
  inputGradMs: number;
  builtinInputGradMs: number;
}

/**
 * Times the seed CNN's four convolutions at batch 32 on wasm: forward, the project's filter and
 * input gradients, and tfjs' built-in input gradient (median of `repeats`, CPU ms).
 */
export async function benchConvKernels(repeats = 3): Promise<ConvKernelTiming[]> {
  const builtin = tf.getKernel('Conv2DBackpropInput', 'wasm');
  registerWasmTrainingKernels();
  await tf.setBackend('wasm');
  const layers: [string, [number, number, number, number], number, number][] = [
    ['conv1 6×6 3→32 @64²', [32, 64, 64, 3], 6, 32],
    ['conv2 5×5 32→64 @64²', [32, 64, 64, 32], 5, 64],
    ['conv3 2×2 64→128 @32²', [32, 32, 32, 64], 2, 128],
    ['conv4 3×3 128→128 @16²', [32, 16, 16, 128], 3, 128],
  ];
  const median = (f: () => tf.Tensor) => {
    f().dispose();
    const ms: number[] = [];
    for (let i = 0; i < repeats; i++) {
      const c = process.cpuUsage();
      const t = f();
      t.dataSync();
      const d = process.cpuUsage(c);
      t.dispose();
      ms.push((d.user + d.system) / 1000);
    }
    return ms.sort((a, b) => a - b)[Math.floor(ms.length / 2)]!;
  };
  const out: ConvKernelTiming[] = [];
  for (const [layer, xs, k, co] of layers) {
    const x = tf.randomUniform(xs) as tf.Tensor4D;
    const w = tf.randomUniform([k, k, xs[3], co]) as tf.Tensor4D;
    const dy = tf.randomUniform([xs[0], xs[1], xs[2], co]) as tf.Tensor4D;
    const forwardMs = median(() => tf.conv2d(x, w, 1, 'same'));
    const filterGradMs = median(() => conv2dFilterGrad(x, dy, k, co));
    const inputGradMs = median(() => tf.conv2dTranspose(dy, w, xs, 1, 'same'));
    let builtinInputGradMs = Number.NaN;
    if (builtin) {
      tf.unregisterKernel('Conv2DBackpropInput', 'wasm');
      useKernel(builtin);
      try {
        builtinInputGradMs = median(() => tf.conv2dTranspose(dy, w, xs, 1, 'same'));
      } finally {
        tf.unregisterKernel('Conv2DBackpropInput', 'wasm');
        tf.registerKernel({ kernelName: 'Conv2DBackpropInput', backendName: 'wasm', kernelFunc: conv2DBackpropInputWasm as unknown as tf.KernelFunc });
      }
    }
    tf.dispose([x, w, dy]);
    out.push({ layer, forwardMs, filterGradMs, inputGradMs, builtinInputGradMs });
  }
  return out;
}

function conv2dFilterGrad(x: tf.Tensor4D, dy: tf.Tensor4D, k: number, co: number): tf.Tensor {
  return tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, {
    strides: [1, 1], pad: 'same', dataFormat: 'NHWC', dimRoundingMode: undefined, filterShape: [k, k, x.shape[3], co],
  } as unknown as tf.NamedAttrMap) as tf.Tensor;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  if (process.argv.includes('--kernels')) {
    for (const t of await benchConvKernels()) {
      console.log(`${t.layer}: forward ${t.forwardMs.toFixed(0)} ms, dW ${t.filterGradMs.toFixed(0)} ms, dx ${t.inputGradMs.toFixed(0)} ms (tfjs built-in dx ${t.builtinInputGradMs.toFixed(0)} ms)`);
    }
    process.exit(0);
  }
  const r = await benchTrain({ builtinInput: !process.argv.includes('--no-builtin') });
  console.log(JSON.stringify(r));
  console.log(`wasm / cpu: ${(r.wasmImgPerSec / r.cpuImgPerSec).toFixed(1)}× wall, ${(r.wasmImgPerCpuSec / r.cpuImgPerCpuSec).toFixed(1)}× per cpu-s`);
}

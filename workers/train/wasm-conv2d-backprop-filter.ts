/**
 * Training kernels for the tfjs 'wasm' backend.
 *
 * tfjs-backend-wasm 4.22 has no `Conv2DBackpropFilter`, so `tf.grad` through a conv2d throws on
 * 'wasm'; its own `Conv2DBackpropInput` exists but is a naive loop (~10× slower than the forward
 * conv at the seed CNN's shapes). Both gradients are convolutions themselves, so this module
 * expresses them through the backend's fast XNNPACK `Conv2D` kernel on transposed tensors:
 *
 * - filter gradient: dW[kh,kw,ci,co] = Σ_{n,oh,ow} xpad[n, oh·s+kh, ow·s+kw, ci] · dy[n,oh,ow,co]
 *   is a 'valid' conv of xpad transposed to [ci, H, W, n] (batch = ci, channels = n) with dy
 *   transposed to [oh, ow, n, co] as the filter and dilation = stride; the result [ci, kh, kw, co]
 *   is transposed back to [kh, kw, ci, co].
 * - input gradient: dx is a stride-1 conv of dy (zero-dilated by the stride) with the filter
 *   rotated by 180° and its channel axes swapped, with padding (k−1−pad) on each side.
 *
 * The kernels call other wasm kernels directly (PadV2, Slice, Transpose, Reverse, Reshape, Conv2D)
 * and free every intermediate, so they add nothing to the tape and leak nothing.
 * NHWC only, dilation 1 (the same restriction as tfjs's own conv2d gradient); 'same', 'valid',
 * a number, or explicit [[0,0],[t,b],[l,r],[0,0]] padding; any strides.
 */
import * as tf from '@tensorflow/tfjs';
import type {
  Conv2DBackpropFilterAttrs,
  Conv2DBackpropInputAttrs,
  KernelBackend,
  NamedAttrMap,
  NamedTensorInfoMap,
  TensorInfo,
} from '@tensorflow/tfjs';

type Pads = { top: number; bottom: number; left: number; right: number };

/** Calls a kernel already registered for 'wasm' (after the backend is initialised). */
function runWasm(
  name: string,
  backend: KernelBackend,
  inputs: NamedTensorInfoMap,
  attrs: NamedAttrMap = {},
): TensorInfo {
  const kernel = tf.getKernel(name, 'wasm');
  if (kernel === undefined) {
    throw new Error(`wasm-training: kernel '${name}' is not registered for backend 'wasm'`);
  }
  const out = kernel.kernelFunc({ inputs, backend, attrs });
  if (Array.isArray(out)) throw new Error(`wasm-training: kernel '${name}' returned several outputs`);
  return out as TensorInfo;
}

/** Frees intermediate results (never the kernel's inputs or its output). */
function free(backend: KernelBackend, ...infos: TensorInfo[]): void {
  for (const info of infos) backend.disposeData(info.dataId);
}

function assertNhwc(kernel: string, dataFormat: string | undefined): void {
  if (dataFormat !== undefined && dataFormat !== 'NHWC') {
    throw new Error(`wasm-training: ${kernel} supports dataFormat 'NHWC' only, got '${dataFormat}'`);
  }
}

/** `Conv2DBackpropFilter` for 'wasm' through Conv2D on transposed tensors (see module doc). */
export function conv2DBackpropFilterWasm(args: {
  inputs: NamedTensorInfoMap;
  backend: KernelBackend;
  attrs?: NamedAttrMap;
}): TensorInfo {
  const { backend } = args;
  const x = args.inputs['x'];
  const dy = args.inputs['dy'];
  if (x === undefined || dy === undefined) throw new Error('wasm-training: Conv2DBackpropFilter needs inputs x and dy');
  const attrs = args.attrs as unknown as Conv2DBackpropFilterAttrs;
  assertNhwc('Conv2DBackpropFilter', attrs.dataFormat);
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    attrs.filterShape,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    'channelsLast',
  );
  const p: Pads = info.padInfo;
  const temps: TensorInfo[] = [];
  let xp = x;
  if (p.top > 0 || p.bottom > 0 || p.left > 0 || p.right > 0) {
    xp = runWasm('PadV2', backend, { x }, {
      paddings: [[0, 0], [p.top, p.bottom], [p.left, p.right], [0, 0]],
      constantValue: 0,
    });
    temps.push(xp);
  }
  // Rows/columns a 'valid' tail or a stride leaves unused would make the output larger than
  // the filter: crop them.
  const needH = (info.outHeight - 1) * info.strideHeight + info.filterHeight;
  const needW = (info.outWidth - 1) * info.strideWidth + info.filterWidth;
  const [n, hp, wp, ci] = xp.shape as [number, number, number, number];
  if (hp > needH || wp > needW) {
    xp = runWasm('Slice', backend, { x: xp }, { begin: [0, 0, 0, 0], size: [n, needH, needW, ci] });
    temps.push(xp);
  } else if (hp < needH || wp < needW) {
    throw new Error(`wasm-training: Conv2DBackpropFilter padded input ${hp}x${wp} smaller than ${needH}x${needW}`);
  }
  const xt = runWasm('Transpose', backend, { x: xp }, { perm: [3, 1, 2, 0] });
  const dyt = runWasm('Transpose', backend, { x: dy }, { perm: [1, 2, 0, 3] });
  const dw = runWasm('Conv2D', backend, { x: xt, filter: dyt }, {
    strides: [1, 1],
    pad: 'valid',
    dataFormat: 'NHWC',
    dilations: [info.strideHeight, info.strideWidth],
    dimRoundingMode: undefined as unknown as string,
  });
  const out = runWasm('Transpose', backend, { x: dw }, { perm: [1, 2, 0, 3] });
  free(backend, ...temps, xt, dyt, dw);
  return out;
}

/** `Conv2DBackpropInput` for 'wasm' as a stride-1 Conv2D of the dilated dy (see module doc). */
export function conv2DBackpropInputWasm(args: {
  inputs: NamedTensorInfoMap;
  backend: KernelBackend;
  attrs?: NamedAttrMap;
}): TensorInfo {
  const { backend } = args;
  const dy = args.inputs['dy'];
  const filter = args.inputs['filter'];
  if (dy === undefined || filter === undefined) throw new Error('wasm-training: Conv2DBackpropInput needs inputs dy and filter');
  const attrs = args.attrs as unknown as Conv2DBackpropInputAttrs;
  assertNhwc('Conv2DBackpropInput', attrs.dataFormat);
  const info = tf.backend_util.computeConv2DInfo(
    attrs.inputShape,
    filter.shape as [number, number, number, number],
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    'channelsLast',
  );
  const [n, oh, ow, co] = dy.shape as [number, number, number, number];
  const { strideHeight: sh, strideWidth: sw, filterHeight: kh, filterWidth: kw } = info;
  const temps: TensorInfo[] = [];
  let d = dy;
  if (sh > 1 || sw > 1) {
    // Insert (s−1) zeros after every row/column: [n, oh, 1, ow, 1, co] padded to [n, oh, sh, ow, sw, co].
    const r6 = runWasm('Reshape', backend, { x: dy }, { shape: [n, oh, 1, ow, 1, co] });
    const p6 = runWasm('PadV2', backend, { x: r6 }, {
      paddings: [[0, 0], [0, 0], [0, sh - 1], [0, 0], [0, sw - 1], [0, 0]],
      constantValue: 0,
    });
    d = runWasm('Reshape', backend, { x: p6 }, { shape: [n, oh * sh, ow * sw, co] });
    temps.push(r6, p6, d);
  }
  const dh = d.shape[1] as number;
  const dw = d.shape[2] as number;
  const [, inH, inW, inC] = attrs.inputShape;
  const axis = (len: number, k: number, padBefore: number, target: number) => {
    const t = k - 1 - padBefore;
    const before = Math.max(t, 0);
    const offset = Math.max(-t, 0);
    const after = Math.max(0, offset + target + k - 1 - len - before);
    return { before, after, offset };
  };
  const ah = axis(dh, kh, info.padInfo.top, inH);
  const aw = axis(dw, kw, info.padInfo.left, inW);
  const rev = runWasm('Reverse', backend, { x: filter }, { dims: [0, 1] });
  const rotated = runWasm('Transpose', backend, { x: rev }, { perm: [0, 1, 3, 2] });
  temps.push(rev, rotated);
  let padded = d;
  if (ah.before + ah.after + aw.before + aw.after > 0) {
    padded = runWasm('PadV2', backend, { x: d }, {
      paddings: [[0, 0], [ah.before, ah.after], [aw.before, aw.after], [0, 0]],
      constantValue: 0,
    });
    temps.push(padded);
  }
  let dx = runWasm('Conv2D', backend, { x: padded, filter: rotated }, {
    strides: [1, 1],
    pad: 'valid',
    dataFormat: 'NHWC',
    dilations: [1, 1],
    dimRoundingMode: undefined as unknown as string,
  });
  if (dx.shape[1] !== inH || dx.shape[2] !== inW || ah.offset > 0 || aw.offset > 0) {
    const full = dx;
    dx = runWasm('Slice', backend, { x: full }, { begin: [0, ah.offset, aw.offset, 0], size: [n, inH, inW, inC] });
    temps.push(full);
  }
  free(backend, ...temps);
  return dx;
}

let registered = false;

/**
 * Registers the conv2d gradient kernels for the 'wasm' backend: `Conv2DBackpropFilter` (missing
 * in tfjs-backend-wasm 4.22) and a faster `Conv2DBackpropInput` (replacing the built-in one).
 * Idempotent; safe to call before or after `tf.setBackend('wasm')`, but the backend package
 * (`@tensorflow/tfjs-backend-wasm`) must have been imported by the caller. Errors inside the
 * kernels surface from the `tf.grad`/`model.fit` call that needed them.
 * @example
 *   import '@tensorflow/tfjs-backend-wasm';
 *   registerWasmTrainingKernels();
 *   await tf.setBackend('wasm');
 */
export function registerWasmTrainingKernels(): void {
  if (registered) return;
  const filterKernel = tf.getKernel('Conv2DBackpropFilter', 'wasm');
  if (filterKernel === undefined) {
    tf.registerKernel({
      kernelName: 'Conv2DBackpropFilter',
      backendName: 'wasm',
      kernelFunc: conv2DBackpropFilterWasm as unknown as tf.KernelFunc,
    });
  }
  const inputKernel = tf.getKernel('Conv2DBackpropInput', 'wasm');
  if (inputKernel?.kernelFunc !== (conv2DBackpropInputWasm as unknown as tf.KernelFunc)) {
    if (inputKernel !== undefined) tf.unregisterKernel('Conv2DBackpropInput', 'wasm');
    tf.registerKernel({
      kernelName: 'Conv2DBackpropInput',
      backendName: 'wasm',
      kernelFunc: conv2DBackpropInputWasm as unknown as tf.KernelFunc,
    });
  }
  registered = true;
}

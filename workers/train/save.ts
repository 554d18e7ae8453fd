/**
 * Saves a tf.LayersModel in the standard tfjs layers format (model.json + binary weight shards,
 * what `tensorflowjs_converter` writes for Keras models), optionally storing float32 weights as
 * float16 (`quantization: { dtype: 'float16' }` in the weights manifest, which tfjs-core's
 * `io.decodeWeights` expands back to float32 on load), and returns the sha256 of every file for
 * the model manifest. Files are written through an injected writer, so the same code serves
 * Node (./save-node.js), Deno and browsers. Hashing uses `crypto.subtle` (Node 20+, Deno, browsers).
 */
import * as tf from '@tensorflow/tfjs';

/** One written file. */
export interface SavedFile {
  /** Path relative to the model folder (e.g. 'model.json', 'group1-shard1of1.bin'). */
  path: string;
  bytes: number;
  /** Lower-case hex sha256 of the file's bytes. */
  sha256: string;
}

/** Options of {@link saveLayersModel}. */
export interface SaveModelOptions {
  /** Writes one file (path relative to the model folder). */
  writeFile: (path: string, data: Uint8Array) => Promise<void>;
  /** Store float32 weights as float16 (halves the size; ~3 significant digits) (default false). */
  float16?: boolean;
  /** Maximum bytes per weight shard (default 4 MiB, as tensorflowjs_converter). */
  shardBytes?: number;
  /** Extra fields merged into model.json's `userDefinedMetadata` (default none). */
  metadata?: Record<string, object | string | number | boolean>;
}

/** Result of {@link saveLayersModel}. */
export interface SavedModel {
  files: SavedFile[];
  /** The model.json object as written. */
  modelJson: tf.io.ModelJSON;
  /** Bytes of all weight shards. */
  weightBytes: number;
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** IEEE 754 binary16 bits of `v`, round to nearest even; overflow → ±Inf, NaN kept. */
export function float32ToFloat16Bits(v: number): number {
  f32[0] = v;
  const x = u32[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant !== 0 ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    if (rem > halfway || (rem === halfway && (half & 1) === 1)) half += 1;
    return sign | half;
  }
  let half = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  // a carry out of the mantissa correctly bumps the exponent (up to Inf)
  if (rem > 0x1000 || (rem === 0x1000 && (half & 1) === 1)) half += 1;
  return sign | half;
}

/** Lower-case hex sha256 (the project's one implementation, in src/models/bundle.ts). */
export { sha256Hex } from '../../src/models/bundle.js'
import { sha256Hex } from '../../src/models/bundle.js'

/**
 * Writes `model` as model.json + `group1-shardXofY.bin` through `opts.writeFile` and returns the
 * files with their sizes and sha256. Write errors reject with `save: cannot write <path>`.
 * @example
 *   const { files } = await saveLayersModel(model, { writeFile: nodeDirectoryWriter('models/morph'), float16: true });
 */
export async function saveLayersModel(model: tf.LayersModel, opts: SaveModelOptions): Promise<SavedModel> {
  const shardBytes = opts.shardBytes ?? 4 * 1024 * 1024;
  if (!(Number.isInteger(shardBytes) && shardBytes >= 4)) throw new Error(`save: shardBytes must be an integer >= 4, got ${shardBytes}`);
  let artifacts: tf.io.ModelArtifacts | null = null;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  const art = artifacts as tf.io.ModelArtifacts | null;
  if (!art || !art.weightSpecs || art.weightData === undefined) throw new Error(`save: model "${model.name}" produced no weights`);
  const raw = new Uint8Array(new tf.io.CompositeArrayBuffer(art.weightData).slice());

  // Re-encode weights (float16 where asked), keeping the manifest order.
  const specs: tf.io.WeightsManifestEntry[] = [];
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const spec of art.weightSpecs) {
    const n = spec.shape.reduce((a, b) => a * b, 1);
    const bytes = n * 4;
    const src = raw.subarray(offset, offset + bytes);
    offset += bytes;
    if (opts.float16 && spec.dtype === 'float32') {
      const values = new Float32Array(src.slice().buffer);
      const half = new Uint16Array(n);
      for (let i = 0; i < n; i++) half[i] = float32ToFloat16Bits(values[i]!);
      chunks.push(new Uint8Array(half.buffer));
      specs.push({ name: spec.name, shape: spec.shape, dtype: 'float32', quantization: { dtype: 'float16' } });
    } else {
      chunks.push(src);
      specs.push({ name: spec.name, shape: spec.shape, dtype: spec.dtype });
    }
  }
  const total = chunks.reduce((s, c) => s + c.length, 0);
  const all = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.length;
  }
  const nShards = Math.max(1, Math.ceil(total / shardBytes));
  const paths = Array.from({ length: nShards }, (_, i) => `group1-shard${i + 1}of${nShards}.bin`);
  const modelJson: tf.io.ModelJSON = {
    modelTopology: art.modelTopology as object,
    format: 'layers-model',
    generatedBy: `TensorFlow.js tfjs-layers v${tf.version_layers}`,
    convertedBy: null,
    weightsManifest: [{ paths, weights: specs }],
  };
  if (opts.metadata) modelJson.userDefinedMetadata = opts.metadata;
  const files: SavedFile[] = [];
  const write = async (path: string, data: Uint8Array) => {
    try {
      await opts.writeFile(path, data);
    } catch (err) {
      throw new Error(`save: cannot write ${path}`, { cause: err });
    }
    files.push({ path, bytes: data.length, sha256: await sha256Hex(data) });
  };
  for (let i = 0; i < nShards; i++) await write(paths[i]!, all.subarray(i * shardBytes, Math.min(total, (i + 1) * shardBytes)));
  await write('model.json', new TextEncoder().encode(JSON.stringify(modelJson)));
  return { files, modelJson, weightBytes: total };
}

/**
 * Loads a model saved by {@link saveLayersModel} (or any tfjs layers model folder) through an
 * injected reader; float16 weights are expanded to float32 by tfjs. A missing or short shard
 * rejects with `save: ...` naming the file.
 * @example const model = await loadLayersModelFrom((p) => readFile(join(dir, p)));
 */
export async function loadLayersModelFrom(readFile: (path: string) => Promise<Uint8Array>, modelJsonPath = 'model.json'): Promise<tf.LayersModel> {
  const read = async (path: string) => {
    try {
      return await readFile(path);
    } catch (err) {
      throw new Error(`save: cannot read ${path}`, { cause: err });
    }
  };
  let json: tf.io.ModelJSON;
  const text = new TextDecoder().decode(await read(modelJsonPath));
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new Error(`save: ${modelJsonPath} is not valid JSON`, { cause: err });
  }
  const weightSpecs: tf.io.WeightsManifestEntry[] = [];
  const buffers: ArrayBuffer[] = [];
  for (const group of json.weightsManifest ?? []) {
    for (const p of group.paths) {
      const b = await read(p);
      buffers.push(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer);
    }
    weightSpecs.push(...group.weights);
  }
  const weightData = tf.io.concatenateArrayBuffers(buffers);
  const need = weightSpecs.reduce((s, w) => {
    const per = w.quantization ? (w.quantization.dtype === 'uint8' ? 1 : 2) : 4;
    return s + w.shape.reduce((a, b) => a * b, 1) * per;
  }, 0);
  if (weightData.byteLength < need) {
    throw new Error(`save: weight shards of ${modelJsonPath} hold ${weightData.byteLength} bytes, the manifest needs ${need}`);
  }
  return tf.loadLayersModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs, weightData }));
}

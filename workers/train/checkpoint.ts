/**
 * Training checkpoints: everything needed to continue a run at the next epoch with the same
 * result as an uninterrupted run (model weights incl. batch-norm statistics, Adam moments and
 * step, RNG state, history, early-stopping state, best weights so far), and a storage interface
 * that callers implement per runtime (Node: ./checkpoint-node.js; Deno/browser: wrap
 * `Deno.writeFile`/IndexedDB around {@link encodeCheckpoint}/{@link decodeCheckpoint}).
 */
import type { RngState } from './rng.js';

/** A named float32 or int32 array (a weight, an optimizer slot). */
export interface NamedArray {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
  data: Float32Array | Int32Array;
}

/** Metrics of one epoch (`val_*` present when there is validation data). */
export interface EpochLogs {
  /** 0-based epoch index. */
  epoch: number;
  loss: number;
  acc?: number;
  val_loss?: number;
  val_acc?: number;
  /** Learning rate the epoch trained with (recorded when a schedule changes it). */
  lr?: number;
  /** Wall time of the epoch in ms (training + validation). */
  ms: number;
}

/** Full training state after a completed epoch. */
export interface TrainCheckpoint {
  version: 1;
  /** Number of completed epochs (resume starts at this 0-based epoch). */
  epoch: number;
  /** Optimizer steps taken. */
  step: number;
  rngState: RngState;
  weights: NamedArray[];
  optimizer: NamedArray[];
  /** Adam's running β1^t, β2^t exactly as held (recomputing them with pow is not bitwise equal). */
  accBeta: [number, number] | null;
  history: EpochLogs[];
  earlyStopping: { best: number | null; bestEpoch: number; wait: number };
  /** Learning-rate schedule state (runs with reduce-on-plateau): the rate for the next epoch and its wait count. */
  schedule?: { learningRate: number; wait: number };
  bestWeights: NamedArray[] | null;
  /** Settings the run was started with; resume refuses a checkpoint whose settings differ. */
  config: Record<string, string | number | boolean | null>;
}

/** Where checkpoints go. `load` resolves null when there is none. */
export interface CheckpointStore {
  save(ckpt: TrainCheckpoint): Promise<void>;
  load(): Promise<TrainCheckpoint | null>;
}

interface Entry {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
  offset: number;
  length: number;
}

/**
 * Serialises a checkpoint to a JSON string plus one binary blob (all arrays, little-endian as in
 * memory, 4-byte aligned).
 */
export function encodeCheckpoint(ckpt: TrainCheckpoint): { json: string; bin: Uint8Array } {
  const groups = { weights: ckpt.weights, optimizer: ckpt.optimizer, bestWeights: ckpt.bestWeights ?? [] };
  let total = 0;
  for (const arrs of Object.values(groups)) for (const a of arrs) total += a.data.byteLength;
  const bin = new Uint8Array(total);
  let offset = 0;
  const index: Record<string, Entry[]> = {};
  for (const [key, arrs] of Object.entries(groups)) {
    index[key] = arrs.map((a) => {
      bin.set(new Uint8Array(a.data.buffer, a.data.byteOffset, a.data.byteLength), offset);
      const e = { name: a.name, shape: a.shape, dtype: a.dtype, offset, length: a.data.length };
      offset += a.data.byteLength;
      return e;
    });
  }
  const { weights: _w, optimizer: _o, bestWeights, ...rest } = ckpt;
  const json = JSON.stringify({ ...rest, hasBestWeights: bestWeights !== null, index });
  return { json, bin };
}

/** Inverse of {@link encodeCheckpoint}; throws `checkpoint: ...` on a malformed or truncated pair. */
export function decodeCheckpoint(json: string, bin: Uint8Array): TrainCheckpoint {
  let meta: Omit<TrainCheckpoint, 'weights' | 'optimizer' | 'bestWeights'> & {
    hasBestWeights: boolean;
    index: Record<string, Entry[]>;
  };
  try {
    meta = JSON.parse(json);
  } catch (err) {
    throw new Error('checkpoint: manifest is not valid JSON', { cause: err });
  }
  if (meta.version !== 1) throw new Error(`checkpoint: unsupported version ${String(meta.version)}`);
  const buf = bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength);
  const read = (entries: Entry[] | undefined): NamedArray[] =>
    (entries ?? []).map((e) => {
      if (e.offset + e.length * 4 > buf.byteLength) {
        throw new Error(`checkpoint: array "${e.name}" runs past the end of the data (${buf.byteLength} bytes)`);
      }
      const data = e.dtype === 'int32' ? new Int32Array(buf, e.offset, e.length) : new Float32Array(buf, e.offset, e.length);
      return { name: e.name, shape: e.shape, dtype: e.dtype, data };
    });
  const { hasBestWeights, index, ...rest } = meta;
  return {
    ...rest,
    weights: read(index['weights']),
    optimizer: read(index['optimizer']),
    bestWeights: hasBestWeights ? read(index['bestWeights']) : null,
  };
}

/** A store that keeps the latest checkpoint in memory (tests, or a caller that persists it itself). */
export function memoryCheckpointStore(): CheckpointStore & { saves: number; latest: TrainCheckpoint | null } {
  const store = {
    saves: 0,
    latest: null as TrainCheckpoint | null,
    async save(ckpt: TrainCheckpoint) {
      const { json, bin } = encodeCheckpoint(ckpt);
      store.latest = decodeCheckpoint(json, bin);
      store.saves += 1;
    },
    async load() {
      return store.latest;
    },
  };
  return store;
}

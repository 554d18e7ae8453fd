/**
 * Node adapter: a {@link CheckpointStore} in a folder. Each save writes the arrays to
 * `checkpoint-e<epoch>.bin`, then atomically replaces `checkpoint.json` (which names that .bin)
 * and deletes the previous .bin, so an interrupted save leaves the previous checkpoint usable.
 */
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeCheckpoint, encodeCheckpoint, type CheckpointStore, type TrainCheckpoint } from './checkpoint.js';

/**
 * Checkpoint store in `dir` (created if missing). `load` resolves null when the folder has no
 * checkpoint; read/parse failures reject with `checkpoint: ...` naming the file.
 * @example await trainModel({ ..., checkpoint: fsCheckpointStore('runs/morph'), resume: true });
 */
export function fsCheckpointStore(dir: string): CheckpointStore {
  const jsonPath = join(dir, 'checkpoint.json');
  return {
    async save(ckpt: TrainCheckpoint) {
      await mkdir(dir, { recursive: true });
      const { json, bin } = encodeCheckpoint(ckpt);
      let previous: string | null = null;
      try {
        previous = (JSON.parse(await readFile(jsonPath, 'utf8')) as { binFile?: string }).binFile ?? null;
      } catch {
        previous = null;
      }
      const binFile = `checkpoint-e${ckpt.epoch}.bin`;
      await writeFile(join(dir, binFile), bin);
      await writeFile(`${jsonPath}.tmp`, `{"binFile":${JSON.stringify(binFile)},"checkpoint":${json}}`);
      await rename(`${jsonPath}.tmp`, jsonPath);
      if (previous !== null && previous !== binFile) await rm(join(dir, previous), { force: true });
    },
    async load() {
      let outer: { binFile: string; checkpoint: unknown };
      try {
        outer = JSON.parse(await readFile(jsonPath, 'utf8'));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw new Error(`checkpoint: cannot read ${jsonPath}`, { cause: err });
      }
      const binPath = join(dir, outer.binFile);
      let bin: Uint8Array;
      try {
        bin = await readFile(binPath);
      } catch (err) {
        throw new Error(`checkpoint: cannot read ${binPath} named in ${jsonPath}`, { cause: err });
      }
      try {
        return decodeCheckpoint(JSON.stringify(outer.checkpoint), bin);
      } catch (err) {
        throw new Error(`checkpoint: ${jsonPath} is unusable`, { cause: err });
      }
    },
  };
}

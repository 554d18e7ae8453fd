/** Node adapter for ./save.js: writes and reads model files in a folder. */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/**
 * A `writeFile` for {@link saveLayersModel} that writes under `dir` (created as needed).
 * @example await saveLayersModel(model, { writeFile: nodeDirectoryWriter('models/morph') });
 */
export function nodeDirectoryWriter(dir: string): (path: string, data: Uint8Array) => Promise<void> {
  return async (path, data) => {
    const full = join(dir, path);
    await mkdir(dirname(full), { recursive: true });
    await writeFile(full, data);
  };
}

/** A `readFile` for {@link loadLayersModelFrom} that reads under `dir`. */
export function nodeDirectoryReader(dir: string): (path: string) => Promise<Uint8Array> {
  return async (path) => new Uint8Array(await readFile(join(dir, path)));
}

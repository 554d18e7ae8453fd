import * as tf from '@tensorflow/tfjs';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildSeedCnn } from '../../workers/model/architectures.js';
import { float32ToFloat16Bits, loadLayersModelFrom, saveLayersModel } from '../../workers/train/save.js';
import { nodeDirectoryReader, nodeDirectoryWriter } from '../../workers/train/save-node.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function memoryFs() {
  const files = new Map<string, Uint8Array>();
  return {
    files,
    writeFile: async (p: string, d: Uint8Array) => void files.set(p, d.slice()),
    readFile: async (p: string) => {
      const f = files.get(p);
      if (!f) throw new Error(`ENOENT ${p}`);
      return f;
    },
  };
}

describe('float16 encoding', () => {
  it('rounds to nearest even and handles the special values', () => {
    expect(float32ToFloat16Bits(1)).toBe(0x3c00);
    expect(float32ToFloat16Bits(-2)).toBe(0xc000);
    expect(float32ToFloat16Bits(65504)).toBe(0x7bff);
    expect(float32ToFloat16Bits(1e6)).toBe(0x7c00);
    expect(float32ToFloat16Bits(Number.NaN) & 0x7c00).toBe(0x7c00);
    expect(float32ToFloat16Bits(2 ** -24)).toBe(0x0001); // smallest subnormal
    expect(float32ToFloat16Bits(2 ** -26)).toBe(0); // underflow
    expect(float32ToFloat16Bits(1 + 2 ** -11)).toBe(0x3c00); // tie → even
    expect(float32ToFloat16Bits(1 + 3 * 2 ** -11)).toBe(0x3c02); // tie → even (up)
    expect(float32ToFloat16Bits(0.1)).toBe(0x2e66);
  });
});

describe('saveLayersModel', () => {
  it('writes model.json + shards with their sha256; float32 reloads bit-identical', async () => {
    const model = buildSeedCnn({ inputShape: [32, 32, 3], seed: 4 });
    const fs = memoryFs();
    const saved = await saveLayersModel(model, { writeFile: fs.writeFile, shardBytes: 1024 * 1024, metadata: { task: 'morphology' } });
    const names = saved.files.map((f) => f.path);
    expect(names[names.length - 1]).toBe('model.json');
    const shards = names.filter((n) => n.endsWith('.bin'));
    expect(shards.length).toBe(Math.ceil((model.countParams() * 4) / (1024 * 1024)));
    expect(saved.weightBytes).toBe(model.countParams() * 4);
    for (const f of saved.files) {
      const data = fs.files.get(f.path)!;
      expect(f.bytes).toBe(data.length);
      expect(f.sha256).toBe(createHash('sha256').update(data).digest('hex'));
    }
    const json = JSON.parse(new TextDecoder().decode(fs.files.get('model.json')));
    expect(json.format).toBe('layers-model');
    expect(json.userDefinedMetadata).toEqual({ task: 'morphology' });
    const loaded = await loadLayersModelFrom(fs.readFile);
    const x = tf.randomNormal([2, 32, 32, 3]);
    expect(Array.from(await (loaded.predict(x) as tf.Tensor).data())).toEqual(Array.from(await (model.predict(x) as tf.Tensor).data()));
  });

  it('float16 storage halves the weights and predicts within tolerance after loading', async () => {
    const model = buildSeedCnn({ inputShape: [32, 32, 3], batchNorm: true, seed: 5 });
    const a = memoryFs();
    const b = memoryFs();
    const full = await saveLayersModel(model, { writeFile: a.writeFile });
    const half = await saveLayersModel(model, { writeFile: b.writeFile, float16: true });
    expect(half.weightBytes).toBe(full.weightBytes / 2);
    const manifest = (half.modelJson.weightsManifest[0]!.weights as tf.io.WeightsManifestEntry[]);
    expect(manifest.every((w) => w.quantization?.dtype === 'float16' && w.dtype === 'float32')).toBe(true);
    const loaded = await loadLayersModelFrom(b.readFile);
    const x = tf.randomUniform([8, 32, 32, 3], 0, 1, 'float32', 1);
    const p32 = await (model.predict(x) as tf.Tensor).data();
    const p16 = await (loaded.predict(x) as tf.Tensor).data();
    const maxDiff = Math.max(...Array.from(p32, (v, i) => Math.abs(v - p16[i]!)));
    expect(maxDiff).toBeLessThan(5e-3);
    expect(maxDiff).toBeGreaterThan(0); // really stored at reduced precision
  });

  it('writes to and loads from a folder in Node; a truncated shard is reported by name', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sc-save-'));
    try {
      const model = buildSeedCnn({ inputShape: [16, 16, 1], small: true, seed: 6 });
      const saved = await saveLayersModel(model, { writeFile: nodeDirectoryWriter(dir), float16: true });
      const shard = saved.files.find((f) => f.path.endsWith('.bin'))!;
      expect(createHash('sha256').update(await readFile(join(dir, shard.path))).digest('hex')).toBe(shard.sha256);
      const loaded = await loadLayersModelFrom(nodeDirectoryReader(dir));
      expect(loaded.countParams()).toBe(model.countParams());
      await writeFile(join(dir, shard.path), new Uint8Array(10));
      await expect(loadLayersModelFrom(nodeDirectoryReader(dir))).rejects.toThrow(/weight shards of model.json hold 10 bytes, the manifest needs \d+/);
      await expect(loadLayersModelFrom(nodeDirectoryReader(join(dir, 'missing')))).rejects.toThrow(/save: cannot read model.json/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

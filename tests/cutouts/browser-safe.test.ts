import { fileURLToPath } from 'node:url'
import { createContext, runInContext } from 'node:vm'
import { gzipSync } from 'node:zlib'
import { build } from 'esbuild'
import jpeg from 'jpeg-js'
import { describe, expect, it } from 'vitest'
import { encodeFits } from '../../src/cutouts/fits.js'

// The cutout modules run in browsers, Deno and web workers. Bundle them for the
// browser (which fails on any node:* import) and run the bundle in a bare VM
// context that has only Web APIs: no Buffer, process or require.

const root = fileURLToPath(new URL('../../src/cutouts/', import.meta.url))

async function bundle(): Promise<string> {
  const result = await build({
    stdin: {
      contents: ['sniff', 'fits', 'png', 'jpeg', 'preprocess', 'cutout-service'].map((m) => `export * from './${m}.ts'`).join('\n'),
      resolveDir: root,
      loader: 'ts',
    },
    bundle: true,
    platform: 'browser',
    format: 'iife',
    globalName: 'cutouts',
    write: false,
    logLevel: 'silent',
  })
  return result.outputFiles[0]?.text ?? ''
}

interface BundledApi {
  decodeCutoutBytes(bytes: Uint8Array, where: string): Promise<{ data: Float32Array; height: number; width: number; bands: number; layout: string; format: string }>
  encodePng(img: { width: number; height: number; channels: number; data: Uint8Array }): Promise<Uint8Array>
  preprocessCutout(pixels: ArrayLike<number>, layout: unknown, spec: unknown, out: Float32Array, offset: number): { nonFinite: number }
}

describe('browser safety of src/cutouts', () => {
  it('bundles for the browser and decodes FITS, gzip FITS, PNG and JPEG without Node globals', async () => {
    const code = await bundle()
    expect(code).not.toMatch(/require\(["']node:/)
    const context = createContext({
      TextDecoder,
      TextEncoder,
      DecompressionStream,
      CompressionStream,
      setTimeout,
      clearTimeout,
      AbortController,
      DOMException,
    })
    runInContext(code, context)
    expect(runInContext('typeof Buffer + typeof process + typeof require', context)).toBe('undefinedundefinedundefined')
    const api = runInContext('cutouts', context) as BundledApi

    const fits = encodeFits({ width: 3, height: 2, depth: 2, data: Float32Array.from({ length: 12 }, (_, i) => i - 2) }, 16, { bzero: 10 })
    const fromFits = await api.decodeCutoutBytes(fits, 'fits row')
    expect([fromFits.format, fromFits.layout, fromFits.bands]).toEqual(['fits', 'chw', 2])
    expect(Array.from(fromFits.data)).toEqual(Array.from({ length: 12 }, (_, i) => i - 2))
    const fromGzip = await api.decodeCutoutBytes(new Uint8Array(gzipSync(fits)), 'gz row')
    expect(Array.from(fromGzip.data)).toEqual(Array.from(fromFits.data))

    const rgb = Uint8Array.from({ length: 4 * 4 * 3 }, (_, i) => (i * 13) & 0xff)
    const png = await api.encodePng({ width: 4, height: 4, channels: 3, data: rgb })
    const fromPng = await api.decodeCutoutBytes(png, 'png row')
    expect(Array.from(fromPng.data)).toEqual(Array.from(rgb))

    const jpg = new Uint8Array(jpeg.encode({ width: 8, height: 8, data: new Uint8Array(8 * 8 * 4).fill(120) }, 95).data)
    const fromJpeg = await api.decodeCutoutBytes(jpg, 'jpeg row')
    expect([fromJpeg.format, fromJpeg.width, fromJpeg.bands]).toEqual(['jpeg', 8, 3])
    expect(Math.abs((fromJpeg.data[0] ?? 0) - 120)).toBeLessThanOrEqual(2)

    const out = new Float32Array(2 * 2 * 2)
    const { nonFinite } = api.preprocessCutout(fromFits.data, { height: 2, width: 3, bands: ['g', 'r'], layout: 'chw' }, { inputShape: [2, 2, 2], bands: ['r', 'g'], normalisation: { kind: 'none' } }, out, 0)
    expect(nonFinite).toBe(0)
    expect(Array.from(out)).toEqual([4, -2, 5, -1, 7, 1, 8, 2])
  })
})

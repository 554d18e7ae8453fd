import { crc32, deflateSync, inflateSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { decodePng, encodePng } from '../../src/cutouts/png.js'

// An independent PNG writer for the tests: node:zlib for deflate and CRC,
// filters and bit packing written out here from the PNG specification.

type ColorType = 0 | 2 | 3 | 4 | 6
const STORED: Record<ColorType, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 }

function chunk(type: string, data: Uint8Array): Buffer {
  const head = Buffer.alloc(8)
  head.writeUInt32BE(data.length, 0)
  head.write(type, 4, 'latin1')
  const body = Buffer.concat([head.subarray(4), Buffer.from(data)])
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(body), 0)
  return Buffer.concat([head.subarray(0, 4), body, crc])
}

function packRow(samples: number[], bitDepth: number): Uint8Array {
  if (bitDepth === 8) return Uint8Array.from(samples)
  if (bitDepth === 16) {
    const out = new Uint8Array(samples.length * 2)
    samples.forEach((s, i) => {
      out[2 * i] = s >> 8
      out[2 * i + 1] = s & 0xff
    })
    return out
  }
  const out = new Uint8Array(Math.ceil((samples.length * bitDepth) / 8))
  samples.forEach((s, i) => {
    const bit = i * bitDepth
    out[bit >> 3]! |= s << (8 - bitDepth - (bit % 8))
  })
  return out
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c
  const [pa, pb, pc] = [Math.abs(p - a), Math.abs(p - b), Math.abs(p - c)]
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c
}

function filterRow(filter: number, row: Uint8Array, prev: Uint8Array | undefined, bpp: number): Uint8Array {
  const out = new Uint8Array(row.length + 1)
  out[0] = filter
  for (let i = 0; i < row.length; i++) {
    const a = i >= bpp ? row[i - bpp]! : 0
    const b = prev ? prev[i]! : 0
    const c = prev && i >= bpp ? prev[i - bpp]! : 0
    const pred = [0, a, b, (a + b) >> 1, paeth(a, b, c)][filter]!
    out[i + 1] = (row[i]! - pred) & 0xff
  }
  return out
}

/** samples: HWC raw values (palette indices for colour type 3). */
function scanlines(width: number, height: number, samples: number[], colorType: ColorType, bitDepth: number, filterOf: (y: number) => number): Uint8Array[] {
  const ch = STORED[colorType]
  const bpp = Math.max(1, (ch * bitDepth) >> 3)
  const rows: Uint8Array[] = []
  let prev: Uint8Array | undefined
  for (let y = 0; y < height; y++) {
    const row = packRow(samples.slice(y * width * ch, (y + 1) * width * ch), bitDepth)
    rows.push(filterRow(filterOf(y), row, prev, bpp))
    prev = row
  }
  return rows
}

interface PngSpec {
  width: number
  height: number
  colorType: ColorType
  bitDepth: number
  samples: number[]
  palette?: number[]
  trns?: number[]
  interlace?: boolean
  filterOf?: (y: number) => number
  idatParts?: number
}

function buildPng(spec: PngSpec): Uint8Array {
  const { width, height, colorType, bitDepth, samples } = spec
  const filterOf = spec.filterOf ?? ((y: number) => y % 5)
  const ch = STORED[colorType]
  let raw: Uint8Array[]
  if (!spec.interlace) raw = scanlines(width, height, samples, colorType, bitDepth, filterOf)
  else {
    raw = []
    const passes = [[0, 0, 8, 8], [4, 0, 8, 8], [0, 4, 4, 8], [2, 0, 4, 4], [0, 2, 2, 4], [1, 0, 2, 2], [0, 1, 1, 2]] as const
    for (const [x0, y0, dx, dy] of passes) {
      const sub: number[] = []
      let w = 0
      let h = 0
      for (let y = y0; y < height; y += dy) {
        h++
        w = 0
        for (let x = x0; x < width; x += dx) {
          w++
          for (let c = 0; c < ch; c++) sub.push(samples[(y * width + x) * ch + c]!)
        }
      }
      if (w > 0 && h > 0) raw.push(...scanlines(w, h, sub, colorType, bitDepth, filterOf))
    }
  }
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(width, 0)
  ihdr.writeUInt32BE(height, 4)
  ihdr[8] = bitDepth
  ihdr[9] = colorType
  ihdr[12] = spec.interlace ? 1 : 0
  const z = deflateSync(Buffer.concat(raw))
  const parts = spec.idatParts ?? 1
  const idats: Buffer[] = []
  const step = Math.ceil(z.length / parts)
  for (let i = 0; i < z.length; i += step) idats.push(chunk('IDAT', z.subarray(i, i + step)))
  return new Uint8Array(
    Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      chunk('IHDR', ihdr),
      chunk('tEXt', Buffer.from('Comment\0test')),
      ...(spec.palette ? [chunk('PLTE', Uint8Array.from(spec.palette))] : []),
      ...(spec.trns ? [chunk('tRNS', Uint8Array.from(spec.trns))] : []),
      ...idats,
      chunk('IEND', new Uint8Array(0)),
    ]),
  )
}

/** Deterministic pseudo-random samples below `max`, with some structure so filters matter. */
function makeSamples(n: number, max: number, seed: number): number[] {
  let s = seed
  return Array.from({ length: n }, (_, i) => {
    s = (s * 1103515245 + 12345) >>> 0
    return i % 3 === 0 ? (i * 37) % (max + 1) : s % (max + 1)
  })
}

describe('decodePng on independently encoded files', () => {
  const W = 13
  const H = 7
  const cases: { name: string; colorType: ColorType; bitDepth: number }[] = [
    { name: 'grey 1-bit', colorType: 0, bitDepth: 1 },
    { name: 'grey 2-bit', colorType: 0, bitDepth: 2 },
    { name: 'grey 4-bit', colorType: 0, bitDepth: 4 },
    { name: 'grey 8-bit', colorType: 0, bitDepth: 8 },
    { name: 'grey 16-bit', colorType: 0, bitDepth: 16 },
    { name: 'grey+alpha 8-bit', colorType: 4, bitDepth: 8 },
    { name: 'grey+alpha 16-bit', colorType: 4, bitDepth: 16 },
    { name: 'RGB 8-bit', colorType: 2, bitDepth: 8 },
    { name: 'RGB 16-bit', colorType: 2, bitDepth: 16 },
    { name: 'RGBA 8-bit', colorType: 6, bitDepth: 8 },
    { name: 'RGBA 16-bit', colorType: 6, bitDepth: 16 },
  ]
  for (const { name, colorType, bitDepth } of cases) {
    for (const filter of [0, 1, 2, 3, 4, -1]) {
      it(`${name}, filter ${filter < 0 ? 'mixed' : filter}`, async () => {
        const ch = STORED[colorType]
        const samples = makeSamples(W * H * ch, 2 ** bitDepth - 1, 7 + filter)
        const png = buildPng({ width: W, height: H, colorType, bitDepth, samples, filterOf: (y) => (filter < 0 ? y % 5 : filter) })
        const img = await decodePng(png)
        expect([img.width, img.height, img.channels, img.bitDepth]).toEqual([W, H, ch, bitDepth])
        expect(Array.from(img.data)).toEqual(samples)
      })
    }
  }

  it('expands palette images (8-, 4- and 1-bit) to RGB, and to RGBA with tRNS', async () => {
    const palette = [0, 0, 0, 255, 0, 0, 0, 255, 0, 10, 20, 30]
    for (const bitDepth of [8, 4, 2, 1]) {
      const indices = makeSamples(W * H, bitDepth === 1 ? 1 : 3, bitDepth)
      const rgb = indices.flatMap((i) => palette.slice(i * 3, i * 3 + 3))
      const img = await decodePng(buildPng({ width: W, height: H, colorType: 3, bitDepth, samples: indices, palette }))
      expect([img.channels, img.bitDepth]).toEqual([3, 8])
      expect(Array.from(img.data)).toEqual(rgb)
      const trns = [0, 128] // entries 2 and 3 stay opaque
      const rgba = indices.flatMap((i) => [...palette.slice(i * 3, i * 3 + 3), trns[i] ?? 255])
      const withAlpha = await decodePng(buildPng({ width: W, height: H, colorType: 3, bitDepth, samples: indices, palette, trns }))
      expect(withAlpha.channels).toBe(4)
      expect(Array.from(withAlpha.data)).toEqual(rgba)
    }
  })

  it('decodes Adam7-interlaced images', async () => {
    for (const [colorType, bitDepth, w, h] of [[2, 8, 13, 11], [0, 2, 9, 3], [6, 16, 1, 1], [0, 8, 3, 17]] as const) {
      const samples = makeSamples(w * h * STORED[colorType], 2 ** bitDepth - 1, w)
      const img = await decodePng(buildPng({ width: w, height: h, colorType, bitDepth, samples, interlace: true }))
      expect([img.width, img.height]).toEqual([w, h])
      expect(Array.from(img.data)).toEqual(samples)
    }
  })

  it('joins image data split across several IDAT chunks', async () => {
    const samples = makeSamples(W * H * 3, 255, 3)
    const img = await decodePng(buildPng({ width: W, height: H, colorType: 2, bitDepth: 8, samples, idatParts: 4 }))
    expect(Array.from(img.data)).toEqual(samples)
  })
})

describe('decodePng errors', () => {
  const where = 'row 3 of column "png_cutout" in survey.parquet'
  const good = () => buildPng({ width: 8, height: 8, colorType: 2, bitDepth: 8, samples: makeSamples(8 * 8 * 3, 255, 1) })

  function idatOffset(png: Uint8Array): number {
    const text = Buffer.from(png).toString('latin1')
    return text.indexOf('IDAT') - 4
  }

  it('rejects a bad signature', async () => {
    await expect(decodePng(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9]), where)).rejects.toThrow(/^png: bad signature in row 3/)
  })

  it('rejects truncated files at any length', async () => {
    const png = good()
    for (const cut of [9, 20, 40, idatOffset(png) + 20, png.length - 6]) {
      await expect(decodePng(png.subarray(0, cut), where), `cut at ${cut}`).rejects.toThrow(/^png: truncated .*in row 3/)
    }
  })

  it('rejects a CRC mismatch', async () => {
    const png = good()
    png[idatOffset(png) + 10]! ^= 0xff
    await expect(decodePng(png, where)).rejects.toThrow(/^png: crc mismatch in IDAT chunk/)
  })

  it('rejects corrupt or short zlib data with a valid CRC', async () => {
    const rows = Buffer.alloc(8 * 25)
    const corrupt = Buffer.from([0x78, 0x9c, 0xff, 0xff, 0xff, 0x00, 0x11, 0x22])
    const short = deflateSync(rows).subarray(0, 8)
    for (const body of [corrupt, short]) {
      const ihdr = Buffer.alloc(13)
      ihdr.writeUInt32BE(8, 0)
      ihdr.writeUInt32BE(8, 4)
      ihdr[8] = 8
      ihdr[9] = 2
      const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', body), chunk('IEND', new Uint8Array(0))])
      await expect(decodePng(new Uint8Array(png), where)).rejects.toThrow(/^png.*(corrupt or truncated deflate data|image data has \d+ bytes)/)
    }
  })

  it('rejects image data that inflates to too few bytes', async () => {
    const ihdr = Buffer.alloc(13)
    ihdr.writeUInt32BE(8, 0)
    ihdr.writeUInt32BE(8, 4)
    ihdr[8] = 8
    ihdr[9] = 2
    const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(Buffer.alloc(50))), chunk('IEND', new Uint8Array(0))])
    await expect(decodePng(new Uint8Array(png), where)).rejects.toThrow(/^png: image data has 50 bytes, expected 200 for 8x8 in row 3/)
  })

  it('rejects an invalid filter type', async () => {
    const png = buildPng({ width: 4, height: 4, colorType: 0, bitDepth: 8, samples: makeSamples(16, 255, 2), filterOf: (y) => (y === 2 ? 7 : 0) })
    await expect(decodePng(png, where)).rejects.toThrow(/^png: invalid filter type 7 on row 2 in row 3/)
  })

  it('rejects an invalid bit depth for the colour type', async () => {
    const png = buildPng({ width: 2, height: 2, colorType: 2, bitDepth: 4, samples: makeSamples(12, 15, 2) })
    await expect(decodePng(png, where)).rejects.toThrow(/^png: bit depth 4 is invalid for colour type 2/)
  })
})

describe('encodePng', () => {
  for (const channels of [1, 2, 3, 4] as const) {
    it(`round-trips ${channels}-channel images through decodePng`, async () => {
      const width = 17
      const height = 9
      // A smooth gradient plus noise so that different filters win on different rows.
      const data = Uint8Array.from({ length: width * height * channels }, (_, i) => (Math.floor(i / channels) * 3 + ((i * 2654435761) >>> 28)) & 0xff)
      const png = await encodePng({ width, height, channels, data })
      const img = await decodePng(png)
      expect([img.width, img.height, img.channels, img.bitDepth]).toEqual([width, height, channels, 8])
      expect(Array.from(img.data)).toEqual(Array.from(data))
      // The IDAT stream is standard zlib: node:zlib inflates it to height × (1 + width × channels) bytes.
      const text = Buffer.from(png).toString('latin1')
      const at = text.indexOf('IDAT')
      const length = Buffer.from(png).readUInt32BE(at - 4)
      expect(inflateSync(png.subarray(at + 4, at + 4 + length)).length).toBe(height * (1 + width * channels))
    })
  }

  it('rejects data of the wrong length', async () => {
    await expect(encodePng({ width: 2, height: 2, channels: 3, data: new Uint8Array(11) })).rejects.toThrow(/png: data has 11 bytes, expected 2x2x3 = 12/)
  })
})

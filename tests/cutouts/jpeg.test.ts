import jpeg from 'jpeg-js'
import { describe, expect, it } from 'vitest'
import { decodeJpeg } from '../../src/cutouts/jpeg.js'

function rgbaGradient(width: number, height: number): Uint8Array {
  const data = new Uint8Array(width * height * 4)
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 4
      data[o] = Math.round((255 * x) / (width - 1))
      data[o + 1] = Math.round((255 * y) / (height - 1))
      data[o + 2] = 128 + Math.round(60 * Math.sin(x / 5))
      data[o + 3] = 255
    }
  }
  return data
}

/**
 * A minimal baseline greyscale JPEG (one component, quantisation 1, DC-only
 * blocks), written here from the JPEG specification: every 8x8 block is flat.
 */
function greyJpeg(blocksX: number, blocksY: number, levels: number[]): Uint8Array {
  const out: number[] = [0xff, 0xd8]
  const segment = (marker: number, body: number[]) => out.push(0xff, marker, (body.length + 2) >> 8, (body.length + 2) & 0xff, ...body)
  segment(0xdb, [0x00, ...new Array<number>(64).fill(1)])
  const h = blocksY * 8
  const w = blocksX * 8
  segment(0xc0, [8, h >> 8, h & 0xff, w >> 8, w & 0xff, 1, 1, 0x11, 0])
  // DC table 0: twelve 4-bit codes for categories 0..11; AC table 0: EOB only, code "0".
  const dcBits = new Array<number>(16).fill(0)
  dcBits[3] = 12
  segment(0xc4, [0x00, ...dcBits, ...Array.from({ length: 12 }, (_, i) => i)])
  const acBits = new Array<number>(16).fill(0)
  acBits[0] = 1
  segment(0xc4, [0x10, ...acBits, 0x00])
  segment(0xda, [1, 1, 0x00, 0, 63, 0])
  let acc = 0
  let nbits = 0
  const put = (value: number, length: number) => {
    for (let i = length - 1; i >= 0; i--) {
      acc = (acc << 1) | ((value >> i) & 1)
      if (++nbits === 8) {
        out.push(acc)
        if (acc === 0xff) out.push(0x00)
        acc = 0
        nbits = 0
      }
    }
  }
  let prev = 0
  for (const level of levels) {
    const dc = 8 * (level - 128)
    const diff = dc - prev
    prev = dc
    const size = diff === 0 ? 0 : Math.floor(Math.log2(Math.abs(diff))) + 1
    put(size, 4)
    if (size > 0) put(diff > 0 ? diff : diff + (1 << size) - 1, size)
    put(0, 1) // EOB
  }
  if (nbits > 0) put(0x7f, 8 - nbits)
  out.push(0xff, 0xd9)
  return Uint8Array.from(out)
}

describe('decodeJpeg', () => {
  it('decodes a jpeg-js encoded RGB image close to its source', () => {
    const width = 40
    const height = 24
    const rgba = rgbaGradient(width, height)
    const encoded = jpeg.encode({ width, height, data: rgba }, 95)
    const img = decodeJpeg(new Uint8Array(encoded.data), 'row 0')
    expect([img.width, img.height, img.channels, img.bitDepth]).toEqual([width, height, 3, 8])
    expect(img.data).toBeInstanceOf(Float32Array)
    let sum = 0
    let max = 0
    for (let i = 0; i < width * height; i++) {
      for (let c = 0; c < 3; c++) {
        const d = Math.abs((img.data[i * 3 + c] ?? 0) - (rgba[i * 4 + c] ?? 0))
        sum += d
        max = Math.max(max, d)
      }
    }
    expect(sum / (width * height * 3)).toBeLessThan(2)
    expect(max).toBeLessThan(24)
  })

  it('returns one channel for a greyscale JPEG', () => {
    const levels = [0, 30, 128, 200, 255, 77]
    const img = decodeJpeg(greyJpeg(3, 2, levels))
    expect([img.width, img.height, img.channels]).toEqual([24, 16, 1])
    for (let by = 0; by < 2; by++) {
      for (let bx = 0; bx < 3; bx++) {
        const level = levels[by * 3 + bx] ?? -1
        for (const [y, x] of [[0, 0], [7, 7], [3, 4]] as const) {
          expect(Math.abs((img.data[(by * 8 + y) * 24 + bx * 8 + x] ?? -99) - level)).toBeLessThanOrEqual(1)
        }
      }
    }
  })

  const where = 'row 5 of column "jpg_cutout" in survey.parquet'
  it('rejects bytes that are not a JPEG', () => {
    expect(() => decodeJpeg(new Uint8Array([1, 2, 3, 4]), where)).toThrow(/^jpeg: bad signature \(no SOI marker\) in row 5 of column/)
  })

  it('rejects truncated and corrupt JPEGs with a clear error, never returning an image', () => {
    const encoded = new Uint8Array(jpeg.encode({ width: 32, height: 32, data: rgbaGradient(32, 32) }, 90).data)
    for (const cut of [4, 100, 300, encoded.length - 20]) {
      expect(() => decodeJpeg(encoded.subarray(0, cut), where), `cut at ${cut}`).toThrow(
        new RegExp(`^jpeg: cannot decode ${cut} bytes in row 5 .*truncated\\?\\)$`),
      )
    }
    const corrupt = encoded.slice()
    corrupt.fill(0xff, 150, 170) // wipes part of the Huffman tables
    expect(() => decodeJpeg(corrupt, where)).toThrow(/^jpeg: cannot decode \d+ bytes in row 5 of column "jpg_cutout" in survey\.parquet \(/)
  })
})

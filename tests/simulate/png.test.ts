import { describe, expect, it } from 'vitest'
import { renderContactSheet } from '../../src/simulate/index.js'
import { decodePng } from '../../src/cutouts/png.js'

interface Chunk {
  type: string
  data: Uint8Array
  crc: number
  crcInput: Uint8Array
}

function chunks(png: Uint8Array): Chunk[] {
  const dv = new DataView(png.buffer, png.byteOffset, png.byteLength)
  const out: Chunk[] = []
  let o = 8
  while (o < png.length) {
    const len = dv.getUint32(o)
    const type = String.fromCharCode(...png.subarray(o + 4, o + 8))
    out.push({ type, data: png.subarray(o + 8, o + 8 + len), crc: dv.getUint32(o + 8 + len), crcInput: png.subarray(o + 4, o + 8 + len) })
    o += 12 + len
  }
  return out
}

describe('contact sheet', () => {
  it('renders one labelled row per class as a PNG of the expected size', async () => {
    const png = await renderContactSheet({ seed: 2, perClass: 2, scale: 1, size: 32 })
    const ihdr = chunks(png)[0]!.data
    const dv = new DataView(ihdr.buffer, ihdr.byteOffset)
    // width: gap + perClass × (tile + gap); height: title + 6 rows × (head + tile + caption) + gap
    expect(dv.getUint32(0)).toBe(4 + 2 * (32 + 4))
    expect(dv.getUint32(4)).toBe(15 + 6 * (13 + 32 + 11) + 4)
    const image = await decodePng(png)
    expect(image.channels).toBe(3)
    // not a blank canvas: the cutouts bring many distinct colours
    const colours = new Set<number>()
    const raw = image.data
    for (let i = 0; i + 2 < raw.length; i += 3) colours.add((raw[i]! << 16) | (raw[i + 1]! << 8) | raw[i + 2]!)
    expect(colours.size).toBeGreaterThan(200)
  })

  it('rejects bad options with a clear error', async () => {
    await expect(renderContactSheet({ seed: 1, bands: ['q'] })).rejects.toThrow(/simulate: unknown band "q"/)
    await expect(renderContactSheet({ seed: 1, perClass: 0 })).rejects.toThrow(/perClass must be an integer/)
  })
})

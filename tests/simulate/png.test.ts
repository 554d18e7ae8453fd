import { describe, expect, it } from 'vitest'
import { renderContactSheet } from '../../src/simulate/index.js'
import { encodePng } from '../../src/simulate/png-encode.js'

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

/** Reference bitwise CRC-32 (no table), to check the encoder's table-driven one. */
function crc32(b: Uint8Array): number {
  let c = 0xffffffff
  for (const x of b) {
    c ^= x
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1
  }
  return (c ^ 0xffffffff) >>> 0
}

async function inflate(data: Uint8Array): Promise<Uint8Array> {
  const s = new Blob([data as BlobPart]).stream().pipeThrough(new DecompressionStream('deflate'))
  return new Uint8Array(await new Response(s).arrayBuffer())
}

describe('PNG encoder', () => {
  it('writes signature, IHDR, zlib IDAT holding the filtered rows, and valid CRCs', async () => {
    const w = 3
    const h = 2
    const rgb = Uint8Array.from({ length: w * h * 3 }, (_, i) => (i * 37) & 255)
    const png = await encodePng(rgb, w, h)
    expect([...png.subarray(0, 8)]).toEqual([137, 80, 78, 71, 13, 10, 26, 10])
    const cs = chunks(png)
    expect(cs.map((c) => c.type)).toEqual(['IHDR', 'IDAT', 'IEND'])
    for (const c of cs) expect(c.crc).toBe(crc32(c.crcInput))
    const ihdr = new DataView(cs[0]!.data.buffer, cs[0]!.data.byteOffset)
    expect([ihdr.getUint32(0), ihdr.getUint32(4), cs[0]!.data[8], cs[0]!.data[9]]).toEqual([3, 2, 8, 2])
    const raw = await inflate(cs[1]!.data)
    expect([...raw]).toEqual([0, ...rgb.subarray(0, 9), 0, ...rgb.subarray(9)])
  })

  it('rejects a buffer of the wrong length', async () => {
    await expect(encodePng(new Uint8Array(5), 2, 2)).rejects.toThrow(/png: expected 12 bytes for 2x2 RGB, got 5/)
  })
})

describe('contact sheet', () => {
  it('renders one labelled row per class as a PNG of the expected size', async () => {
    const png = await renderContactSheet({ seed: 2, perClass: 2, scale: 1, size: 32 })
    const ihdr = chunks(png)[0]!.data
    const dv = new DataView(ihdr.buffer, ihdr.byteOffset)
    // width: gap + perClass × (tile + gap); height: title + 6 rows × (head + tile + caption) + gap
    expect(dv.getUint32(0)).toBe(4 + 2 * (32 + 4))
    expect(dv.getUint32(4)).toBe(15 + 6 * (13 + 32 + 11) + 4)
    const raw = await inflate(chunks(png).find((c) => c.type === 'IDAT')!.data)
    // not a blank canvas: the cutouts bring many distinct colours
    const colours = new Set<number>()
    for (let i = 0; i + 2 < raw.length; i += 3) colours.add((raw[i]! << 16) | (raw[i + 1]! << 8) | raw[i + 2]!)
    expect(colours.size).toBeGreaterThan(200)
  })

  it('rejects bad options with a clear error', async () => {
    await expect(renderContactSheet({ seed: 1, bands: ['q'] })).rejects.toThrow(/simulate: unknown band "q"/)
    await expect(renderContactSheet({ seed: 1, perClass: 0 })).rejects.toThrow(/perClass must be an integer/)
  })
})

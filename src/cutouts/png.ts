/**
 * PNG decoding and encoding for cutouts (browser-safe, no dependencies;
 * zlib through the Compression Streams API).
 *
 * Decodes every PNG colour type and bit depth (1, 2, 4, 8, 16), all five
 * filter types, and Adam7 interlacing. Chunk CRCs are checked.
 */
import { concatBytes } from '../bytes.js'

import { deflateBytes, inflateBytes } from './compression.js'

/** A decoded raster image, interleaved (HWC). */
export interface DecodedImage {
  width: number
  height: number
  /** Samples per pixel: 1 grey, 2 grey+alpha, 3 RGB, 4 RGBA. */
  channels: number
  /**
   * Raw sample values, HWC (row-major, channels interleaved), not rescaled:
   * 0..255 for 8-bit, 0..65535 for 16-bit, 0..2^bitDepth−1 for 1/2/4-bit grey.
   */
  data: Float32Array
  /** Bits per sample of `data` (8 for palette images, whose entries are 8-bit). */
  bitDepth: number
}

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a] as const
const MAX_PIXELS = 1 << 28

let crcTable: Uint32Array | undefined

function crc32(bytes: Uint8Array, start: number, end: number): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256)
    for (let n = 0; n < 256; n++) {
      let c = n
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
      crcTable[n] = c >>> 0
    }
  }
  let crc = 0xffffffff
  for (let i = start; i < end; i++) crc = (crcTable[(crc ^ (bytes[i] ?? 0)) & 0xff] ?? 0) ^ (crc >>> 8)
  return (crc ^ 0xffffffff) >>> 0
}

function at(where: string | undefined): string {
  return where ? ` in ${where}` : ''
}

/** Samples per pixel in the stored data, by PNG colour type. */
const STORED_CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 }
const ALLOWED_DEPTHS: Record<number, readonly number[]> = {
  0: [1, 2, 4, 8, 16],
  2: [8, 16],
  3: [1, 2, 4, 8],
  4: [8, 16],
  6: [8, 16],
}
const KNOWN_CRITICAL = new Set(['IHDR', 'PLTE', 'IDAT', 'IEND'])
/** Adam7 passes: [x0, y0, dx, dy]. */
const ADAM7: readonly (readonly [number, number, number, number])[] = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
]

interface Header {
  width: number
  height: number
  bitDepth: number
  colorType: number
  interlace: number
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c
  const pa = Math.abs(p - a)
  const pb = Math.abs(p - b)
  const pc = Math.abs(p - c)
  if (pa <= pb && pa <= pc) return a
  if (pb <= pc) return b
  return c
}

/** Reverses the per-row filters of one (sub-)image in place; returns the offset after it. */
function unfilter(
  raw: Uint8Array,
  offset: number,
  rows: number,
  rowBytes: number,
  bpp: number,
  where: string | undefined,
): number {
  let prev = -1 // offset of the previous unfiltered row, -1 for none
  for (let y = 0; y < rows; y++) {
    const filter = raw[offset]
    const row = offset + 1
    switch (filter) {
      case 0:
        break
      case 1:
        for (let i = bpp; i < rowBytes; i++) raw[row + i] = ((raw[row + i] ?? 0) + (raw[row + i - bpp] ?? 0)) & 0xff
        break
      case 2:
        if (prev >= 0) for (let i = 0; i < rowBytes; i++) raw[row + i] = ((raw[row + i] ?? 0) + (raw[prev + i] ?? 0)) & 0xff
        break
      case 3:
        for (let i = 0; i < rowBytes; i++) {
          const left = i >= bpp ? (raw[row + i - bpp] ?? 0) : 0
          const up = prev >= 0 ? (raw[prev + i] ?? 0) : 0
          raw[row + i] = ((raw[row + i] ?? 0) + ((left + up) >> 1)) & 0xff
        }
        break
      case 4:
        for (let i = 0; i < rowBytes; i++) {
          const left = i >= bpp ? (raw[row + i - bpp] ?? 0) : 0
          const up = prev >= 0 ? (raw[prev + i] ?? 0) : 0
          const upLeft = prev >= 0 && i >= bpp ? (raw[prev + i - bpp] ?? 0) : 0
          raw[row + i] = ((raw[row + i] ?? 0) + paeth(left, up, upLeft)) & 0xff
        }
        break
      default:
        throw new Error(`png: invalid filter type ${String(filter)} on row ${y}${at(where)}`)
    }
    prev = row
    offset = row + rowBytes
  }
  return offset
}

function rowBytesFor(width: number, header: Header): number {
  const stored = STORED_CHANNELS[header.colorType] ?? 1
  return Math.ceil((width * stored * header.bitDepth) / 8)
}

/**
 * Decodes a PNG file to raw sample values (HWC Float32Array).
 *
 * ```ts
 * const { width, height, channels, data } = await decodePng(bytes, 'row 3 of column "jpg"')
 * ```
 *
 * Palette images are expanded to RGB, or RGBA when they carry a tRNS chunk;
 * other tRNS/gamma/colour-space chunks are ignored. The promise rejects with a
 * `png: ...` error naming `where` for a bad signature, a truncated file,
 * a CRC mismatch, an invalid header or filter, or corrupt zlib data.
 */
export async function decodePng(bytes: Uint8Array, where?: string): Promise<DecodedImage> {
  for (let i = 0; i < SIGNATURE.length; i++) {
    if (bytes[i] !== SIGNATURE[i]) throw new Error(`png: bad signature${at(where)}`)
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  let header: Header | undefined
  let palette: Uint8Array | undefined
  let transparency: Uint8Array | undefined
  const idat: Uint8Array[] = []
  let idatBytes = 0
  let offset = 8
  let ended = false
  while (!ended) {
    if (offset + 8 > bytes.length) throw new Error(`png: truncated file (no IEND chunk after ${offset} bytes)${at(where)}`)
    const length = view.getUint32(offset)
    const type = String.fromCharCode(...bytes.subarray(offset + 4, offset + 8))
    const dataStart = offset + 8
    const dataEnd = dataStart + length
    if (dataEnd + 4 > bytes.length) {
      throw new Error(`png: truncated ${type} chunk (needs ${length + 12} bytes at offset ${offset}, file has ${bytes.length})${at(where)}`)
    }
    const expected = view.getUint32(dataEnd)
    const actual = crc32(bytes, offset + 4, dataEnd)
    if (expected !== actual) throw new Error(`png: crc mismatch in ${type} chunk at offset ${offset}${at(where)}`)
    const data = bytes.subarray(dataStart, dataEnd)
    if (!header && type !== 'IHDR') throw new Error(`png: first chunk is ${type}, expected IHDR${at(where)}`)
    switch (type) {
      case 'IHDR': {
        if (length !== 13) throw new Error(`png: IHDR length ${length}, expected 13${at(where)}`)
        header = {
          width: view.getUint32(dataStart),
          height: view.getUint32(dataStart + 4),
          bitDepth: data[8] ?? 0,
          colorType: data[9] ?? 0,
          interlace: data[12] ?? 0,
        }
        const allowed = ALLOWED_DEPTHS[header.colorType]
        if (!allowed) throw new Error(`png: invalid colour type ${header.colorType}${at(where)}`)
        if (!allowed.includes(header.bitDepth)) {
          throw new Error(`png: bit depth ${header.bitDepth} is invalid for colour type ${header.colorType}${at(where)}`)
        }
        if (data[10] !== 0 || data[11] !== 0) throw new Error(`png: unknown compression or filter method${at(where)}`)
        if (header.interlace > 1) throw new Error(`png: unknown interlace method ${header.interlace}${at(where)}`)
        if (header.width === 0 || header.height === 0) {
          throw new Error(`png: empty image ${header.width}x${header.height}${at(where)}`)
        }
        if (header.width * header.height > MAX_PIXELS) {
          throw new Error(`png: image ${header.width}x${header.height} is too large${at(where)}`)
        }
        break
      }
      case 'PLTE':
        palette = data
        break
      case 'tRNS':
        transparency = data
        break
      case 'IDAT':
        idat.push(data)
        idatBytes += data.length
        break
      case 'IEND':
        ended = true
        break
      default:
        // Bit 5 of the first byte clear = critical chunk we cannot skip safely.
        if (!KNOWN_CRITICAL.has(type) && ((type.charCodeAt(0) & 0x20) === 0)) {
          throw new Error(`png: unknown critical chunk ${JSON.stringify(type)}${at(where)}`)
        }
    }
    offset = dataEnd + 4
  }
  if (!header) throw new Error(`png: missing IHDR${at(where)}`)
  if (idat.length === 0) throw new Error(`png: no IDAT chunk${at(where)}`)
  const { width, height, bitDepth, colorType } = header
  if (colorType === 3 && (!palette || palette.length % 3 !== 0 || palette.length === 0)) {
    throw new Error(`png: palette image without a valid PLTE chunk${at(where)}`)
  }

  const passes = header.interlace
    ? ADAM7.map(([x0, y0, dx, dy]) => ({
        x0,
        y0,
        dx,
        dy,
        w: width > x0 ? Math.ceil((width - x0) / dx) : 0,
        h: height > y0 ? Math.ceil((height - y0) / dy) : 0,
      }))
    : [{ x0: 0, y0: 0, dx: 1, dy: 1, w: width, h: height }]
  let expectedBytes = 0
  for (const p of passes) if (p.w > 0 && p.h > 0) expectedBytes += p.h * (1 + rowBytesFor(p.w, header))

  const compressed = new Uint8Array(idatBytes)
  let pos = 0
  for (const part of idat) {
    compressed.set(part, pos)
    pos += part.length
  }
  const raw = await inflateBytes(compressed, 'deflate', where ? `png (${where})` : 'png', expectedBytes)
  if (raw.length < expectedBytes) {
    throw new Error(`png: image data has ${raw.length} bytes, expected ${expectedBytes} for ${width}x${height}${at(where)}`)
  }

  const stored = STORED_CHANNELS[colorType] ?? 1
  const isPalette = colorType === 3
  const entries = palette ? palette.length / 3 : 0
  const channels = isPalette ? (transparency ? 4 : 3) : stored
  const out = new Float32Array(width * height * channels)
  const bpp = Math.max(1, (stored * bitDepth) >> 3)
  const mask = (1 << bitDepth) - 1
  let rawOffset = 0
  for (const p of passes) {
    if (p.w === 0 || p.h === 0) continue
    const rowBytes = rowBytesFor(p.w, header)
    const start = rawOffset
    rawOffset = unfilter(raw, rawOffset, p.h, rowBytes, bpp, where)
    for (let py = 0; py < p.h; py++) {
      const row = start + py * (rowBytes + 1) + 1
      const y = p.y0 + py * p.dy
      for (let px = 0; px < p.w; px++) {
        const o = (y * width + p.x0 + px * p.dx) * channels
        if (bitDepth === 8 && !isPalette) {
          for (let c = 0; c < stored; c++) out[o + c] = raw[row + px * stored + c] ?? 0
        } else if (bitDepth === 16) {
          for (let c = 0; c < stored; c++) {
            const i = row + (px * stored + c) * 2
            out[o + c] = ((raw[i] ?? 0) << 8) | (raw[i + 1] ?? 0)
          }
        } else {
          // One sample per pixel (grey or palette index), possibly packed below 8 bits.
          let sample: number
          if (bitDepth === 8) sample = raw[row + px] ?? 0
          else {
            const bit = px * bitDepth
            sample = ((raw[row + (bit >> 3)] ?? 0) >> (8 - bitDepth - (bit & 7))) & mask
          }
          if (!isPalette) out[o] = sample
          else {
            if (sample >= entries) {
              throw new Error(`png: palette index ${sample} out of range (palette has ${entries} entries)${at(where)}`)
            }
            const pal = palette as Uint8Array
            out[o] = pal[sample * 3] ?? 0
            out[o + 1] = pal[sample * 3 + 1] ?? 0
            out[o + 2] = pal[sample * 3 + 2] ?? 0
            if (transparency) out[o + 3] = sample < transparency.length ? (transparency[sample] ?? 255) : 255
          }
        }
      }
    }
  }
  return { width, height, channels, data: out, bitDepth: isPalette ? 8 : bitDepth }
}

function writeChunk(parts: Uint8Array[], type: string, data: Uint8Array): void {
  const chunk = new Uint8Array(12 + data.length)
  const view = new DataView(chunk.buffer)
  view.setUint32(0, data.length)
  for (let i = 0; i < 4; i++) chunk[4 + i] = type.charCodeAt(i)
  chunk.set(data, 8)
  view.setUint32(8 + data.length, crc32(chunk, 4, 8 + data.length))
  parts.push(chunk)
}

/**
 * Encodes an 8-bit image (HWC bytes) as a non-interlaced PNG.
 *
 * ```ts
 * const png = await encodePng({ width: 64, height: 64, channels: 3, data: rgbBytes })
 * ```
 *
 * Channels 1, 2, 3 and 4 map to grey, grey+alpha, RGB and RGBA. Each row uses
 * the filter with the smallest sum of absolute differences (the usual
 * heuristic). Throws when `data.length` is not width × height × channels.
 */
export async function encodePng(img: {
  width: number
  height: number
  channels: 1 | 2 | 3 | 4
  data: Uint8Array
}): Promise<Uint8Array> {
  const { width, height, channels, data } = img
  const colorType = { 1: 0, 2: 4, 3: 2, 4: 6 }[channels]
  if (colorType === undefined) throw new Error(`png: cannot encode ${String(channels)} channels (expected 1, 2, 3 or 4)`)
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new Error(`png: invalid size ${width}x${height}`)
  }
  if (data.length !== width * height * channels) {
    throw new Error(`png: data has ${data.length} bytes, expected ${width}x${height}x${channels} = ${width * height * channels}`)
  }
  const rowBytes = width * channels
  const filtered = new Uint8Array(height * (rowBytes + 1))
  const candidate = new Uint8Array(rowBytes)
  for (let y = 0; y < height; y++) {
    const row = y * rowBytes
    const prev = row - rowBytes
    let bestFilter = 0
    let bestScore = Infinity
    let best = new Uint8Array(0)
    for (let f = 0; f <= 4; f++) {
      let score = 0
      for (let i = 0; i < rowBytes; i++) {
        const x = data[row + i] ?? 0
        const a = i >= channels ? (data[row + i - channels] ?? 0) : 0
        const b = y > 0 ? (data[prev + i] ?? 0) : 0
        const c = y > 0 && i >= channels ? (data[prev + i - channels] ?? 0) : 0
        const predictor = f === 0 ? 0 : f === 1 ? a : f === 2 ? b : f === 3 ? (a + b) >> 1 : paeth(a, b, c)
        const v = (x - predictor) & 0xff
        candidate[i] = v
        score += v < 128 ? v : 256 - v
      }
      if (score < bestScore) {
        bestScore = score
        bestFilter = f
        best = candidate.slice()
      }
    }
    const o = y * (rowBytes + 1)
    filtered[o] = bestFilter
    filtered.set(best, o + 1)
  }
  const ihdr = new Uint8Array(13)
  const hv = new DataView(ihdr.buffer)
  hv.setUint32(0, width)
  hv.setUint32(4, height)
  ihdr[8] = 8
  ihdr[9] = colorType
  const parts: Uint8Array[] = [Uint8Array.from(SIGNATURE)]
  writeChunk(parts, 'IHDR', ihdr)
  writeChunk(parts, 'IDAT', await deflateBytes(filtered, 'deflate'))
  writeChunk(parts, 'IEND', new Uint8Array(0))
  return concatBytes(parts)
}

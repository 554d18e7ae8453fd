/**
 * JPEG decoding for cutouts through `jpeg-js` (pure JavaScript, so it runs in
 * browsers, Node and Deno workers alike).
 */

// jpeg-js is CommonJS (`module.exports = { encode, decode }`); a default
// import is the form Node, Deno and bundlers all resolve to that object.
import jpeg from 'jpeg-js'
import type { DecodedImage } from './png.js'

export type { DecodedImage } from './png.js'

function at(where: string | undefined): string {
  return where ? ` in ${where}` : ''
}

/**
 * Reads the component count from the first start-of-frame marker, so that
 * greyscale JPEGs come back with one channel instead of three copies.
 * Returns undefined when no SOF marker is found before the scan.
 */
function frameComponents(bytes: Uint8Array): number | undefined {
  let i = 2
  while (i + 9 < bytes.length) {
    if (bytes[i] !== 0xff) return undefined
    const marker = bytes[i + 1] ?? 0
    if (marker === 0xff) {
      i++
      continue
    }
    const length = ((bytes[i + 2] ?? 0) << 8) | (bytes[i + 3] ?? 0)
    // SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC).
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return bytes[i + 9]
    }
    if (marker === 0xda) return undefined
    i += 2 + length
  }
  return undefined
}

/**
 * Decodes a baseline or progressive 8-bit JPEG to raw sample values
 * (HWC Float32Array, 0..255).
 *
 * ```ts
 * const { width, height, channels, data } = decodeJpeg(bytes, 'row 5 of column "jpg_cutout"')
 * ```
 *
 * Greyscale JPEGs give 1 channel, colour JPEGs 3 (RGB; CMYK/Adobe gives 4).
 * Throws (synchronously) `jpeg: cannot decode ... (<reason>)` naming `where`
 * for bytes that are not a JPEG or are corrupt or truncated.
 */
export function decodeJpeg(bytes: Uint8Array, where?: string): DecodedImage {
  if (bytes[0] !== 0xff || bytes[1] !== 0xd8) {
    throw new Error(`jpeg: bad signature (no SOI marker)${at(where)}`)
  }
  let decoded: { width: number; height: number; data: Uint8Array }
  try {
    // tolerantDecoding off: a truncated or damaged scan must fail, not yield grey blocks.
    decoded = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: false, tolerantDecoding: false })
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error)
    const n = bytes.length
    const truncated = bytes[n - 2] === 0xff && bytes[n - 1] === 0xd9 ? '' : '; no EOI marker at the end, truncated?'
    throw new Error(`jpeg: cannot decode ${n} bytes${at(where)} (${reason}${truncated})`, { cause: error })
  }
  const { width, height } = decoded
  if (!width || !height) throw new Error(`jpeg: cannot decode${at(where)} (no image frame)`)
  const source = decoded.data
  const components = frameComponents(bytes)
  if (components === 1) {
    const data = new Float32Array(width * height)
    for (let i = 0; i < data.length; i++) data[i] = source[i * 3] ?? 0
    return { width, height, channels: 1, data, bitDepth: 8 }
  }
  const channels = source.length / (width * height)
  return { width, height, channels, data: Float32Array.from(source), bitDepth: 8 }
}

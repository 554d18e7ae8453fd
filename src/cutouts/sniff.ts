/**
 * Recognises cutout bytes by their magic numbers and decodes them with the
 * right codec (FITS, PNG, JPEG; gzip-wrapped files are unwrapped first).
 */

import { inflateBytes } from './compression.js'
import { decodeFits } from './fits.js'
import { decodeJpeg } from './jpeg.js'
import { decodePng } from './png.js'

/** Image formats recognised by {@link sniffImageFormat}. */
export type ImageFormat = 'fits' | 'png' | 'jpeg'

/** A decoded cutout: pixel values plus the layout they are stored in. */
export interface DecodedCutout {
  /** Pixel values: physical values for FITS, raw samples for PNG/JPEG. */
  data: Float32Array
  height: number
  width: number
  /** Number of bands (FITS NAXIS3, or PNG/JPEG channels). */
  bands: number
  /** 'chw' for FITS (plane-major), 'hwc' for PNG/JPEG (interleaved). */
  layout: 'hwc' | 'chw'
  /** The format the bytes were in. */
  format: ImageFormat
}

const FITS_MAGIC = 'SIMPLE  ='
const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a] as const

/**
 * Identifies FITS ("SIMPLE  ="), PNG (\x89PNG\r\n\x1a\n) and JPEG (FF D8 FF)
 * bytes; returns undefined for anything else (including gzip, which
 * {@link decodeCutoutBytes} unwraps).
 */
export function sniffImageFormat(bytes: Uint8Array): ImageFormat | undefined {
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg'
  if (bytes.length >= 8 && PNG_MAGIC.every((b, i) => bytes[i] === b)) return 'png'
  if (bytes.length >= FITS_MAGIC.length) {
    let fits = true
    for (let i = 0; i < FITS_MAGIC.length; i++) if (bytes[i] !== FITS_MAGIC.charCodeAt(i)) fits = false
    if (fits) return 'fits'
  }
  return undefined
}

function describe(bytes: Uint8Array): string {
  const head = Array.from(bytes.subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join(' ')
  return bytes.length === 0 ? 'empty bytes' : `${bytes.length} bytes starting ${head}`
}

/**
 * Decodes cutout bytes of any supported format, chosen by magic bytes.
 *
 * ```ts
 * const cutout = await decodeCutoutBytes(bytes, 'row 17 of column "cutout" in survey.parquet')
 * preprocessCutout(cutout.data, { ...cutout, bands: ['g', 'r', 'z'] }, spec, out, offset)
 * ```
 *
 * gzip-compressed files (e.g. `.fits.gz` from a cutout service) are unwrapped
 * once. The promise rejects with `cutout: unrecognised image format ...`
 * naming `where` for unknown bytes, or with the codec's own error.
 */
export async function decodeCutoutBytes(bytes: Uint8Array, where: string): Promise<DecodedCutout> {
  let input = bytes
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    input = await inflateBytes(bytes, 'gzip', `cutout (${where})`)
  }
  const format = sniffImageFormat(input)
  switch (format) {
    case 'fits': {
      const img = decodeFits(input, where)
      return { data: img.data, height: img.height, width: img.width, bands: img.depth, layout: 'chw', format }
    }
    case 'png': {
      const img = await decodePng(input, where)
      return { data: img.data, height: img.height, width: img.width, bands: img.channels, layout: 'hwc', format }
    }
    case 'jpeg': {
      const img = decodeJpeg(input, where)
      return { data: img.data, height: img.height, width: img.width, bands: img.channels, layout: 'hwc', format }
    }
    default:
      throw new Error(`cutout: unrecognised image format (${describe(input)}; expected FITS, PNG or JPEG) in ${where}`)
  }
}

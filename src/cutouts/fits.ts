/**
 * FITS image reading and writing for cutouts (browser-safe, no dependencies).
 *
 * Implements the parts of FITS 4.0 that image cutouts use: the primary HDU or
 * the first IMAGE extension, BITPIX 8/16/32/64/-32/-64 (big-endian), BSCALE,
 * BZERO and BLANK. Tables, random groups and tile compression are not images
 * here and are skipped or rejected with an error that says why.
 */
import { concatBytes } from '../bytes.js'

/** A FITS header value: strings, numbers (integers and reals) and logicals. */
export type FitsHeaderValue = string | number | boolean

/** One decoded FITS image. */
export interface FitsImage {
  /** NAXIS1: pixels per row. */
  width: number
  /** NAXIS2: rows. */
  height: number
  /** NAXIS3, or 1 for a 2-D image. */
  depth: number
  /**
   * Physical values (BZERO + BSCALE × stored value), plane-major (CHW) in the
   * order FITS stores them: x fastest, then y (row 0 is the first stored row,
   * conventionally the bottom of the sky image), then plane. BLANK → NaN.
   */
  data: Float32Array
  /** Header cards of the HDU that held the image (value cards only; first occurrence wins). */
  header: Record<string, FitsHeaderValue>
}

/** Supported BITPIX values. */
export type FitsBitpix = 8 | 16 | 32 | 64 | -32 | -64

/** Options for {@link encodeFits}. */
export interface EncodeFitsOptions {
  /** BSCALE written to the header and divided out of integer data. Default 1. */
  bscale?: number
  /** BZERO written to the header and subtracted from integer data. Default 0. */
  bzero?: number
  /**
   * BLANK for integer BITPIX: NaN pixels are stored as this value. Default: the
   * most negative value of the type (0 for BITPIX 8), written only when the data holds NaN.
   */
  blank?: number
  /** Extra header cards (keyword → value), written after the structural ones. */
  header?: Record<string, FitsHeaderValue>
  /** Write an empty primary HDU followed by an IMAGE extension. Default false. */
  extension?: boolean
}

const BLOCK = 2880
const CARD = 80
const SUPPORTED_BITPIX: readonly number[] = [8, 16, 32, 64, -32, -64]

interface ParsedHeader {
  cards: Record<string, FitsHeaderValue>
  /** Byte offset just after the header's last block. */
  dataStart: number
}

function at(where: string | undefined): string {
  return where ? ` in ${where}` : ''
}

const latin1 = new TextDecoder('latin1')

/** Parses the value field of a card (columns 11-80), dropping the comment. */
function parseValue(field: string): FitsHeaderValue | undefined {
  const text = field.trimStart()
  if (text.startsWith("'")) {
    // Strings: '' is an escaped quote; trailing spaces are not significant.
    let out = ''
    for (let i = 1; i < text.length; i++) {
      const ch = text[i]
      if (ch === "'") {
        if (text[i + 1] === "'") {
          out += "'"
          i++
          continue
        }
        return out.trimEnd()
      }
      out += ch
    }
    return out.trimEnd()
  }
  const slash = text.indexOf('/')
  const raw = (slash >= 0 ? text.slice(0, slash) : text).trim()
  if (raw === '') return undefined
  if (raw === 'T') return true
  if (raw === 'F') return false
  // Fortran-style exponents (1.0D+02) are legal in FITS reals.
  const num = Number(raw.replace(/[dD]/, 'E'))
  if (Number.isFinite(num)) return num
  return raw
}

function parseHeader(bytes: Uint8Array, start: number, where: string | undefined, hdu: string): ParsedHeader {
  const cards: Record<string, FitsHeaderValue> = {}
  let offset = start
  for (;;) {
    if (offset + BLOCK > bytes.length) {
      throw new Error(
        `fits: truncated header of ${hdu} (no END card within ${bytes.length - start} bytes)${at(where)}`,
      )
    }
    const block = latin1.decode(bytes.subarray(offset, offset + BLOCK))
    offset += BLOCK
    for (let c = 0; c < BLOCK; c += CARD) {
      const card = block.slice(c, c + CARD)
      let key = card.slice(0, 8).trimEnd()
      if (key === 'END') return { cards, dataStart: offset }
      let valueField: string | undefined
      if (key === 'HIERARCH') {
        // ESO convention: "HIERARCH ESO DET CHIP = value".
        const eq = card.indexOf('=', 9)
        if (eq > 0) {
          key = card.slice(9, eq).trim()
          valueField = card.slice(eq + 1)
        }
      } else if (card.slice(8, 10) === '= ') {
        valueField = card.slice(10)
      }
      if (valueField === undefined || key === '') continue
      const value = parseValue(valueField)
      if (value !== undefined && !(key in cards)) cards[key] = value
    }
  }
}

function intCard(cards: Record<string, FitsHeaderValue>, key: string, where: string | undefined, hdu: string): number {
  const value = cards[key]
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new Error(`fits: missing or invalid ${key} (${String(value)}) in ${hdu}${at(where)}`)
  }
  return value
}

interface HduShape {
  bitpix: number
  naxes: number[]
  /** Bytes of data (without padding) following the header. */
  dataBytes: number
}

function hduShape(cards: Record<string, FitsHeaderValue>, where: string | undefined, hdu: string): HduShape {
  const bitpix = cards['BITPIX']
  if (typeof bitpix !== 'number' || !SUPPORTED_BITPIX.includes(bitpix)) {
    throw new Error(
      `fits: unsupported BITPIX ${String(bitpix)} in ${hdu}${at(where)} (expected one of ${SUPPORTED_BITPIX.join(', ')})`,
    )
  }
  const naxis = intCard(cards, 'NAXIS', where, hdu)
  if (naxis > 999) throw new Error(`fits: invalid NAXIS ${naxis} in ${hdu}${at(where)}`)
  const naxes: number[] = []
  for (let i = 1; i <= naxis; i++) naxes.push(intCard(cards, `NAXIS${i}`, where, hdu))
  const pcount = typeof cards['PCOUNT'] === 'number' ? cards['PCOUNT'] : 0
  const gcount = typeof cards['GCOUNT'] === 'number' ? cards['GCOUNT'] : 1
  const elements = naxis === 0 ? 0 : naxes.reduce((a, b) => a * b, 1)
  const dataBytes = naxis === 0 ? 0 : (Math.abs(bitpix) / 8) * gcount * (pcount + elements)
  return { bitpix, naxes, dataBytes }
}

function readImage(
  bytes: Uint8Array,
  cards: Record<string, FitsHeaderValue>,
  shape: HduShape,
  dataStart: number,
  where: string | undefined,
  hdu: string,
): FitsImage {
  const { bitpix, naxes } = shape
  if (naxes.length < 2) {
    throw new Error(`fits: NAXIS ${naxes.length} in ${hdu} is not an image (need 2 or 3 axes)${at(where)}`)
  }
  // Degenerate trailing axes (NAXIS4 = 1, common in radio cubes) do not change the data.
  for (let i = 3; i < naxes.length; i++) {
    if (naxes[i] !== 1) {
      throw new Error(
        `fits: NAXIS ${naxes.length} (${naxes.join('x')}) in ${hdu} is not supported (at most 3 axes)${at(where)}`,
      )
    }
  }
  const width = naxes[0] ?? 0
  const height = naxes[1] ?? 0
  const depth = naxes[2] ?? 1
  const count = width * height * depth
  const bytesPer = Math.abs(bitpix) / 8
  const need = count * bytesPer
  if (dataStart + need > bytes.length) {
    throw new Error(
      `fits: truncated data in ${hdu}: ${width}x${height}x${depth} BITPIX ${bitpix} needs ${need} bytes, found ${Math.max(0, bytes.length - dataStart)}${at(where)}`,
    )
  }
  const bscale = typeof cards['BSCALE'] === 'number' ? cards['BSCALE'] : 1
  const bzero = typeof cards['BZERO'] === 'number' ? cards['BZERO'] : 0
  const blankCard = cards['BLANK']
  const blank = bitpix > 0 && typeof blankCard === 'number' ? blankCard : undefined
  const view = new DataView(bytes.buffer, bytes.byteOffset + dataStart, need)
  const data = new Float32Array(count)
  const scaled = bscale !== 1 || bzero !== 0
  switch (bitpix) {
    case 8:
      for (let i = 0; i < count; i++) {
        const v = view.getUint8(i)
        data[i] = v === blank ? NaN : bzero + bscale * v
      }
      break
    case 16:
      for (let i = 0; i < count; i++) {
        const v = view.getInt16(i * 2)
        data[i] = v === blank ? NaN : bzero + bscale * v
      }
      break
    case 32:
      for (let i = 0; i < count; i++) {
        const v = view.getInt32(i * 4)
        data[i] = v === blank ? NaN : bzero + bscale * v
      }
      break
    case 64: {
      const blank64 = blank === undefined ? undefined : BigInt(blank)
      for (let i = 0; i < count; i++) {
        const v = view.getBigInt64(i * 8)
        data[i] = v === blank64 ? NaN : bzero + bscale * Number(v)
      }
      break
    }
    case -32:
      if (scaled) for (let i = 0; i < count; i++) data[i] = bzero + bscale * view.getFloat32(i * 4)
      else for (let i = 0; i < count; i++) data[i] = view.getFloat32(i * 4)
      break
    default:
      for (let i = 0; i < count; i++) data[i] = bzero + bscale * view.getFloat64(i * 8)
  }
  return { width, height, depth, data, header: cards }
}

function padded(n: number): number {
  return Math.ceil(n / BLOCK) * BLOCK
}

/**
 * Decodes the image in a FITS file: the primary HDU, or, when the primary
 * has NAXIS = 0, the first IMAGE extension.
 *
 * ```ts
 * const img = decodeFits(bytes, 'row 17 of column "cutout" in survey.parquet')
 * img.data[(plane * img.height + y) * img.width + x]
 * ```
 *
 * Throws (synchronously) an error naming the problem and `where` for: a bad
 * signature, a truncated header or data, unsupported BITPIX, more than 3
 * non-degenerate axes, or a file with no image HDU.
 */
export function decodeFits(bytes: Uint8Array, where?: string): FitsImage {
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    throw new Error(`fits: bytes are gzip-compressed (decompress first, or use decodeCutoutBytes)${at(where)}`)
  }
  const signature = latin1.decode(bytes.subarray(0, 30))
  if (!/^SIMPLE  =\s+T\b/.test(signature)) {
    throw new Error(`fits: bad signature ${JSON.stringify(signature.slice(0, 10))} (expected "SIMPLE  = T")${at(where)}`)
  }
  const primary = parseHeader(bytes, 0, where, 'primary HDU')
  const primaryShape = hduShape(primary.cards, where, 'primary HDU')
  if (primaryShape.naxes.length > 0 && primary.cards['GROUPS'] !== true) {
    return readImage(bytes, primary.cards, primaryShape, primary.dataStart, where, 'primary HDU')
  }
  let offset = primary.dataStart + padded(primaryShape.dataBytes)
  const seen: string[] = []
  for (let index = 1; offset < bytes.length; index++) {
    // Trailing zero/space padding after the last HDU is not another HDU.
    if (bytes[offset] === 0 || bytes[offset] === 0x20) break
    const hdu = `extension ${index}`
    const ext = parseHeader(bytes, offset, where, hdu)
    const xtension = ext.cards['XTENSION']
    const shape = hduShape(ext.cards, where, hdu)
    if (typeof xtension === 'string' && xtension.trim() === 'IMAGE' && shape.naxes.length > 0) {
      return readImage(bytes, ext.cards, shape, ext.dataStart, where, hdu)
    }
    if (ext.cards['ZIMAGE'] === true) {
      throw new Error(`fits: ${hdu} is a tile-compressed image (fpack, ZIMAGE = T), which is not supported${at(where)}`)
    }
    seen.push(String(xtension).trim())
    offset = ext.dataStart + padded(shape.dataBytes)
  }
  const others = seen.length ? ` (extensions: ${seen.join(', ')})` : ''
  throw new Error(`fits: no image HDU: primary has NAXIS 0 and no IMAGE extension follows${others}${at(where)}`)
}

function formatCard(key: string, value: FitsHeaderValue, comment = ''): string {
  let field: string
  if (!/^[A-Z0-9_-]{1,8}$/.test(key)) throw new Error(`fits: invalid header keyword ${JSON.stringify(key)}`)
  if (typeof value === 'boolean') field = (value ? 'T' : 'F').padStart(20)
  else if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`fits: header value ${value} for ${key} is not finite`)
    let text: string
    // BigInt prints integers exactly (-9223372036854775808 fits the 20-character field).
    if (Number.isInteger(value) && Math.abs(value) <= 2 ** 63) text = BigInt(value).toString()
    else {
      text = String(value).toUpperCase()
      if (!/[.E]/.test(text)) text += '.'
      if (text.length > 20) text = value.toExponential(13).toUpperCase()
    }
    field = text.padStart(20)
  } else {
    const escaped = value.replaceAll("'", "''")
    field = `'${escaped.padEnd(8)}'`
    if (field.length > 70) throw new Error(`fits: header string for ${key} is too long (${value.length} characters)`)
  }
  let card = `${key.padEnd(8)}= ${field}`
  if (comment) card += ` / ${comment}`
  if (card.length > CARD) card = card.slice(0, CARD)
  return card.padEnd(CARD)
}

function headerBytes(cards: string[]): Uint8Array {
  const text = [...cards, 'END'.padEnd(CARD)].join('')
  const out = new Uint8Array(padded(text.length)).fill(0x20)
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i)
  return out
}

const INT_RANGE: Record<number, readonly [number, number, number]> = {
  // [min, max, default BLANK]
  8: [0, 255, 0],
  16: [-32768, 32767, -32768],
  32: [-2147483648, 2147483647, -2147483648],
  64: [-(2 ** 63), 2 ** 63 - 1, -(2 ** 63)],
}

/**
 * Encodes an image as a FITS file (2880-byte blocks, 80-character cards,
 * big-endian data); used by tests and fixture scripts.
 *
 * ```ts
 * const bytes = encodeFits({ width: 64, height: 64, depth: 3, data }, 16, { bzero: 32768 })
 * ```
 *
 * `bitpix` defaults to -32. For integer BITPIX each value is stored as
 * round((value − bzero) / bscale); NaN is stored as BLANK. Throws when the
 * data length does not match width × height × depth or a scaled value does
 * not fit the integer type.
 */
export function encodeFits(
  image: { width: number; height: number; depth: number; data: Float32Array | Float64Array | ArrayLike<number> },
  bitpix: FitsBitpix = -32,
  options: EncodeFitsOptions = {},
): Uint8Array {
  const { width, height, depth, data } = image
  const count = width * height * depth
  if (data.length !== count) {
    throw new Error(`fits: data has ${data.length} values, expected ${width}x${height}x${depth} = ${count}`)
  }
  if (!SUPPORTED_BITPIX.includes(bitpix)) throw new Error(`fits: unsupported BITPIX ${String(bitpix)}`)
  const bscale = options.bscale ?? 1
  const bzero = options.bzero ?? 0
  const isInt = bitpix > 0
  const range = INT_RANGE[bitpix]
  // Integer images: quantise first, so that a default BLANK can avoid every stored value.
  const raws = isInt ? new Float64Array(count) : undefined
  let hasNaN = false
  if (raws && range) {
    for (let i = 0; i < count; i++) {
      const v = Number(data[i])
      if (Number.isNaN(v)) {
        hasNaN = true
        raws[i] = NaN
        continue
      }
      const raw = Math.round((v - bzero) / bscale)
      // 2 ** 63 - 1 rounds to 2 ** 63 as a double, hence >= for the top of int64.
      if (!Number.isFinite(raw) || raw < range[0] || raw > range[1] || (bitpix === 64 && raw >= 2 ** 63)) {
        throw new Error(`fits: value ${v} at index ${i} does not fit BITPIX ${bitpix} (stored ${raw})`)
      }
      raws[i] = raw
    }
  }
  let blank: number | undefined
  if (raws && range && (hasNaN || options.blank !== undefined)) {
    const used = new Set<number>()
    for (const r of raws) if (!Number.isNaN(r)) used.add(r)
    if (options.blank !== undefined) {
      if (used.has(options.blank)) throw new Error(`fits: BLANK ${options.blank} is also a data value`)
      blank = options.blank
    } else {
      const candidates = [range[2], bitpix === 8 ? 255 : range[1] === 2 ** 63 ? range[0] + 1 : range[1]]
      blank = candidates.find((c) => !used.has(c))
      for (let c = range[0]; blank === undefined && c <= range[1]; c++) if (!used.has(c)) blank = c
      if (blank === undefined) throw new Error(`fits: no free value for BLANK in BITPIX ${bitpix}`)
    }
  }

  const naxes = depth === 1 ? [width, height] : [width, height, depth]
  const structural: string[] = []
  const hdus: Uint8Array[] = []
  if (options.extension) {
    hdus.push(
      headerBytes([
        formatCard('SIMPLE', true, 'conforms to FITS standard'),
        formatCard('BITPIX', 8),
        formatCard('NAXIS', 0),
        formatCard('EXTEND', true),
      ]),
    )
    structural.push(formatCard('XTENSION', 'IMAGE', 'image extension'))
  } else {
    structural.push(formatCard('SIMPLE', true, 'conforms to FITS standard'))
  }
  structural.push(formatCard('BITPIX', bitpix), formatCard('NAXIS', naxes.length))
  naxes.forEach((n, i) => structural.push(formatCard(`NAXIS${i + 1}`, n)))
  if (options.extension) structural.push(formatCard('PCOUNT', 0), formatCard('GCOUNT', 1))
  if (bscale !== 1) structural.push(formatCard('BSCALE', bscale))
  if (bzero !== 0) structural.push(formatCard('BZERO', bzero))
  if (blank !== undefined) structural.push(formatCard('BLANK', blank))
  for (const [key, value] of Object.entries(options.header ?? {})) structural.push(formatCard(key, value))
  hdus.push(headerBytes(structural))

  const bytesPer = Math.abs(bitpix) / 8
  const body = new Uint8Array(padded(count * bytesPer))
  const view = new DataView(body.buffer)
  for (let i = 0; i < count; i++) {
    const v = Number(data[i])
    if (!isInt) {
      if (bitpix === -32) view.setFloat32(i * 4, bzero === 0 && bscale === 1 ? v : (v - bzero) / bscale)
      else view.setFloat64(i * 8, bzero === 0 && bscale === 1 ? v : (v - bzero) / bscale)
      continue
    }
    const stored = raws?.[i] ?? 0
    const raw = Number.isNaN(stored) ? (blank ?? 0) : stored
    if (bitpix === 8) view.setUint8(i, raw)
    else if (bitpix === 16) view.setInt16(i * 2, raw)
    else if (bitpix === 32) view.setInt32(i * 4, raw)
    else view.setBigInt64(i * 8, BigInt(raw))
  }
  hdus.push(body)
  return concatBytes(hdus)
}

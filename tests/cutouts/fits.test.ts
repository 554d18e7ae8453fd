import { describe, expect, it } from 'vitest'
import { decodeFits, encodeFits, type FitsBitpix } from '../../src/cutouts/fits.js'
import { concatBytes } from '../../src/bytes.js'

// Hand-built FITS, independent of encodeFits: cards are written as text and data with DataView.
function card(key: string, value?: string): string {
  const text = value === undefined ? key : `${key.padEnd(8)}= ${value.padStart(20)}`
  return text.padEnd(80)
}

function block(text: string, fill = 0x20): Uint8Array {
  const out = new Uint8Array(Math.ceil(text.length / 2880) * 2880).fill(fill)
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i)
  return out
}

function header(cards: string[]): Uint8Array {
  return block([...cards, card('END')].join(''))
}

function dataBlock(bitpix: number, values: readonly number[]): Uint8Array {
  const bytesPer = Math.abs(bitpix) / 8
  const out = new Uint8Array(Math.ceil((values.length * bytesPer) / 2880) * 2880)
  const view = new DataView(out.buffer)
  values.forEach((v, i) => {
    if (bitpix === 8) view.setUint8(i, v)
    else if (bitpix === 16) view.setInt16(i * 2, v)
    else if (bitpix === 32) view.setInt32(i * 4, v)
    else if (bitpix === 64) view.setBigInt64(i * 8, BigInt(v))
    else if (bitpix === -32) view.setFloat32(i * 4, v)
    else view.setFloat64(i * 8, v)
  })
  return out
}

function concat(...parts: Uint8Array[]): Uint8Array {
  return concatBytes(parts)
}

function imageHdu(bitpix: number, naxes: number[], values: number[], extra: string[] = [], first = card('SIMPLE', 'T')) {
  return concat(
    header([first, card('BITPIX', String(bitpix)), card('NAXIS', String(naxes.length)), ...naxes.map((n, i) => card(`NAXIS${i + 1}`, String(n))), ...extra]),
    dataBlock(bitpix, values),
  )
}

function expectValues(actual: Float32Array, expected: readonly number[]) {
  expect(actual.length).toBe(expected.length)
  expected.forEach((e, i) => {
    if (Number.isNaN(e)) expect(actual[i], `index ${i}`).toBeNaN()
    else expect(actual[i], `index ${i}`).toBeCloseTo(e, 3)
  })
}

describe('decodeFits on hand-built files', () => {
  it('reads BITPIX 16 with BSCALE, BZERO and BLANK', () => {
    const raw = [-999, 0, 1, -5, 32767, -32768]
    const bytes = imageHdu(16, [3, 2], raw, [card('BSCALE', '2.0'), card('BZERO', '100'), card('BLANK', '-999')])
    const img = decodeFits(bytes)
    expect([img.width, img.height, img.depth]).toEqual([3, 2, 1])
    expectValues(img.data, [NaN, 100, 102, 90, 100 + 2 * 32767, 100 - 2 * 32768])
    expect(img.header['BSCALE']).toBe(2)
    expect(img.header['BLANK']).toBe(-999)
  })

  it('reads BITPIX 8 as unsigned and 16 with BZERO 32768 as uint16', () => {
    expectValues(decodeFits(imageHdu(8, [2, 2], [0, 1, 200, 255])).data, [0, 1, 200, 255])
    const u16 = imageHdu(16, [2, 1], [-32768, 32767], [card('BZERO', '32768')])
    expectValues(decodeFits(u16).data, [0, 65535])
  })

  it('reads BITPIX 32, 64, -32 and -64 big-endian, keeping NaN', () => {
    expectValues(decodeFits(imageHdu(32, [3, 1], [-2147483648, 7, 12345678])).data, [-2147483648, 7, 12345678])
    expectValues(decodeFits(imageHdu(64, [2, 1], [-5, 2 ** 40])).data, [-5, 2 ** 40])
    expectValues(decodeFits(imageHdu(-32, [3, 1], [1.5, NaN, -2.25])).data, [1.5, NaN, -2.25])
    expectValues(decodeFits(imageHdu(-64, [3, 1], [1e-3, NaN, -7.125], [card('BSCALE', '2.0D0')])).data, [2e-3, NaN, -14.25])
  })

  it('ignores BLANK for float images and maps BLANK to NaN for BITPIX 32', () => {
    expectValues(decodeFits(imageHdu(-32, [2, 1], [-1, 3], [card('BLANK', '-1')])).data, [-1, 3])
    expectValues(decodeFits(imageHdu(32, [2, 1], [-1, 3], [card('BLANK', '-1')])).data, [NaN, 3])
  })

  it('returns a cube plane-major (CHW) in stored order', () => {
    // value = 100*plane + 10*y + x
    const values: number[] = []
    for (let p = 0; p < 3; p++) for (let y = 0; y < 2; y++) for (let x = 0; x < 4; x++) values.push(100 * p + 10 * y + x)
    const img = decodeFits(imageHdu(-32, [4, 2, 3], values))
    expect([img.width, img.height, img.depth]).toEqual([4, 2, 3])
    expect(img.data[(2 * img.height + 1) * img.width + 3]).toBe(213)
  })

  it('accepts a degenerate fourth axis (NAXIS4 = 1)', () => {
    const img = decodeFits(imageHdu(-32, [2, 2, 1, 1], [1, 2, 3, 4]))
    expect([img.width, img.height, img.depth]).toEqual([2, 2, 1])
  })

  it('parses header strings, logicals, comments and HIERARCH cards', () => {
    const bytes = imageHdu(8, [1, 1], [5], [
      `${"BUNIT   = 'nanomaggy'".padEnd(31)}/ pixel unit`.padEnd(80),
      "OBJECT  = 'O''Brien field'".padEnd(80),
      card('FLAG', 'F'),
      card('PIXSCALE', '2.62D-1'),
      'HIERARCH ESO DET CHIP ID = 7 / chip'.padEnd(80),
      'COMMENT this is not a value card'.padEnd(80),
    ])
    const { header: h } = decodeFits(bytes)
    expect(h['BUNIT']).toBe('nanomaggy')
    expect(h['OBJECT']).toBe("O'Brien field")
    expect(h['FLAG']).toBe(false)
    expect(h['PIXSCALE']).toBeCloseTo(0.262)
    expect(h['ESO DET CHIP ID']).toBe(7)
    expect('COMMENT' in h).toBe(false)
  })

  it('reads the first IMAGE extension when the primary HDU has NAXIS 0, skipping a table', () => {
    const primary = header([card('SIMPLE', 'T'), card('BITPIX', '8'), card('NAXIS', '0'), card('EXTEND', 'T')])
    const table = concat(
      header([
        card('XTENSION', "'BINTABLE'"),
        card('BITPIX', '8'),
        card('NAXIS', '2'),
        card('NAXIS1', '8'),
        card('NAXIS2', '400'),
        card('PCOUNT', '0'),
        card('GCOUNT', '1'),
        card('TFIELDS', '1'),
      ]),
      new Uint8Array(2 * 2880), // 3200 bytes of table padded to two blocks
    )
    const image = imageHdu(16, [2, 2], [1, 2, 3, 4], [card('PCOUNT', '0'), card('GCOUNT', '1'), card('EXTNAME', "'SCI'")], card('XTENSION', "'IMAGE   '"))
    const img = decodeFits(concat(primary, table, image))
    expectValues(img.data, [1, 2, 3, 4])
    expect(img.header['EXTNAME']).toBe('SCI')
  })
})

describe('encodeFits', () => {
  it('writes 2880-byte blocks of 80-character cards with big-endian data', () => {
    const bytes = encodeFits({ width: 3, height: 2, depth: 1, data: Float32Array.from([1, 2, 3, 4, 5, 6]) })
    expect(bytes.length % 2880).toBe(0)
    const text = new TextDecoder('latin1').decode(bytes.subarray(0, 2880))
    expect(text.slice(0, 80)).toMatch(/^SIMPLE  = {20}T/)
    expect(text.slice(80, 160).startsWith('BITPIX  =                  -32')).toBe(true)
    expect(text.slice(160, 240).startsWith('NAXIS   =                    2')).toBe(true)
    expect(text).toMatch(/END {77}/)
    // 1.0f big-endian = 3F 80 00 00
    expect(Array.from(bytes.subarray(2880, 2884))).toEqual([0x3f, 0x80, 0x00, 0x00])
  })

  const cases: { bitpix: FitsBitpix; bscale?: number; bzero?: number; values: number[]; tolerance: number }[] = [
    { bitpix: 8, values: [0, 17, 255, NaN], tolerance: 0 },
    { bitpix: 16, bscale: 0.01, bzero: -50, values: [-50, 0, 12.34, NaN, 100], tolerance: 0.005 },
    { bitpix: 16, bzero: 32768, values: [0, 65534, 40000], tolerance: 0 },
    { bitpix: 32, bscale: 1e-4, bzero: 3, values: [3, -1.2345, 100.5, NaN], tolerance: 5e-5 },
    { bitpix: 64, values: [-(2 ** 40), 12345, NaN], tolerance: 0 },
    { bitpix: -32, values: [0.125, -3.5e10, NaN, Infinity], tolerance: 0 },
    { bitpix: -64, bscale: 2, bzero: 1, values: [1e-300, NaN, 42], tolerance: 1e-6 },
  ]
  for (const { bitpix, bscale, bzero, values, tolerance } of cases) {
    it(`round-trips BITPIX ${bitpix}${bscale ? ` BSCALE ${bscale}` : ''}${bzero ? ` BZERO ${bzero}` : ''} through decodeFits`, () => {
      // Two planes: the second is the first plus 1 (NaN stays NaN).
      const data = Float32Array.from([...values, ...values.map((v) => (bitpix === 8 && v === 255 ? 254 : v + 1))])
      const bytes = encodeFits({ width: values.length, height: 1, depth: 2, data }, bitpix, { bscale, bzero })
      const img = decodeFits(bytes, 'round trip')
      expect([img.width, img.height, img.depth]).toEqual([values.length, 1, 2])
      expect(img.header['BITPIX']).toBe(bitpix)
      data.forEach((v, i) => {
        const got = img.data[i] as number
        if (Number.isNaN(v)) expect(got, `index ${i}`).toBeNaN()
        else if (!Number.isFinite(v)) expect(got).toBe(v)
        else expect(Math.abs(got - v), `index ${i}: ${got} vs ${v}`).toBeLessThanOrEqual(tolerance + Math.abs(v) * 1e-7)
      })
      if (values.some(Number.isNaN) && bitpix > 0) expect(typeof img.header['BLANK']).toBe('number')
    })
  }

  it('writes an IMAGE extension after an empty primary and extra header cards', () => {
    const bytes = encodeFits({ width: 2, height: 2, depth: 1, data: Float32Array.from([1, 2, 3, 4]) }, 16, {
      extension: true,
      header: { EXTNAME: 'SCI', BUNIT: "it's", SEEING: 1.25, FLAG: true },
    })
    const text = new TextDecoder('latin1').decode(bytes.subarray(0, 2880))
    expect(text).toMatch(/^SIMPLE  = {20}T/)
    expect(text).toContain('NAXIS   =                    0')
    const img = decodeFits(bytes)
    expectValues(img.data, [1, 2, 3, 4])
    expect(img.header['XTENSION']).toBe('IMAGE')
    expect(img.header['BUNIT']).toBe("it's")
    expect(img.header['SEEING']).toBe(1.25)
    expect(img.header['FLAG']).toBe(true)
  })

  it('rejects values that do not fit the integer type and mismatched lengths', () => {
    expect(() => encodeFits({ width: 1, height: 1, depth: 1, data: Float32Array.from([40000]) }, 16)).toThrow(/does not fit BITPIX 16/)
    expect(() => encodeFits({ width: 2, height: 2, depth: 1, data: new Float32Array(3) })).toThrow(/3 values, expected 2x2x1 = 4/)
  })
})

describe('decodeFits errors', () => {
  const where = 'row 17 of column "cutout" in survey.parquet'
  const good = () => imageHdu(-32, [4, 4], Array.from({ length: 16 }, (_, i) => i))

  it('names a bad signature and where', () => {
    const bytes = good()
    bytes.set([0x58], 0) // "XIMPLE"
    expect(() => decodeFits(bytes, where)).toThrow(/^fits: bad signature .* in row 17 of column "cutout" in survey\.parquet$/)
    expect(() => decodeFits(new Uint8Array(0), where)).toThrow(/fits: bad signature/)
  })

  it('says so for gzip-compressed and tile-compressed files', () => {
    expect(() => decodeFits(Uint8Array.from([0x1f, 0x8b, 8, 0]), where)).toThrow(/^fits: bytes are gzip-compressed .* in row 17/)
    const primary = header([card('SIMPLE', 'T'), card('BITPIX', '8'), card('NAXIS', '0')])
    const fz = header([card('XTENSION', "'BINTABLE'"), card('BITPIX', '8'), card('NAXIS', '2'), card('NAXIS1', '0'), card('NAXIS2', '0'), card('PCOUNT', '0'), card('GCOUNT', '1'), card('ZIMAGE', 'T')])
    expect(() => decodeFits(concat(primary, fz), where)).toThrow(/^fits: extension 1 is a tile-compressed image \(fpack, ZIMAGE = T\), which is not supported in row 17/)
  })

  it('names truncated data with the sizes involved', () => {
    const bytes = good().subarray(0, 2880 + 40)
    expect(() => decodeFits(bytes, where)).toThrow(/fits: truncated data in primary HDU: 4x4x1 BITPIX -32 needs 64 bytes, found 40 in row 17/)
  })

  it('accepts data without the final block padding', () => {
    const bytes = good().subarray(0, 2880 + 64)
    expect(decodeFits(bytes).data[15]).toBe(15)
  })

  it('names a truncated header', () => {
    expect(() => decodeFits(good().subarray(0, 1000), where)).toThrow(/fits: truncated header of primary HDU .* in row 17/)
  })

  it('names an unsupported BITPIX', () => {
    const bytes = imageHdu(8, [1, 1], [0])
    const text = new TextDecoder('latin1').decode(bytes.subarray(80, 160)).replace('                   8', '                  12')
    for (let i = 0; i < 80; i++) bytes[80 + i] = text.charCodeAt(i)
    expect(() => decodeFits(bytes, where)).toThrow(/fits: unsupported BITPIX 12 in primary HDU in row 17/)
  })

  it('rejects more than three non-degenerate axes', () => {
    expect(() => decodeFits(imageHdu(8, [1, 1, 1, 2], [0, 0]), where)).toThrow(/fits: NAXIS 4 \(1x1x1x2\) .* not supported/)
  })

  it('names a file with no image HDU', () => {
    const primary = header([card('SIMPLE', 'T'), card('BITPIX', '8'), card('NAXIS', '0')])
    const table = header([card('XTENSION', "'BINTABLE'"), card('BITPIX', '8'), card('NAXIS', '2'), card('NAXIS1', '0'), card('NAXIS2', '0'), card('PCOUNT', '0'), card('GCOUNT', '1')])
    expect(() => decodeFits(primary, where)).toThrow(/fits: no image HDU.* in row 17/)
    expect(() => decodeFits(concat(primary, table), where)).toThrow(/fits: no image HDU.*\(extensions: BINTABLE\) in row 17/)
  })
})

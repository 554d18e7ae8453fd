import { gzipSync } from 'node:zlib'
import jpeg from 'jpeg-js'
import { describe, expect, it } from 'vitest'
import { encodeFits } from '../../src/cutouts/fits.js'
import { encodePng } from '../../src/cutouts/png.js'
import { decodeCutoutBytes, sniffImageFormat } from '../../src/cutouts/sniff.js'

const cube = Float32Array.from({ length: 4 * 3 * 2 }, (_, i) => i * 0.5 - 3)
const fits = encodeFits({ width: 4, height: 3, depth: 2, data: cube })

describe('sniffImageFormat', () => {
  it('recognises FITS, PNG and JPEG by magic bytes', async () => {
    const png = await encodePng({ width: 2, height: 2, channels: 1, data: Uint8Array.from([1, 2, 3, 4]) })
    const jpg = new Uint8Array(jpeg.encode({ width: 8, height: 8, data: new Uint8Array(256).fill(200) }, 90).data)
    expect(sniffImageFormat(fits)).toBe('fits')
    expect(sniffImageFormat(png)).toBe('png')
    expect(sniffImageFormat(jpg)).toBe('jpeg')
    expect(sniffImageFormat(new Uint8Array(0))).toBeUndefined()
    expect(sniffImageFormat(new TextEncoder().encode('<html>not found</html>'))).toBeUndefined()
    expect(sniffImageFormat(gzipSync(fits))).toBeUndefined()
  })
})

describe('decodeCutoutBytes', () => {
  it('decodes FITS as CHW with the cube depth as bands', async () => {
    const out = await decodeCutoutBytes(fits, 'row 0')
    expect(out).toMatchObject({ height: 3, width: 4, bands: 2, layout: 'chw', format: 'fits' })
    expect(Array.from(out.data)).toEqual(Array.from(cube))
  })

  it('unwraps gzip-compressed FITS', async () => {
    const out = await decodeCutoutBytes(new Uint8Array(gzipSync(fits)), 'row 1')
    expect(out.format).toBe('fits')
    expect(Array.from(out.data)).toEqual(Array.from(cube))
  })

  it('decodes PNG and JPEG as HWC', async () => {
    const rgb = Uint8Array.from({ length: 3 * 2 * 3 }, (_, i) => i * 10)
    const png = await decodeCutoutBytes(await encodePng({ width: 3, height: 2, channels: 3, data: rgb }), 'row 2')
    expect(png).toMatchObject({ height: 2, width: 3, bands: 3, layout: 'hwc', format: 'png' })
    expect(Array.from(png.data)).toEqual(Array.from(rgb))
    const jpg = new Uint8Array(jpeg.encode({ width: 16, height: 8, data: new Uint8Array(16 * 8 * 4).fill(90) }, 90).data)
    const decoded = await decodeCutoutBytes(jpg, 'row 3')
    expect(decoded).toMatchObject({ height: 8, width: 16, bands: 3, layout: 'hwc', format: 'jpeg' })
    expect(Math.abs((decoded.data[0] ?? 0) - 90)).toBeLessThanOrEqual(2)
  })

  it('rejects unknown bytes naming where and showing the first bytes', async () => {
    await expect(decodeCutoutBytes(new TextEncoder().encode('<html>'), 'row 9 of column "cutout"')).rejects.toThrow(
      /^cutout: unrecognised image format \(6 bytes starting 3c 68 74 6d 6c 3e; expected FITS, PNG or JPEG\) in row 9 of column "cutout"$/,
    )
    await expect(decodeCutoutBytes(new Uint8Array(0), 'row 10')).rejects.toThrow(/cutout: unrecognised image format \(empty bytes/)
  })

  it('passes codec errors through with where', async () => {
    await expect(decodeCutoutBytes(fits.subarray(0, 2900), 'row 11')).rejects.toThrow(/^fits: truncated data .* in row 11$/)
  })
})

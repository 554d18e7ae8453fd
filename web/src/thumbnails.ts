/**
 * Cutout thumbnails for the results table: box-downsampled to THUMB_SIZE²,
 * asinh-stretched, bands mapped to RGB (reddest band → red). Computed in the
 * coordinator worker, drawn on canvases by the page.
 */

/** Thumbnail edge in pixels. */
export const THUMB_SIZE = 16

/** Bytes one RGB thumbnail takes. */
export const THUMB_BYTES = THUMB_SIZE * THUMB_SIZE * 3

/** How one cutout's pixels are laid out. */
export interface ThumbLayout {
  readonly height: number
  readonly width: number
  readonly bands: number
  readonly layout: 'hwc' | 'chw'
}

/** Which input band feeds red, green and blue (bands in storage order, bluest first). */
function channelMap(bands: number): readonly [number, number, number] {
  if (bands >= 3) return [bands - 1, Math.floor((bands - 1) / 2), 0]
  if (bands === 2) return [1, -1, 0]
  return [0, 0, 0]
}

/**
 * Render one cutout as an RGB thumbnail into `out` at `offset` (THUMB_BYTES
 * bytes). Non-finite pixels are ignored in the averages; a cutout with no
 * finite pixel comes out black. Returns false when the layout does not match
 * the number of values (the thumbnail is then left black).
 *
 * @example
 * renderThumbnail(pixels, { height: 64, width: 64, bands: 3, layout: 'hwc' }, out, row * THUMB_BYTES)
 */
export function renderThumbnail(pixels: ArrayLike<number>, layout: ThumbLayout, out: Uint8Array, offset: number): boolean {
  const { height, width, bands } = layout
  if (height * width * bands !== pixels.length || height < 1 || width < 1 || bands < 1) return false
  const s = THUMB_SIZE
  const box = new Float32Array(s * s * bands)
  for (let ty = 0; ty < s; ty++) {
    const y0 = Math.floor((ty * height) / s)
    const y1 = Math.max(y0 + 1, Math.floor(((ty + 1) * height) / s))
    for (let tx = 0; tx < s; tx++) {
      const x0 = Math.floor((tx * width) / s)
      const x1 = Math.max(x0 + 1, Math.floor(((tx + 1) * width) / s))
      for (let b = 0; b < bands; b++) {
        let sum = 0
        let count = 0
        for (let y = y0; y < y1 && y < height; y++) {
          for (let x = x0; x < x1 && x < width; x++) {
            const v = layout.layout === 'hwc' ? pixels[(y * width + x) * bands + b]! : pixels[(b * height + y) * width + x]!
            if (Number.isFinite(v)) {
              sum += v
              count++
            }
          }
        }
        box[(ty * s + tx) * bands + b] = count > 0 ? sum / count : Number.NaN
      }
    }
  }
  // a per-band floor (5th percentile, when positive) takes away a sky level the catalog did not subtract
  for (let b = 0; b < bands; b++) {
    const band = new Float32Array(s * s)
    for (let i = 0; i < s * s; i++) band[i] = box[i * bands + b]!
    const sorted = band.filter((v) => Number.isFinite(v)).sort()
    const floor = sorted.length > 0 ? Math.max(0, sorted[Math.floor(sorted.length * 0.05)]!) : 0
    if (floor > 0) for (let i = 0; i < s * s; i++) box[i * bands + b] = box[i * bands + b]! - floor
  }
  // asinh stretch on a robust maximum: faint structure stays visible, bright cores do not saturate everything
  const finite = box.filter((v) => Number.isFinite(v)).sort()
  const top = finite.length > 0 ? Math.max(finite[Math.min(finite.length - 1, Math.floor(finite.length * 0.995))]!, 0) : 0
  const soft = top > 0 ? top / 10 : 1
  const norm = top > 0 ? Math.asinh(top / soft) : 1
  const [r, g, b] = channelMap(bands)
  const channel = (i: number, band: number): number => {
    const v = band < 0 ? (box[i * bands]! + box[i * bands + 1]!) / 2 : box[i * bands + band]!
    if (!Number.isFinite(v) || v <= 0) return 0
    return Math.min(255, Math.round((255 * Math.asinh(v / soft)) / norm))
  }
  for (let i = 0; i < s * s; i++) {
    out[offset + 3 * i] = channel(i, r)
    out[offset + 3 * i + 1] = channel(i, g)
    out[offset + 3 * i + 2] = channel(i, b)
  }
  return true
}

/** Expand RGB thumbnail bytes to RGBA for `ImageData`. */
export function thumbnailRgba(rgb: Uint8Array, offset: number): Uint8ClampedArray<ArrayBuffer> {
  const n = THUMB_SIZE * THUMB_SIZE
  const out = new Uint8ClampedArray(n * 4)
  for (let i = 0; i < n; i++) {
    out[4 * i] = rgb[offset + 3 * i]!
    out[4 * i + 1] = rgb[offset + 3 * i + 1]!
    out[4 * i + 2] = rgb[offset + 3 * i + 2]!
    out[4 * i + 3] = 255
  }
  return out
}

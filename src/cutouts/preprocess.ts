/**
 * Cutout preprocessing declared by a model manifest: band selection, layout
 * conversion, crop/pad or resize, non-finite replacement and normalisation,
 * written straight into a batch buffer.
 */

/** How a model wants its cutouts prepared (read from its manifest, never hard-coded). */
export interface PreprocessSpec {
  /** Model input height, width, channels (HWC). */
  inputShape: readonly [number, number, number]
  /** Band order the model expects, e.g. ['g', 'r', 'z']; its length must equal inputShape[2]. */
  bands: readonly string[]
  /**
   * How to go from the cutout size to the input size. Default 'crop-or-pad':
   * a centred crop or zero-pad (by `nanFill`) per axis, no interpolation.
   * 'bilinear': half-pixel-centre bilinear sampling (TF2 `tf.image.resize`,
   * OpenCV, PyTorch `align_corners=False`), without antialiasing.
   */
  resize?: 'crop-or-pad' | 'bilinear'
  /**
   * Per-band normalisation applied after resizing:
   * 'none'; 'asinh': asinh(x / softening[b]) × (scale[b] ?? 1);
   * 'standardise': (x − mean[b]) / std[b];
   * 'per-image-max': x / max|x| over the whole model input (all bands); an all-zero image stays zero.
   */
  normalisation:
    | { kind: 'none' }
    | { kind: 'asinh'; softening: readonly number[]; scale?: readonly number[] }
    | { kind: 'standardise'; mean: readonly number[]; std: readonly number[] }
    | { kind: 'per-image-max' }
  /**
   * Raw value that replaces NaN/±Inf pixels and fills padding, before
   * resizing and normalisation. Default 0.
   */
  nanFill?: number
}

/** How a cutout's pixels are stored. */
export interface CutoutLayout {
  height: number
  width: number
  /** Band names in storage order, e.g. ['g', 'r', 'i', 'z']. */
  bands: readonly string[]
  /** 'hwc': channels interleaved per pixel; 'chw': one plane per band. */
  layout: 'hwc' | 'chw'
}

/** Pixel containers accepted by {@link preprocessCutout}. */
export type CutoutPixels = Float32Array | Float64Array | Int16Array | Uint8Array | ArrayLike<number>

/**
 * Parses a shape string such as '64x64x3' (also '64,64,3', '64×64×3',
 * '64 x 64 x 3') into three positive integers in text order; a two-number
 * shape 'HxW' means one band and gives [H, W, 1].
 *
 * Throws `cutout: invalid shape "..." in <where>` otherwise.
 */
export function parseShape(text: string, where: string): [number, number, number] {
  const parts = text.trim().split(/\s*[x×X,]\s*/)
  const dims = parts.map((p) => (/^\d+$/.test(p) ? Number(p) : NaN))
  if ((dims.length === 2 || dims.length === 3) && dims.every((d) => Number.isSafeInteger(d) && d > 0)) {
    return [dims[0] ?? 0, dims[1] ?? 0, dims[2] ?? 1]
  }
  throw new Error(`cutout: invalid shape ${JSON.stringify(text)} in ${where} (expected e.g. "64x64x3")`)
}

/**
 * Builds a {@link CutoutLayout} from cutout column metadata (`shape`,
 * `layout`, `bands`, as in ColumnSpec.metadata). `shape` is read in storage
 * order: "64x64x3" for layout 'hwc' (the default), "3x64x64" for 'chw'.
 * `bands` is comma-separated ("g,r,z"), or a run of one-letter names ("grz").
 *
 * Throws `cutout: ...` naming `where` when a key is missing or inconsistent.
 */
export function cutoutLayoutFromMetadata(metadata: Readonly<Record<string, string>>, where: string): CutoutLayout {
  const shapeText = metadata['shape']
  if (shapeText === undefined) throw new Error(`cutout: metadata key "shape" missing in ${where}`)
  const layoutText = (metadata['layout'] ?? 'hwc').trim().toLowerCase()
  if (layoutText !== 'hwc' && layoutText !== 'chw') {
    throw new Error(`cutout: invalid layout ${JSON.stringify(metadata['layout'])} in ${where} (expected "hwc" or "chw")`)
  }
  const dims = parseShape(shapeText, where)
  const isChw = layoutText === 'chw' && shapeText.trim().split(/\s*[x×X,]\s*/).length === 3
  const [height, width, count] = isChw ? [dims[1], dims[2], dims[0]] : dims
  const bandsText = metadata['bands']
  if (bandsText === undefined) throw new Error(`cutout: metadata key "bands" missing in ${where}`)
  const trimmed = bandsText.trim()
  const bands = trimmed.includes(',') ? trimmed.split(',').map((b) => b.trim()) : trimmed.length === count ? [...trimmed] : [trimmed]
  if (bands.length !== count || bands.some((b) => b === '')) {
    throw new Error(
      `cutout: bands ${JSON.stringify(bandsText)} do not match shape ${JSON.stringify(shapeText)} (${count} bands) in ${where}`,
    )
  }
  return { height, width, bands, layout: layoutText }
}

function checkPerBand(name: string, values: readonly number[], bands: number): void {
  if (values.length !== bands) {
    throw new Error(`preprocess: normalisation ${name} has ${values.length} values, expected one per band (${bands})`)
  }
  if (values.some((v) => !Number.isFinite(v))) {
    throw new Error(`preprocess: normalisation ${name} [${values.join(', ')}] must be finite`)
  }
}

/**
 * Prepares one cutout for a model and writes it (HWC, Float32) into `out`
 * starting at `outOffset`, so a whole batch can be packed into one buffer.
 *
 * ```ts
 * const spec: PreprocessSpec = { inputShape: [64, 64, 3], bands: ['g', 'r', 'z'],
 *   normalisation: { kind: 'asinh', softening: [0.01, 0.01, 0.02] } }
 * const batch = new Float32Array(rows * 64 * 64 * 3)
 * const { nonFinite } = preprocessCutout(pixels, { height: 96, width: 96, bands: ['g','r','i','z'], layout: 'chw' },
 *   spec, batch, row * 64 * 64 * 3)
 * ```
 *
 * Steps: pick and reorder bands by name; convert CHW→HWC; replace NaN/±Inf
 * with `nanFill`; centre crop/pad or bilinearly resize; normalise per band.
 * Returns the number of non-finite input values that reached the model input
 * (all selected-band values for 'bilinear', the cropped window for
 * 'crop-or-pad'), so callers can flag the row.
 *
 * Throws `preprocess: ...` when a band is missing (naming it and the
 * available ones), the pixel count does not match the layout, the spec is
 * inconsistent, or `out` is too short.
 */
export function preprocessCutout(
  pixels: CutoutPixels,
  layout: CutoutLayout,
  spec: PreprocessSpec,
  out: Float32Array,
  outOffset: number,
): { nonFinite: number } {
  const [outH, outW, outC] = spec.inputShape
  const { height: inH, width: inW } = layout
  const inC = layout.bands.length
  if (![outH, outW, outC].every((d) => Number.isInteger(d) && d > 0)) {
    throw new Error(`preprocess: invalid input shape [${spec.inputShape.join(', ')}]`)
  }
  if (spec.bands.length !== outC) {
    throw new Error(
      `preprocess: model expects ${outC} channels but lists ${spec.bands.length} bands (${spec.bands.join(', ')})`,
    )
  }
  if (!(Number.isInteger(inH) && Number.isInteger(inW) && inH > 0 && inW > 0 && inC > 0)) {
    throw new Error(`preprocess: invalid cutout layout ${inH}x${inW} with bands [${layout.bands.join(', ')}]`)
  }
  const expected = inH * inW * inC
  if (pixels.length !== expected) {
    throw new Error(
      `preprocess: cutout has ${pixels.length} values, expected ${expected} (${inH}x${inW}x${inC}, bands ${layout.bands.join(',')})`,
    )
  }
  const size = outH * outW * outC
  if (!Number.isInteger(outOffset) || outOffset < 0 || outOffset + size > out.length) {
    throw new Error(`preprocess: output buffer of ${out.length} values cannot hold ${size} values at offset ${outOffset}`)
  }
  const bandIndex = spec.bands.map((band) => {
    const i = layout.bands.indexOf(band)
    if (i < 0) {
      throw new Error(`preprocess: band ${JSON.stringify(band)} missing from cutout (available: ${layout.bands.join(', ')})`)
    }
    return i
  })
  const norm = spec.normalisation
  if (norm.kind === 'asinh') {
    checkPerBand('softening', norm.softening, outC)
    if (norm.softening.some((s) => s <= 0)) {
      throw new Error(`preprocess: asinh softening [${norm.softening.join(', ')}] must be positive`)
    }
    if (norm.scale) checkPerBand('scale', norm.scale, outC)
  } else if (norm.kind === 'standardise') {
    checkPerBand('mean', norm.mean, outC)
    checkPerBand('std', norm.std, outC)
    if (norm.std.some((s) => s === 0)) throw new Error(`preprocess: standardise std [${norm.std.join(', ')}] has a zero`)
  } else if (norm.kind !== 'none' && norm.kind !== 'per-image-max') {
    throw new Error(`preprocess: unknown normalisation ${JSON.stringify((norm as { kind: unknown }).kind)}`)
  }
  const fill = spec.nanFill ?? 0
  const resize = spec.resize ?? 'crop-or-pad'
  if (resize !== 'crop-or-pad' && resize !== 'bilinear') {
    throw new Error(`preprocess: unknown resize ${JSON.stringify(resize)} (expected "crop-or-pad" or "bilinear")`)
  }

  // Strides of the source: value (y, x, band b) is at y*sy + x*sx + b*sb.
  const chw = layout.layout === 'chw'
  const sy = chw ? inW : inW * inC
  const sx = chw ? 1 : inC
  const sb = chw ? inH * inW : 1
  let nonFinite = 0
  const read = (i: number): number => {
    const v = pixels[i] as number
    if (Number.isFinite(v)) return v
    nonFinite++
    return fill
  }

  if (resize === 'crop-or-pad') {
    // Centre: crop removes floor(excess/2) from the top/left, pad adds floor(deficit/2).
    const y0 = Math.floor((inH - outH) / 2)
    const x0 = Math.floor((inW - outW) / 2)
    for (let y = 0; y < outH; y++) {
      const syy = y + y0
      const rowInside = syy >= 0 && syy < inH
      for (let x = 0; x < outW; x++) {
        const sxx = x + x0
        const o = outOffset + (y * outW + x) * outC
        if (!rowInside || sxx < 0 || sxx >= inW) {
          for (let c = 0; c < outC; c++) out[o + c] = fill
          continue
        }
        const base = syy * sy + sxx * sx
        for (let c = 0; c < outC; c++) out[o + c] = read(base + (bandIndex[c] ?? 0) * sb)
      }
    }
  } else {
    // Clean the selected bands once so NaNs do not bleed through interpolation
    // and each non-finite value is counted once.
    const plane = inH * inW
    const clean = new Float32Array(plane * outC)
    for (let c = 0; c < outC; c++) {
      const bandBase = (bandIndex[c] ?? 0) * sb
      for (let y = 0; y < inH; y++) {
        for (let x = 0; x < inW; x++) clean[c * plane + y * inW + x] = read(bandBase + y * sy + x * sx)
      }
    }
    const scaleY = inH / outH
    const scaleX = inW / outW
    for (let y = 0; y < outH; y++) {
      const fy = Math.min(Math.max((y + 0.5) * scaleY - 0.5, 0), inH - 1)
      const y1 = Math.floor(fy)
      const y2 = Math.min(y1 + 1, inH - 1)
      const wy = fy - y1
      for (let x = 0; x < outW; x++) {
        const fx = Math.min(Math.max((x + 0.5) * scaleX - 0.5, 0), inW - 1)
        const x1 = Math.floor(fx)
        const x2 = Math.min(x1 + 1, inW - 1)
        const wx = fx - x1
        const o = outOffset + (y * outW + x) * outC
        for (let c = 0; c < outC; c++) {
          const p = c * plane
          const top = (clean[p + y1 * inW + x1] ?? 0) * (1 - wx) + (clean[p + y1 * inW + x2] ?? 0) * wx
          const bottom = (clean[p + y2 * inW + x1] ?? 0) * (1 - wx) + (clean[p + y2 * inW + x2] ?? 0) * wx
          out[o + c] = top * (1 - wy) + bottom * wy
        }
      }
    }
  }

  const end = outOffset + size
  switch (norm.kind) {
    case 'asinh': {
      const soft = norm.softening
      const scale = norm.scale
      for (let i = outOffset, c = 0; i < end; i++, c = c + 1 === outC ? 0 : c + 1) {
        out[i] = Math.asinh((out[i] ?? 0) / (soft[c] ?? 1)) * (scale?.[c] ?? 1)
      }
      break
    }
    case 'standardise': {
      const { mean, std } = norm
      for (let i = outOffset, c = 0; i < end; i++, c = c + 1 === outC ? 0 : c + 1) {
        out[i] = ((out[i] ?? 0) - (mean[c] ?? 0)) / (std[c] ?? 1)
      }
      break
    }
    case 'per-image-max': {
      let max = 0
      for (let i = outOffset; i < end; i++) max = Math.max(max, Math.abs(out[i] ?? 0))
      if (max > 0) for (let i = outOffset; i < end; i++) out[i] = (out[i] ?? 0) / max
      break
    }
    default:
      break
  }
  return { nonFinite }
}

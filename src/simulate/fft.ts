/**
 * In-place radix-2 complex FFT on split real/imaginary Float64Arrays, and 2-D transforms of
 * N×N grids (N a power of two). Twiddles are precomputed per N and stage; 2-D transforms use
 * row passes and a transpose so that every 1-D pass runs over contiguous memory.
 */

interface Plan {
  readonly n: number
  /** Pairs (i, j), i < j, to swap for the bit-reversal permutation. */
  readonly swaps: Uint32Array
  readonly cos: Float64Array
  readonly sin: Float64Array
}

const plans = new Map<number, Plan>()

/** Smallest power of two ≥ n. */
export function nextPow2(n: number): number {
  let p = 1
  while (p < n) p <<= 1
  return p
}

function plan(n: number): Plan {
  let p = plans.get(n)
  if (p) return p
  if (n < 4 || (n & (n - 1)) !== 0) throw new Error(`fft: size ${n} is not a power of two ≥ 4`)
  const bits = Math.round(Math.log2(n))
  const sw: number[] = []
  for (let i = 0; i < n; i++) {
    let r = 0
    for (let b = 0; b < bits; b++) r |= ((i >> b) & 1) << (bits - 1 - b)
    if (i < r) sw.push(i, r)
  }
  const cos = new Float64Array(n / 2)
  const sin = new Float64Array(n / 2)
  for (let i = 0; i < n / 2; i++) {
    cos[i] = Math.cos((2 * Math.PI * i) / n)
    sin[i] = -Math.sin((2 * Math.PI * i) / n)
  }
  p = { n, swaps: Uint32Array.from(sw), cos, sin }
  plans.set(n, p)
  return p
}

/** 1-D FFT in place of the n contiguous elements at `off` (inverse when sgn = −1, unnormalised). */
function fft1(p: Plan, re: Float64Array, im: Float64Array, off: number, sgn: number): void {
  const { n, swaps, cos, sin } = p
  for (let s = 0; s < swaps.length; s += 2) {
    const i = off + (swaps[s] as number)
    const j = off + (swaps[s + 1] as number)
    const tr = re[i] as number
    re[i] = re[j] as number
    re[j] = tr
    const ti = im[i] as number
    im[i] = im[j] as number
    im[j] = ti
  }
  // first two stages combined as radix-4 butterflies with trivial twiddles
  for (let a = off; a < off + n; a += 4) {
    const r0 = re[a] as number
    const i0 = im[a] as number
    const r1 = re[a + 1] as number
    const i1 = im[a + 1] as number
    const r2 = re[a + 2] as number
    const i2 = im[a + 2] as number
    const r3 = re[a + 3] as number
    const i3 = im[a + 3] as number
    const ar = r0 + r1
    const ai = i0 + i1
    const br = r0 - r1
    const bi = i0 - i1
    const cr = r2 + r3
    const ci = i2 + i3
    const dr = r2 - r3
    const di = i2 - i3
    // twiddle −i·sgn applied to d
    const er = sgn * di
    const ei = -sgn * dr
    re[a] = ar + cr
    im[a] = ai + ci
    re[a + 2] = ar - cr
    im[a + 2] = ai - ci
    re[a + 1] = br + er
    im[a + 1] = bi + ei
    re[a + 3] = br - er
    im[a + 3] = bi - ei
  }
  // remaining stages, two at a time (radix-2² butterflies: half the passes over memory)
  let h = 4
  for (; h * 4 <= n; h *= 4) {
    const step1 = n / (2 * h)
    const step2 = n / (4 * h)
    for (let start = off; start < off + n; start += 4 * h) {
      for (let k = 0; k < h; k++) {
        const w1r = cos[k * step1] as number
        const w1i = sgn * (sin[k * step1] as number)
        const w2r = cos[k * step2] as number
        const w2i = sgn * (sin[k * step2] as number)
        const i0 = start + k
        const i1 = i0 + h
        const i2 = i1 + h
        const i3 = i2 + h
        const x0r = re[i0] as number
        const x0i = im[i0] as number
        const x1r = re[i1] as number
        const x1i = im[i1] as number
        const x2r = re[i2] as number
        const x2i = im[i2] as number
        const x3r = re[i3] as number
        const x3i = im[i3] as number
        // stage of span h: (x0, x1) and (x2, x3) with twiddle w1
        const t1r = x1r * w1r - x1i * w1i
        const t1i = x1r * w1i + x1i * w1r
        const t3r = x3r * w1r - x3i * w1i
        const t3i = x3r * w1i + x3i * w1r
        const y0r = x0r + t1r
        const y0i = x0i + t1i
        const y1r = x0r - t1r
        const y1i = x0i - t1i
        const y2r = x2r + t3r
        const y2i = x2i + t3i
        const y3r = x2r - t3r
        const y3i = x2i - t3i
        // stage of span 2h: (y0, y2) with w2, (y1, y3) with w2 · (−i·sgn)
        const u2r = y2r * w2r - y2i * w2i
        const u2i = y2r * w2i + y2i * w2r
        const v3r = y3r * w2r - y3i * w2i
        const v3i = y3r * w2i + y3i * w2r
        const u3r = sgn * v3i
        const u3i = -sgn * v3r
        re[i0] = y0r + u2r
        im[i0] = y0i + u2i
        re[i2] = y0r - u2r
        im[i2] = y0i - u2i
        re[i1] = y1r + u3r
        im[i1] = y1i + u3i
        re[i3] = y1r - u3r
        im[i3] = y1i - u3i
      }
    }
  }
  // a last single radix-2 stage when log2(n) is odd
  if (h < n) {
    const half = h
    const step = n / (2 * h)
    for (let k = 0; k < half; k++) {
      const wr = cos[k * step] as number
      const wi = sgn * (sin[k * step] as number)
      const a = off + k
      const b = a + half
      const br = re[b] as number
      const bi = im[b] as number
      const xr = br * wr - bi * wi
      const xi = br * wi + bi * wr
      const ar = re[a] as number
      const ai = im[a] as number
      re[a] = ar + xr
      im[a] = ai + xi
      re[b] = ar - xr
      im[b] = ai - xi
    }
  }
}

function transpose(a: Float64Array, n: number): void {
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const x = i * n + j
      const y = j * n + i
      const t = a[x] as number
      a[x] = a[y] as number
      a[y] = t
    }
  }
}

/**
 * In-place 2-D FFT of an n×n row-major grid, leaving the result TRANSPOSED (index ky + n·kx
 * holds frequency (kx, ky)) unless `transposeBack`; the inverse is normalised by 1/n² unless
 * `normalise` is false. Feeding
 * a transposed spectrum to the inverse gives the image in its original orientation.
 */
export function fft2t(re: Float64Array, im: Float64Array, n: number, inverse = false, transposeBack = false, normalise = true): void {
  const p = plan(n)
  const sgn = inverse ? -1 : 1
  for (let r = 0; r < n; r++) {
    // the transform of an all-zero row is zero: skip empty rows (common in sparse scenes)
    const o = r * n
    let k = 0
    while (k < n && re[o + k] === 0 && im[o + k] === 0) k++
    if (k < n) fft1(p, re, im, o, sgn)
  }
  transpose(re, n)
  transpose(im, n)
  for (let r = 0; r < n; r++) fft1(p, re, im, r * n, sgn)
  if (transposeBack) {
    transpose(re, n)
    transpose(im, n)
  }
  if (inverse && normalise) {
    const s = 1 / (n * n)
    for (let i = 0; i < n * n; i++) {
      re[i] = (re[i] as number) * s
      im[i] = (im[i] as number) * s
    }
  }
}

/** In-place 2-D FFT of an n×n row-major grid in natural orientation; the inverse is normalised by 1/n². */
export function fft2(re: Float64Array, im: Float64Array, n: number, inverse = false): void {
  fft2t(re, im, n, inverse, true)
}

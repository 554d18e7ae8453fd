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
  for (let size = 8; size <= n; size <<= 1) {
    const half = size >> 1
    const step = n / size
    for (let start = off; start < off + n; start += size) {
      for (let k = 0, t = 0; k < half; k++, t += step) {
        const wr = cos[t] as number
        const wi = sgn * (sin[t] as number)
        const a = start + k
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
  for (let r = 0; r < n; r++) fft1(p, re, im, r * n, sgn)
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

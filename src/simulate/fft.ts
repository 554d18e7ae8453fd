/**
 * In-place radix-2² complex FFT on split real/imaginary Float64Arrays, and 2-D transforms of
 * N×N row-major grids (N a power of two). Row passes transform each contiguous row; column
 * passes run the same butterflies on whole rows at a time (the inner loop runs along the row),
 * so every pass reads memory contiguously and no transpose is needed. Each output element gets
 * exactly the arithmetic of a 1-D transform of its row or column.
 */

/** Twiddles of one radix-2² stage of span h (k < h): w1 = W^(k·n/2h), w2 = W^(k·n/4h). */
interface Stage {
  readonly h: number
  readonly w1r: Float64Array
  readonly w1i: Float64Array
  readonly w2r: Float64Array
  readonly w2i: Float64Array
}

interface Plan {
  readonly n: number
  /** Pairs (i, j), i < j, to swap for the bit-reversal permutation. */
  readonly swaps: Uint32Array
  /** Radix-2² stages after the first radix-4 stage, for the forward (sign −) transform. */
  readonly forward: readonly Stage[]
  /** The same for the inverse (sign +) transform: imaginary parts negated. */
  readonly inverse: readonly Stage[]
  /** Span of the last single radix-2 stage (log2 n odd), else 0; its twiddles. */
  readonly lastH: number
  readonly lastWr: Float64Array
  readonly lastWiFwd: Float64Array
  readonly lastWiInv: Float64Array
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
  const stages = (sgn: number): Stage[] => {
    const out: Stage[] = []
    for (let h = 4; h * 4 <= n; h *= 4) {
      const step1 = n / (2 * h)
      const step2 = n / (4 * h)
      const s: Stage = { h, w1r: new Float64Array(h), w1i: new Float64Array(h), w2r: new Float64Array(h), w2i: new Float64Array(h) }
      for (let k = 0; k < h; k++) {
        s.w1r[k] = cos[k * step1] as number
        s.w1i[k] = sgn * (sin[k * step1] as number)
        s.w2r[k] = cos[k * step2] as number
        s.w2i[k] = sgn * (sin[k * step2] as number)
      }
      out.push(s)
    }
    return out
  }
  const forward = stages(1)
  let h = 4
  while (h * 4 <= n) h *= 4
  const lastH = h < n ? h : 0
  const lastWr = new Float64Array(lastH)
  const lastWiFwd = new Float64Array(lastH)
  const lastWiInv = new Float64Array(lastH)
  for (let k = 0; k < lastH; k++) {
    const step = n / (2 * lastH)
    lastWr[k] = cos[k * step] as number
    lastWiFwd[k] = sin[k * step] as number
    lastWiInv[k] = -(sin[k * step] as number)
  }
  p = { n, swaps: Uint32Array.from(sw), forward, inverse: stages(-1), lastH, lastWr, lastWiFwd, lastWiInv }
  plans.set(n, p)
  return p
}

/**
 * 1-D FFTs along the rows of an n×n grid (sign − when sgn = 1, + when sgn = −1, unnormalised).
 * All-zero rows are skipped (their transform is zero; common in sparse scenes).
 */
function fftRows(p: Plan, re: Float64Array, im: Float64Array, sgn: number): void {
  const { n, swaps } = p
  const stages = sgn > 0 ? p.forward : p.inverse
  const lastWi = sgn > 0 ? p.lastWiFwd : p.lastWiInv
  for (let off = 0; off < n * n; off += n) {
    let z = 0
    while (z < n && re[off + z] === 0 && im[off + z] === 0) z++
    if (z === n) continue
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
    for (const st of stages) {
      const { h, w1r: W1r, w1i: W1i, w2r: W2r, w2i: W2i } = st
      for (let start = off; start < off + n; start += 4 * h) {
        for (let k = 0; k < h; k++) {
          const w1r = W1r[k] as number
          const w1i = W1i[k] as number
          const w2r = W2r[k] as number
          const w2i = W2i[k] as number
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
    const half = p.lastH
    for (let k = 0; k < half; k++) {
      const wr = p.lastWr[k] as number
      const wi = lastWi[k] as number
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

/**
 * 1-D FFTs along the columns of an n×n grid: the butterflies of {@link fftRows} with rows in
 * place of elements, the inner loop running along each row.
 */
function fftCols(p: Plan, re: Float64Array, im: Float64Array, sgn: number): void {
  const { n, swaps } = p
  const stages = sgn > 0 ? p.forward : p.inverse
  const lastWi = sgn > 0 ? p.lastWiFwd : p.lastWiInv
  for (let s = 0; s < swaps.length; s += 2) {
    const i = (swaps[s] as number) * n
    const j = (swaps[s + 1] as number) * n
    for (let x = 0; x < n; x++) {
      const tr = re[i + x] as number
      re[i + x] = re[j + x] as number
      re[j + x] = tr
      const ti = im[i + x] as number
      im[i + x] = im[j + x] as number
      im[j + x] = ti
    }
  }
  for (let a = 0; a < n * n; a += 4 * n) {
    for (let e0 = a; e0 < a + n; e0++) {
      const e1 = e0 + n
      const e2 = e1 + n
      const e3 = e2 + n
      const r0 = re[e0] as number
      const i0 = im[e0] as number
      const r1 = re[e1] as number
      const i1 = im[e1] as number
      const r2 = re[e2] as number
      const i2 = im[e2] as number
      const r3 = re[e3] as number
      const i3 = im[e3] as number
      const ar = r0 + r1
      const ai = i0 + i1
      const br = r0 - r1
      const bi = i0 - i1
      const cr = r2 + r3
      const ci = i2 + i3
      const dr = r2 - r3
      const di = i2 - i3
      const er = sgn * di
      const ei = -sgn * dr
      re[e0] = ar + cr
      im[e0] = ai + ci
      re[e2] = ar - cr
      im[e2] = ai - ci
      re[e1] = br + er
      im[e1] = bi + ei
      re[e3] = br - er
      im[e3] = bi - ei
    }
  }
  for (const st of stages) {
    const { h, w1r: W1r, w1i: W1i, w2r: W2r, w2i: W2i } = st
    const hn = h * n
    for (let start = 0; start < n; start += 4 * h) {
      for (let k = 0; k < h; k++) {
        const w1r = W1r[k] as number
        const w1i = W1i[k] as number
        const w2r = W2r[k] as number
        const w2i = W2i[k] as number
        const base = (start + k) * n
        for (let i0 = base; i0 < base + n; i0++) {
          const i1 = i0 + hn
          const i2 = i1 + hn
          const i3 = i2 + hn
          const x0r = re[i0] as number
          const x0i = im[i0] as number
          const x1r = re[i1] as number
          const x1i = im[i1] as number
          const x2r = re[i2] as number
          const x2i = im[i2] as number
          const x3r = re[i3] as number
          const x3i = im[i3] as number
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
  }
  const half = p.lastH
  const halfN = half * n
  for (let k = 0; k < half; k++) {
    const wr = p.lastWr[k] as number
    const wi = lastWi[k] as number
    for (let a = k * n; a < k * n + n; a++) {
      const b = a + halfN
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

/**
 * In-place 2-D FFT of an n×n row-major grid, natural orientation (index ky·n + kx holds
 * frequency (kx, ky)): forward transforms rows, then columns; the inverse (`inverse`) transforms
 * columns first when `columnsFirst`, else rows first, and is normalised by 1/n² unless
 * `normalise` is false.
 */
export function fft2d(re: Float64Array, im: Float64Array, n: number, inverse = false, columnsFirst = false, normalise = true): void {
  const p = plan(n)
  const sgn = inverse ? -1 : 1
  if (columnsFirst) {
    fftCols(p, re, im, sgn)
    fftRows(p, re, im, sgn)
  } else {
    fftRows(p, re, im, sgn)
    fftCols(p, re, im, sgn)
  }
  if (inverse && normalise) {
    const s = 1 / (n * n)
    for (let i = 0; i < n * n; i++) {
      re[i] = (re[i] as number) * s
      im[i] = (im[i] as number) * s
    }
  }
}

/** The plan of an n-point transform as flat tables, for the WebAssembly column passes. */
export interface FlatFftPlan {
  /** Bit-reversal pairs (i, j). */
  readonly swaps: Uint32Array
  /** For each radix-2² stage h = 4, 16, …: w1r[h] w1i[h] w2r[h] w2i[h], forward (sign −). */
  readonly forward: Float64Array
  /** The same for the inverse (sign +). */
  readonly inverse: Float64Array
  /** Span of the last radix-2 stage (0 when log2 n is even). */
  readonly lastH: number
  /** wr[lastH] then wi[lastH] of that stage, forward and inverse. */
  readonly lastForward: Float64Array
  readonly lastInverse: Float64Array
}

/** The twiddle and permutation tables {@link fft2dTransposed} uses, flattened (same values). */
export function flatFftPlan(n: number): FlatFftPlan {
  const p = plan(n)
  const flat = (stages: readonly Stage[]): Float64Array => {
    const out = new Float64Array(stages.reduce((a, st) => a + 4 * st.h, 0))
    let o = 0
    for (const st of stages) {
      for (const w of [st.w1r, st.w1i, st.w2r, st.w2i]) {
        out.set(w, o)
        o += st.h
      }
    }
    return out
  }
  const last = (wi: Float64Array): Float64Array => {
    const out = new Float64Array(2 * p.lastH)
    out.set(p.lastWr, 0)
    out.set(wi, p.lastH)
    return out
  }
  return { swaps: p.swaps, forward: flat(p.forward), inverse: flat(p.inverse), lastH: p.lastH, lastForward: last(p.lastWiFwd), lastInverse: last(p.lastWiInv) }
}

/** Transposes an n×n row-major grid in place. */
function transpose(a: Float64Array, n: number): void {
  for (let y = 1; y < n; y++) {
    const row = y * n
    for (let x = 0, col = y; x < y; x++, col += n) {
      const t = a[row + x] as number
      a[row + x] = a[col] as number
      a[col] = t
    }
  }
}

/**
 * Unnormalised 2-D FFT of an n×n grid done as two column passes with a transpose between them
 * (column passes run along whole rows, faster than row passes). Forward (`inverse` false): a
 * natural-layout image in, its spectrum out TRANSPOSED (index kx·n + ky holds (kx, ky)).
 * Inverse: a transposed spectrum in, the natural-layout image out, not divided by n².
 */
export function fft2dTransposed(re: Float64Array, im: Float64Array, n: number, inverse = false): void {
  const p = plan(n)
  const sgn = inverse ? -1 : 1
  fftCols(p, re, im, sgn)
  transpose(re, n)
  transpose(im, n)
  fftCols(p, re, im, sgn)
}

/** In-place 2-D FFT of an n×n row-major grid in natural orientation; the inverse is normalised by 1/n². */
export function fft2(re: Float64Array, im: Float64Array, n: number, inverse = false): void {
  fft2d(re, im, n, inverse)
}

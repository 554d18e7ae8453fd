/**
 * In-place radix-2 complex FFT on split real/imaginary Float64Arrays, and 2-D transforms of
 * N×N grids (N a power of two). Twiddles and bit reversal are precomputed per N.
 */

interface Plan {
  readonly n: number
  readonly rev: Uint32Array
  readonly cos: Float64Array
  readonly sin: Float64Array
  readonly tr: Float64Array
  readonly ti: Float64Array
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
  if (n < 2 || (n & (n - 1)) !== 0) throw new Error(`fft: size ${n} is not a power of two`)
  const bits = Math.round(Math.log2(n))
  const rev = new Uint32Array(n)
  for (let i = 0; i < n; i++) {
    let r = 0
    for (let b = 0; b < bits; b++) r |= ((i >> b) & 1) << (bits - 1 - b)
    rev[i] = r
  }
  const cos = new Float64Array(n / 2)
  const sin = new Float64Array(n / 2)
  for (let i = 0; i < n / 2; i++) {
    cos[i] = Math.cos((2 * Math.PI * i) / n)
    sin[i] = -Math.sin((2 * Math.PI * i) / n)
  }
  p = { n, rev, cos, sin, tr: new Float64Array(n), ti: new Float64Array(n) }
  plans.set(n, p)
  return p
}

/** 1-D FFT of the n elements at offset, offset+stride, … (inverse when `inverse`, unnormalised). */
function fft1(p: Plan, re: Float64Array, im: Float64Array, offset: number, stride: number, inverse: boolean): void {
  const { n, rev, cos, sin, tr, ti } = p
  for (let i = 0; i < n; i++) {
    const j = offset + (rev[i] as number) * stride
    tr[i] = re[j] as number
    ti[i] = im[j] as number
  }
  const sgn = inverse ? -1 : 1
  for (let size = 2; size <= n; size <<= 1) {
    const half = size >> 1
    const step = n / size
    for (let start = 0; start < n; start += size) {
      for (let k = 0, t = 0; k < half; k++, t += step) {
        const wr = cos[t] as number
        const wi = sgn * (sin[t] as number)
        const a = start + k
        const b = a + half
        const br = tr[b] as number
        const bi = ti[b] as number
        const xr = br * wr - bi * wi
        const xi = br * wi + bi * wr
        const ar = tr[a] as number
        const ai = ti[a] as number
        tr[a] = ar + xr
        ti[a] = ai + xi
        tr[b] = ar - xr
        ti[b] = ai - xi
      }
    }
  }
  for (let i = 0; i < n; i++) {
    const j = offset + i * stride
    re[j] = tr[i] as number
    im[j] = ti[i] as number
  }
}

/** In-place 2-D FFT of an n×n row-major grid; the inverse is normalised by 1/n². */
export function fft2(re: Float64Array, im: Float64Array, n: number, inverse = false): void {
  const p = plan(n)
  for (let r = 0; r < n; r++) fft1(p, re, im, r * n, 1, inverse)
  for (let c = 0; c < n; c++) fft1(p, re, im, c, n, inverse)
  if (inverse) {
    const s = 1 / (n * n)
    for (let i = 0; i < n * n; i++) {
      re[i] = (re[i] as number) * s
      im[i] = (im[i] as number) * s
    }
  }
}

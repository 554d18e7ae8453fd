/**
 * A small seeded pseudo-random generator (xoshiro128**, Blackman & Vigna 2018) seeded through
 * splitmix32, using only 32-bit integer arithmetic so that every runtime produces the same
 * sequence bit for bit.
 */

/** splitmix32 step: a well-mixed 32-bit hash of a 32-bit state. */
export function mix32(x: number): number {
  let z = (x + 0x9e3779b9) | 0
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b)
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35)
  return (z ^ (z >>> 16)) >>> 0
}

const NORMAL_BITS = 12
const NORMAL_TABLE_SIZE = 1 << NORMAL_BITS
let normalTable: Float64Array | undefined

// Acklam's coefficients (module constants: array literals in the function would be allocated per call)
const A0 = -39.69683028665376
const A1 = 220.9460984245205
const A2 = -275.9285104469687
const A3 = 138.357751867269
const A4 = -30.66479806614716
const A5 = 2.506628277459239
const B0 = -54.47609879822406
const B1 = 161.5858368580409
const B2 = -155.6989798598866
const B3 = 66.80131188771972
const B4 = -13.28068155288572
const C0 = -0.007784894002430293
const C1 = -0.3223964580411365
const C2 = -2.400758277161838
const C3 = -2.549732539343734
const C4 = 4.374664141464968
const C5 = 2.938163982698783
const D0 = 0.007784695709041462
const D1 = 0.3224671290700398
const D2 = 2.445134137142996
const D3 = 3.754408661907416

/** Acklam's rational approximation of the standard normal quantile (|rel. error| < 1.2e-9). */
export function normalQuantile(p: number): number {
  const pl = 0.02425
  if (p < pl) {
    const q = Math.sqrt(-2 * Math.log(p))
    return (((((C0 * q + C1) * q + C2) * q + C3) * q + C4) * q + C5) / ((((D0 * q + D1) * q + D2) * q + D3) * q + 1)
  }
  if (p > 1 - pl) {
    const q = Math.sqrt(-2 * Math.log(1 - p))
    return -(((((C0 * q + C1) * q + C2) * q + C3) * q + C4) * q + C5) / ((((D0 * q + D1) * q + D2) * q + D3) * q + 1)
  }
  const q = p - 0.5
  const r = q * q
  return ((((((A0 * r + A1) * r + A2) * r + A3) * r + A4) * r + A5) * q) / (((((B0 * r + B1) * r + B2) * r + B3) * r + B4) * r + 1)
}

function getNormalTable(): Float64Array {
  if (normalTable) return normalTable
  const t = new Float64Array(NORMAL_TABLE_SIZE + 1)
  for (let i = 0; i <= NORMAL_TABLE_SIZE; i++) {
    const p = Math.min(Math.max(i / NORMAL_TABLE_SIZE, 1e-12), 1 - 1e-12)
    t[i] = normalQuantile(p)
  }
  normalTable = t
  return t
}

/** Seeded generator; create one per object so that rows do not depend on chunking. */
export class Rng {
  private s0: number
  private s1: number
  private s2: number
  private s3: number
  private readonly table: Float64Array
  // spare deviate in a typed-array slot: a double-valued field would be re-boxed on each write
  private readonly spare = new Float64Array(1)
  private hasSpare = false

  /** Seeds from any number of 32-bit integers (e.g. the survey seed and the row index). */
  constructor(...seeds: number[]) {
    let h = 0x1234567
    for (const s of seeds) h = mix32(h ^ mix32(s | 0) ^ mix32(Math.floor(s / 4294967296) | 0))
    this.s0 = mix32(h)
    this.s1 = mix32(this.s0 ^ 0x6a09e667)
    this.s2 = mix32(this.s1 ^ 0xbb67ae85)
    this.s3 = mix32(this.s2 ^ 0x3c6ef372) | 1
    this.table = getNormalTable()
  }

  /** Next raw 32-bit unsigned integer. */
  nextU32(): number {
    const s1 = this.s1
    const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0
    const t = s1 << 9
    this.s2 ^= this.s0
    this.s3 ^= s1
    this.s1 ^= this.s2
    this.s0 ^= this.s3
    this.s2 ^= t
    this.s3 = rotl(this.s3, 11)
    return result
  }

  /** Uniform in [0, 1). */
  uniform(): number {
    return this.nextU32() / 4294967296
  }

  /** Uniform in [a, b). */
  range(a: number, b: number): number {
    return a + (b - a) * this.uniform()
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.uniform() * n)
  }

  /** Standard normal deviate, exact inverse-CDF (slow path; use for parameters). */
  normal(): number {
    const u = (this.nextU32() + 0.5) / 4294967296
    return normalQuantile(u)
  }

  /**
   * Fast standard normal deviate for per-pixel noise: two deviates per 32-bit draw, each from a
   * 4096-entry inverse-CDF table with 4-bit linear interpolation; exact in distribution to
   * ~1e-3 except within the outermost 1/4096 of each tail, which is interpolated linearly.
   */
  fastNormal(): number {
    if (this.hasSpare) {
      this.hasSpare = false
      return this.spare[0] as number
    }
    const u = this.nextU32()
    const t = this.table
    const hi = u >>> 16
    const i1 = hi >>> 4
    const a1 = t[i1] as number
    const lo = u & 0xffff
    const i2 = lo >>> 4
    const a2 = t[i2] as number
    this.spare[0] = a2 + ((t[i2 + 1] as number) - a2) * ((lo & 15) + 0.5) * 0.0625
    this.hasSpare = true
    return a1 + ((t[i1 + 1] as number) - a1) * ((hi & 15) + 0.5) * 0.0625
  }

  /**
   * Adds pixel noise to a `width`×`height` image region, the generator inlined in the loop.
   * Pixel (x, y) of `mean` (row stride `rowStride`) gives
   * `out[outOffset + (y·width + x)·outStride]`: `saturation` where the mean is ≥ `saturation`,
   * else `mean + σ·z − subtract[same index]`, with σ = sqrt(sigma² + max(mean, 0)/gain), by its
   * first-order expansion where the source term is < 2 % of sigma² (error < 5e-5). Deviates z
   * come in pairs along each row: one 32-bit draw gives pixels x and x + 1 (x even) the two
   * deviates {@link fastNormal} would return from it (high half, then low half); the last pixel
   * of an odd-width row takes the high half of its own draw. Every pixel consumes its deviate,
   * saturated or not, and a pending {@link fastNormal} spare is left as it is. Pass a zero plane
   * as `subtract` for none (x − 0 is x).
   */
  addPixelNoise(
    out: Float32Array,
    outOffset: number,
    outStride: number,
    mean: Float64Array,
    subtract: Float64Array,
    rowStride: number,
    width: number,
    height: number,
    sigma: number,
    gain: number,
    saturation: number,
  ): void {
    const t = this.table
    const s2 = sigma * sigma
    const invG = 1 / gain
    const halfInvSigma = 0.5 / sigma
    const lim = 0.02 * s2
    // an unboxed double: a tagged parameter merged into the loop's values would box every
    // pixel's result on the heap
    const sat = saturation * 1
    let s0 = this.s0
    let s1 = this.s1
    let s2x = this.s2
    let s3 = this.s3
    const step = 2 * outStride
    const last = width - 1
    let o = outOffset
    for (let y = 0; y < height; y++) {
      const row = y * rowStride
      // pixels x and x + 1 from one draw; for an odd width, x = last takes a draw of its own
      for (let x = 0; x < width; x += 2, o += step) {
        // xoshiro128** step, exactly as nextU32
        const m = Math.imul(s1, 5)
        const u = Math.imul((m << 7) | (m >>> 25), 9) >>> 0
        const sh = s1 << 9
        s2x ^= s0
        s3 ^= s1
        s1 ^= s2x
        s0 ^= s3
        s2x ^= sh
        s3 = (s3 << 11) | (s3 >>> 21)
        const i = row + x
        const hi = u >>> 16
        const i1 = hi >>> 4
        const a1 = t[i1] as number
        const za = a1 + ((t[i1 + 1] as number) - a1) * ((hi & 15) + 0.5) * 0.0625
        const va = mean[i] as number
        const srcA = va > 0 ? va * invG : 0
        const sdA = srcA < lim ? sigma + srcA * halfInvSigma : Math.sqrt(s2 + srcA)
        out[o] = va >= sat ? sat : va + sdA * za - (subtract[i] as number)
        if (x === last) {
          o -= outStride
          continue
        }
        const lo = u & 0xffff
        const i2 = lo >>> 4
        const a2 = t[i2] as number
        const zb = a2 + ((t[i2 + 1] as number) - a2) * ((lo & 15) + 0.5) * 0.0625
        const vb = mean[i + 1] as number
        const srcB = vb > 0 ? vb * invG : 0
        const sdB = srcB < lim ? sigma + srcB * halfInvSigma : Math.sqrt(s2 + srcB)
        out[o + outStride] = vb >= sat ? sat : vb + sdB * zb - (subtract[i + 1] as number)
      }
    }
    this.s0 = s0
    this.s1 = s1
    this.s2 = s2x
    this.s3 = s3
  }

  /** Poisson deviate (Knuth for small means, normal approximation above 30). */
  poisson(mean: number): number {
    if (mean <= 0) return 0
    if (mean > 30) return Math.max(0, Math.round(mean + Math.sqrt(mean) * this.normal()))
    const l = Math.exp(-mean)
    let k = 0
    let p = this.uniform()
    while (p > l) {
      k++
      p *= this.uniform()
    }
    return k
  }

  /** Picks an index with the given (unnormalised) weights. */
  choice(weights: readonly number[]): number {
    let total = 0
    for (const w of weights) total += w
    let u = this.uniform() * total
    for (let i = 0; i < weights.length; i++) {
      u -= weights[i] as number
      if (u < 0) return i
    }
    return weights.length - 1
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k))
}

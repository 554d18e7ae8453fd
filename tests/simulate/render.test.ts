import { describe, expect, it } from 'vitest'
import { angularDiameterDistance, distanceModulus, luminosityDistance } from '../../src/simulate/cosmology.js'
import { deflect, renderLensedSource, sourceBrightness, type Deflector, type LensSource } from '../../src/simulate/lens.js'
import { createHash } from 'node:crypto'
import { fft2, fft2dTransposed } from '../../src/simulate/fft.js'
import { bindFft2d, setWasmFft } from '../../src/simulate/fft-wasm.js'
import { FFT_WASM_BASE64, FFT_WASM_SHA256 } from '../../src/simulate/wasm/fft-wasm.js'
import { simulateSurvey } from '../../src/simulate/index.js'
import { convolvePlanes, createConvScratch } from '../../src/simulate/observe.js'
import { createCanvas, renderSersic, sersicEnclosed } from '../../src/simulate/profiles.js'
import { magToNanomaggies, nanomaggiesToMag } from '../../src/simulate/sed.js'

const sum = (a: Float64Array): number => a.reduce((s, v) => s + v, 0)

/** FWHM of a centred peak along a row, by linear interpolation of the half-maximum crossings. */
function rowFwhm(plane: Float64Array, n: number, cy: number, cx: number): number {
  const row = (x: number): number => plane[cy * n + x] as number
  const half = row(cx) / 2
  let r = cx
  while (row(r + 1) > half) r++
  const right = r + (row(r) - half) / (row(r) - row(r + 1))
  let l = cx
  while (row(l - 1) > half) l--
  const left = l - (row(l) - half) / (row(l) - row(l - 1))
  return right - left
}

describe('Sérsic rendering', () => {
  it.each([
    [0.5, 4, 1],
    [1.2, 4, 0.6],
    [3, 1, 0.3],
    [0.8, 1, 1],
    [2, 2.5, 0.8],
  ])('total flux of r_e=%s px, n=%s, q=%s matches its magnitude', (re, n, q) => {
    const c = createCanvas(256, 256, 2)
    c.eps = 1e-10
    const mag = 19.3
    renderSersic(c, { x: 128.3, y: 127.6, re, n, q, pa: 0.7 }, new Float64Array([magToNanomaggies(mag), 2 * magToNanomaggies(mag)]))
    const expectedFrac = sersicEnclosed(120, re, n)
    expect(nanomaggiesToMag(sum(c.planes[0] as Float64Array) / expectedFrac)).toBeCloseTo(mag, 1)
    expect(Math.abs(nanomaggiesToMag(sum(c.planes[0] as Float64Array)) - mag)).toBeLessThan(0.02)
    // second band gets the same shape with its own flux
    expect(sum(c.planes[1] as Float64Array) / sum(c.planes[0] as Float64Array)).toBeCloseTo(2, 6)
  })

  it('half the light lies inside the effective radius', () => {
    const c = createCanvas(128, 128, 1)
    c.eps = 1e-10
    renderSersic(c, { x: 64, y: 64, re: 8, n: 1, q: 1, pa: 0 }, new Float64Array([1]))
    let inside = 0
    const p = c.planes[0] as Float64Array
    for (let y = 0; y < 128; y++) for (let x = 0; x < 128; x++) if (Math.hypot(x + 0.5 - 64, y + 0.5 - 64) < 8) inside += p[y * 128 + x] as number
    expect(inside).toBeGreaterThan(0.47)
    expect(inside).toBeLessThan(0.53)
  })
})

describe('PSF convolution', () => {
  it('a point source convolved in a band pair has each band’s FWHM and keeps its flux', () => {
    const n = 64
    const c = createCanvas(n, n, 3)
    for (const p of c.planes) p[32 * n + 32] = 10
    const fwhm = [4.2, 5.7, 3.3]
    convolvePlanes(c.planes, n, fwhm, createConvScratch(n))
    c.planes.forEach((p, b) => {
      expect(sum(p)).toBeCloseTo(10, 6)
      expect(rowFwhm(p, n, 32, 32)).toBeCloseTo(fwhm[b] as number, 0)
      expect(Math.abs(rowFwhm(p, n, 32, 32) / (fwhm[b] as number) - 1)).toBeLessThan(0.04)
    })
  })
})

describe('cosmology', () => {
  it('matches flat ΛCDM (H0=70, Ωm=0.3) reference distances', () => {
    // Wright (2006) cosmology calculator values
    expect(angularDiameterDistance(1)).toBeCloseTo(1651.9, -1)
    expect(luminosityDistance(0.5)).toBeCloseTo(2832.9, -1)
    expect(distanceModulus(0.1)).toBeCloseTo(38.31, 1)
  })

  it('surface brightness dims as (1+z)^4 for a fixed luminosity and physical size', () => {
    for (const z of [0.1, 0.5, 1.5]) {
      const sb = (zz: number): number => 1 / luminosityDistance(zz) ** 2 / (1 / angularDiameterDistance(zz)) ** 2
      expect(sb(z) / sb(0.01)).toBeCloseTo(((1 + 0.01) / (1 + z)) ** 4, 6)
    }
  })
})

describe('strong lensing', () => {
  const sis = (thetaE: number): Deflector => ({ x: 64, y: 64, thetaE, q: 1, pa: 0, gamma1: 0, gamma2: 0 })
  const compact = (bx: number, by: number): LensSource => ({ bx, by, re: 0.6, n: 1, q: 1, pa: 0, knots: [] })

  it('a source behind the lens forms a ring at the Einstein radius', () => {
    const c = createCanvas(128, 128, 1)
    renderLensedSource(c, sis(15), compact(0, 0), new Float64Array([1]))
    const p = c.planes[0] as Float64Array
    // azimuthally averaged profile peaks at θE
    const prof = new Float64Array(40)
    const cnt = new Float64Array(40)
    for (let y = 0; y < 128; y++)
      for (let x = 0; x < 128; x++) {
        const r = Math.round(Math.hypot(x + 0.5 - 64, y + 0.5 - 64))
        if (r < 40) {
          prof[r] = (prof[r] as number) + (p[y * 128 + x] as number)
          cnt[r] = (cnt[r] as number) + 1
        }
      }
    let best = 0
    for (let r = 1; r < 40; r++) if ((prof[r] as number) / (cnt[r] as number) > (prof[best] as number) / Math.max(cnt[best] as number, 1)) best = r
    expect(Math.abs(best - 15)).toBeLessThanOrEqual(1)
  })

  it('conserves surface brightness while magnifying the flux like an SIS (μ = 2θE/β)', () => {
    const c = createCanvas(128, 128, 1)
    const src = compact(3, 0)
    const mu = renderLensedSource(c, sis(15), src, new Float64Array([1]), 1)
    expect(mu / (2 * 15) * 3).toBeGreaterThan(0.9)
    expect(mu / (2 * 15) * 3).toBeLessThan(1.1)
    const p = c.planes[0] as Float64Array
    // each image pixel carries the source brightness at its traced position
    const a = new Float64Array(2)
    let checked = 0
    for (let y = 40; y < 90; y += 3)
      for (let x = 40; x < 90; x += 3) {
        const v = p[y * 128 + x] as number
        if (v < 1e-4) continue
        deflect(sis(15), x + 0.5 - 64, y + 0.5 - 64, a)
        const expected = sourceBrightness(src, x + 0.5 - 64 - (a[0] as number), y + 0.5 - 64 - (a[1] as number))
        // the renderer uses a radial table of the source profile: agreement to 1e-3
        expect(Math.abs(v / expected - 1)).toBeLessThan(1e-3)
        checked++
      }
    expect(checked).toBeGreaterThan(5)
    // the brightest image pixel is no brighter than the source centre
    let peak = 0
    for (const v of p) peak = Math.max(peak, v)
    expect(peak).toBeLessThanOrEqual(sourceBrightness(src, 3, 0) * (1 + 1e-9))
  })

  it('the SIE deflection is the gradient of an isothermal ellipsoid (∇·α = 2κ)', () => {
    const d: Deflector = { x: 0, y: 0, thetaE: 10, q: 0.6, pa: 0.4, gamma1: 0, gamma2: 0 }
    const a = new Float64Array(2)
    const h = 1e-4
    for (const [x, y] of [[7, 3], [-4, 9], [12, -5]] as const) {
      deflect(d, x + h, y, a)
      const axp = a[0] as number
      deflect(d, x - h, y, a)
      const axm = a[0] as number
      deflect(d, x, y + h, a)
      const ayp = a[1] as number
      deflect(d, x, y - h, a)
      const aym = a[1] as number
      const div = (axp - axm) / (2 * h) + (ayp - aym) / (2 * h)
      // κ = θE √q / (2 √(q² x'² + y'²)) with x' along the major axis (east of north)
      const ux = -Math.sin(d.pa)
      const uy = -Math.cos(d.pa)
      const xp = x * ux + y * uy
      const yp = -x * uy + y * ux
      const kappa = (d.thetaE * Math.sqrt(d.q)) / (2 * Math.sqrt(d.q * d.q * xp * xp + yp * yp))
      expect(div / 2).toBeCloseTo(kappa, 5)
    }
  })
})

describe('FFT', () => {
  it.each([4, 8, 32, 64, 128])('matches a direct DFT and inverts exactly at n = %i', (n) => {
    const re = Float64Array.from({ length: n * n }, (_, i) => Math.sin(i * 1.3) + ((0.1 * i) % 7))
    const im = Float64Array.from({ length: n * n }, (_, i) => Math.cos(i * 0.7))
    const r0 = re.slice()
    const i0 = im.slice()
    fft2(re, im, n)
    for (const [ky, kx] of [[0, 0], [1, 2], [n - 1, 3 % n], [n / 2, n / 2]] as const) {
      let sr = 0
      let si = 0
      for (let y = 0; y < n; y++)
        for (let x = 0; x < n; x++) {
          const ph = (-2 * Math.PI * (kx * x + ky * y)) / n
          const a = r0[y * n + x]!
          const b = i0[y * n + x]!
          sr += a * Math.cos(ph) - b * Math.sin(ph)
          si += a * Math.sin(ph) + b * Math.cos(ph)
        }
      expect(re[ky * n + kx]).toBeCloseTo(sr, 6)
      expect(im[ky * n + kx]).toBeCloseTo(si, 6)
    }
    fft2(re, im, n, true)
    for (let i = 0; i < n * n; i++) expect(re[i]).toBeCloseTo(r0[i]!, 10)
  })

  it.each([4, 8, 64])('column-pass transform with a transpose: the spectrum transposed, and back (n = %i)', (n) => {
    const re = Float64Array.from({ length: n * n }, (_, i) => Math.sin(i * 0.9) + ((0.3 * i) % 5))
    const im = Float64Array.from({ length: n * n }, (_, i) => Math.cos(i * 1.7))
    const r0 = re.slice()
    const i0 = im.slice()
    const nr = re.slice()
    const ni = im.slice()
    fft2(nr, ni, n)
    fft2dTransposed(re, im, n)
    for (let ky = 0; ky < n; ky++)
      for (let kx = 0; kx < n; kx++) {
        expect(re[kx * n + ky]).toBeCloseTo(nr[ky * n + kx]!, 9)
        expect(im[kx * n + ky]).toBeCloseTo(ni[ky * n + kx]!, 9)
      }
    fft2dTransposed(re, im, n, true)
    for (let i = 0; i < n * n; i++) {
      expect(re[i]! / (n * n)).toBeCloseTo(r0[i]!, 10)
      expect(im[i]! / (n * n)).toBeCloseTo(i0[i]!, 10)
    }
  })

  it.each([4, 8, 32, 64, 128])('WebAssembly SIMD column passes are bit-identical to the TypeScript ones (n = %i)', (n) => {
    const w = bindFft2d(n)
    expect(w.wasm).toBe(true)
    for (let i = 0; i < n * n; i++) {
      w.re[i] = Math.sin(i * 0.37) * 10 ** ((i % 7) - 3)
      w.im[i] = i % 5 === 0 ? 0 : Math.cos(i * 1.1)
    }
    const re = w.re.slice()
    const im = w.im.slice()
    for (const inverse of [false, true]) {
      w.transform(inverse)
      fft2dTransposed(re, im, n, inverse)
      expect(Buffer.from(w.re.buffer, w.re.byteOffset, w.re.byteLength).equals(Buffer.from(re.buffer))).toBe(true)
      expect(Buffer.from(w.im.buffer, w.im.byteOffset, w.im.byteLength).equals(Buffer.from(im.buffer))).toBe(true)
    }
  })

  it('the shipped module matches its recorded sha256, and simulated cutouts are the same bytes with or without it', () => {
    expect(createHash('sha256').update(Buffer.from(FFT_WASM_BASE64, 'base64')).digest('hex')).toBe(FFT_WASM_SHA256)
    const cutouts = (): Buffer[] => {
      const out: Buffer[] = []
      for (const chunk of simulateSurvey({ n: 24, seed: 9, size: 40 }, 8)) {
        for (const c of chunk.columns.cutout as Float32Array[]) out.push(Buffer.from(c.buffer, c.byteOffset, c.byteLength))
      }
      return out
    }
    try {
      setWasmFft(true)
      const a = cutouts()
      setWasmFft(false)
      const b = cutouts()
      expect(a).toHaveLength(24)
      for (let i = 0; i < a.length; i++) expect(a[i]!.equals(b[i]!)).toBe(true)
    } finally {
      setWasmFft(true)
    }
  })
})

/**
 * The observation model: per-band survey constants (DECam-like for g,r,i,z,Y as in the DESI
 * Legacy Imaging Surveys, Dey et al. 2019; SDSS-like u), Moffat PSFs (Moffat 1969) applied by
 * FFT convolution, sky background with Poisson and read noise, saturation with bleed trails.
 */
import { fft2 } from './fft.js'
import { bindFft2d, type BoundFft2d } from './fft-wasm.js'
import { moffatAlpha } from './profiles.js'

/** Survey constants of one band. */
export interface BandInfo {
  /** Effective wavelength, Å. */
  readonly lambda: number
  /** Dark-sky surface brightness, AB mag/arcsec². */
  readonly skyMag: number
  /** Median 5σ point-source depth (AB) at the median seeing. */
  readonly depth: number
  /** Median seeing FWHM, arcsec. */
  readonly seeing: number
  readonly instrument: string
}

/** Registry of supported bands (frozen); names are case-sensitive ('Y' is DECam Y). */
export const BANDS: Readonly<Record<string, BandInfo>> = Object.freeze({
  u: { lambda: 3560, skyMag: 22.4, depth: 23.4, seeing: 1.45, instrument: 'SDSS u (Doi et al. 2010)' },
  g: { lambda: 4800, skyMag: 22.05, depth: 24.8, seeing: 1.4, instrument: 'DECam g' },
  r: { lambda: 6400, skyMag: 21.1, depth: 24.2, seeing: 1.25, instrument: 'DECam r' },
  i: { lambda: 7800, skyMag: 20.4, depth: 23.8, seeing: 1.15, instrument: 'DECam i' },
  z: { lambda: 9200, skyMag: 19.9, depth: 23.3, seeing: 1.1, instrument: 'DECam z' },
  Y: { lambda: 9900, skyMag: 18.3, depth: 22.0, seeing: 1.1, instrument: 'DECam Y' },
})

/** Moffat β of the PSF (atmospheric turbulence gives 2.5–4.8; Trujillo et al. 2001). */
export const MOFFAT_BETA = 3.5
/** Read noise per pixel, electrons. */
export const READ_NOISE_E = 7
/** Saturation level of a pixel in nanomaggies (full well reached by a ~15.5 mag star in median seeing). */
export const SATURATION_NMGY = 20

/** Noise model of one band for one cutout. */
export interface BandNoise {
  /** Sky level per pixel, nanomaggies (subtracted from the image, but it sets the noise). */
  readonly sky: number
  /** Electrons per nanomaggy. */
  readonly gain: number
  /** Background noise σ per pixel, nanomaggies: sqrt(sky/gain + (read/gain)²). */
  readonly sigma: number
}

/**
 * Noise model for a band whose 5σ depth is `depth` (mag) at seeing `seeingRef` (arcsec), on
 * pixels of `pixelScale` arcsec: the gain is set so that sky + read noise gives that depth for a
 * point source measured over its noise-equivalent area 4πσ²_PSF.
 */
export function bandNoise(info: BandInfo, pixelScale: number, depth = info.depth): BandNoise {
  const skyPerPix = 10 ** (-0.4 * (info.skyMag - 22.5)) * pixelScale * pixelScale
  const sigmaPsf = info.seeing / 2.3548 / pixelScale
  const nea = 4 * Math.PI * sigmaPsf * sigmaPsf
  const f5 = 10 ** (-0.4 * (depth - 22.5))
  const sigmaTarget = f5 / (5 * Math.sqrt(nea))
  // σ² = sky/g + (rn/g)²  →  solve the quadratic in 1/g
  const a = READ_NOISE_E * READ_NOISE_E
  const invG = (-skyPerPix + Math.sqrt(skyPerPix * skyPerPix + 4 * a * sigmaTarget * sigmaTarget)) / (2 * a)
  const gain = 1 / invG
  return { sky: skyPerPix, gain, sigma: Math.sqrt(skyPerPix / gain + a / (gain * gain)) }
}

const otfCache = new Map<string, Float32Array>()
// ~600 distinct seeings per 3 bands at 0.01″ steps; 1024 × 16 KiB at 64×64
const OTF_CACHE_MAX = 1024

/**
 * Optical transfer function (real, even) of a pixel-centre-sampled Moffat PSF of `fwhm` px on
 * an n×n periodic grid, normalised to unit sum and pre-multiplied by 1/n² (the normalisation of
 * the inverse FFT), TRANSPOSED: index kx·n + ky holds frequency (kx, ky). (The OTF is symmetric
 * up to rounding; the transposed layout is the one {@link convolvePlanes} has always applied.)
 * Cached by (n, fwhm rounded to 1e-3 px).
 */
export function moffatOtf(n: number, fwhm: number, beta = MOFFAT_BETA): Float32Array {
  const key = `${n}:${fwhm.toFixed(3)}:${beta}`
  const hit = otfCache.get(key)
  if (hit) return hit
  const alpha = moffatAlpha(fwhm, beta)
  const re = new Float64Array(n * n)
  const im = new Float64Array(n * n)
  // the PSF depends on dx², dy² only: evaluate each distinct (|dx|, |dy|) once
  const h = n >> 1
  const q = moffatQuadrant(h + 1)
  for (let ay = 0; ay <= h; ay++) {
    for (let ax = 0; ax <= h; ax++) q[ay * (h + 1) + ax] = (1 + (ax * ax + ay * ay) / (alpha * alpha)) ** -beta
  }
  let sum = 0
  for (let iy = 0; iy < n; iy++) {
    const ay = iy < h ? iy : n - iy
    for (let ix = 0; ix < n; ix++) {
      const ax = ix < h ? ix : n - ix
      const v = q[ay * (h + 1) + ax] as number
      re[iy * n + ix] = v
      sum += v
    }
  }
  for (let i = 0; i < n * n; i++) re[i] = (re[i] as number) / sum
  fft2(re, im, n)
  const otf = new Float32Array(n * n)
  for (let y = 0; y < n; y++) for (let x = 0; x < n; x++) otf[x * n + y] = (re[y * n + x] as number) / (n * n)
  // evict the oldest entry (Map keeps insertion order)
  if (otfCache.size >= OTF_CACHE_MAX) otfCache.delete(otfCache.keys().next().value as string)
  otfCache.set(key, otf)
  return otf
}

let quadrantBuf = new Float64Array(0)
function moffatQuadrant(m: number): Float64Array {
  if (quadrantBuf.length < m * m) quadrantBuf = new Float64Array(m * m)
  return quadrantBuf
}

/** Scratch buffers for {@link convolvePlanes} and their bound transform, reused across cutouts. */
export type ConvScratch = BoundFft2d

/** Allocates convolution scratch for an n×n grid (WebAssembly SIMD transforms where available). */
export function createConvScratch(n: number): ConvScratch {
  return bindFft2d(n)
}

/**
 * Convolves each plane in place with its band's Moffat PSF (cyclic FFT convolution). Two bands
 * share one complex FFT: with Z = FFT(a + i b) and real even OTFs Pa, Pb,
 * FFT(a⊛pa + i b⊛pb)[k] = Z[k](Pa+Pb)/2 + conj(Z[−k])(Pa−Pb)/2.
 */
export function convolvePlanes(planes: Float64Array[], n: number, fwhmPx: readonly number[], scratch: ConvScratch): void {
  const { re, im } = scratch
  if (scratch.n !== n) throw new RangeError(`convolvePlanes: scratch is for ${scratch.n}×${scratch.n} grids, got ${n}`)
  for (let b = 0; b < planes.length; b += 2) {
    const pa = planes[b] as Float64Array
    const pb = planes[b + 1]
    const oa = moffatOtf(n, fwhmPx[b] as number)
    re.set(pa)
    if (pb) im.set(pb)
    else im.fill(0)
    // the spectrum comes out transposed (kx·n + ky), the layout of the cached OTFs
    scratch.transform(false)
    if (!pb) {
      for (let i = 0; i < n * n; i++) {
        const o = oa[i] as number
        re[i] = (re[i] as number) * o
        im[i] = (im[i] as number) * o
      }
    } else {
      const ob = moffatOtf(n, fwhmPx[b + 1] as number)
      // the OTFs are real and even, so P[−k] = P[k]: each pair (k, −k) is updated once, from
      // the original values, with the OTF at k. In the transposed layout the outer index (named
      // ky below) is kx and the inner one ky; the pairing is the same either way.
      const h = n >> 1
      const mask = n - 1
      for (let ky = 0; ky < n; ky++) {
        const rowI = ky * n
        const rowJ = ((n - ky) & mask) * n
        const kxEnd = ky > h ? h - 1 : h
        for (let kx = ky > h ? 1 : 0; kx <= kxEnd; kx++) {
          const i = rowI + kx
          const j = rowJ + ((n - kx) & mask)
          const zr = re[i] as number
          const zi = im[i] as number
          const wr = re[j] as number
          const wi = im[j] as number
          const pa2 = oa[i] as number
          const pb2 = ob[i] as number
          const sk = 0.5 * (pa2 + pb2)
          const dk = 0.5 * (pa2 - pb2)
          // Y[i] = Z[i] s + conj(Z[j]) d ; Y[j] = Z[j] s + conj(Z[i]) d
          re[i] = zr * sk + wr * dk
          im[i] = zi * sk - wi * dk
          if (j !== i) {
            re[j] = wr * sk + zr * dk
            im[j] = wi * sk - zi * dk
          }
        }
      }
    }
    // the 1/n² normalisation is in the OTF; a transposed spectrum in, the natural image out
    scratch.transform(true)
    pa.set(re)
    if (pb) pb.set(im)
  }
}

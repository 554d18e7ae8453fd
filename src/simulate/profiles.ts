/**
 * Surface-brightness profiles rendered onto a multi-band canvas: Sérsic (Sérsic 1968) with
 * optional logarithmic spiral arms, Gaussian knots, stellar shells, and Moffat stars.
 * All renderers add `flux[b] × unit-flux shape` into each band plane, only inside a bounding
 * box where the profile is above a small threshold, and never allocate per pixel.
 */

/** A stack of band planes on an n×n grid (n a power of two ≥ size); the stamp is [0,size)². */
export interface Canvas {
  readonly n: number
  readonly size: number
  readonly planes: Float64Array[]
  /** Scratch plane for shapes normalised after rendering. */
  readonly scratch: Float64Array
  /** Per-pixel flux (nanomaggies) below which profiles are truncated. */
  eps: number
}

/** Allocates a canvas; planes are zeroed by {@link clearCanvas}. */
export function createCanvas(size: number, n: number, bands: number): Canvas {
  return {
    n,
    size,
    planes: Array.from({ length: bands }, () => new Float64Array(n * n)),
    scratch: new Float64Array(n * n),
    eps: 1e-4,
  }
}

/** Zeroes all band planes. */
export function clearCanvas(c: Canvas): void {
  for (const p of c.planes) p.fill(0)
}

/** Lanczos approximation of Γ(x) for x > 0 (g = 7, 9 terms; ~1e-15 relative). */
export function gamma(x: number): number {
  const g = 7
  const coef = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ]
  if (x < 0.5) return Math.PI / (Math.sin(Math.PI * x) * gamma(1 - x))
  x -= 1
  let a = coef[0] as number
  const t = x + g + 0.5
  for (let i = 1; i < 9; i++) a += (coef[i] as number) / (x + i)
  return Math.sqrt(2 * Math.PI) * t ** (x + 0.5) * Math.exp(-t) * a
}

/** Sérsic b_n such that r_e encloses half the light (Ciotti & Bertin 1999 asymptotic series). */
export function sersicB(n: number): number {
  return 2 * n - 1 / 3 + 4 / (405 * n) + 46 / (25515 * n * n) + 131 / (1148175 * n ** 3) - 2194697 / (30690717750 * n ** 4)
}

/** Surface brightness at the effective radius for unit total flux (Graham & Driver 2005, eq. 4 with q). */
export function sersicIe(re: number, n: number, q: number): number {
  const b = sersicB(n)
  return 1 / (2 * Math.PI * n * q * re * re * Math.exp(b) * b ** (-2 * n) * gamma(2 * n))
}

/** Regularised lower incomplete gamma P(a, x) by series / continued fraction (Numerical Recipes). */
export function gammaP(a: number, x: number): number {
  if (x <= 0) return 0
  const lng = Math.log(gamma(a))
  if (x < a + 1) {
    let sum = 1 / a
    let del = sum
    let ap = a
    for (let i = 0; i < 500; i++) {
      ap += 1
      del *= x / ap
      sum += del
      if (Math.abs(del) < Math.abs(sum) * 1e-15) break
    }
    return sum * Math.exp(-x + a * Math.log(x) - lng)
  }
  let b = x + 1 - a
  let c = 1e300
  let d = 1 / b
  let h = d
  for (let i = 1; i < 500; i++) {
    const an = -i * (i - a)
    b += 2
    d = an * d + b
    if (Math.abs(d) < 1e-300) d = 1e-300
    c = b + an / c
    if (Math.abs(c) < 1e-300) c = 1e-300
    d = 1 / d
    const del = d * c
    h *= del
    if (Math.abs(del - 1) < 1e-15) break
  }
  return 1 - Math.exp(-x + a * Math.log(x) - lng) * h
}

/**
 * P(a, x) by its power series alone (converges for all x; ~x + 30 terms). Used where gammaP
 * would be inlined into a hot function: alternating between gammaP's two branches there puts
 * V8 into a deoptimisation loop.
 */
function gammaPSeries(a: number, x: number): number {
  if (x <= 0) return 0
  let sum = 1 / a
  let del = sum
  let ap = a
  for (let i = 0; i < 2000; i++) {
    ap += 1
    del *= x / ap
    sum += del
    if (del < sum * 1e-16) break
  }
  return Math.min(1, sum * Math.exp(-x + a * Math.log(x) - Math.log(gamma(a))))
}

/** Fraction of a Sérsic profile's light inside elliptical radius r (semi-major). */
export function sersicEnclosed(r: number, re: number, n: number): number {
  return gammaPSeries(2 * n, sersicB(n) * (r / re) ** (1 / n))
}

/** Geometry of a Sérsic component, in pixels and radians. */
export interface SersicShape {
  /** Centre, continuous pixel coordinates (pixel i spans [i, i+1)). */
  readonly x: number
  readonly y: number
  /** Half-light semi-major axis, px. */
  readonly re: number
  readonly n: number
  /** Axis ratio b/a in (0, 1]. */
  readonly q: number
  /** Position angle of the major axis east of north (north = −y, east = −x), radians. */
  readonly pa: number
}

/** Logarithmic spiral arms carrying part of a disk's light in a bluer colour. */
export interface SpiralArms {
  /** Fraction of the disk light (outside the centre) in the arms, 0–1. */
  readonly amp: number
  /** Number of arms. */
  readonly m: number
  /** Pitch angle, radians. */
  readonly pitch: number
  readonly phase: number
  /** Radius (px) inside which arms fade out (bulge region). */
  readonly rInner: number
  /** Per-band flux of the disk if it had the arm colour (same r flux as the disk). */
  readonly armFlux: Float64Array
}

const ARM_POWER_MEAN = 5 / 16 // angular mean of ((1 + cos φ)/2)^3

const TABLE_N = 256
const profileTable = new Float64Array(TABLE_N + 1)
const coreIdx = new Int32Array(8192)
const coreSmoothIn = new Float64Array(8192)
const coreArmIn = new Float64Array(8192)
const coreSmoothOut = new Float64Array(8192)
const coreArmOut = new Float64Array(8192)

/**
 * Adds a Sérsic component (optionally with spiral arms) with per-band total `flux` (nmgy).
 * Pixels are sampled at their centres from a radial table, except in the core (elliptical
 * radius < clamp(r_e, 2.5, 5) px), which is sub-sampled 4×4 and renormalised to the analytic
 * enclosed flux, so that the rendered total matches the analytic total for any r_e and n.
 */
export function renderSersic(c: Canvas, s: SersicShape, flux: Float64Array, arms?: SpiralArms): void {
  const { n: gridN, size, planes } = c
  const nb = planes.length
  const q = Math.min(Math.max(s.q, 0.05), 1)
  const re = Math.max(s.re, 0.3)
  const n = s.n
  // hoisted: shapes arrive with several hidden classes, property loads in the loops would deopt
  const cxs = s.x
  const cys = s.y
  const b = sersicB(n)
  const ie = sersicIe(re, n, q)
  let fmax = 0
  for (let k = 0; k < nb; k++) fmax = Math.max(fmax, Math.abs(flux[k] as number))
  if (arms) for (let k = 0; k < nb; k++) fmax = Math.max(fmax, Math.abs(arms.armFlux[k] as number))
  if (fmax <= 0) return
  const peakOverEps = (ie * Math.exp(b) * fmax) / c.eps
  if (peakOverEps <= 1) return
  // core radius (elliptical, semi-major px): covers the cusp, and ≥ 2.5 px along the minor axis
  const rc = Math.min(Math.max(re, 2.5), 5) / Math.sqrt(q)
  const rmax = Math.max(Math.min(re * (Math.log(peakOverEps) / b) ** n, 2 * size), rc + 2)
  const x0 = Math.max(0, Math.floor(s.x - rmax))
  const x1 = Math.min(size - 1, Math.ceil(s.x + rmax))
  const y0 = Math.max(0, Math.floor(s.y - rmax))
  const y1 = Math.min(size - 1, Math.ceil(s.y + rmax))
  if (x0 > x1 || y0 > y1) return
  const invN = 1 / n
  // the table only needs to reach the farthest stamp corner
  const far = Math.hypot(Math.max(s.x, size - s.x), Math.max(s.y, size - s.y)) + 1
  // ~4 entries per pixel, at most TABLE_N
  const range = Math.min(rmax, far)
  const nTab = Math.min(TABLE_N, Math.max(32, Math.ceil(4 * range)))
  const dr = range / nTab
  const rTab2 = range * range
  // x ** 1 is x exactly: exponential profiles (most components) skip the power
  const expo = invN === 1
  if (expo) {
    // e^(b − b·r/re) at r = i·dr: a geometric sequence (relative rounding < nTab ulp)
    const ratio = Math.exp((-b * dr) / re)
    let v = ie * Math.exp(b)
    for (let i = 0; i <= nTab; i++, v *= ratio) profileTable[i] = v
  }
  // x^(1/n) as exp(log(x)/n): V8's Math.pow is ~2.5× slower (x = 0 gives exp(−∞) = 0)
  else for (let i = 0; i <= nTab; i++) profileTable[i] = ie * Math.exp(-b * Math.exp(invN * Math.log((i * dr) / re)) + b)
  const tab = profileTable
  const invDr = 1 / dr
  const rmax2 = rmax * rmax
  // unit vectors of the major axis in pixel coordinates (north = −y, east = −x)
  const ux = -Math.sin(s.pa)
  const uy = -Math.cos(s.pa)
  const invQ2 = 1 / (q * q)
  const invRe = 1 / re
  const hasArms = arms !== undefined && arms.amp > 0
  const armM = arms?.m ?? 0
  const armTan = arms ? 1 / Math.tan(arms.pitch) : 0
  const armPhase = arms?.phase ?? 0
  const armAmp = arms?.amp ?? 0
  const invRin2 = arms ? 1 / Math.max(arms.rInner * arms.rInner, 1e-6) : 0
  const logRe = Math.log(re)
  // Pixels outside the core add their light to the bands directly; core pixels are sub-sampled,
  // kept aside and added once the core's renormalisation is known. Smooth light is d·(1 − w),
  // arm light d·w·s(φ)/⟨s⟩. No helper calls in the loops: non-inlined calls with double
  // arguments box them on the heap.
  const rcm2 = (rc + 0.55 / q) ** 2 // a sub-sample is ≤ 0.53 px from its pixel centre, ≤ 0.53/q in elliptical radius
  const rc2 = rc * rc
  if (nb > fluxBuf.length) throw new RangeError(`renderSersic: at most ${fluxBuf.length} bands, got ${nb}`)
  const fl = fluxBuf
  const afl = armFluxBuf
  for (let k = 0; k < nb; k++) {
    fl[k] = flux[k] as number
    afl[k] = hasArms ? (arms.armFlux[k] as number) : 0
  }
  // the common three-band case without arms, with the planes and fluxes in locals
  const three = nb === 3
  const p0 = planes[0] as Float64Array
  const p1 = (three ? planes[1] : p0) as Float64Array
  const p2 = (three ? planes[2] : p0) as Float64Array
  const f0 = fl[0] as number
  const f1 = fl[1] as number
  const f2 = fl[2] as number
  let nCore = 0
  let coreSum = 0
  for (let iy = y0; iy <= y1; iy++) {
    const dy = iy + 0.5 - cys
    const row = iy * gridN
    for (let ix = x0; ix <= x1; ix++) {
      const dx = ix + 0.5 - cxs
      const u = dx * ux + dy * uy
      const v = -dx * uy + dy * ux
      const r2 = u * u + v * v * invQ2
      if (r2 > rmax2 || r2 >= rTab2) continue
      const idx = row + ix
      if (r2 < rcm2) {
        // core pixel: K×K sub-samples (4×4 near the centre, else 3×3); the part inside rc is
        // renormalised afterwards
        const K = r2 < 4 ? 4 : 3
        const invK = 1 / K
        let inner = 0
        let smIn = 0
        let smOut = 0
        let armIn = 0
        let armOut = 0
        for (let sy = 0; sy < K; sy++) {
          const ddy = dy + (sy + 0.5) * invK - 0.5
          for (let sx = 0; sx < K; sx++) {
            const ddx = dx + (sx + 0.5) * invK - 0.5
            const su = ddx * ux + ddy * uy
            const sv = -ddx * uy + ddy * ux
            const sr2 = su * su + sv * sv * invQ2
            let d = 0
            if (sr2 < 1.5) {
              const x = Math.sqrt(sr2) * invRe
              d = ie * Math.exp(-b * ((expo ? x : Math.exp(invN * Math.log(x))) - 1))
            } else {
              // the cusp is within ~1 px; beyond, the radial table is accurate
              const rr = Math.sqrt(sr2) * invDr
              const ti = rr | 0
              if (ti < nTab) {
                const t0 = tab[ti] as number
                d = t0 + ((tab[ti + 1] as number) - t0) * (rr - ti)
              }
            }
            let a = 0
            let dw = 0
            if (hasArms) {
              const w = armAmp * (1 - Math.exp(-sr2 * invRin2))
              const phi = Math.atan2(sv / q, su)
              const lnr = 0.5 * Math.log(sr2 + 1e-12) - logRe
              const cs = 0.5 * (1 + Math.cos(armM * (phi - lnr * armTan) - armPhase))
              dw = d * w
              a = (dw * cs * cs * cs) / ARM_POWER_MEAN
            }
            if (sr2 < rc2) {
              inner += d
              smIn += d - dw
              armIn += a
            } else {
              smOut += d - dw
              armOut += a
            }
          }
        }
        const w = invK * invK
        coreIdx[nCore] = idx
        coreSmoothIn[nCore] = smIn * w
        coreArmIn[nCore] = armIn * w
        coreSmoothOut[nCore] = smOut * w
        coreArmOut[nCore] = armOut * w
        coreSum += inner * w
        nCore++
        continue
      }
      const rr = Math.sqrt(r2) * invDr
      const ti = rr | 0
      const t0 = tab[ti] as number
      const d = t0 + ((tab[ti + 1] as number) - t0) * (rr - ti)
      if (hasArms) {
        const w = armAmp * (1 - Math.exp(-r2 * invRin2))
        const phi = Math.atan2(v / q, u)
        const lnr = 0.5 * Math.log(r2 + 1e-12) - logRe
        const cs = 0.5 * (1 + Math.cos(armM * (phi - lnr * armTan) - armPhase))
        const dw = d * w
        const smooth = d - dw
        const arm = (dw * cs * cs * cs) / ARM_POWER_MEAN
        for (let k = 0; k < nb; k++) {
          const p = planes[k] as Float64Array
          p[idx] = (p[idx] as number) + smooth * (fl[k] as number) + arm * (afl[k] as number)
        }
      } else if (three) {
        p0[idx] = (p0[idx] as number) + d * f0
        p1[idx] = (p1[idx] as number) + d * f1
        p2[idx] = (p2[idx] as number) + d * f2
      } else {
        for (let k = 0; k < nb; k++) {
          const p = planes[k] as Float64Array
          p[idx] = (p[idx] as number) + d * (fl[k] as number)
        }
      }
    }
  }
  if (nCore > 0) {
    const scale = coreSum > 0 ? sersicEnclosed(rc, re, n) / coreSum : 1
    for (let i = 0; i < nCore; i++) {
      const idx = coreIdx[i] as number
      const smooth = (coreSmoothIn[i] as number) * scale + (coreSmoothOut[i] as number)
      const arm = (coreArmIn[i] as number) * scale + (coreArmOut[i] as number)
      for (let k = 0; k < nb; k++) {
        const p = planes[k] as Float64Array
        if (hasArms) p[idx] = (p[idx] as number) + smooth * (fl[k] as number) + arm * (afl[k] as number)
        else p[idx] = (p[idx] as number) + smooth * (fl[k] as number)
      }
    }
  }
}

// per-band fluxes of the component being rendered, in typed arrays (no boxed loads in the loops)
const fluxBuf = new Float64Array(64)
const armFluxBuf = new Float64Array(64)

/** Fraction of a disk's light carried by spiral arms of amplitude `amp` fading inside `rInner` (px). */
export function armLightFraction(amp: number, re: number, rInner: number): number {
  // ∫ D(R) (1 − e^{−R²/r_in²}) R dR / ∫ D(R) R dR for an exponential disk, numerically
  const b = sersicB(1)
  let num = 0
  let den = 0
  const steps = 400
  const rmax = 12 * re
  for (let i = 0; i < steps; i++) {
    const r = ((i + 0.5) / steps) * rmax
    const d = Math.exp(-b * (r / re)) * r
    den += d
    num += d * (1 - Math.exp(-(r * r) / (rInner * rInner)))
  }
  return (amp * num) / den
}

/** Adds a circular Gaussian of per-band total flux `flux` (σ in px, at least 0.5). */
export function renderGaussian(c: Canvas, x: number, y: number, sigma: number, flux: Float64Array): void {
  const sg = Math.max(sigma, 0.5)
  const { n: gridN, size, planes } = c
  const nb = planes.length
  const r = 4 * sg
  const x0 = Math.max(0, Math.floor(x - r))
  const x1 = Math.min(size - 1, Math.ceil(x + r))
  const y0 = Math.max(0, Math.floor(y - r))
  const y1 = Math.min(size - 1, Math.ceil(y + r))
  const norm = 1 / (2 * Math.PI * sg * sg)
  const inv2 = 1 / (2 * sg * sg)
  // separable: exp(−(dx² + dy²)/2σ²) = exp(−dx²/2σ²)·exp(−dy²/2σ²), one exp per row and column
  const gx = gaussRow
  for (let ix = x0; ix <= x1; ix++) {
    const dx = ix + 0.5 - x
    gx[ix - x0] = norm * Math.exp(-dx * dx * inv2)
  }
  const three = nb === 3
  const p0 = planes[0] as Float64Array
  const p1 = (three ? planes[1] : p0) as Float64Array
  const p2 = (three ? planes[2] : p0) as Float64Array
  for (let iy = y0; iy <= y1; iy++) {
    const dy = iy + 0.5 - y
    const gy = Math.exp(-dy * dy * inv2)
    const row = iy * gridN
    if (three) {
      // the common three-band case in one pass over the row (same arithmetic per band)
      const f0 = gy * (flux[0] as number)
      const f1 = gy * (flux[1] as number)
      const f2 = gy * (flux[2] as number)
      for (let ix = x0; ix <= x1; ix++) {
        const g = gx[ix - x0] as number
        const i = row + ix
        p0[i] = (p0[i] as number) + g * f0
        p1[i] = (p1[i] as number) + g * f1
        p2[i] = (p2[i] as number) + g * f2
      }
      continue
    }
    for (let k = 0; k < nb; k++) {
      const p = planes[k] as Float64Array
      const f = gy * (flux[k] as number)
      for (let ix = x0; ix <= x1; ix++) p[row + ix] = (p[row + ix] as number) + (gx[ix - x0] as number) * f
    }
  }
}

const gaussRow = new Float64Array(1024)

/** A stream of light (tidal tail or bridge) along a quadratic Bézier curve, as Gaussian knots. */
export interface Stream {
  readonly x0: number
  readonly y0: number
  readonly cx: number
  readonly cy: number
  readonly x1: number
  readonly y1: number
  /** Width (σ, px) at start and end. */
  readonly w0: number
  readonly w1: number
  /** Brightness falls as exp(−t / fade) along the stream, t ∈ [0, 1]. */
  readonly fade: number
}

/** Adds a stream with total per-band flux `flux`, normalised on the rendered pixels. */
export function renderStream(c: Canvas, s: Stream, flux: Float64Array): void {
  const len = Math.hypot(s.cx - s.x0, s.cy - s.y0) + Math.hypot(s.x1 - s.cx, s.y1 - s.cy)
  const knots = Math.max(4, Math.min(40, Math.ceil(len / Math.max(0.6, 0.6 * Math.min(s.w0, s.w1)))))
  let wsum = 0
  for (let i = 0; i < knots; i++) wsum += Math.exp(-(i / (knots - 1)) / s.fade)
  const f = new Float64Array(flux.length)
  for (let i = 0; i < knots; i++) {
    const t = i / (knots - 1)
    const a = (1 - t) * (1 - t)
    const bb = 2 * (1 - t) * t
    const cc = t * t
    const x = a * s.x0 + bb * s.cx + cc * s.x1
    const y = a * s.y0 + bb * s.cy + cc * s.y1
    const wt = Math.exp(-t / s.fade) / wsum
    for (let k = 0; k < flux.length; k++) f[k] = (flux[k] as number) * wt
    renderGaussian(c, x, y, s.w0 + (s.w1 - s.w0) * t, f)
  }
}

/**
 * Adds a stellar shell (Quinn 1984; Malin & Carter 1983): a sharp-edged arc of radius `radius`
 * px opening over ±`opening` rad around direction `dir`, brightening towards its edge; total
 * per-band flux `flux` is normalised on the rendered pixels.
 */
export function renderShell(
  c: Canvas,
  x: number,
  y: number,
  radius: number,
  width: number,
  dir: number,
  opening: number,
  flux: Float64Array,
): void {
  const { n: gridN, size, planes, scratch } = c
  const x0 = Math.max(0, Math.floor(x - radius - 2))
  const x1 = Math.min(size - 1, Math.ceil(x + radius + 2))
  const y0 = Math.max(0, Math.floor(y - radius - 2))
  const y1 = Math.min(size - 1, Math.ceil(y + radius + 2))
  let sum = 0
  const cd = Math.cos(dir)
  const sd = Math.sin(dir)
  const cosOpen = Math.cos(opening)
  for (let iy = y0; iy <= y1; iy++) {
    for (let ix = x0; ix <= x1; ix++) {
      const dx = ix + 0.5 - x
      const dy = iy + 0.5 - y
      const r = Math.sqrt(dx * dx + dy * dy)
      let v = 0
      if (r > 0 && r < radius + 0.5) {
        const cosang = (dx * cd + dy * sd) / r
        if (cosang > cosOpen) {
          const ang = (cosang - cosOpen) / (1 - cosOpen)
          // projected thin shell: brightest just inside the edge, soft edge over half a pixel
          const edge = Math.min(1, radius + 0.5 - r)
          v = edge * Math.exp(-(radius - Math.min(r, radius)) / width) * ang
        }
      }
      scratch[iy * gridN + ix] = v
      sum += v
    }
  }
  if (sum <= 0) return
  const nb = planes.length
  for (let iy = y0; iy <= y1; iy++) {
    for (let ix = x0; ix <= x1; ix++) {
      const idx = iy * gridN + ix
      const v = (scratch[idx] as number) / sum
      if (v === 0) continue
      for (let k = 0; k < nb; k++) {
        const p = planes[k] as Float64Array
        p[idx] = (p[idx] as number) + v * (flux[k] as number)
      }
    }
  }
}

/** Moffat (1969) α for a FWHM and β. */
export function moffatAlpha(fwhm: number, beta: number): number {
  return fwhm / (2 * Math.sqrt(2 ** (1 / beta) - 1))
}

/**
 * Adds a Moffat point source of total `flux` to one plane (already PSF-shaped: stars are not
 * convolved again). Sampled at pixel centres like the galaxy PSF.
 */
export function renderMoffat(
  plane: Float64Array,
  gridN: number,
  size: number,
  x: number,
  y: number,
  fwhm: number,
  beta: number,
  flux: number,
  eps: number,
): void {
  const alpha = moffatAlpha(fwhm, beta)
  const i0 = (flux * (beta - 1)) / (Math.PI * alpha * alpha)
  if (i0 <= eps) return
  const r = Math.min(alpha * Math.sqrt((i0 / eps) ** (1 / beta) - 1), 2 * size)
  const x0 = Math.max(0, Math.floor(x - r))
  const x1 = Math.min(size - 1, Math.ceil(x + r))
  const y0 = Math.max(0, Math.floor(y - r))
  const y1 = Math.min(size - 1, Math.ceil(y + r))
  const inva2 = 1 / (alpha * alpha)
  for (let iy = y0; iy <= y1; iy++) {
    const dy = iy + 0.5 - y
    for (let ix = x0; ix <= x1; ix++) {
      const dx = ix + 0.5 - x
      const idx = iy * gridN + ix
      plane[idx] = (plane[idx] as number) + i0 * Math.exp(-beta * Math.log1p((dx * dx + dy * dy) * inva2))
    }
  }
}

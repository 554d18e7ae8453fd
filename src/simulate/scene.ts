/**
 * One simulated object: draw the class and physical parameters, render the scene (main galaxy,
 * companions, tidal features, lensed source, neighbours), convolve with the band PSFs, add
 * stars, saturation, noise and masks, and measure magnitudes.
 */
import { angularDiameterDistance, angularDiameterDistance12, distanceModulus, kpcPerArcsec } from './cosmology.js'
import { nextPow2 } from './fft.js'
import { renderLensedSource, type Deflector, type LensSource, type SourceKnot } from './lens.js'
import { BANDS, MOFFAT_BETA, SATURATION_NMGY, bandNoise, convolvePlanes, createConvScratch, type BandNoise, type ConvScratch } from './observe.js'
import {
  NZ_MAIN,
  NZ_NEIGHBOUR,
  NZ_SOURCE,
  drawAbsMagR,
  drawDiskAxisRatio,
  drawEinsteinRadius,
  drawEllipticalAxisRatio,
  drawRedshift,
  drawSizeKpc,
} from './population.js'
import {
  armLightFraction,
  clearCanvas,
  createCanvas,
  renderGaussian,
  renderMoffat,
  renderSersic,
  renderShell,
  renderStream,
  type Canvas,
  type SersicShape,
  type SpiralArms,
} from './profiles.js'
import { Rng } from './random.js'
import { kCorrection, magToNanomaggies, nanomaggiesToMag, starColour, type TemplateName } from './sed.js'

/** Object classes; merger stages follow Koppula et al. (2021). */
export const OBJECT_CLASSES = ['galaxy', 'lens', 'pre-merger', 'ongoing', 'post-merger'] as const
/** One object class. */
export type ObjectClass = (typeof OBJECT_CLASSES)[number]

/** Resolved simulation settings (see SimulateOptions). */
export interface SceneConfig {
  readonly seed: number
  readonly size: number
  readonly bands: readonly string[]
  readonly pixelScale: number
  readonly lensFraction: number
  readonly mergerFraction: number
  readonly lensLight: 'include' | 'subtract'
}

/** Truth and measurements of one object (numbers are NaN where not applicable). */
export interface ObjectTruth {
  cls: ObjectClass
  morphology: 'early' | 'late'
  isLens: boolean
  mergerStage: 'non-merger' | 'pre-merger' | 'ongoing' | 'post-merger'
  z: number
  absMagR: number
  template: TemplateName
  sersicN: number
  rEff: number
  q: number
  pa: number
  bulgeFraction: number
  einsteinRadius: number
  zSource: number
  sigmaV: number
  magnification: number
  sourceMagR: number
  companionSep: number
  companionDmag: number
  /** Per band. */
  trueMag: Float64Array
  mag: Float64Array
  magErr: Float64Array
  seeing: Float64Array
  depth: Float64Array
  maskedPixels: number
}

/** A simulated object: truth plus its cutout (size × size × bands, HWC, nanomaggies/pixel). */
export interface SimObject {
  readonly truth: ObjectTruth
  readonly cutout: Float32Array
}

interface Component {
  shape: SersicShape
  template: TemplateName
  /** Rest-frame r absolute magnitude of this component. */
  absMag: number
  arms?: { amp: number; m: number; pitch: number; phase: number; rInner: number; template: TemplateName }
}

interface Galaxy {
  early: boolean
  z: number
  absMagR: number
  components: Component[]
  knots: { x: number; y: number; sigma: number; absMag: number; template: TemplateName }[]
}

/** Reusable per-simulation state (buffers, caches). */
export interface SceneContext {
  readonly cfg: SceneConfig
  readonly n: number
  /** Two render slots, so that two objects can share FFTs (see {@link simulateObjectPair}). */
  readonly canvases: readonly [Canvas, Canvas]
  readonly mainCanvases: readonly [Canvas, Canvas]
  readonly conv: ConvScratch
  readonly nb: number
  /** All zeros: the plane subtracted from the noisy image when there is nothing to subtract. */
  readonly zeroPlane: Float64Array
}

/** Allocates buffers for a simulation run. */
export function createSceneContext(cfg: SceneConfig): SceneContext {
  const n = nextPow2(cfg.size)
  return {
    cfg,
    n,
    canvases: [createCanvas(cfg.size, n, cfg.bands.length), createCanvas(cfg.size, n, cfg.bands.length)],
    mainCanvases: [createCanvas(cfg.size, n, cfg.bands.length), createCanvas(cfg.size, n, cfg.bands.length)],
    conv: createConvScratch(n),
    nb: cfg.bands.length,
    zeroPlane: new Float64Array(n * n),
  }
}

const DEG = Math.PI / 180

/** Per-band observed flux (nmgy) of a component with rest-frame r absolute magnitude `absMag`. */
function bandFluxes(bands: readonly string[], template: TemplateName, z: number, absMag: number, dm: number): Float64Array {
  const f = new Float64Array(bands.length)
  for (let b = 0; b < bands.length; b++) f[b] = magToNanomaggies(absMag + dm + kCorrection(template, bands[b] as string, z))
  return f
}

function addFlux(total: Float64Array, f: Float64Array, w = 1): void {
  for (let i = 0; i < total.length; i++) total[i] = (total[i] as number) + w * (f[i] as number)
}

function pickTemplate(rng: Rng, names: readonly TemplateName[], weights: readonly number[]): TemplateName {
  return names[rng.choice(weights)] as TemplateName
}

/** Draws a galaxy of the given type at redshift z centred at (x, y) px. */
function drawGalaxy(rng: Rng, cfg: SceneConfig, early: boolean, z: number, x: number, y: number, absMagR?: number): Galaxy {
  const M = absMagR ?? drawAbsMagR(rng, early)
  const pxPerKpc = 1 / (kpcPerArcsec(z) * cfg.pixelScale)
  const rKpc = drawSizeKpc(rng, early, M)
  const pa = rng.range(0, Math.PI)
  const components: Component[] = []
  const knots: Galaxy['knots'] = []
  if (early) {
    const bt = rng.uniform() < 0.4 ? 1 : rng.range(0.7, 1)
    const q = drawEllipticalAxisRatio(rng)
    const re = rKpc * pxPerKpc
    components.push({ shape: { x, y, re, n: rng.range(3, 5.5), q, pa }, template: 'El', absMag: M - 2.5 * Math.log10(bt) })
    if (bt < 1) {
      const qd = Math.min(q, drawDiskAxisRatio(rng, 0.2))
      components.push({
        shape: { x, y, re: re * rng.range(1.4, 2.2), n: 1, q: qd, pa: pa + 5 * DEG * rng.normal() },
        template: 'Sbc',
        absMag: M - 2.5 * Math.log10(1 - bt),
      })
    }
  } else {
    const bt = rng.uniform() < 0.3 ? 0 : rng.range(0.05, 0.35)
    const qd = drawDiskAxisRatio(rng)
    const re = rKpc * pxPerKpc
    const diskT = pickTemplate(rng, ['Sbc', 'Scd', 'Im'], [0.4, 0.4, 0.2])
    const reB = re * rng.range(0.15, 0.3)
    let arms: Component['arms']
    if (rng.uniform() < 0.75 && diskT !== 'Im') {
      arms = {
        amp: rng.range(0.25, 0.6),
        m: rng.uniform() < 0.7 ? 2 : 3,
        pitch: rng.range(12, 28) * DEG,
        phase: rng.range(0, 2 * Math.PI),
        rInner: Math.max(1.5 * reB, 0.35 * re),
        template: pickTemplate(rng, ['SB3', 'SB2', 'Im'], [0.4, 0.3, 0.3]),
      }
    }
    const diskMag = M - 2.5 * Math.log10(1 - bt)
    const disk: Component = { shape: { x, y, re, n: 1, q: qd, pa }, template: diskT, absMag: diskMag }
    if (arms) disk.arms = arms
    components.push(disk)
    if (bt > 0) {
      components.push({
        shape: { x, y, re: reB, n: rng.range(1.5, 3), q: Math.max(qd, rng.range(0.6, 1)), pa },
        template: pickTemplate(rng, ['El', 'Sbc'], [0.5, 0.5]),
        absMag: M - 2.5 * Math.log10(bt),
      })
    }
    // H II regions along the arms (or scattered in irregular disks)
    const nk = rng.int(5)
    const ux = -Math.sin(pa)
    const uy = -Math.cos(pa)
    for (let k = 0; k < nk; k++) {
      const R = re * rng.range(0.4, 2)
      const phi = arms
        ? Math.log(R / re) / Math.tan(arms.pitch) + (arms.phase + 2 * Math.PI * rng.int(arms.m)) / arms.m + 0.15 * rng.normal()
        : rng.range(0, 2 * Math.PI)
      const u = R * Math.cos(phi)
      const v = R * Math.sin(phi) * qd
      knots.push({
        x: x + u * ux - v * uy,
        y: y + u * uy + v * ux,
        sigma: rng.range(0.5, 0.9),
        absMag: diskMag + rng.range(3.5, 5.5),
        template: 'SB2',
      })
    }
  }
  return { early, z, absMagR: M, components, knots }
}

/** Renders a galaxy; returns its per-band total flux (nmgy). */
function renderGalaxy(c: Canvas, cfg: SceneConfig, g: Galaxy): Float64Array {
  const dm = distanceModulus(g.z)
  const total = new Float64Array(cfg.bands.length)
  for (const comp of g.components) {
    const f = bandFluxes(cfg.bands, comp.template, g.z, comp.absMag, dm)
    if (comp.arms) {
      const a = comp.arms
      const armFlux = bandFluxes(cfg.bands, a.template, g.z, comp.absMag, dm)
      const arms: SpiralArms = { amp: a.amp, m: a.m, pitch: a.pitch, phase: a.phase, rInner: a.rInner, armFlux }
      renderSersic(c, comp.shape, f, arms)
      const frac = armLightFraction(a.amp, comp.shape.re, a.rInner)
      addFlux(total, f, 1 - frac)
      addFlux(total, armFlux, frac)
    } else {
      renderSersic(c, comp.shape, f)
      addFlux(total, f)
    }
  }
  for (const k of g.knots) {
    const f = bandFluxes(cfg.bands, k.template, g.z, k.absMag, dm)
    renderGaussian(c, k.x, k.y, k.sigma, f)
    addFlux(total, f)
  }
  return total
}

function dominant(g: Galaxy): Component {
  let best = g.components[0] as Component
  for (const c of g.components) if (c.absMag < best.absMag) best = c
  return best
}

function emptyTruth(nb: number): ObjectTruth {
  return {
    cls: 'galaxy',
    morphology: 'early',
    isLens: false,
    mergerStage: 'non-merger',
    z: NaN,
    absMagR: NaN,
    template: 'El',
    sersicN: NaN,
    rEff: NaN,
    q: NaN,
    pa: NaN,
    bulgeFraction: NaN,
    einsteinRadius: NaN,
    zSource: NaN,
    sigmaV: NaN,
    magnification: NaN,
    sourceMagR: NaN,
    companionSep: NaN,
    companionDmag: NaN,
    trueMag: new Float64Array(nb),
    mag: new Float64Array(nb),
    magErr: new Float64Array(nb),
    seeing: new Float64Array(nb),
    depth: new Float64Array(nb),
    maskedPixels: 0,
  }
}

/** Draws an object class from the configured lens and merger fractions (one uniform deviate). */
export function drawClass(rng: Rng, cfg: SceneConfig): ObjectClass {
  const u = rng.uniform()
  if (u < cfg.lensFraction) return 'lens'
  const m = (u - cfg.lensFraction) / Math.max(cfg.mergerFraction, 1e-300)
  if (m < 1) return m < 1 / 3 ? 'pre-merger' : m < 2 / 3 ? 'ongoing' : 'post-merger'
  return 'galaxy'
}

/** A tidal tail from (x, y) curving away at angle `dir` (rad), length `len` px. */
function tail(rng: Rng, x: number, y: number, dir: number, len: number, curl: number, width: number): Parameters<typeof renderStream>[1] {
  const mid = dir + curl * 0.5
  const end = dir + curl
  return {
    x0: x + 0.15 * len * Math.cos(dir),
    y0: y + 0.15 * len * Math.sin(dir),
    cx: x + 0.6 * len * Math.cos(mid),
    cy: y + 0.6 * len * Math.sin(mid),
    x1: x + len * Math.cos(end),
    y1: y + len * Math.sin(end),
    w0: width,
    w1: width * rng.range(1.3, 2.2),
    fade: rng.range(0.5, 1.5),
  }
}

/**
 * Simulates object `index` of the survey (deterministic in (seed, index)); `forced` fixes the
 * class (used by the contact sheet); `out` (size × size × bands) receives the cutout if given.
 */
export function simulateObject(ctx: SceneContext, index: number, forced?: ObjectClass, out?: Float32Array): SimObject {
  const p = beginObject(ctx, 0, index, forced)
  convolvePlanes(p.canvas.planes, ctx.n, p.fwhmPx, ctx.conv)
  if (p.subtract) convolvePlanes(p.mainCanvas.planes, ctx.n, p.fwhmPx, ctx.conv)
  return finishObject(ctx, p, out)
}

/**
 * Simulates objects `index` and `index + 1` together: their band planes share complex FFTs
 * (three bands each → three transforms instead of four per direction). Each result depends
 * only on (seed, its index) and on the pairing, which callers must keep fixed (pairs start at
 * even indices) for bit-identical output.
 */
export function simulateObjectPair(ctx: SceneContext, index: number, outA?: Float32Array, outB?: Float32Array): [SimObject, SimObject] {
  const a = beginObject(ctx, 0, index)
  const b = beginObject(ctx, 1, index + 1)
  convolvePlanes([...a.canvas.planes, ...b.canvas.planes], ctx.n, [...a.fwhmPx, ...b.fwhmPx], ctx.conv)
  if (a.subtract) convolvePlanes([...a.mainCanvas.planes, ...b.mainCanvas.planes], ctx.n, [...a.fwhmPx, ...b.fwhmPx], ctx.conv)
  return [finishObject(ctx, a, outA), finishObject(ctx, b, outB)]
}

/** State of an object between rendering and convolution. */
interface Pending {
  readonly truth: ObjectTruth
  readonly rng: Rng
  readonly fwhmPx: number[]
  readonly noise: BandNoise[]
  readonly mainFlux: Float64Array
  readonly dom: Component
  readonly canvas: Canvas
  readonly mainCanvas: Canvas
  readonly subtract: boolean
}

/** Draws object `index` and renders its noise-free, unconvolved scene into render slot `slot`. */
function beginObject(ctx: SceneContext, slot: 0 | 1, index: number, forced?: ObjectClass): Pending {
  const { cfg, nb } = ctx
  const canvas = ctx.canvases[slot]
  const mainCanvas = ctx.mainCanvases[slot]
  const size = cfg.size
  const bands = cfg.bands
  const rng = new Rng(cfg.seed, index, forced ? OBJECT_CLASSES.indexOf(forced) + 1 : 0)
  const truth = emptyTruth(nb)
  const cls = forced ?? drawClass(rng, cfg)
  truth.cls = cls
  truth.isLens = cls === 'lens'
  truth.mergerStage = cls === 'lens' || cls === 'galaxy' ? 'non-merger' : cls

  // observing conditions (independent of class)
  const seeingR = Math.min(Math.max(1.25 * Math.exp(0.18 * rng.normal()), 0.7), 2.6)
  const fwhmPx: number[] = []
  const noise: BandNoise[] = []
  for (let b = 0; b < nb; b++) {
    const info = BANDS[bands[b] as string]
    if (!info) throw new Error(`simulate: unknown band "${bands[b]}"`)
    const s = Math.round(100 * seeingR * (info.lambda / 6400) ** -0.2 * Math.exp(0.05 * rng.normal())) / 100
    truth.seeing[b] = s
    fwhmPx.push(s / cfg.pixelScale)
    const depth = info.depth + 0.25 * rng.normal()
    truth.depth[b] = depth
    noise.push(bandNoise(info, cfg.pixelScale, depth))
  }
  let minSigma = Infinity
  for (const nz of noise) minSigma = Math.min(minSigma, nz.sigma)
  // profiles are truncated where they fall below 1 % of the faintest band's pixel noise
  canvas.eps = 0.01 * minSigma
  clearCanvas(canvas)

  // main galaxy
  const cx = size / 2 + rng.range(-0.5, 0.5)
  const cy = size / 2 + rng.range(-0.5, 0.5)
  const z = drawRedshift(rng, NZ_MAIN)
  let early: boolean
  if (cls === 'lens') early = rng.uniform() < 0.85
  else if (cls === 'post-merger') early = rng.uniform() < 0.7
  else early = rng.uniform() < 0.45
  const main = drawGalaxy(rng, cfg, early, z, cx, cy)
  if (cls === 'post-merger') {
    // remnants are spheroid-dominated with lower n than relaxed ellipticals
    for (const c of main.components) if (c.shape.n > 1) c.shape = { ...c.shape, n: rng.range(2, 4) }
  }
  const mainFlux = renderGalaxy(canvas, cfg, main)
  const dom = dominant(main)
  truth.morphology = early ? 'early' : 'late'
  truth.z = z
  truth.absMagR = main.absMagR
  truth.template = dom.template
  truth.sersicN = dom.shape.n
  truth.rEff = dom.shape.re * cfg.pixelScale
  truth.q = dom.shape.q
  truth.pa = ((((dom.shape.pa / DEG) % 180) + 180) % 180)
  {
    let lb = 0
    for (const c of main.components) if (c.shape.n > 1.2) lb += 10 ** (-0.4 * c.absMag)
    truth.bulgeFraction = lb / 10 ** (-0.4 * main.absMagR)
  }
  for (let b = 0; b < nb; b++) truth.trueMag[b] = nanomaggiesToMag(mainFlux[b] as number)
  const subtract = cfg.lensLight === 'subtract'
  if (subtract) {
    // keep the central galaxy's light aside: it adds photon noise but not signal
    for (let b = 0; b < nb; b++) (mainCanvas.planes[b] as Float64Array).set(canvas.planes[b] as Float64Array)
  }

  const pxPerKpc = 1 / (kpcPerArcsec(z) * cfg.pixelScale)
  const dm = distanceModulus(z)
  if (cls === 'lens') {
    const thetaE = drawEinsteinRadius(rng)
    const zs = drawRedshift(rng, NZ_SOURCE, Math.min(z + 0.3, 2.5))
    const ds = angularDiameterDistance(zs)
    const dls = angularDiameterDistance12(z, zs)
    const thetaRad = (thetaE / 3600) * DEG
    truth.einsteinRadius = thetaE
    truth.zSource = zs
    truth.sigmaV = 299792.458 * Math.sqrt((thetaRad * ds) / (4 * Math.PI * dls))
    const g = 0.05 * Math.sqrt(rng.uniform())
    const gphi = rng.range(0, Math.PI)
    const defl: Deflector = {
      x: cx,
      y: cy,
      thetaE: thetaE / cfg.pixelScale,
      q: Math.min(1, Math.max(0.45, dom.shape.q + 0.1 * rng.normal())),
      pa: dom.shape.pa + 10 * DEG * rng.normal(),
      gamma1: g * Math.cos(2 * gphi),
      gamma2: g * Math.sin(2 * gphi),
    }
    const beta = (0.5 * thetaE * Math.sqrt(rng.uniform())) / cfg.pixelScale
    const bphi = rng.range(0, 2 * Math.PI)
    const reS = rng.range(0.2, 0.7) / cfg.pixelScale
    const knots: SourceKnot[] = []
    const nk = rng.int(4)
    for (let k = 0; k < nk; k++) {
      knots.push({ dx: reS * rng.range(-1.2, 1.2), dy: reS * rng.range(-1.2, 1.2), sigma: rng.range(0.06, 0.15) / cfg.pixelScale, frac: rng.range(0.05, 0.15) })
    }
    const src: LensSource = { bx: beta * Math.cos(bphi), by: beta * Math.sin(bphi), re: reS, n: rng.range(0.6, 1.5), q: rng.range(0.4, 1), pa: rng.range(0, Math.PI), knots }
    const srcMag = rng.range(20.5, 23)
    const srcT = pickTemplate(rng, ['SB2', 'SB3', 'Im', 'Scd'], [0.35, 0.3, 0.2, 0.15])
    const srcFlux = new Float64Array(nb)
    for (let b = 0; b < nb; b++) srcFlux[b] = magToNanomaggies(srcMag + kCorrection(srcT, bands[b] as string, zs) - kCorrection(srcT, 'r', zs))
    truth.sourceMagR = srcMag
    truth.magnification = renderLensedSource(canvas, defl, src, srcFlux)
  } else if (cls === 'pre-merger' || cls === 'ongoing') {
    const sepKpc = cls === 'pre-merger' ? rng.range(12, 40) : rng.range(2.5, 9)
    const dmag = rng.range(0, cls === 'pre-merger' ? 1.5 : 1.2)
    const ang = rng.range(0, 2 * Math.PI)
    const sep = sepKpc * pxPerKpc
    const x2 = cx + sep * Math.cos(ang)
    const y2 = cy + sep * Math.sin(ang)
    truth.companionSep = sep * cfg.pixelScale
    truth.companionDmag = dmag
    const comp = drawGalaxy(rng, cfg, rng.uniform() < 0.4, z, x2, y2, main.absMagR + dmag)
    const compFlux = renderGalaxy(canvas, cfg, comp)
    const tot = new Float64Array(nb)
    addFlux(tot, mainFlux)
    addFlux(tot, compFlux)
    const tidalT = pickTemplate(rng, ['Sbc', 'Scd'], [0.5, 0.5])
    const tf = bandFluxes(bands, tidalT, z, main.absMagR, dm) // colour template for tidal debris
    const scaleTo = (frac: number): Float64Array => {
      const f = new Float64Array(nb)
      for (let b = 0; b < nb; b++) f[b] = (tf[b] as number) * frac
      return f
    }
    const ongoing = cls === 'ongoing'
    if (ongoing || rng.uniform() < 0.5) {
      // bridge between the pair, bowed sideways
      const bow = rng.range(-0.4, 0.4) * sep
      renderStream(
        canvas,
        { x0: cx, y0: cy, cx: (cx + x2) / 2 - bow * Math.sin(ang), cy: (cy + y2) / 2 + bow * Math.cos(ang), x1: x2, y1: y2, w0: rng.range(1, 2), w1: rng.range(1, 2), fade: 3 },
        scaleTo(ongoing ? rng.range(0.05, 0.12) : rng.range(0.02, 0.05)),
      )
    }
    if (ongoing || rng.uniform() < 0.4) {
      // tails leave each galaxy on the far side, curling in the same sense (prograde encounter)
      const curl = (rng.uniform() < 0.5 ? 1 : -1) * rng.range(0.6, 1.6)
      const len = rng.range(15, 35) * pxPerKpc * (ongoing ? 1 : 0.6)
      const frac = ongoing ? rng.range(0.12, 0.3) : rng.range(0.04, 0.1)
      const w = rng.range(1.2, 2.5)
      renderStream(canvas, tail(rng, cx, cy, ang + Math.PI, len, curl, w), scaleTo(frac))
      renderStream(canvas, tail(rng, x2, y2, ang, len * rng.range(0.6, 1.1), curl, w), scaleTo(frac * rng.range(0.4, 1)))
    }
  } else if (cls === 'post-merger') {
    const re = dom.shape.re
    const tf = bandFluxes(bands, 'Sbc', z, main.absMagR, dm)
    const scaleTo = (frac: number): Float64Array => {
      const f = new Float64Array(nb)
      for (let b = 0; b < nb; b++) f[b] = (tf[b] as number) * frac
      return f
    }
    const axisDir = rng.range(0, 2 * Math.PI)
    let features = 0
    if (rng.uniform() < 0.65) {
      // interleaved shells on alternating sides along an axis (radial minor merger remnants)
      const ns = 2 + rng.int(3)
      let r = re * rng.range(1.5, 2.5) + 3
      for (let s = 0; s < ns; s++) {
        renderShell(canvas, cx, cy, r, rng.range(1.5, 3), axisDir + (s % 2) * Math.PI + 0.2 * rng.normal(), rng.range(0.7, 1.2), scaleTo(rng.range(0.04, 0.09)))
        r *= rng.range(1.3, 1.7)
        features++
      }
    }
    if (features === 0 || rng.uniform() < 0.6) {
      const len = rng.range(12, 30) * pxPerKpc
      renderStream(canvas, tail(rng, cx, cy, rng.range(0, 2 * Math.PI), len, rng.range(-1.2, 1.2), rng.range(1.2, 2.5)), scaleTo(rng.range(0.1, 0.25)))
    }
    // lopsided envelope: an offset low-surface-brightness component
    const off = re * rng.range(0.3, 0.8)
    renderSersic(
      canvas,
      { x: cx + off * Math.cos(axisDir), y: cy + off * Math.sin(axisDir), re: re * rng.range(1.5, 2.5), n: 1, q: rng.range(0.5, 1), pa: rng.range(0, Math.PI) },
      scaleTo(rng.range(0.1, 0.2)),
    )
    if (rng.uniform() < 0.3) {
      const o = rng.range(1, 2.5) * pxPerKpc
      const a = rng.range(0, 2 * Math.PI)
      renderGaussian(canvas, cx + o * Math.cos(a), cy + o * Math.sin(a), 0.7, scaleTo(rng.range(0.02, 0.05)))
    }
  }

  // unrelated neighbours: number counts dN/dm ∝ 10^{0.33 m}, 19 < r < 25.5, ~40 per arcmin²
  const areaArcmin2 = ((size * cfg.pixelScale) / 60) ** 2
  const nNb = rng.poisson(40 * areaArcmin2)
  for (let k = 0; k < nNb; k++) {
    const a = 0.33 * Math.LN10
    const u = rng.uniform()
    const m = Math.log(Math.exp(a * 19) + u * (Math.exp(a * 25.5) - Math.exp(a * 19))) / a
    let x = 0
    let y = 0
    do {
      x = rng.range(-4, size + 4)
      y = rng.range(-4, size + 4)
    } while (Math.hypot(x - cx, y - cy) < 1.5 / cfg.pixelScale)
    const zn = drawRedshift(rng, NZ_NEIGHBOUR)
    const e = rng.uniform() < 0.3
    const t: TemplateName = e ? 'El' : pickTemplate(rng, ['Sbc', 'Scd', 'Im', 'SB3'], [0.3, 0.3, 0.25, 0.15])
    const reArc = 10 ** (-0.1 * (m - 22) - 0.3 + 0.15 * rng.normal())
    const f = new Float64Array(nb)
    for (let b = 0; b < nb; b++) f[b] = magToNanomaggies(m + kCorrection(t, bands[b] as string, zn) - kCorrection(t, 'r', zn))
    renderSersic(canvas, { x, y, re: reArc / cfg.pixelScale, n: e ? 4 : 1, q: e ? drawEllipticalAxisRatio(rng) : drawDiskAxisRatio(rng, 0.2), pa: rng.range(0, Math.PI) }, f)
  }

  return { truth, rng, fwhmPx, noise, mainFlux, dom, canvas, mainCanvas, subtract }
}

/** Adds stars, saturation, noise and masks to a convolved scene, writes the cutout, measures magnitudes. */
function finishObject(ctx: SceneContext, p: Pending, out?: Float32Array): SimObject {
  const { cfg, nb, n } = ctx
  const { truth, rng, fwhmPx, noise, mainFlux, dom, canvas, mainCanvas, subtract } = p
  const size = cfg.size
  const bands = cfg.bands
  const areaArcmin2 = ((size * cfg.pixelScale) / 60) ** 2

  // stars: dN/dm ∝ 10^{0.15 m} over 12.5 < r < 24, ~3 per arcmin² (high-latitude field)
  const nStar = rng.poisson(3 * areaArcmin2)
  const saturated = new Uint8Array(nb)
  for (let k = 0; k < nStar; k++) {
    const a = 0.15 * Math.LN10
    const m = Math.log(Math.exp(a * 12.5) + rng.uniform() * (Math.exp(a * 24) - Math.exp(a * 12.5))) / a
    const x = rng.range(-2, size + 2)
    const y = rng.range(-2, size + 2)
    const temp = rng.range(3300, 7500)
    for (let b = 0; b < nb; b++) {
      const flux = magToNanomaggies(m + starColour(bands[b] as string, temp))
      renderMoffat(canvas.planes[b] as Float64Array, n, size, x, y, fwhmPx[b] as number, MOFFAT_BETA, flux, canvas.eps)
      const alpha = (fwhmPx[b] as number) / (2 * Math.sqrt(2 ** (1 / MOFFAT_BETA) - 1))
      if ((flux * (MOFFAT_BETA - 1)) / (Math.PI * alpha * alpha) > SATURATION_NMGY) saturated[b] = 1
    }
  }
  for (let b = 0; b < nb; b++) if (saturated[b]) bleed(canvas.planes[b] as Float64Array, n, size)

  // noise and output (HWC)
  if (!out) out = new Float32Array(size * size * nb)
  else if (out.length !== size * size * nb) throw new RangeError(`simulate: output buffer holds ${out.length} values, need ${size * size * nb}`)
  // Gaussian sky + read noise of σ plus Poisson noise of the source (variance flux/gain);
  // saturated pixels are flat at the saturation level; in lens-light subtraction the central
  // galaxy's model is removed after the noise
  for (let b = 0; b < nb; b++) {
    const { sigma, gain } = noise[b] as BandNoise
    const sub = subtract ? (mainCanvas.planes[b] as Float64Array) : ctx.zeroPlane
    rng.addPixelNoise(out, b, nb, canvas.planes[b] as Float64Array, sub, n, size, size, sigma, gain, SATURATION_NMGY)
  }

  // masked pixels: bad column segments or a masked blob (e.g. a satellite-trail residual)
  if (rng.uniform() < 0.04) {
    const b = rng.int(nb)
    const col = rng.int(size)
    const y0 = rng.int(size)
    const y1 = Math.min(size, y0 + 8 + rng.int(size))
    for (let y = y0; y < y1; y++) out[(y * size + col) * nb + b] = NaN
    truth.maskedPixels += y1 - y0
  }
  if (rng.uniform() < 0.02) {
    const mx = rng.range(0, size)
    const my = rng.range(0, size)
    const r = rng.range(1.5, 4)
    for (let y = Math.max(0, Math.floor(my - r)); y < Math.min(size, Math.ceil(my + r)); y++) {
      for (let x = Math.max(0, Math.floor(mx - r)); x < Math.min(size, Math.ceil(mx + r)); x++) {
        if (Math.hypot(x + 0.5 - mx, y + 0.5 - my) < r) {
          for (let b = 0; b < nb; b++) out[(y * size + x) * nb + b] = NaN
          truth.maskedPixels += nb
        }
      }
    }
  }

  // photometry of the main galaxy: flux error over the noise-equivalent area of the PSF-convolved galaxy
  const reCirc = dom.shape.re * Math.sqrt(dom.shape.q)
  for (let b = 0; b < nb; b++) {
    const F = mainFlux[b] as number
    const { sigma, gain } = noise[b] as BandNoise
    const sp = (fwhmPx[b] as number) / 2.3548
    const nea = 4 * Math.PI * (sp * sp + reCirc * reCirc)
    const sF = Math.sqrt(nea * sigma * sigma + Math.max(F, 0) / gain)
    const Fo = F + sF * rng.normal()
    truth.mag[b] = nanomaggiesToMag(Fo)
    truth.magErr[b] = Fo > 0 ? (1.0857 * sF) / Fo : NaN
  }
  return { truth, cutout: out }
}

/** Charge bleeding: saturated charge spills up and down the column (CCD blooming). */
function bleed(p: Float64Array, n: number, size: number): void {
  for (let x = 0; x < size; x++) {
    let excess = 0
    let top = -1
    let bottom = -1
    for (let y = 0; y < size; y++) {
      const v = p[y * n + x] as number
      if (v > SATURATION_NMGY) {
        excess += v - SATURATION_NMGY
        if (top < 0) top = y
        bottom = y
      }
    }
    if (top < 0) continue
    const extra = Math.min(size, Math.round(excess / SATURATION_NMGY / 2))
    for (let y = Math.max(0, top - extra); y <= Math.min(size - 1, bottom + extra); y++) {
      const i = y * n + x
      if ((p[i] as number) < SATURATION_NMGY) p[i] = SATURATION_NMGY
    }
  }
}


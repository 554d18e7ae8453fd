/**
 * The survey simulator: realistic multi-band galaxy cutouts with truth for every task
 * (morphology, strong lensing, merger stage, photometric redshift). Browser-safe; see
 * docs/simulator.md for the physics and its references.
 *
 * @example
 * ```ts
 * for (const chunk of simulateSurvey({ n: 10_000, seed: 1 })) writer.write(chunk)
 * ```
 */
import type { CatalogChunk, CatalogSchema } from '../catalog/types.js'
import { validateSimulateOptions, type ResolvedSimulateOptions, type SimulateOptions } from './options.js'
import { Rng } from './random.js'
import { createSceneContext, simulateObject, simulateObjectPair, type SceneContext, type SimObject } from './scene.js'
import { bandColumnNames, buildSchema } from './schema.js'

export { validateSimulateOptions, SIMULATE_DEFAULTS } from './options.js'
export type { SimulateOptions, ResolvedSimulateOptions, SkyPatch } from './options.js'
export { OBJECT_CLASSES } from './scene.js'
export type { ObjectClass } from './scene.js'
export { BANDS } from './observe.js'
export { SIMULATOR_VERSION } from './schema.js'
export { renderContactSheet } from './contact-sheet.js'
export type { ContactSheetOptions } from './contact-sheet.js'

/**
 * The catalog schema of a simulation (columns with units, descriptions and cutout metadata).
 * Throws like {@link validateSimulateOptions} on bad options.
 */
export function simulationSchema(o: SimulateOptions): CatalogSchema {
  return buildSchema(validateSimulateOptions(o))
}

/** Context for a simulation, reusable across chunks. */
function sceneContext(r: ResolvedSimulateOptions): SceneContext {
  return createSceneContext({
    seed: r.seed,
    size: r.size,
    bands: r.bands,
    pixelScale: r.pixelScale,
    lensFraction: r.lensFraction,
    mergerFraction: r.mergerFraction,
    lensLight: r.lensLight,
  })
}

/**
 * Simulates the survey as a stream of column-oriented chunks of `chunkSize` rows (default 1024;
 * the last may be shorter). Rows depend only on (options, row index), so output is identical for
 * any chunk size and runtime; memory use is independent of `n`. The cutouts of one chunk are
 * views into one shared ArrayBuffer (transfer `chunk.columns.cutout[0].buffer` to move them all).
 * Option errors are thrown on the first `next()` call (RangeError, "simulate: …").
 */
export function* simulateSurvey(o: SimulateOptions, chunkSize = 1024): Generator<CatalogChunk, void, undefined> {
  const r = validateSimulateOptions(o)
  if (!Number.isInteger(chunkSize) || chunkSize <= 0) throw new RangeError(`simulate: chunkSize must be a positive integer, got ${chunkSize}`)
  const ctx = sceneContext(r)
  const { bands, patch } = r
  const sinDec0 = Math.sin((patch.decMin * Math.PI) / 180)
  const sinDec1 = Math.sin((patch.decMax * Math.PI) / 180)
  const per = r.size * r.size * bands.length
  // objects are simulated in fixed pairs (2k, 2k+1) sharing FFTs; the second of a pair that
  // falls into the next chunk is carried over, so rows do not depend on the chunk size
  let carry: { index: number; obj: SimObject } | undefined
  for (let start = 0; start < r.n; start += chunkSize) {
    const rows = Math.min(chunkSize, r.n - start)
    const f32 = (): Float32Array => new Float32Array(rows)
    const id = new BigInt64Array(rows)
    const ra = new Float64Array(rows)
    const dec = new Float64Array(rows)
    // one buffer per chunk; each row's cutout is a view into it
    const cutoutBuffer = new Float32Array(rows * per)
    const cutout: Float32Array[] = []
    const s = {
      cls: [] as string[],
      morph: [] as string[],
      stage: [] as string[],
      template: [] as string[],
      isLens: new Int8Array(rows),
      z: f32(),
      absMag: f32(),
      n: f32(),
      re: f32(),
      q: f32(),
      pa: f32(),
      bt: f32(),
      thetaE: f32(),
      zs: f32(),
      sigmaV: f32(),
      mu: f32(),
      srcMag: f32(),
      sep: f32(),
      dmag: f32(),
      masked: new Int32Array(rows),
    }
    const perBand = bands.map(() => ({ mag: f32(), magErr: f32(), trueMag: f32(), seeing: f32(), depth: f32() }))
    for (let i = 0; i < rows; i++) {
      const index = start + i
      const pos = new Rng(r.seed, index, 0x5ca1ab1e)
      id[i] = BigInt(index + 1)
      ra[i] = patch.raMin + (patch.raMax - patch.raMin) * pos.uniform()
      dec[i] = (Math.asin(sinDec0 + (sinDec1 - sinDec0) * pos.uniform()) * 180) / Math.PI
      const view = cutoutBuffer.subarray(i * per, (i + 1) * per)
      let obj: SimObject
      if (index % 2 === 1 && carry?.index === index) {
        obj = { truth: carry.obj.truth, cutout: view }
        if (carry.obj.cutout.buffer !== view.buffer) view.set(carry.obj.cutout)
        carry = undefined
      } else if (index % 2 === 0 && index + 1 < r.n) {
        const inChunk = i + 1 < rows
        const [a, b] = simulateObjectPair(ctx, index, view, inChunk ? cutoutBuffer.subarray((i + 1) * per, (i + 2) * per) : undefined)
        obj = a
        carry = { index: index + 1, obj: b }
      } else obj = simulateObject(ctx, index, undefined, view)
      const { truth: t, cutout: img } = obj
      cutout.push(img)
      s.cls.push(t.cls)
      s.morph.push(t.morphology)
      s.stage.push(t.mergerStage)
      s.template.push(t.template)
      s.isLens[i] = t.isLens ? 1 : 0
      s.z[i] = t.z
      s.absMag[i] = t.absMagR
      s.n[i] = t.sersicN
      s.re[i] = t.rEff
      s.q[i] = t.q
      s.pa[i] = t.pa
      s.bt[i] = t.bulgeFraction
      s.thetaE[i] = t.einsteinRadius
      s.zs[i] = t.zSource
      s.sigmaV[i] = t.sigmaV
      s.mu[i] = t.magnification
      s.srcMag[i] = t.sourceMagR
      s.sep[i] = t.companionSep
      s.dmag[i] = t.companionDmag
      s.masked[i] = t.maskedPixels
      for (let b = 0; b < bands.length; b++) {
        const pb = perBand[b] as (typeof perBand)[number]
        pb.mag[i] = t.mag[b] as number
        pb.magErr[i] = t.magErr[b] as number
        pb.trueMag[i] = t.trueMag[b] as number
        pb.seeing[i] = t.seeing[b] as number
        pb.depth[i] = t.depth[b] as number
      }
    }
    const columns: Record<string, CatalogChunk['columns'][string]> = { id, ra, dec }
    bands.forEach((b, k) => {
      const c = bandColumnNames(b)
      const pb = perBand[k] as (typeof perBand)[number]
      columns[c.mag] = pb.mag
      columns[c.magErr] = pb.magErr
    })
    columns.cutout = cutout
    Object.assign(columns, {
      truth_class: s.cls,
      truth_morphology: s.morph,
      truth_is_lens: s.isLens,
      truth_merger_stage: s.stage,
      truth_z: s.z,
      truth_abs_mag_r: s.absMag,
      truth_template: s.template,
      truth_sersic_n: s.n,
      truth_r_eff: s.re,
      truth_q: s.q,
      truth_pa: s.pa,
      truth_bulge_fraction: s.bt,
      truth_einstein_radius: s.thetaE,
      truth_z_source: s.zs,
      truth_sigma_v: s.sigmaV,
      truth_magnification: s.mu,
      truth_source_mag_r: s.srcMag,
      truth_companion_sep: s.sep,
      truth_companion_dmag: s.dmag,
    })
    bands.forEach((b, k) => {
      const c = bandColumnNames(b)
      const pb = perBand[k] as (typeof perBand)[number]
      columns[c.trueMag] = pb.trueMag
      columns[c.seeing] = pb.seeing
      columns[c.depth] = pb.depth
    })
    columns.truth_masked_pixels = s.masked
    yield { rowStart: start, numRows: rows, columns }
  }
}

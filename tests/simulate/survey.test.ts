import { beforeAll, describe, expect, it } from 'vitest'
import type { CatalogChunk } from '../../src/catalog/types.js'
import { BANDS, simulateSurvey, simulationSchema, validateSimulateOptions, type SimulateOptions } from '../../src/simulate/index.js'
import { bandNoise } from '../../src/simulate/observe.js'
import { NZ_MAIN, smailCdfAt } from '../../src/simulate/population.js'
import { kCorrection } from '../../src/simulate/sed.js'

function collect(o: SimulateOptions, chunkSize?: number): CatalogChunk[] {
  return [...simulateSurvey(o, chunkSize)]
}

function column<T>(chunks: CatalogChunk[], name: string): T[] {
  const out: T[] = []
  for (const c of chunks) out.push(...(Array.from(c.columns[name] as ArrayLike<T>) as T[]))
  return out
}

const median = (a: number[]): number => {
  const s = [...a].sort((x, y) => x - y)
  return s[Math.floor(s.length / 2)] as number
}

describe('simulated survey (n = 600)', () => {
  const opts: SimulateOptions = { n: 600, seed: 42 }
  let chunks: CatalogChunk[]
  beforeAll(() => {
    chunks = collect(opts, 256)
  })

  it('streams chunks that match the schema, with cutouts of size²×bands and positions in the patch', () => {
    const schema = simulationSchema(opts)
    expect(chunks.map((c) => c.numRows)).toEqual([256, 256, 88])
    expect(chunks.map((c) => c.rowStart)).toEqual([0, 256, 512])
    const cut = schema.columns.find((c) => c.name === 'cutout')
    expect(cut?.metadata).toMatchObject({ shape: '64x64x3', layout: 'hwc', bands: 'g,r,z', pixel_scale: '0.262' })
    for (const col of schema.columns) expect(col.unit, col.name).toBeTypeOf('string')
    for (const c of chunks) {
      expect(Object.keys(c.columns).sort()).toEqual(schema.columns.map((s) => s.name).sort())
      for (const [name, values] of Object.entries(c.columns)) expect(values.length, name).toBe(c.numRows)
      for (const img of c.columns.cutout as Float32Array[]) expect(img).toHaveLength(64 * 64 * 3)
    }
    const ids = column<bigint>(chunks, 'id')
    expect(ids[0]).toBe(1n)
    expect(ids[599]).toBe(600n)
    for (const ra of column<number>(chunks, 'ra')) expect(ra >= 150 && ra <= 152).toBe(true)
    for (const dec of column<number>(chunks, 'dec')) expect(dec >= 1 && dec <= 3).toBe(true)
  })

  it('has the configured class balance', () => {
    const cls = column<string>(chunks, 'truth_class')
    const frac = (k: string): number => cls.filter((c) => c === k).length / cls.length
    expect(Math.abs(frac('lens') - 0.25)).toBeLessThan(0.07)
    for (const s of ['pre-merger', 'ongoing', 'post-merger']) expect(Math.abs(frac(s) - 0.1)).toBeLessThan(0.05)
    expect(Math.abs(frac('galaxy') - 0.45)).toBeLessThan(0.07)
    const isLens = column<number>(chunks, 'truth_is_lens')
    const thetaE = column<number>(chunks, 'truth_einstein_radius')
    cls.forEach((c, i) => {
      expect(isLens[i]).toBe(c === 'lens' ? 1 : 0)
      if (c === 'lens') expect(thetaE[i]! >= 0.5 && thetaE[i]! <= 3).toBe(true)
      else expect(thetaE[i]).toBeNaN()
    })
  })

  it('draws redshifts from the configured n(z) (KS test)', () => {
    const z = column<number>(chunks, 'truth_z').sort((a, b) => a - b)
    let d = 0
    z.forEach((zi, i) => {
      const f = smailCdfAt(NZ_MAIN, zi)
      d = Math.max(d, Math.abs(f - (i + 1) / z.length), Math.abs(f - i / z.length))
    })
    expect(d).toBeLessThan(1.63 / Math.sqrt(z.length)) // 1 % significance
    const zs = column<number>(chunks, 'truth_z_source')
    column<string>(chunks, 'truth_class').forEach((c, i) => {
      if (c === 'lens') expect(zs[i]! > z[0]!).toBe(true)
    })
  })

  it('gives elliptical colours that follow the El template with redshift', () => {
    const g = column<number>(chunks, 'truth_mag_g')
    const r = column<number>(chunks, 'truth_mag_r')
    const z = column<number>(chunks, 'truth_z')
    const bt = column<number>(chunks, 'truth_bulge_fraction')
    const morph = column<string>(chunks, 'truth_morphology')
    const cls = column<string>(chunks, 'truth_class')
    let checked = 0
    for (let i = 0; i < g.length; i++) {
      if (morph[i] !== 'early' || bt[i]! < 0.999 || cls[i] !== 'galaxy') continue
      const predicted = kCorrection('El', 'g', z[i]!) - kCorrection('El', 'r', z[i]!)
      expect(g[i]! - r[i]!).toBeCloseTo(predicted, 3)
      checked++
    }
    expect(checked).toBeGreaterThan(10)
    // the 4000 Å break moving through g reddens g − r by > 0.5 mag between z = 0.05 and 0.4
    expect(kCorrection('El', 'g', 0.4) - kCorrection('El', 'r', 0.4) - (kCorrection('El', 'g', 0.05) - kCorrection('El', 'r', 0.05))).toBeGreaterThan(0.5)
  })

  it('has background noise σ matching each band’s depth', () => {
    for (const [b, band] of ['g', 'r', 'z'].entries()) {
      const depth = column<number>(chunks, `truth_depth_${band}`)
      let ratioSum = 0
      let k = 0
      for (const c of chunks) {
        ;(c.columns.cutout as Float32Array[]).forEach((img, i) => {
          if (k >= 60) return
          // 12×12 corner boxes, robust σ from the median absolute deviation
          const vals: number[] = []
          for (const [x0, y0] of [[0, 0], [52, 0], [0, 52], [52, 52]] as const)
            for (let y = y0; y < y0 + 12; y++) for (let x = x0; x < x0 + 12; x++) vals.push(img[(y * 64 + x) * 3 + b]!)
          const finite = vals.filter(Number.isFinite)
          const med = median(finite)
          const mad = median(finite.map((v) => Math.abs(v - med)))
          const expected = bandNoise(BANDS[band]!, 0.262, depth[c.rowStart + i]!).sigma
          ratioSum += (1.4826 * mad) / expected
          k++
        })
      }
      expect(ratioSum / k).toBeGreaterThan(0.95)
      expect(ratioSum / k).toBeLessThan(1.08)
    }
  })

  it('does not let lenses differ from non-lens early types in brightness or noise', () => {
    const cls = column<string>(chunks, 'truth_class')
    const morph = column<string>(chunks, 'truth_morphology')
    const r = column<number>(chunks, 'truth_mag_r')
    const depth = column<number>(chunks, 'truth_depth_r')
    const seeing = column<number>(chunks, 'truth_seeing_r')
    const pick = <T,>(f: (i: number) => boolean, a: T[]): T[] => a.filter((_, i) => f(i))
    const lens = (i: number): boolean => cls[i] === 'lens' && morph[i] === 'early'
    const gal = (i: number): boolean => cls[i] === 'galaxy' && morph[i] === 'early'
    expect(Math.abs(median(pick(lens, r)) - median(pick(gal, r)))).toBeLessThan(0.5)
    expect(Math.abs(median(pick(lens, depth)) - median(pick(gal, depth)))).toBeLessThan(0.1)
    expect(Math.abs(median(pick(lens, seeing)) - median(pick(gal, seeing)))).toBeLessThan(0.1)
    expect(pick((i) => cls[i] === 'lens', morph).filter((m) => m === 'early').length / cls.filter((c) => c === 'lens').length).toBeGreaterThan(0.7)
  })

  it('marks masked pixels as NaN and counts them in truth_masked_pixels', () => {
    const masked = column<number>(chunks, 'truth_masked_pixels')
    let withMask = 0
    for (const c of chunks) {
      ;(c.columns.cutout as Float32Array[]).forEach((img, i) => {
        const nans = img.reduce((s, v) => s + (Number.isNaN(v) ? 1 : 0), 0)
        expect(nans).toBe(masked[c.rowStart + i])
        if (nans > 0) withMask++
      })
    }
    expect(withMask).toBeGreaterThan(5)
    expect(withMask).toBeLessThan(90)
  })

  it('reports magnitudes with errors consistent with the true magnitudes', () => {
    const m = column<number>(chunks, 'mag_r')
    const e = column<number>(chunks, 'magerr_r')
    const t = column<number>(chunks, 'truth_mag_r')
    const pulls = m.map((mi, i) => (mi - t[i]!) / e[i]!).filter((p, i) => Number.isFinite(p) && e[i]! < 0.1)
    expect(pulls.length).toBeGreaterThan(300)
    const rms = Math.sqrt(pulls.reduce((s, p) => s + p * p, 0) / pulls.length)
    expect(rms).toBeGreaterThan(0.8)
    expect(rms).toBeLessThan(1.25)
  })
})

describe('determinism', () => {
  const same = (a: CatalogChunk[], b: CatalogChunk[]): boolean => {
    if (Object.keys(a[0]!.columns).join() !== Object.keys(b[0]!.columns).join()) return false
    for (const name of Object.keys(a[0]!.columns)) {
      const va = a.flatMap((c) => Array.from(c.columns[name] as ArrayLike<unknown>))
      const vb = b.flatMap((c) => Array.from(c.columns[name] as ArrayLike<unknown>))
      if (name === 'cutout') {
        for (let i = 0; i < va.length; i++) {
          const fa = va[i] as Float32Array
          const fb = vb[i] as Float32Array
          const x = new Uint8Array(fa.buffer, fa.byteOffset, fa.byteLength)
          const y = new Uint8Array(fb.buffer, fb.byteOffset, fb.byteLength)
          if (x.length !== y.length || x.some((v, j) => v !== y[j])) return false
        }
      } else if (!va.every((v, i) => Object.is(v, vb[i]))) return false
    }
    return true
  }

  it('same seed → identical output bit for bit, whatever the chunk size', () => {
    const o = { n: 40, seed: 3, bands: ['g', 'r', 'i', 'z'] }
    expect(same(collect(o, 40), collect(o, 7))).toBe(true)
  })

  it('different seed → different output', () => {
    expect(same(collect({ n: 10, seed: 1 }), collect({ n: 10, seed: 2 }))).toBe(false)
  })
})

describe('options', () => {
  it('subtracting the central galaxy leaves only noise at the centre of non-lenses', () => {
    const base = { n: 30, seed: 5, lensFraction: 0, mergerFraction: 0 }
    const inc = collect(base)[0]!.columns.cutout as Float32Array[]
    const sub = collect({ ...base, lensLight: 'subtract' })[0]!.columns.cutout as Float32Array[]
    const centre = (img: Float32Array): number => {
      let s = 0
      for (let y = 30; y < 34; y++) for (let x = 30; x < 34; x++) s += img[(y * 64 + x) * 3 + 1]!
      return s / 16
    }
    const mi = inc.map(centre)
    const ms = sub.map(centre)
    expect(median(mi)).toBeGreaterThan(0.2)
    expect(Math.abs(median(ms))).toBeLessThan(0.05)
  })

  it('honours other bands and sizes', () => {
    const [c] = collect({ n: 2, seed: 1, bands: ['u', 'Y'], size: 48 })
    expect((c!.columns.cutout as Float32Array[])[0]).toHaveLength(48 * 48 * 2)
    expect(c!.columns).toHaveProperty('mag_Y')
    expect(c!.columns).toHaveProperty('truth_seeing_u')
  })

  it.each([
    [{ n: 0, seed: 1 }, /n must be a positive integer, got 0/],
    [{ n: 10, seed: 1, size: -4 }, /size must be an integer between 8 and 512 pixels, got -4/],
    [{ n: 10, seed: 1, size: 32.5 }, /size .* got 32\.5/],
    [{ n: 10, seed: 1, bands: ['g', 'H'] }, /unknown band "H"/],
    [{ n: 10, seed: 1, bands: ['g', 'g'] }, /band "g" given twice/],
    [{ n: 10, seed: 1, bands: [] }, /bands must be a non-empty list/],
    [{ n: 10, seed: 1, lensFraction: 1.5 }, /lensFraction must be in \[0, 1\], got 1\.5/],
    [{ n: 10, seed: 1, lensFraction: 0.8, mergerFraction: 0.5 }, /lensFraction \+ mergerFraction must not exceed 1/],
    [{ n: 10, seed: 1.5 }, /seed must be an integer, got 1\.5/],
    [{ n: 10, seed: 1, patch: { raMin: 10, raMax: 5, decMin: 0, decMax: 1 } }, /patch RA range/],
    [{ n: 10, seed: 1, lensLight: 'hide' as 'include' }, /lensLight must be "include" or "subtract", got hide/],
  ])('rejects bad options %j', (o, msg) => {
    expect(() => validateSimulateOptions(o as SimulateOptions)).toThrow(msg)
    expect(() => simulateSurvey(o as SimulateOptions).next()).toThrow(/^simulate: /)
  })
})

describe('paired FFTs', () => {
  it('an object simulated in a pair equals the same object simulated alone (up to rounding)', async () => {
    const { createSceneContext, simulateObject, simulateObjectPair } = await import('../../src/simulate/scene.js')
    const cfg = { seed: 8, size: 64, bands: ['g', 'r', 'z'], pixelScale: 0.262, lensFraction: 0.25, mergerFraction: 0.3, lensLight: 'include' as const }
    const ctx = createSceneContext(cfg)
    for (const index of [0, 6, 12]) {
      const [a, b] = simulateObjectPair(ctx, index)
      const sa = simulateObject(createSceneContext(cfg), index)
      const sb = simulateObject(createSceneContext(cfg), index + 1)
      for (const [p, s] of [[a, sa], [b, sb]] as const) {
        expect(p.truth.cls).toBe(s.truth.cls)
        expect(p.truth.z).toBe(s.truth.z)
        let maxDiff = 0
        for (let i = 0; i < p.cutout.length; i++) {
          const d = Math.abs(p.cutout[i]! - s.cutout[i]!)
          if (!Number.isNaN(d)) maxDiff = Math.max(maxDiff, d)
        }
        expect(maxDiff).toBeLessThan(1e-5)
      }
    }
  })
})

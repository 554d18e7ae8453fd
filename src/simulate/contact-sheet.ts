/**
 * Contact sheet: a labelled grid of colour-composite cutouts per class, to eyeball realism.
 */
import { drawText, GLYPH_HEIGHT } from './font.js'
import { BANDS } from './observe.js'
import { validateSimulateOptions, type SimulateOptions } from './options.js'
import { encodePng } from '../cutouts/png.js'
import { createSceneContext, simulateObject, type ObjectClass, type SimObject } from './scene.js'

/** Options of {@link renderContactSheet}: simulation options (n is ignored) plus layout. */
export type ContactSheetOptions = Omit<SimulateOptions, 'n'> & {
  readonly n?: number
  /** Cutouts per class row, default 6. */
  readonly perClass?: number
  /** Integer zoom of each cutout, default 2. */
  readonly scale?: number
}

/** asinh colour scales per band in the style of the Legacy Surveys viewer (Lupton et al. 2004). */
const RGB_SCALE: Record<string, number> = { u: 8, g: 6, r: 3.4, i: 2.8, z: 2.2, Y: 2 }

/**
 * Converts one HWC cutout to 8-bit RGB with a Lupton et al. (2004) asinh stretch: bluest band →
 * blue, reddest → red, middle → green (one band: grey). Masked (NaN) pixels are black.
 */
export function cutoutToRgb(cutout: Float32Array, size: number, bands: readonly string[]): Uint8Array {
  const nb = bands.length
  const order = bands.map((b, i) => ({ i, lam: BANDS[b]?.lambda ?? 0, s: RGB_SCALE[b] ?? 3 })).sort((a, b) => a.lam - b.lam)
  const blue = order[0] as (typeof order)[number]
  const red = order[order.length - 1] as (typeof order)[number]
  const green = order[Math.floor((order.length - 1) / 2 + 0.5)] as (typeof order)[number]
  const chans = nb === 1 ? [blue, blue, blue] : nb === 2 ? [red, null, blue] : [red, green, blue]
  const Q = 20
  const alpha = 1.5
  const m = 0.03
  const out = new Uint8Array(size * size * 3)
  for (let p = 0; p < size * size; p++) {
    const v: number[] = [0, 0, 0]
    let I = 0
    let bad = false
    for (let c = 0; c < 3; c++) {
      const ch = chans[c]
      let x: number
      if (ch) {
        const raw = cutout[p * nb + ch.i] as number
        if (Number.isNaN(raw)) bad = true
        x = Math.max(0, raw * ch.s + m)
      } else {
        const a = chans[0] as (typeof order)[number]
        const b = chans[2] as (typeof order)[number]
        x = Math.max(0, 0.5 * ((cutout[p * nb + a.i] as number) * a.s + (cutout[p * nb + b.i] as number) * b.s) + m)
      }
      v[c] = x
      I += x
    }
    I /= 3
    if (bad || !(I > 0)) continue
    const f = Math.asinh(alpha * Q * I) / Math.sqrt(Q) / I
    for (let c = 0; c < 3; c++) out[p * 3 + c] = Math.round(255 * Math.min(1, Math.max(0, (v[c] as number) * f)))
  }
  return out
}

interface Row {
  readonly title: string
  readonly cls: ObjectClass
  readonly morph?: 'early' | 'late'
}

const ROWS: readonly Row[] = [
  { title: 'early-type galaxies', cls: 'galaxy', morph: 'early' },
  { title: 'late-type galaxies', cls: 'galaxy', morph: 'late' },
  { title: 'strong lenses', cls: 'lens' },
  { title: 'pre-mergers (close pairs)', cls: 'pre-merger' },
  { title: 'ongoing mergers', cls: 'ongoing' },
  { title: 'post-mergers', cls: 'post-merger' },
]

function caption(o: SimObject): string {
  const t = o.truth
  const z = `z=${t.z.toFixed(2)}`
  if (t.cls === 'lens') return `${z} te=${t.einsteinRadius.toFixed(1)}`
  if (t.cls === 'pre-merger' || t.cls === 'ongoing') return `${z} d=${t.companionSep.toFixed(1)}`
  return `${z} n=${t.sersicN.toFixed(1)}`
}

/**
 * Renders a PNG contact sheet: one labelled row per class (early- and late-type galaxies,
 * lenses, pre-, ongoing and post-mergers), `perClass` cutouts each (default 6) at integer zoom
 * `scale` (default 2), asinh RGB composites with captions (z, Einstein radius, separation or
 * Sérsic n). Deterministic in the seed. Option errors reject the promise (RangeError).
 */
export async function renderContactSheet(o: ContactSheetOptions): Promise<Uint8Array> {
  const r = validateSimulateOptions({ ...o, n: o.n ?? 1 })
  const perClass = o.perClass ?? 6
  const zoom = o.scale ?? 2
  if (!Number.isInteger(perClass) || perClass < 1 || perClass > 64) throw new RangeError(`simulate: perClass must be an integer in 1–64, got ${perClass}`)
  if (!Number.isInteger(zoom) || zoom < 1 || zoom > 8) throw new RangeError(`simulate: scale must be an integer in 1–8, got ${zoom}`)
  const ctx = createSceneContext({ ...r })
  const tile = r.size * zoom
  const gap = 4
  const head = GLYPH_HEIGHT + 6
  const cap = GLYPH_HEIGHT + 4
  const top = GLYPH_HEIGHT + 8
  const rowH = head + tile + cap
  const w = gap + perClass * (tile + gap)
  const h = top + ROWS.length * rowH + gap
  const buf = new Uint8Array(w * h * 3).fill(24)
  drawText(buf, w, h, gap, 4, `simulated ${r.bands.join('')} ${r.size}px ${r.pixelScale}"/px seed ${r.seed}`, [230, 230, 230])
  let index = 0
  ROWS.forEach((row, ri) => {
    const y0 = top + ri * rowH
    drawText(buf, w, h, gap, y0 + 2, row.title, [255, 210, 120])
    let got = 0
    for (let tries = 0; got < perClass && tries < perClass * 20; tries++) {
      const obj = simulateObject(ctx, index++, row.cls)
      if (row.morph && obj.truth.morphology !== row.morph) continue
      const rgb = cutoutToRgb(obj.cutout, r.size, r.bands)
      const x0 = gap + got * (tile + gap)
      for (let y = 0; y < tile; y++) {
        for (let x = 0; x < tile; x++) {
          const s = ((Math.floor(y / zoom) * r.size + Math.floor(x / zoom)) * 3) as number
          const d = ((y0 + head + y) * w + x0 + x) * 3
          buf[d] = rgb[s] as number
          buf[d + 1] = rgb[s + 1] as number
          buf[d + 2] = rgb[s + 2] as number
        }
      }
      drawText(buf, w, h, x0, y0 + head + tile + 2, caption(obj), [200, 200, 200])
      got++
    }
  })
  return encodePng({ width: w, height: h, channels: 3, data: buf })
}

/**
 * Small SVG plots of a run's results, built with the DOM (no inline styles,
 * so they work under a strict CSP): class fractions, a probability
 * histogram, the redshift distribution and uncertainty vs magnitude.
 */
import type { DisplayColumn } from './protocol.js'
import type { ResultStore } from './results.js'

const SVG = 'http://www.w3.org/2000/svg'
const W = 280
const H = 170
const M = { left: 38, right: 8, top: 22, bottom: 26 }

function svgEl<K extends keyof SVGElementTagNameMap>(doc: Document, tag: K, attrs: Record<string, string | number>): SVGElementTagNameMap[K] {
  const e = doc.createElementNS(SVG, tag)
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v))
  return e
}

function frame(doc: Document, title: string, kind: string): SVGSVGElement {
  const svg = svgEl(doc, 'svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', class: `plot ${kind}`, 'aria-label': title })
  const t = svgEl(doc, 'text', { x: W / 2, y: 14, 'text-anchor': 'middle', class: 'title' })
  t.textContent = title
  svg.append(t)
  return svg
}

function axes(doc: Document, svg: SVGSVGElement, xLabel: string, x0: number, x1: number, yMax: number): void {
  svg.append(svgEl(doc, 'line', { x1: M.left, y1: H - M.bottom, x2: W - M.right, y2: H - M.bottom, class: 'axis' }))
  svg.append(svgEl(doc, 'line', { x1: M.left, y1: M.top, x2: M.left, y2: H - M.bottom, class: 'axis' }))
  const label = (x: number, y: number, text: string, anchor: string): void => {
    const e = svgEl(doc, 'text', { x, y, 'text-anchor': anchor, class: 'tick' })
    e.textContent = text
    svg.append(e)
  }
  label(M.left, H - M.bottom + 12, fmt(x0), 'start')
  label(W - M.right, H - M.bottom + 12, fmt(x1), 'end')
  label((M.left + W - M.right) / 2, H - 3, xLabel, 'middle')
  label(M.left - 3, M.top + 8, fmt(yMax), 'end')
  label(M.left - 3, H - M.bottom, '0', 'end')
}

function fmt(v: number): string {
  if (!Number.isFinite(v)) return '—'
  const a = Math.abs(v)
  return a !== 0 && (a < 1e-2 || a >= 1e4) ? v.toExponential(1) : String(Number(v.toPrecision(3)))
}

/** Finite values of a numeric column. */
function finite(store: ResultStore, name: string): Float64Array {
  const values = store.numberColumn(name) ?? new Float64Array(0)
  return values.filter((v) => Number.isFinite(v))
}

/** Horizontal bars of the fraction of rows per value of a string column. */
export function classFractionPlot(doc: Document, store: ResultStore, column: DisplayColumn): SVGSVGElement {
  const counts = store.counts(column.name).slice(0, 8)
  const total = counts.reduce((n, [, c]) => n + c, 0)
  const svg = frame(doc, `class fractions (${column.name})`, 'fractions')
  const barH = Math.min(18, (H - M.top - 8) / Math.max(1, counts.length) - 4)
  counts.forEach(([value, count], i) => {
    const y = M.top + 4 + i * (barH + 4)
    const frac = total > 0 ? count / total : 0
    const left = 90
    svg.append(svgEl(doc, 'rect', { x: left, y, width: Math.max(1, frac * (W - left - 50)), height: barH, class: 'bar' }))
    const name = svgEl(doc, 'text', { x: left - 4, y: y + barH * 0.75, 'text-anchor': 'end', class: 'tick' })
    name.textContent = value.length > 14 ? `${value.slice(0, 13)}…` : value
    const pct = svgEl(doc, 'text', { x: left + 4 + frac * (W - left - 50), y: y + barH * 0.75, class: 'tick' })
    pct.textContent = `${(100 * frac).toFixed(1)}%`
    svg.append(name, pct)
  })
  return svg
}

/** A histogram of a numeric column over [lo, hi] (the data range when not given). */
export function histogramPlot(doc: Document, store: ResultStore, column: DisplayColumn, range?: [number, number], bins = 20): SVGSVGElement {
  const values = finite(store, column.name)
  let lo = range?.[0] ?? Infinity
  let hi = range?.[1] ?? -Infinity
  if (!range) for (const v of values) { if (v < lo) lo = v; if (v > hi) hi = v }
  if (!(hi > lo)) { lo = Number.isFinite(lo) ? lo - 0.5 : 0; hi = lo + 1 }
  const counts = new Array<number>(bins).fill(0)
  for (const v of values) counts[Math.min(bins - 1, Math.max(0, Math.floor(((v - lo) / (hi - lo)) * bins)))]!++
  const max = Math.max(1, ...counts)
  const svg = frame(doc, `${column.name} (${values.length.toLocaleString('en')} rows)`, 'histogram')
  const bw = (W - M.left - M.right) / bins
  counts.forEach((c, i) => {
    const h = (c / max) * (H - M.top - M.bottom)
    svg.append(svgEl(doc, 'rect', { x: M.left + i * bw + 0.5, y: H - M.bottom - h, width: Math.max(0.5, bw - 1), height: h, class: 'bar' }))
  })
  axes(doc, svg, column.unit ? `${column.name} [${column.unit}]` : column.name, lo, hi, max)
  return svg
}

/** A scatter of y against x (at most `maxPoints`, evenly subsampled). */
export function scatterPlot(doc: Document, store: ResultStore, x: DisplayColumn, y: DisplayColumn, maxPoints = 2000): SVGSVGElement {
  const xs = store.numberColumn(x.name) ?? new Float64Array(0)
  const ys = store.numberColumn(y.name) ?? new Float64Array(0)
  const idx: number[] = []
  for (let i = 0; i < Math.min(xs.length, ys.length); i++) if (Number.isFinite(xs[i]!) && Number.isFinite(ys[i]!)) idx.push(i)
  const step = Math.max(1, Math.ceil(idx.length / maxPoints))
  let x0 = Infinity, x1 = -Infinity, y1 = 0
  for (const i of idx) { x0 = Math.min(x0, xs[i]!); x1 = Math.max(x1, xs[i]!); y1 = Math.max(y1, ys[i]!) }
  if (!(x1 > x0)) { x0 = Number.isFinite(x0) ? x0 - 0.5 : 0; x1 = x0 + 1 }
  if (!(y1 > 0)) y1 = 1
  const svg = frame(doc, `${y.name} vs ${x.name}`, 'scatter')
  for (let k = 0; k < idx.length; k += step) {
    const i = idx[k]!
    const px = M.left + ((xs[i]! - x0) / (x1 - x0)) * (W - M.left - M.right)
    const py = H - M.bottom - (Math.max(0, ys[i]!) / y1) * (H - M.top - M.bottom)
    svg.append(svgEl(doc, 'circle', { cx: px.toFixed(1), cy: py.toFixed(1), r: 1.6, class: 'dot' }))
  }
  axes(doc, svg, x.unit ? `${x.name} [${x.unit}]` : x.name, x0, x1, y1)
  return svg
}

/** The plots that the run's columns allow, in a fixed order. */
export function resultPlots(doc: Document, store: ResultStore): SVGSVGElement[] {
  const by = (role: DisplayColumn['role']): DisplayColumn | undefined => store.columns.find((c) => c.role === role)
  const plots: SVGSVGElement[] = []
  const label = by('label') ?? by('status')
  if (label) plots.push(classFractionPlot(doc, store, label))
  const p = by('probability')
  if (p) plots.push(histogramPlot(doc, store, p, [0, 1]))
  const z = by('redshift')
  if (z) plots.push(histogramPlot(doc, store, z))
  const mag = by('magnitude')
  // predictive entropy is informative with one pass too (a std over one pass is 0)
  const unc = store.columns.find((c) => c.role === 'uncertainty' && c.name.endsWith('_entropy')) ?? by('uncertainty')
  if (mag && unc) plots.push(scatterPlot(doc, store, mag, unc))
  const value = !p ? store.columns.find((c) => c.role === 'value' && c.kind === 'number') : undefined
  if (value) plots.push(histogramPlot(doc, store, value))
  return plots
}

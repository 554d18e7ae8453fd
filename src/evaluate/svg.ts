/**
 * Small SVG plotting helpers for reports: scales, nice ticks, axes, scatter, lines, bands,
 * histograms and heatmaps. DOM-free: every helper returns an SVG markup string, and every piece
 * of text that reaches the markup is escaped, so labels from catalogs cannot inject markup.
 *
 * A plot is a {@link PlotFrame} (size, margins, x/y scales) plus fragments drawn into it,
 * wrapped by {@link svgPlot}:
 *
 * @example
 * const f = plotFrame({ xDomain: [0, 1], yDomain: [0, 1] })
 * const svg = svgPlot(f, axes(f, { xLabel: 'FPR', yLabel: 'TPR' }) + linePath(f, fpr, tpr), { title: 'ROC' })
 * @module
 */

/** Escape text for SVG/HTML element content and attribute values. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&quot;' : '&#39;'))
}

/** A linear map from a data domain to a pixel range. */
export interface LinearScale {
  (value: number): number
  readonly domain: readonly [number, number]
  readonly range: readonly [number, number]
}

/**
 * A linear scale; a zero-width domain is widened by ±0.5 (or ±1% of its value) so that
 * constant data still plots.
 *
 * Example: `linearScale([0, 1], [40, 340])(0.5)` → 190.
 */
export function linearScale(domain: readonly [number, number], range: readonly [number, number]): LinearScale {
  let [d0, d1] = domain
  if (!(Number.isFinite(d0) && Number.isFinite(d1))) [d0, d1] = [0, 1]
  if (d1 === d0) {
    const pad = d0 === 0 ? 0.5 : Math.abs(d0) * 0.01
    d0 -= pad
    d1 += pad
  }
  const [r0, r1] = range
  const k = (r1 - r0) / (d1 - d0)
  const scale = ((v: number) => r0 + (v - d0) * k) as LinearScale
  Object.defineProperty(scale, 'domain', { value: [d0, d1] as const })
  Object.defineProperty(scale, 'range', { value: [r0, r1] as const })
  return scale
}

/**
 * About `count` round tick values covering [min, max] (steps 1, 2 or 5 × 10^k).
 *
 * Example: `niceTicks(0, 1, 5)` → [0, 0.2, 0.4, 0.6, 0.8, 1]. Empty for a non-finite range.
 */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!(Number.isFinite(min) && Number.isFinite(max))) return []
  if (max < min) [min, max] = [max, min]
  if (max === min) return [min]
  const raw = (max - min) / Math.max(1, count)
  const mag = 10 ** Math.floor(Math.log10(raw))
  const f = raw / mag
  // d3's thresholds: √50, √10, √2
  const step = (f >= 7.0710678 ? 10 : f >= 3.1622777 ? 5 : f >= 1.4142136 ? 2 : 1) * mag
  const first = Math.ceil(min / step - 1e-9)
  const last = Math.floor(max / step + 1e-9)
  const out: number[] = []
  for (let i = first; i <= last; i++) out.push(Number((i * step).toPrecision(12)))
  return out
}

/**
 * A domain from the finite values of `values`, padded by `pad` of its width on each side.
 *
 * Example: `extent([1, 3, NaN])` → [1, 3]; `[0, 1]` when no value is finite.
 */
export function extent(values: ArrayLike<number>, pad = 0): [number, number] {
  let lo = Infinity
  let hi = -Infinity
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!
    if (!Number.isFinite(v)) continue
    if (v < lo) lo = v
    if (v > hi) hi = v
  }
  if (lo > hi) return [0, 1]
  const w = (hi - lo) * pad
  return [lo - w, hi + w]
}

/**
 * Short number text for ticks and tables: up to `digits` significant digits, no trailing
 * zeros; '—' for null or NaN.
 *
 * Example: `formatNumber(0.123456)` → '0.1235'; `formatNumber(null)` → '—'.
 */
export function formatNumber(value: number | null | undefined, digits = 4): string {
  if (value === null || value === undefined || Number.isNaN(value)) return '—'
  if (!Number.isFinite(value)) return value > 0 ? '∞' : '−∞'
  if (value === 0) return '0'
  const abs = Math.abs(value)
  const text = abs >= 1e5 || abs < 1e-4 ? value.toExponential(Math.max(0, digits - 1)) : String(Number(value.toPrecision(digits)))
  return text.replaceAll('-', '−')
}

/** Pixel margins around the plotting area. */
export interface Margins {
  readonly top: number
  readonly right: number
  readonly bottom: number
  readonly left: number
}

/** A plot's geometry: overall size, margins and the data → pixel scales. */
export interface PlotFrame {
  readonly width: number
  readonly height: number
  readonly margin: Margins
  readonly x: LinearScale
  readonly y: LinearScale
}

/** Options of {@link plotFrame}. */
export interface PlotFrameOptions {
  readonly xDomain: readonly [number, number]
  readonly yDomain: readonly [number, number]
  /** Default 360. */
  readonly width?: number
  /** Default 300. */
  readonly height?: number
  /** Default { top: 28, right: 16, bottom: 44, left: 56 }. */
  readonly margin?: Partial<Margins>
}

/**
 * Plot geometry: width × height pixels (default 360 × 300), y growing upwards.
 *
 * Example: `plotFrame({ xDomain: [0, 1], yDomain: [0, 1] })`.
 */
export function plotFrame(options: PlotFrameOptions): PlotFrame {
  const width = options.width ?? 360
  const height = options.height ?? 300
  const margin: Margins = { top: 28, right: 16, bottom: 44, left: 56, ...options.margin }
  return {
    width,
    height,
    margin,
    x: linearScale(options.xDomain, [margin.left, width - margin.right]),
    y: linearScale(options.yDomain, [height - margin.bottom, margin.top]),
  }
}

const px = (v: number): string => (Math.round(v * 100) / 100).toString()

/** Options of {@link axes}. */
export interface AxesOptions {
  readonly xLabel?: string
  readonly yLabel?: string
  /** Tick values; default {@link niceTicks} of each domain. */
  readonly xTicks?: readonly number[]
  readonly yTicks?: readonly number[]
  /** Light grid lines at the ticks (default true). */
  readonly grid?: boolean
  /** Labels of categorical x ticks (replaces the numbers). */
  readonly xTickLabels?: readonly string[]
}

/**
 * Axes box with ticks, tick labels, optional grid and axis titles.
 *
 * Example: `axes(frame, { xLabel: 'z_spec', yLabel: 'z_phot' })`.
 */
export function axes(frame: PlotFrame, options: AxesOptions = {}): string {
  const { x, y, margin, width, height } = frame
  const x0 = margin.left
  const x1 = width - margin.right
  const y0 = height - margin.bottom
  const y1 = margin.top
  const xTicks = (options.xTicks ?? niceTicks(x.domain[0], x.domain[1], 5)).filter((t) => t >= x.domain[0] - 1e-12 && t <= x.domain[1] + 1e-12)
  const yTicks = (options.yTicks ?? niceTicks(y.domain[0], y.domain[1], 5)).filter((t) => t >= y.domain[0] - 1e-12 && t <= y.domain[1] + 1e-12)
  const grid = options.grid ?? true
  const parts: string[] = ['<g class="axes" font-size="11" fill="#333">']
  xTicks.forEach((t, i) => {
    const X = px(x(t))
    if (grid) parts.push(`<line x1="${X}" x2="${X}" y1="${px(y1)}" y2="${px(y0)}" stroke="#e6e6e6"/>`)
    parts.push(`<line x1="${X}" x2="${X}" y1="${px(y0)}" y2="${px(y0 + 4)}" stroke="#333"/>`)
    const label = options.xTickLabels?.[i] ?? formatNumber(t, 4)
    parts.push(`<text x="${X}" y="${px(y0 + 16)}" text-anchor="middle">${escapeXml(label)}</text>`)
  })
  for (const t of yTicks) {
    const Y = px(y(t))
    if (grid) parts.push(`<line x1="${px(x0)}" x2="${px(x1)}" y1="${Y}" y2="${Y}" stroke="#e6e6e6"/>`)
    parts.push(`<line x1="${px(x0 - 4)}" x2="${px(x0)}" y1="${Y}" y2="${Y}" stroke="#333"/>`)
    parts.push(`<text x="${px(x0 - 6)}" y="${Y}" dy="0.32em" text-anchor="end">${escapeXml(formatNumber(t, 4))}</text>`)
  }
  parts.push(`<rect x="${px(x0)}" y="${px(y1)}" width="${px(x1 - x0)}" height="${px(y0 - y1)}" fill="none" stroke="#333"/>`)
  if (options.xLabel) parts.push(`<text x="${px((x0 + x1) / 2)}" y="${px(height - 8)}" text-anchor="middle" font-size="12">${escapeXml(options.xLabel)}</text>`)
  if (options.yLabel) {
    const cy = (y0 + y1) / 2
    parts.push(`<text transform="translate(14 ${px(cy)}) rotate(-90)" text-anchor="middle" font-size="12">${escapeXml(options.yLabel)}</text>`)
  }
  parts.push('</g>')
  return parts.join('')
}

/** Stroke options for lines. */
export interface StrokeOptions {
  readonly stroke?: string
  readonly strokeWidth?: number
  /** SVG dash array, e.g. "4 3". */
  readonly dash?: string
  readonly opacity?: number
  /** Text for a `<title>` tooltip. */
  readonly title?: string
}

function colour(value: string | undefined, fallback: string): string {
  // colours come from code, but keep them attribute-safe anyway
  return escapeXml(value ?? fallback)
}

function strokeAttrs(o: StrokeOptions, fallback = '#1f77b4'): string {
  return `fill="none" stroke="${colour(o.stroke, fallback)}" stroke-width="${o.strokeWidth ?? 1.5}"${o.dash ? ` stroke-dasharray="${escapeXml(o.dash)}"` : ''}${o.opacity !== undefined ? ` stroke-opacity="${o.opacity}"` : ''}`
}

function titled(element: string, close: string, title: string | undefined): string {
  return title ? `${element}><title>${escapeXml(title)}</title>${close}` : `${element}/>`
}

/**
 * A polyline through (xs[i], ys[i]); non-finite points break the line into pieces.
 *
 * Example: `linePath(frame, [0, 1], [0, 1], { dash: '4 3', stroke: '#888' })`.
 */
export function linePath(frame: PlotFrame, xs: ArrayLike<number>, ys: ArrayLike<number>, options: StrokeOptions = {}): string {
  const n = Math.min(xs.length, ys.length)
  let d = ''
  let pen = false
  for (let i = 0; i < n; i++) {
    const a = xs[i]!
    const b = ys[i]!
    if (!(Number.isFinite(a) && Number.isFinite(b))) {
      pen = false
      continue
    }
    d += `${pen ? 'L' : 'M'}${px(frame.x(a))} ${px(frame.y(b))}`
    pen = true
  }
  if (d === '') return ''
  return titled(`<path d="${d}" ${strokeAttrs(options)}`, '</path>', options.title)
}

/**
 * A straight segment in data coordinates, clipped to nothing (draw inside the frame's domain).
 *
 * Example: `segment(frame, 0, 0, 1, 1, { dash: '4 3' })` (the diagonal).
 */
export function segment(frame: PlotFrame, x1: number, y1: number, x2: number, y2: number, options: StrokeOptions = {}): string {
  return linePath(frame, [x1, x2], [y1, y2], options)
}

/** Fill options for markers, bars and bands. */
export interface FillOptions {
  readonly fill?: string
  readonly opacity?: number
  readonly stroke?: string
  readonly title?: string
}

/**
 * A band between lower and upper curves over xs (e.g. a 16–84 % range); points where any value
 * is not finite are left out.
 *
 * Example: `band(frame, xMid, yP16, yP84, { fill: '#1f77b4', opacity: 0.2 })`.
 */
export function band(frame: PlotFrame, xs: ArrayLike<number>, lower: ArrayLike<number>, upper: ArrayLike<number>, options: FillOptions = {}): string {
  const top: string[] = []
  const bottom: string[] = []
  for (let i = 0; i < xs.length; i++) {
    const a = xs[i]!
    const lo = lower[i]!
    const hi = upper[i]!
    if (!(Number.isFinite(a) && Number.isFinite(lo) && Number.isFinite(hi))) continue
    top.push(`${px(frame.x(a))},${px(frame.y(hi))}`)
    bottom.push(`${px(frame.x(a))},${px(frame.y(lo))}`)
  }
  if (top.length < 2) return ''
  const points = [...top, ...bottom.reverse()].join(' ')
  return titled(`<polygon points="${points}" fill="${colour(options.fill, '#1f77b4')}" fill-opacity="${options.opacity ?? 0.2}" stroke="none"`, '</polygon>', options.title)
}

/** Options of {@link scatterPoints}. */
export interface ScatterOptions extends FillOptions {
  /** Marker radius in pixels (default 1.6). */
  readonly radius?: number
}

/**
 * Circles at (xs[i], ys[i]); non-finite points are skipped. Keep the point count to a few
 * thousand (thin first) so reports stay small.
 *
 * Example: `scatterPoints(frame, zSpec, zPhot, { radius: 1.5, opacity: 0.5 })`.
 */
export function scatterPoints(frame: PlotFrame, xs: ArrayLike<number>, ys: ArrayLike<number>, options: ScatterOptions = {}): string {
  const r = options.radius ?? 1.6
  const n = Math.min(xs.length, ys.length)
  const parts: string[] = [`<g fill="${colour(options.fill, '#1f77b4')}" fill-opacity="${options.opacity ?? 0.6}"${options.stroke ? ` stroke="${colour(options.stroke, '#000')}"` : ''}>`]
  if (options.title) parts.push(`<title>${escapeXml(options.title)}</title>`)
  for (let i = 0; i < n; i++) {
    const a = xs[i]!
    const b = ys[i]!
    if (!(Number.isFinite(a) && Number.isFinite(b))) continue
    parts.push(`<circle cx="${px(frame.x(a))}" cy="${px(frame.y(b))}" r="${r}"/>`)
  }
  parts.push('</g>')
  return parts.join('')
}

/**
 * Bars of a histogram: bar b spans [edges[b], edges[b+1]] from 0 (or the y domain's bottom) to
 * heights[b]. Non-finite heights are skipped.
 *
 * Example: `histogramBars(frame, pit.edges, pit.density, { fill: '#9ecae1' })`.
 */
export function histogramBars(frame: PlotFrame, edges: ArrayLike<number>, heights: ArrayLike<number>, options: FillOptions = {}): string {
  const base = Math.max(frame.y.domain[0], Math.min(0, frame.y.domain[1]))
  const parts: string[] = [`<g fill="${colour(options.fill, '#9ecae1')}" fill-opacity="${options.opacity ?? 1}" stroke="${colour(options.stroke, '#3182bd')}" stroke-width="0.6">`]
  if (options.title) parts.push(`<title>${escapeXml(options.title)}</title>`)
  for (let b = 0; b < heights.length && b + 1 < edges.length; b++) {
    const h = heights[b]!
    if (!Number.isFinite(h)) continue
    const xa = frame.x(edges[b]!)
    const xb = frame.x(edges[b + 1]!)
    const ya = frame.y(Math.max(h, base))
    const yb = frame.y(base)
    parts.push(`<rect x="${px(Math.min(xa, xb))}" y="${px(Math.min(ya, yb))}" width="${px(Math.abs(xb - xa))}" height="${px(Math.abs(yb - ya))}"/>`)
  }
  parts.push('</g>')
  return parts.join('')
}

/** Options of {@link textAt}. */
export interface TextOptions {
  readonly anchor?: 'start' | 'middle' | 'end'
  readonly size?: number
  readonly fill?: string
  readonly weight?: 'normal' | 'bold'
  /** Offsets in pixels. */
  readonly dx?: number
  readonly dy?: number
}

/**
 * Text at a data coordinate (escaped).
 *
 * Example: `textAt(frame, 0.02, 0.9, 'TPR0 = 0.41', { anchor: 'start' })`.
 */
export function textAt(frame: PlotFrame, x: number, y: number, text: string, options: TextOptions = {}): string {
  return textPx(frame.x(x) + (options.dx ?? 0), frame.y(y) + (options.dy ?? 0), text, options)
}

/**
 * Text at a pixel coordinate (escaped).
 *
 * Example: `textPx(10, 16, 'ROC curve', { weight: 'bold' })`.
 */
export function textPx(x: number, y: number, text: string, options: TextOptions = {}): string {
  return `<text x="${px(x)}" y="${px(y)}" text-anchor="${options.anchor ?? 'start'}" font-size="${options.size ?? 11}"${options.fill ? ` fill="${colour(options.fill, '#000')}"` : ''}${options.weight === 'bold' ? ' font-weight="bold"' : ''}>${escapeXml(text)}</text>`
}

/**
 * A circle marker at a data coordinate, with an optional tooltip.
 *
 * Example: `marker(frame, 0, tpr0, { fill: '#d62728', radius: 4, title: 'TPR0' })`.
 */
export function marker(frame: PlotFrame, x: number, y: number, options: ScatterOptions = {}): string {
  if (!(Number.isFinite(x) && Number.isFinite(y))) return ''
  return titled(
    `<circle cx="${px(frame.x(x))}" cy="${px(frame.y(y))}" r="${options.radius ?? 4}" fill="${colour(options.fill, '#d62728')}"${options.stroke ? ` stroke="${colour(options.stroke, '#000')}"` : ''}`,
    '</circle>',
    options.title,
  )
}

/** One entry of a {@link legend}. */
export interface LegendEntry {
  readonly label: string
  readonly colour: string
  readonly kind?: 'line' | 'dash' | 'box' | 'dot'
}

/**
 * A legend box at pixel (x, y) (top-left), one row per entry.
 *
 * Example: `legend(frame.margin.left + 8, frame.margin.top + 8, [{ label: 'median', colour: '#1f77b4' }])`.
 */
export function legend(x: number, y: number, entries: readonly LegendEntry[]): string {
  const parts: string[] = ['<g class="legend" font-size="11">']
  entries.forEach((e, i) => {
    const Y = y + i * 15
    const c = colour(e.colour, '#000')
    const kind = e.kind ?? 'line'
    if (kind === 'box') parts.push(`<rect x="${px(x)}" y="${px(Y - 5)}" width="14" height="10" fill="${c}" fill-opacity="0.5" stroke="${c}"/>`)
    else if (kind === 'dot') parts.push(`<circle cx="${px(x + 7)}" cy="${px(Y)}" r="3.5" fill="${c}"/>`)
    else parts.push(`<line x1="${px(x)}" x2="${px(x + 14)}" y1="${px(Y)}" y2="${px(Y)}" stroke="${c}" stroke-width="2"${kind === 'dash' ? ' stroke-dasharray="4 3"' : ''}/>`)
    parts.push(`<text x="${px(x + 19)}" y="${px(Y)}" dy="0.32em">${escapeXml(e.label)}</text>`)
  })
  parts.push('</g>')
  return parts.join('')
}

/** Options of {@link svgPlot}. */
export interface SvgPlotOptions {
  /** Heading drawn above the plot and used as the accessible name. */
  readonly title?: string
  /** Add the SVG namespace, for a standalone .svg file (inline HTML does not need it). */
  readonly standalone?: boolean
  /** CSS class of the root element. */
  readonly className?: string
}

/**
 * Wrap drawn fragments into one `<svg>` element with a title (escaped) and a clip path for the
 * plotting area. `clipped` content is clipped to the area; `body` is drawn unclipped on top.
 *
 * Example: `svgPlot(frame, axes(frame) + linePath(frame, x, y), { title: 'ROC' })`.
 */
export function svgPlot(frame: PlotFrame, body: string, options: SvgPlotOptions = {}, clipped = ''): string {
  const { width, height, margin } = frame
  const id = `clip-${hashText(`${width}x${height}:${options.title ?? ''}:${clipped.length}:${body.length}:${clipped.slice(0, 200)}`)}`
  const title = options.title ? `<title>${escapeXml(options.title)}</title>` : ''
  const heading = options.title ? textPx(margin.left, 16, options.title, { weight: 'bold', size: 12 }) : ''
  const ns = options.standalone ? ' xmlns="http://www.w3.org/2000/svg"' : ''
  const clip = clipped
    ? `<defs><clipPath id="${id}"><rect x="${px(margin.left)}" y="${px(margin.top)}" width="${px(width - margin.left - margin.right)}" height="${px(height - margin.top - margin.bottom)}"/></clipPath></defs><g clip-path="url(#${id})">${clipped}</g>`
    : ''
  return `<svg${ns} class="${escapeXml(options.className ?? 'plot')}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" font-family="system-ui, sans-serif">${title}${heading}${clip}${body}</svg>`
}

/** FNV-1a hash as base-36 text: deterministic element ids for the same plot. */
function hashText(text: string): string {
  let h = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i)
    h = Math.imul(h, 0x01000193) >>> 0
  }
  return h.toString(36)
}

/** Options of {@link heatmap}. */
export interface HeatmapOptions {
  /** Row (y) category labels, top to bottom. */
  readonly rowLabels: readonly string[]
  /** Column (x) category labels, left to right. */
  readonly columnLabels: readonly string[]
  /** values[r][c]; the colour follows `shade[r][c]` when given, else values scaled to their maximum. */
  readonly values: readonly (readonly number[])[]
  /** Colour intensity in [0, 1] per cell (e.g. row-normalised fractions). */
  readonly shade?: readonly (readonly number[])[]
  /** Text in each cell; default the value. */
  readonly cellText?: (r: number, c: number) => string
  readonly xLabel?: string
  readonly yLabel?: string
  readonly title?: string
  /** Cell size in pixels (default 64). */
  readonly cellSize?: number
  readonly standalone?: boolean
}

/**
 * A labelled heatmap (e.g. a confusion matrix: rows = true class, columns = predicted), a
 * complete `<svg>` element; labels and cell text are escaped.
 *
 * Example: `heatmap({ rowLabels: labels, columnLabels: labels, values: matrix, title: 'confusion' })`.
 */
export function heatmap(options: HeatmapOptions): string {
  const R = options.rowLabels.length
  const C = options.columnLabels.length
  // wide enough for the longest column label (≈6.5 px per character at 11 px)
  const longestColumn = Math.max(0, ...options.columnLabels.map((l) => l.length))
  const cell = Math.max(options.cellSize ?? 64, Math.ceil(longestColumn * 6.5 + 10))
  const longest = Math.max(0, ...options.rowLabels.map((l) => l.length))
  const left = Math.min(160, 30 + longest * 6.5)
  const top = 34
  const bottom = 58
  const titleWidth = options.title ? 16 + options.title.length * 7 : 0
  const width = Math.max(left + C * cell + 12, titleWidth)
  const height = top + R * cell + bottom
  let max = 0
  for (const row of options.values) for (const v of row) if (Number.isFinite(v) && v > max) max = v
  const parts: string[] = []
  for (let r = 0; r < R; r++) {
    for (let c = 0; c < C; c++) {
      const v = options.values[r]?.[c] ?? NaN
      const s = options.shade?.[r]?.[c] ?? (max > 0 ? v / max : 0)
      const t = Number.isFinite(s) ? Math.max(0, Math.min(1, s)) : 0
      // white → dark blue
      const rgb = [Math.round(255 - t * (255 - 8)), Math.round(255 - t * (255 - 69)), Math.round(255 - t * (255 - 148))]
      const x = left + c * cell
      const y = top + r * cell
      parts.push(`<rect x="${x}" y="${y}" width="${cell}" height="${cell}" fill="rgb(${rgb.join(',')})" stroke="#fff"/>`)
      const text = options.cellText ? options.cellText(r, c) : formatNumber(v)
      const lines = text.split('\n')
      lines.forEach((line, i) => {
        const dy = (i - (lines.length - 1) / 2) * 13
        parts.push(textPx(x + cell / 2, y + cell / 2 + dy + 4, line, { anchor: 'middle', size: 11, fill: t > 0.55 ? '#fff' : '#111' }))
      })
    }
    parts.push(textPx(left - 6, top + r * cell + cell / 2 + 4, options.rowLabels[r]!, { anchor: 'end' }))
  }
  for (let c = 0; c < C; c++) {
    parts.push(textPx(left + c * cell + cell / 2, top + R * cell + 15, options.columnLabels[c]!, { anchor: 'middle' }))
  }
  if (options.xLabel) parts.push(textPx(left + (C * cell) / 2, height - 12, options.xLabel, { anchor: 'middle', size: 12 }))
  if (options.yLabel) parts.push(`<text transform="translate(12 ${top + (R * cell) / 2}) rotate(-90)" text-anchor="middle" font-size="12">${escapeXml(options.yLabel)}</text>`)
  const title = options.title ? `<title>${escapeXml(options.title)}</title>${textPx(8, 18, options.title, { weight: 'bold', size: 12 })}` : ''
  const ns = options.standalone ? ' xmlns="http://www.w3.org/2000/svg"' : ''
  return `<svg${ns} class="plot heatmap" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" font-family="system-ui, sans-serif">${title}${parts.join('')}</svg>`
}

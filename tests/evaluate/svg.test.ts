// The DOM-free SVG helpers and the plot reductions the report (and the portal page) reuse.
import { describe, expect, it } from 'vitest'
import { binnedMedians, svg, thinCurve, thinIndices } from '../../src/evaluate/index.js'

describe('svg helpers', () => {
  it('escapes the five markup characters', () => {
    expect(svg.escapeXml(`<a href="x">&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;')
  })

  it('maps data to pixels with y growing upwards', () => {
    const f = svg.plotFrame({ xDomain: [0, 1], yDomain: [0, 10], width: 200, height: 100, margin: { top: 0, right: 0, bottom: 0, left: 0 } })
    expect(f.x(0.5)).toBe(100)
    expect(f.y(0)).toBe(100)
    expect(f.y(10)).toBe(0)
    // a constant domain still maps to the middle instead of dividing by zero
    expect(svg.linearScale([3, 3], [0, 100])(3)).toBe(50)
  })

  it('chooses round ticks', () => {
    expect(svg.niceTicks(0, 1, 5)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1])
    expect(svg.niceTicks(0, 2.6, 5)).toEqual([0, 0.5, 1, 1.5, 2, 2.5])
    expect(svg.niceTicks(17.3, 24.1, 5)).toEqual([18, 19, 20, 21, 22, 23, 24])
    expect(svg.niceTicks(0, 14, 5)).toEqual([0, 2, 4, 6, 8, 10, 12, 14])
    expect(svg.niceTicks(NaN, 1)).toEqual([])
  })

  it('formats numbers for labels and tables', () => {
    expect(svg.formatNumber(0.123456)).toBe('0.1235')
    expect(svg.formatNumber(null)).toBe('—')
    expect(svg.formatNumber(-0.5)).toBe('−0.5')
    expect(svg.formatNumber(-2e-6, 2)).toBe('−2.0e−6')
  })

  it('draws escaped text and skips non-finite points', () => {
    const f = svg.plotFrame({ xDomain: [0, 1], yDomain: [0, 1] })
    const plot = svg.svgPlot(f, svg.axes(f, { xLabel: 'a<b', yLabel: 'y' }) + svg.scatterPoints(f, [0.1, NaN, 0.5], [0.1, 0.2, Infinity]), { title: 'T & U' })
    expect(plot).toContain('a&lt;b')
    expect(plot).toContain('<title>T &amp; U</title>')
    expect(plot.match(/<circle /g)).toHaveLength(1)
    expect(plot).not.toContain('xmlns')
    expect(svg.svgPlot(f, '', { standalone: true })).toContain('xmlns="http://www.w3.org/2000/svg"')
    // a line with a gap becomes two sub-paths
    const line = svg.linePath(f, [0, 0.5, NaN, 0.7, 1], [0, 0.5, 0.6, 0.7, 1])
    expect(line.match(/M/g)).toHaveLength(2)
  })

  it('draws a labelled heatmap with one cell per entry', () => {
    const map = svg.heatmap({ rowLabels: ['<a>', 'b'], columnLabels: ['<a>', 'b'], values: [[3, 1], [0, 4]], title: 'cm' })
    expect(map.match(/<rect /g)).toHaveLength(4)
    expect(map).toContain('&lt;a&gt;')
    expect(map).not.toContain('<a>')
  })
})

describe('plot reductions', () => {
  it('binned medians use equal-count bins with the 16/50/84 % of y', () => {
    const x = Array.from({ length: 100 }, (_, i) => 99 - i)
    const y = x.map((v) => 2 * v)
    const curve = binnedMedians([...x, NaN], [...y, 5], 4, 'x', 'y')
    expect(curve.bins).toHaveLength(4)
    expect(curve.bins.map((b) => b.n)).toEqual([25, 25, 25, 25])
    expect(curve.bins[0]).toMatchObject({ xLow: 0, xHigh: 24, xMedian: 12, yMedian: 24, y16: 2 * 24 * 0.16, y84: 2 * 24 * 0.84 })
    expect(binnedMedians([], [], 10, 'x', 'y').bins).toEqual([])
  })

  it('thins evenly and keeps forced curve points', () => {
    expect(thinIndices(10, 3)).toEqual([0, 3, 6])
    expect(thinIndices(3, 10)).toEqual([0, 1, 2])
    const n = 1001
    const fpr = Array.from({ length: n }, (_, i) => i / (n - 1))
    const tpr = fpr.map((v) => Math.sqrt(v))
    const thin = thinCurve(fpr, tpr, 20, [3])
    expect(thin.fpr.length).toBeLessThanOrEqual(23)
    expect(thin.fpr).toContain(fpr[3])
    expect(thin.fpr[0]).toBe(0)
    expect(thin.fpr.at(-1)).toBe(1)
  })
})

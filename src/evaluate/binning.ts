/**
 * Reductions for report plots: binned medians (uncertainty vs magnitude or redshift), thinning
 * of scatter points and ROC curves, and a growable typed buffer for streaming accumulation.
 * @module
 */

import { quantileSorted } from '../metrics/stats.js'
import type { BinnedCurve, BinnedPoint } from './report.js'

/** An append-only Float64 buffer that doubles its capacity as it grows. */
export class GrowableFloat64 {
  private data = new Float64Array(1024)
  /** Values appended so far. */
  length = 0

  /** Append one value. */
  push(value: number): void {
    if (this.length === this.data.length) {
      const next = new Float64Array(this.data.length * 2)
      next.set(this.data)
      this.data = next
    }
    this.data[this.length++] = value
  }

  /** The values as a view (valid until the next push). */
  view(): Float64Array {
    return this.data.subarray(0, this.length)
  }
}

/**
 * Medians of y in `bins` equal-count bins of x (rows where x or y is not finite are left out),
 * with the 16th and 84th percentiles of y and the x range and median of each bin.
 *
 * Example: `binnedMedians(magR, entropy, 10, 'mag_r', 'lens_entropy').bins.length` → 10.
 * Fewer bins when there are fewer points; no bins for no points.
 */
export function binnedMedians(x: ArrayLike<number>, y: ArrayLike<number>, bins: number, xName: string, yName: string): BinnedCurve {
  const n = Math.min(x.length, y.length)
  const order: number[] = []
  for (let i = 0; i < n; i++) if (Number.isFinite(x[i]!) && Number.isFinite(y[i]!)) order.push(i)
  order.sort((a, b) => x[a]! - x[b]!)
  const m = order.length
  const B = Math.max(0, Math.min(bins, m))
  const out: BinnedPoint[] = []
  for (let b = 0; b < B; b++) {
    const from = Math.floor((b * m) / B)
    const to = Math.floor(((b + 1) * m) / B)
    if (to <= from) continue
    const xs = new Float64Array(to - from)
    const ys = new Float64Array(to - from)
    for (let k = from; k < to; k++) {
      xs[k - from] = x[order[k]!]!
      ys[k - from] = y[order[k]!]!
    }
    ys.sort()
    out.push({
      xLow: xs[0]!,
      xHigh: xs[xs.length - 1]!,
      xMedian: quantileSorted(xs, 0.5),
      n: to - from,
      yMedian: quantileSorted(ys, 0.5),
      y16: quantileSorted(ys, 0.16),
      y84: quantileSorted(ys, 0.84),
    })
  }
  return { x: xName, y: yName, bins: out }
}

/**
 * At most `max` evenly spaced indices of [0, n) (all of them when n ≤ max), deterministic.
 *
 * Example: `thinIndices(10, 3)` → [0, 3, 6].
 */
export function thinIndices(n: number, max: number): number[] {
  if (n <= max) return Array.from({ length: n }, (_, i) => i)
  const out: number[] = []
  for (let k = 0; k < max; k++) out.push(Math.floor((k * n) / max))
  return out
}

/**
 * Thin a ROC curve to about `maxPoints` points for plotting: a point is kept when it is at least
 * 1/maxPoints (in FPR + TPR) from the last kept one; the first and last points and the points
 * at `keep` indices are always kept.
 *
 * Example: `thinCurve(r.fpr, r.tpr, 400, [i0, i10])`.
 */
export function thinCurve(fpr: ArrayLike<number>, tpr: ArrayLike<number>, maxPoints: number, keep: readonly number[] = []): { fpr: number[]; tpr: number[] } {
  const n = fpr.length
  const forced = new Set(keep)
  const step = 2 / Math.max(2, maxPoints)
  const xs: number[] = []
  const ys: number[] = []
  let lastX = NaN
  let lastY = NaN
  for (let i = 0; i < n; i++) {
    const a = fpr[i]!
    const b = tpr[i]!
    if (i === 0 || i === n - 1 || forced.has(i) || Math.abs(a - lastX) + Math.abs(b - lastY) >= step) {
      xs.push(a)
      ys.push(b)
      lastX = a
      lastY = b
    }
  }
  return { fpr: xs, tpr: ys }
}

/** NaN and ±∞ become null so the report stays valid JSON with explicit gaps. */
export function finiteOrNull(value: number): number | null {
  return Number.isFinite(value) ? value : null
}

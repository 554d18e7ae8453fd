/**
 * Small order-statistics helpers shared by the metrics (quantiles with numpy's default
 * "linear" interpolation, medians, argmax over rows).
 * @module
 */

/** Numeric input accepted by the metrics: any typed array or plain number array. */
export type NumericArray = ArrayLike<number>

/** Copies `values` into a new Float64Array sorted ascending (NaN last). */
export function sortedCopy(values: NumericArray): Float64Array {
  const out = Float64Array.from(values)
  out.sort()
  return out
}

/**
 * Quantile of an ascending-sorted array with linear interpolation between order statistics
 * (numpy.percentile's default, Hyndman & Fan type 7).
 *
 * Example: `quantileSorted(Float64Array.of(1, 2, 3, 4), 0.25)` → 1.75. Returns NaN for an empty
 * array; throws `metrics: quantile level 1.5 outside [0, 1]` for a bad level.
 */
export function quantileSorted(sorted: NumericArray, q: number): number {
  if (!(q >= 0 && q <= 1)) throw new Error(`metrics: quantile level ${q} outside [0, 1]`)
  const n = sorted.length
  if (n === 0) return NaN
  const h = (n - 1) * q
  const lo = Math.floor(h)
  const hi = Math.min(lo + 1, n - 1)
  const a = sorted[lo]!
  const b = sorted[hi]!
  return a + (h - lo) * (b - a)
}

/**
 * Quantile of unsorted values (type 7, as numpy). Sorts a copy.
 *
 * Example: `quantile([3, 1, 2], 0.5)` → 2. NaN for empty input.
 */
export function quantile(values: NumericArray, q: number): number {
  return quantileSorted(sortedCopy(values), q)
}

/**
 * Median of unsorted values (mean of the two central values for even n, as numpy.median).
 *
 * Example: `median([4, 1, 3, 2])` → 2.5. NaN for empty input.
 */
export function median(values: NumericArray): number {
  return quantileSorted(sortedCopy(values), 0.5)
}

/**
 * Row-wise argmax of an N×C row-major matrix; ties go to the lowest index.
 *
 * Example: `argmaxRows(Float32Array.of(0.2, 0.8, 0.6, 0.4), 2, 2)` → Int32Array [1, 0].
 * Throws `metrics: expected N*C = 6 values, got 5` on a size mismatch.
 */
export function argmaxRows(values: NumericArray, N: number, C: number, out = new Int32Array(N)): Int32Array {
  if (values.length !== N * C) throw new Error(`metrics: expected N*C = ${N * C} values, got ${values.length}`)
  for (let n = 0; n < N; n++) {
    const o = n * C
    let best = 0
    let bestValue = values[o]!
    for (let c = 1; c < C; c++) {
      const v = values[o + c]!
      if (v > bestValue) {
        bestValue = v
        best = c
      }
    }
    out[n] = best
  }
  return out
}

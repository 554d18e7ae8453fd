/**
 * One-dimensional minimisation used by the calibration fits.
 * @module
 */

/** Result of {@link brentMinimise}. */
export interface ScalarMinimum {
  /** Abscissa of the minimum found. */
  x: number
  /** Function value there. */
  value: number
  /** Function evaluations used. */
  evaluations: number
}

const GOLDEN = 0.3819660112501051 // (3 - sqrt 5) / 2

/**
 * Minimises a unimodal function on [a, b] with Brent's method (golden-section search with
 * parabolic interpolation; R. P. Brent, "Algorithms for Minimization without Derivatives",
 * 1973, ch. 5). For a function that is not unimodal it returns a local minimum.
 *
 * Example: `brentMinimise((x) => (x - 2) ** 2, 0, 5).x` → 2 (±tolerance).
 * `tolerance` (absolute, in x) defaults to 1e-8, `maxEvaluations` to 200. Exceptions thrown by
 * `f` propagate; a NaN value from `f` is treated as +∞.
 */
export function brentMinimise(
  f: (x: number) => number,
  a: number,
  b: number,
  tolerance = 1e-8,
  maxEvaluations = 200,
): ScalarMinimum {
  if (!(a < b)) throw new Error(`metrics: brentMinimise needs a < b, got [${a}, ${b}]`)
  const fx0 = (x: number): number => {
    const v = f(x)
    return Number.isNaN(v) ? Infinity : v
  }
  let x = a + GOLDEN * (b - a)
  let w = x
  let v = x
  let fx = fx0(x)
  let fw = fx
  let fv = fx
  let evaluations = 1
  let d = 0
  let e = 0
  while (evaluations < maxEvaluations) {
    const m = 0.5 * (a + b)
    const tol1 = 1e-10 * Math.abs(x) + tolerance / 3
    const tol2 = 2 * tol1
    if (Math.abs(x - m) <= tol2 - 0.5 * (b - a)) break
    let useGolden = true
    if (Math.abs(e) > tol1) {
      // Fit a parabola through x, w, v.
      let r = (x - w) * (fx - fv)
      let q = (x - v) * (fx - fw)
      let p = (x - v) * q - (x - w) * r
      q = 2 * (q - r)
      if (q > 0) p = -p
      else q = -q
      r = e
      e = d
      if (Math.abs(p) < Math.abs(0.5 * q * r) && p > q * (a - x) && p < q * (b - x)) {
        d = p / q
        const u = x + d
        if (u - a < tol2 || b - u < tol2) d = x < m ? tol1 : -tol1
        useGolden = false
      }
    }
    if (useGolden) {
      e = x < m ? b - x : a - x
      d = GOLDEN * e
    }
    const u = Math.abs(d) >= tol1 ? x + d : x + (d > 0 ? tol1 : -tol1)
    const fu = fx0(u)
    evaluations++
    if (fu <= fx) {
      if (u < x) b = x
      else a = x
      v = w
      fv = fw
      w = x
      fw = fx
      x = u
      fx = fu
    } else {
      if (u < x) a = u
      else b = u
      if (fu <= fw || w === x) {
        v = w
        fv = fw
        w = u
        fw = fu
      } else if (fu <= fv || v === x || v === w) {
        v = u
        fv = fu
      }
    }
  }
  return { x, value: fx, evaluations }
}

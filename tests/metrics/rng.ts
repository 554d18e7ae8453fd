/** Seeded random numbers for the metrics tests (mulberry32 + Box–Muller). */
export { mulberry32 } from '../../src/random.js'

/** Standard normal deviates from a uniform source. */
export function normalSource(uniform: () => number): () => number {
  return () => {
    let u = uniform()
    while (u <= 0) u = uniform()
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * uniform())
  }
}

/** Draws from a Gaussian mixture given by parallel arrays at offset o, M components. */
export function sampleMixture(
  w: ArrayLike<number>, mu: ArrayLike<number>, s: ArrayLike<number>, o: number, M: number,
  uniform: () => number, normal: () => number,
): number {
  let total = 0
  for (let k = 0; k < M; k++) total += w[o + k]!
  let u = uniform() * total
  let k = 0
  for (; k < M - 1; k++) {
    u -= w[o + k]!
    if (u < 0) break
  }
  return mu[o + k]! + s[o + k]! * normal()
}

/** Trapezoid integral of f on [a, b] with n intervals. */
export function trapezoid(f: (x: number) => number, a: number, b: number, n: number): number {
  const h = (b - a) / n
  let s = 0.5 * (f(a) + f(b))
  for (let i = 1; i < n; i++) s += f(a + i * h)
  return s * h
}

import { describe, expect, it } from 'vitest'
import { posteriorEstimates } from '../../scripts/photoz-photometry-limit.js'

describe('photometric photo-z limit: posterior point estimates of a weighted prior sample', () => {
  it('the median is the weighted median; the window estimate sits where the most mass lies within ±0.05(1+z)', () => {
    // 45% of the mass in a tight clump at z = 1.0, 55% spread thinly over 0.2–0.6: the weighted
    // median falls in the spread (0.2 + 0.4 × 50/55 ≈ 0.56), the ±0.05(1+z) window on the clump
    const z: number[] = []
    const w: number[] = []
    for (let k = 0; k < 9; k++) {
      z.push(0.999 + 0.00025 * k)
      w.push(5)
    }
    for (let k = 0; k < 55; k++) {
      z.push(0.2 + (0.4 * k) / 54)
      w.push(1)
    }
    const est = posteriorEstimates(Float64Array.from(z), Float64Array.from(w))
    expect(est.median).toBeGreaterThan(0.5)
    expect(est.median).toBeLessThan(0.6)
    expect(est.window).toBeGreaterThan(0.95)
    expect(est.window).toBeLessThan(1.01)
    // zero weights are ignored
    const single = posteriorEstimates(Float64Array.of(0.3, 0.7), Float64Array.of(0, 2))
    expect(single).toEqual({ median: 0.7, window: 0.7 })
  })
})

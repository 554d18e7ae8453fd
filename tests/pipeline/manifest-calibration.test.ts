import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { validateManifest } from '../../src/models/manifest.js'

const ROOT = join(import.meta.dirname, '..', '..')
const shipped = (name: string): Record<string, unknown> => JSON.parse(readFileSync(join(ROOT, 'models', name, 'manifest.json'), 'utf8')) as Record<string, unknown>
const softmax = (): Record<string, unknown> => ({ ...shipped('lens-small4-cnn'), task: 'merger', output: { kind: 'softmax', labels: ['non-merger', 'pre-merger', 'ongoing', 'post-merger'] } })

describe('manifest calibration fields', () => {
  it('accepts a temperature and one class bias per softmax label', () => {
    const m = validateManifest({ ...softmax(), calibration: { temperature: 1.2, classBias: [0, -1.1, -0.9, -1.3] } }, 'm.json')
    expect(m.calibration?.classBias).toEqual([0, -1.1, -0.9, -1.3])
  })

  it('names the field and what was expected when the values are wrong', () => {
    expect(() => validateManifest({ ...softmax(), calibration: { classBias: [0, 1] } }, 'm.json')).toThrow('model manifest m.json: field "calibration.classBias" should be 4 finite numbers, one per label, found [0,1]')
    expect(() => validateManifest({ ...shipped('lens-small4-cnn'), calibration: { temperature: 1, classBias: [0, 1] } }, 'lens.json')).toThrow('field "calibration.classBias" should be absent (class biases are for softmax classifiers)')
    expect(() => validateManifest({ ...softmax(), calibration: { temperature: -2 } }, 'm.json')).toThrow('field "calibration.temperature" should be a positive number, found -2')
  })
})

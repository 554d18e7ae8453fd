// src/evaluate runs in browsers (the portal page reuses the report and its plots): bundle it
// for the browser (any node:* import fails the build) and run it in a bare VM context with
// only Web APIs, on an in-memory catalog source.
import { fileURLToPath } from 'node:url'
import { createContext, runInContext } from 'node:vm'
import { build } from 'esbuild'
import { describe, expect, it } from 'vitest'
import type { CatalogSource } from '../../src/catalog/source.js'
import type { EvaluationReport } from '../../src/evaluate/index.js'

const entry = fileURLToPath(new URL('../../src/evaluate/index.ts', import.meta.url))

interface BundledApi {
  evaluateCatalog(source: CatalogSource): Promise<EvaluationReport>
  renderReportHtml(report: EvaluationReport): string
}

describe('browser safety of src/evaluate', () => {
  it('bundles for the browser and evaluates and renders without Node globals', async () => {
    const result = await build({ entryPoints: [entry], bundle: true, platform: 'browser', format: 'iife', globalName: 'evaluate', write: false, logLevel: 'silent' })
    const code = result.outputFiles[0]?.text ?? ''
    expect(code).not.toMatch(/require\(["']node:/)
    const context = createContext({ TextDecoder, TextEncoder })
    runInContext(code, context)
    expect(runInContext('typeof Buffer + typeof process + typeof require', context)).toBe('undefinedundefinedundefined')
    const api = runInContext('evaluate', context) as BundledApi

    const n = 8
    const truth = [1, 0, 1, 0, 0, 0, 1, 0]
    const p = [0.9, 0.2, 0.8, 0.3, 0.1, 0.4, 0.7, 0.6]
    const source: CatalogSource = {
      name: 'memory',
      format: 'simulated',
      numRows: n,
      schema: {
        metadata: { 'survey_classifier:models': JSON.stringify([{ name: 'm', version: '1', task: 'lens', trained: true }]) },
        columns: [
          { name: 'truth_is_lens', type: 'int8' },
          { name: 'lens_p_lens', type: 'float32', description: 'lens: mean probability of class "lens"' },
          { name: 'lens_label', type: 'utf8', description: 'lens: most probable class (non-lens | lens)' },
          { name: 'status', type: 'utf8' },
        ],
      },
      async *chunks() {
        yield { rowStart: 0, numRows: n, columns: { truth_is_lens: Int8Array.from(truth), lens_p_lens: Float32Array.from(p), lens_label: [], status: new Array(n).fill('ok') } }
      },
    }
    const report = await api.evaluateCatalog(source)
    const lens = report.tasks.lens
    expect(lens?.kind === 'classifier' && lens.binary?.auroc).toBe(1)
    expect(lens?.trained).toBe(true)
    const html = api.renderReportHtml(report)
    expect(html).toContain('class="plot roc"')
  })
})

// The embed's browser-safe building blocks, in Node: thumbnails, display columns, CSV, the result store.
import { describe, expect, it } from 'vitest'
import { modelOutputColumns } from '../../catalogs/columns.js'
import type { CatalogSource } from '../../src/catalog/source.js'
import type { ModelManifest } from '../../src/models/manifest.js'
import { simulationSchema } from '../../src/simulate/index.js'
import { catalogToCsv, csvColumns } from '../../web/src/csv.js'
import { chooseDisplayColumns, packDisplayValues } from '../../web/src/display.js'
import type { RowsMessage } from '../../web/src/protocol.js'
import { ResultStore } from '../../web/src/results.js'
import { THUMB_BYTES, THUMB_SIZE, renderThumbnail, thumbnailRgba } from '../../web/src/thumbnails.js'

const LENS_MANIFEST = {
  schema: 'survey-classifier/model-manifest@1', name: 'm', version: '1', task: 'lens', description: 'd', trained: false,
  architecture: 'a', format: 'tfjs-layers', modelFile: 'model.json', files: {},
  input: { inputShape: [64, 64, 3], bands: ['g', 'r', 'z'], pixelScale: 0.262, normalisation: { kind: 'none' } },
  output: { kind: 'sigmoid', positive: 'lens', negative: 'non-lens' },
} as unknown as ModelManifest

describe('thumbnails', () => {
  it('maps the reddest band to red, ignores NaN, and reads hwc and chw alike', () => {
    const h = 32
    const w = 32
    const hwc = new Float32Array(h * w * 3)
    const chw = new Float32Array(h * w * 3)
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        // band 2 (z) bright in the left half, band 0 (g) bright in the right half
        const z = x < w / 2 ? 10 : 0
        const g = x < w / 2 ? 0 : 5
        hwc[(y * w + x) * 3 + 0] = g
        hwc[(y * w + x) * 3 + 2] = z
        chw[(0 * h + y) * w + x] = g
        chw[(2 * h + y) * w + x] = z
      }
    }
    hwc[5] = Number.NaN
    chw[2 * h * w + 1] = Number.NaN
    const a = new Uint8Array(THUMB_BYTES)
    const b = new Uint8Array(THUMB_BYTES)
    expect(renderThumbnail(hwc, { height: h, width: w, bands: 3, layout: 'hwc' }, a, 0)).toBe(true)
    expect(renderThumbnail(chw, { height: h, width: w, bands: 3, layout: 'chw' }, b, 0)).toBe(true)
    expect(a).toEqual(b)
    const left = 3 * (THUMB_SIZE * 4 + 1)
    const right = 3 * (THUMB_SIZE * 4 + THUMB_SIZE - 2)
    expect(a[left]).toBeGreaterThan(200) // red from z
    expect(a[left + 2]).toBe(0)
    expect(a[right + 2]).toBeGreaterThan(100) // blue from g
    expect(a[right]).toBe(0)
    const rgba = thumbnailRgba(a, 0)
    expect(rgba.length).toBe(THUMB_SIZE * THUMB_SIZE * 4)
    expect(rgba[3]).toBe(255)
  })

  it('refuses pixels that do not match the layout and leaves the thumbnail black', () => {
    const out = new Uint8Array(THUMB_BYTES)
    expect(renderThumbnail(new Float32Array(10), { height: 4, width: 4, bands: 3, layout: 'hwc' }, out, 0)).toBe(false)
    expect(out.every((v) => v === 0)).toBe(true)
  })
})

describe('display columns', () => {
  it('keeps id, status, scalar model outputs, one magnitude and one redshift; never cutouts or errors', () => {
    const schema = simulationSchema({ n: 4, seed: 1 })
    const columns = chooseDisplayColumns(schema.columns, modelOutputColumns(LENS_MANIFEST, 1))
    expect(columns.map((c) => [c.name, c.role])).toEqual([
      ['id', 'id'],
      ['status', 'status'],
      ['lens_p_lens', 'probability'],
      ['lens_p_lens_std', 'uncertainty'],
      ['lens_label', 'label'],
      ['lens_entropy', 'uncertainty'],
      ['lens_mutual_info', 'uncertainty'],
      ['mag_r', 'magnitude'],
      ['truth_z', 'redshift'],
    ])
  })

  it('packs numbers as Float64Array (null → NaN, bigint → number) and strings as strings', () => {
    const num = packDisplayValues({ name: 'id', kind: 'number', role: 'id', unit: '', description: '' }, [1n, null, 3] as unknown as readonly unknown[], 3)
    expect(Array.from(num as Float64Array)).toEqual([1, Number.NaN, 3])
    expect(packDisplayValues({ name: 's', kind: 'string', role: 'status', unit: '', description: '' }, ['ok', null], 2)).toEqual(['ok', null])
  })
})

describe('CSV export', () => {
  it('writes scalars and short lists, quotes where needed, and leaves out binary columns and cutouts', async () => {
    const source: CatalogSource = {
      name: 'test', format: 'parquet', numRows: 2,
      schema: {
        metadata: {},
        columns: [
          { name: 'id', type: 'int64' },
          { name: 'name', type: 'utf8' },
          { name: 'p', type: 'float32' },
          { name: 'w', type: { list: 'float32' } },
          { name: 'cutout', type: { list: 'float32' }, metadata: { shape: '2x1x1' } },
          { name: 'raw', type: 'binary' },
        ],
      },
      chunks: () => (async function* () {
        yield { rowStart: 0, numRows: 2, columns: { id: [1n, 2n], name: ['a, "b"', null], p: new Float32Array([0.5, Number.NaN]), w: [[0.25, 0.75], null], cutout: [[1, 2], [3, 4]], raw: [new Uint8Array([1]), null] } }
      })(),
    }
    expect(csvColumns(source.schema.columns).map((c) => c.name)).toEqual(['id', 'name', 'p', 'w'])
    const text = await (await catalogToCsv(source)).text()
    expect(text).toBe('id,name,p,w\r\n1,"a, ""b""",0.5,"[0.25,0.75]"\r\n2,,,\r\n')
  })
})

describe('result store', () => {
  const columns = [
    { name: 'id', kind: 'number', role: 'id', unit: '', description: '' },
    { name: 'label', kind: 'string', role: 'label', unit: '', description: '' },
  ] as const
  const message = (rowStart: number, ids: number[], labels: (string | null)[], thumbRows = 0): RowsMessage => ({
    type: 'rows', rowStart, numRows: ids.length, columns: { id: Float64Array.from(ids), label: labels },
    thumbs: thumbRows > 0 ? new Uint8Array(thumbRows * THUMB_BYTES).fill(rowStart + 1) : undefined, thumbRows,
  })

  it('appends rows in order, counts labels, keeps thumbnails for the first rows only', () => {
    const store = new ResultStore(columns, THUMB_SIZE)
    store.append(message(0, [10, 11], ['lens', 'non-lens'], 2))
    store.append(message(2, [12, 13, 14], ['lens', null, 'lens'], 1))
    store.append(message(5, [15], ['lens'], 0))
    expect(store.rows).toBe(6)
    expect(store.value('id', 4)).toBe(14)
    expect(store.value('label', 3)).toBeNull()
    expect(store.counts('label')).toEqual([['lens', 4], ['non-lens', 1]])
    expect(store.thumbRows).toBe(3)
    expect(store.thumbnail(2)![0]).toBe(3)
    expect(store.thumbnail(3)).toBeUndefined()
    expect(Array.from(store.numberColumn('id')!)).toEqual([10, 11, 12, 13, 14, 15])
  })

  it('refuses rows out of order', () => {
    const store = new ResultStore(columns, 0)
    store.append(message(0, [1], ['a']))
    expect(() => store.append(message(5, [2], ['b']))).toThrow(/rows 5… arrived while 1 rows are stored/)
  })
})

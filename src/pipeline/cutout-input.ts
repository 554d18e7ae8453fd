/**
 * Where a batch's cutouts come from, and how they are packed for a worker.
 */
import type { ColumnSpec, CatalogSchema, ColumnValues } from '../catalog/types.js'
import { fetchCutouts, type CutoutServiceOptions } from '../cutouts/cutout-service.js'
import { cutoutLayoutFromMetadata, parseShape } from '../cutouts/preprocess.js'
import { SurveyError, errorMessage } from '../errors.js'
import type { CutoutPayload } from '../protocol.js'
import type { RowBatch } from '../operators/rebatch.js'

/** How to find and read the cutouts of a catalog. */
export interface CutoutOptions {
  /** Cutout column; default: "cutout", else the only column with cutout metadata or binary image bytes. */
  readonly column?: string
  /** Shape in storage order, e.g. "64x64x3" (hwc) or "3x64x64" (chw), for catalogs whose column carries no metadata. */
  readonly shape?: string
  /** Axis order of numeric cutouts; default from column metadata, else 'hwc'. */
  readonly layout?: 'hwc' | 'chw'
  /** Band names in storage order; default from column metadata. */
  readonly bands?: readonly string[]
  /** Per-row shape columns, for catalogs whose cutouts differ in size. */
  readonly shapeColumns?: { readonly height: string; readonly width: string; readonly bands: string }
  /** Fetch cutouts from a service instead of reading a column (catalogs without cutouts). */
  readonly service?: Omit<CutoutServiceOptions, 'signal'> & { readonly raColumn?: string; readonly decColumn?: string; readonly idColumn?: string }
}

/** A resolved plan for reading cutouts. */
export type CutoutPlan =
  | { readonly kind: 'pixels'; readonly column: string; readonly where: string; readonly layout: 'hwc' | 'chw'; readonly bands: readonly string[]; readonly shape?: readonly [number, number, number]; readonly shapeColumns?: CutoutOptions['shapeColumns'] }
  | { readonly kind: 'encoded'; readonly column: string; readonly where: string; readonly bands: readonly string[] }
  | { readonly kind: 'service'; readonly where: string; readonly bands: readonly string[]; readonly service: NonNullable<CutoutOptions['service']>; readonly ra: string; readonly dec: string; readonly id: string }

function isNumericList(spec: ColumnSpec): boolean {
  return typeof spec.type !== 'string' && ['float32', 'float64', 'int16', 'int32', 'uint8', 'int8'].includes(spec.type.list)
}

/**
 * Decide where cutouts come from. Errors name the catalog, the column and
 * the option to set.
 */
export function planCutouts(schema: CatalogSchema, catalog: string, options: CutoutOptions = {}): CutoutPlan {
  const byName = new Map(schema.columns.map((c) => [c.name, c]))
  if (options.service) {
    const ra = options.service.raColumn ?? 'ra'
    const dec = options.service.decColumn ?? 'dec'
    const id = options.service.idColumn ?? 'id'
    for (const c of [ra, dec, id]) {
      if (!byName.has(c)) throw new SurveyError('input', `catalog column "${c}" missing in ${catalog}, needed by the cutout service (set raColumn/decColumn/idColumn)`)
    }
    return { kind: 'service', where: `cutout service ${options.service.template}`, bands: options.service.bands, service: options.service, ra, dec, id }
  }
  let spec: ColumnSpec | undefined
  if (options.column) {
    spec = byName.get(options.column)
    if (!spec) throw new SurveyError('input', `catalog column "${options.column}" missing in ${catalog} (columns: ${[...byName.keys()].join(', ')})`)
  } else {
    spec = byName.get('cutout') ?? schema.columns.find((c) => c.metadata?.['shape'] !== undefined)
    if (!spec) {
      throw new SurveyError('input', `catalog ${catalog} has no cutout column: name one (cutout column option, --cutout-column in the CLI), or give a cutout-service URL template (--cutout-url)`)
    }
  }
  const where = `column "${spec.name}" of ${catalog}`
  const metadata = spec.metadata ?? {}
  if (spec.type === 'binary') {
    const bands = options.bands ?? metadata['bands']?.split(',').map((b) => b.trim()) ?? []
    return { kind: 'encoded', column: spec.name, where, bands }
  }
  if (!isNumericList(spec)) {
    throw new SurveyError('input', `${where} has type ${JSON.stringify(spec.type)}; cutouts must be a list of numbers or binary FITS/PNG/JPEG bytes`)
  }
  if (options.shapeColumns) {
    for (const c of Object.values(options.shapeColumns)) {
      if (!byName.has(c)) throw new SurveyError('input', `catalog column "${c}" missing in ${catalog}, named as a cutout shape column`)
    }
    const bands = options.bands ?? metadata['bands']?.split(',').map((b) => b.trim())
    if (!bands) throw new SurveyError('option', `${where}: band names are needed with per-row shape columns (set --bands)`)
    return { kind: 'pixels', column: spec.name, where, layout: options.layout ?? (metadata['layout'] === 'chw' ? 'chw' : 'hwc'), bands, shapeColumns: options.shapeColumns }
  }
  if (options.shape || metadata['shape'] === undefined) {
    if (!options.shape) {
      throw new SurveyError('option', `${where} carries no shape metadata: give the cutout shape and layout (CLI: --cutout-shape 64x64x3 --cutout-layout hwc|chw)`)
    }
    const layout = options.layout ?? 'hwc'
    const dims = parseShape(options.shape, `option --cutout-shape for ${where}`)
    const shape: [number, number, number] = layout === 'chw' ? [dims[1], dims[2], dims[0]] : dims
    const bands = options.bands ?? metadata['bands']?.split(',').map((b) => b.trim()) ?? Array.from({ length: shape[2] }, (_, i) => `band${i}`)
    if (bands.length !== shape[2]) throw new SurveyError('option', `${where}: ${bands.length} band names (${bands.join(',')}) for a shape with ${shape[2]} bands`)
    return { kind: 'pixels', column: spec.name, where, layout, bands, shape }
  }
  try {
    const layout = cutoutLayoutFromMetadata({ ...metadata, ...(options.layout ? { layout: options.layout } : {}), ...(options.bands ? { bands: options.bands.join(',') } : {}) }, where)
    return { kind: 'pixels', column: spec.name, where, layout: layout.layout, bands: layout.bands, shape: [layout.height, layout.width, layout.bands.length] }
  } catch (cause) {
    throw new SurveyError('input', errorMessage(cause), { cause })
  }
}

/** Columns the plan reads (besides the ones written through). */
export function planColumns(plan: CutoutPlan): string[] {
  if (plan.kind === 'service') return [plan.ra, plan.dec, plan.id]
  if (plan.kind === 'pixels' && plan.shapeColumns) return [plan.column, plan.shapeColumns.height, plan.shapeColumns.width, plan.shapeColumns.bands]
  return [plan.column]
}

/** Cutout bytes fetched from a service for one batch, kept so retries do not refetch. */
export interface FetchedCutouts {
  readonly bytes: (Uint8Array | null)[]
  readonly status: (string | null)[]
  readonly detail: (string | null)[]
}

/** Fetch a batch's cutouts from the plan's service (no-op for column plans). */
export async function fetchBatchCutouts(plan: CutoutPlan, batch: RowBatch, signal?: AbortSignal): Promise<FetchedCutouts | undefined> {
  if (plan.kind !== 'service') return undefined
  const ra = batch.columns[plan.ra]!
  const dec = batch.columns[plan.dec]!
  const id = batch.columns[plan.id]!
  const rows = Array.from({ length: batch.numRows }, (_, i) => ({
    ra: Number((ra as ArrayLike<unknown>)[i]),
    dec: Number((dec as ArrayLike<unknown>)[i]),
    id: (id as ArrayLike<unknown>)[i] as string | number | bigint,
  }))
  const results = await fetchCutouts(rows, { ...plan.service, ...(signal ? { signal } : {}) })
  return {
    bytes: results.map((r) => (r.ok ? r.bytes : null)),
    status: results.map((r) => (r.ok ? null : r.status)),
    detail: results.map((r, i) => (r.ok ? null : `row ${batch.rowStart + i}: ${r.message}`)),
  }
}

function toBytes(value: unknown): Uint8Array | null {
  if (value === null || value === undefined) return null
  if (value instanceof Uint8Array) return value
  if (typeof value === 'string') return new TextEncoder().encode(value)
  return null
}

const TYPED: Record<string, new (n: number) => Float32Array | Float64Array | Int16Array | Uint8Array> = {
  Float32Array, Float64Array, Int16Array, Uint8Array,
}

/**
 * Pack a batch's cutouts into transferable buffers. Numeric lists keep their
 * element type when it is float32/float64/int16/uint8 (else float32).
 */
export function packCutouts(plan: CutoutPlan, batch: RowBatch, fetched?: FetchedCutouts): { payload: CutoutPayload; transfer: Transferable[]; preStatus: (string | null)[]; preDetail: (string | null)[] } {
  const n = batch.numRows
  const preStatus: (string | null)[] = fetched ? [...fetched.status] : new Array(n).fill(null)
  const preDetail: (string | null)[] = fetched ? [...fetched.detail] : new Array(n).fill(null)
  if (plan.kind === 'encoded' || plan.kind === 'service') {
    const rows: (Uint8Array | null)[] = plan.kind === 'service' ? fetched!.bytes : Array.from({ length: n }, (_, i) => toBytes((batch.columns[plan.column] as ArrayLike<unknown>)[i]))
    const offsets = new Int32Array(n + 1)
    for (let i = 0; i < n; i++) offsets[i + 1] = offsets[i]! + (rows[i]?.length ?? 0)
    const data = new Uint8Array(offsets[n]!)
    rows.forEach((r, i) => r && data.set(r, offsets[i]!))
    return { payload: { kind: 'encoded', data, offsets, bands: plan.bands }, transfer: [data.buffer, offsets.buffer], preStatus, preDetail }
  }
  const values = batch.columns[plan.column] as ColumnValues
  const offsets = new Int32Array(n + 1)
  let ctorName = 'Float32Array'
  for (let i = 0; i < n; i++) {
    const v = (values as ArrayLike<unknown>)[i] as ArrayLike<number> | null | undefined
    offsets[i + 1] = offsets[i]! + (v?.length ?? 0)
    if (i === 0 && v && ArrayBuffer.isView(v) && v.constructor.name in TYPED) ctorName = v.constructor.name
  }
  const data = new TYPED[ctorName]!(offsets[n]!)
  for (let i = 0; i < n; i++) {
    const v = (values as ArrayLike<unknown>)[i] as ArrayLike<number> | null | undefined
    if (v) data.set(v as ArrayLike<number>, offsets[i]!)
  }
  const shapes = new Int32Array(3 * n)
  for (let i = 0; i < n; i++) {
    if (plan.shapeColumns) {
      const cell = (name: string): number => Number((batch.columns[name] as ArrayLike<unknown>)[i])
      shapes[3 * i] = cell(plan.shapeColumns.height)
      shapes[3 * i + 1] = cell(plan.shapeColumns.width)
      shapes[3 * i + 2] = cell(plan.shapeColumns.bands)
    } else {
      shapes.set(plan.shape!, 3 * i)
    }
  }
  return {
    payload: { kind: 'pixels', data, offsets, shapes, layout: plan.layout, bands: plan.bands },
    transfer: [data.buffer, offsets.buffer, shapes.buffer],
    preStatus,
    preDetail,
  }
}

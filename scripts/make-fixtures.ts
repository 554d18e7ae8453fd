/**
 * Generate the golden test catalogs in tests/fixtures/: the same small set of
 * cutouts in every encoding the readers accept, written by independent
 * writers where possible (DuckDB for Parquet codecs, apache-arrow for IPC),
 * each with an `.expected.json` beside it giving, per row, the status and the
 * mean of the finite pixels (what the trivial worker must report).
 *
 * Run: npx tsx scripts/make-fixtures.ts
 */
import { DuckDBInstance } from '@duckdb/node-api'
import { Field, FixedSizeList, Float32, Int64, Schema, Table, makeVector, tableToIPC, vectorFromArray, RecordBatch, makeData, Struct, Utf8 } from 'apache-arrow'
import jpeg from 'jpeg-js'
import { mkdir, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { parquetMetadata, type FileMetaData, type RowGroup } from 'hyparquet'
import { ByteWriter } from 'hyparquet-writer'
import { writeMetadata } from 'hyparquet-writer/src/metadata.js'
import { createParquetWriter } from '../src/catalog/parquet-sink.js'
import { memorySink } from '../src/catalog/sink.js'
import type { CatalogSchema, ColumnValues } from '../src/catalog/types.js'
import { encodeFits } from '../src/cutouts/fits.js'
import { encodePng } from '../src/cutouts/png.js'

const OUT = join(import.meta.dirname, '..', 'tests', 'fixtures')
const H = 8
const W = 8
const C = 3
const N = 40

/** Deterministic pixels for row i, HWC float32. */
function pixels(i: number): Float32Array {
  const out = new Float32Array(H * W * C)
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) for (let c = 0; c < C; c++) {
    out[(y * W + x) * C + c] = Math.round((Math.sin(i * 0.7 + x * 0.3 + c) * 20 + y * 3 + c * 10 + 50) * 4) / 4
  }
  return out
}

function toChw(hwc: Float32Array, h = H, w = W, c = C): Float32Array {
  const out = new Float32Array(hwc.length)
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let k = 0; k < c; k++) out[k * h * w + y * w + x] = hwc[(y * w + x) * c + k]!
  return out
}

function finiteMean(values: ArrayLike<number>): number | null {
  let sum = 0
  let n = 0
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!
    if (Number.isFinite(v)) {
      sum += v
      n++
    }
  }
  return n > 0 ? sum / n : null
}

interface ExpectedRow {
  status: string
  pixel_mean: number | null
}
interface Expected {
  description: string
  options: Record<string, unknown>
  tolerance: number
  rows: ExpectedRow[]
}

async function expect(name: string, expected: Expected): Promise<void> {
  await writeFile(join(OUT, `${name}.expected.json`), `${JSON.stringify(expected, null, 1)}\n`)
}

const columnsMeta = (meta: Record<string, string>) => JSON.stringify({ cutout: { unit: 'nanomaggy', description: 'test cutout', metadata: meta } })

/**
 * Rewrites a Parquet file's footer with row groups of zero rows inserted before, between and
 * after its row groups (as some writers leave when a partition or a filtered batch is empty):
 * each empty group has one zero-value, zero-byte chunk per column. The data pages are untouched.
 */
function withEmptyRowGroups(file: Uint8Array): Uint8Array {
  const buf = file.buffer.slice(file.byteOffset, file.byteOffset + file.byteLength) as ArrayBuffer
  const md = parquetMetadata(buf)
  const first = md.row_groups[0]!
  const empty: RowGroup = {
    columns: first.columns.map((c) => ({
      file_offset: c.file_offset,
      meta_data: {
        type: c.meta_data!.type,
        encodings: c.meta_data!.encodings,
        path_in_schema: c.meta_data!.path_in_schema,
        codec: c.meta_data!.codec,
        num_values: 0n,
        total_uncompressed_size: 0n,
        total_compressed_size: 0n,
        data_page_offset: c.meta_data!.data_page_offset,
      },
    })),
    total_byte_size: 0n,
    num_rows: 0n,
  }
  const groups = [empty, ...md.row_groups.flatMap((g, i) => (i === 0 ? [g] : [empty, g])), empty]
  const footer = new ByteWriter()
  const metadata: FileMetaData = { ...md, row_groups: groups, metadata_length: 0 }
  writeMetadata(footer, metadata)
  const footerBytes = footer.getBytes()
  const dataEnd = file.byteLength - 8 - md.metadata_length
  const out = new Uint8Array(dataEnd + footerBytes.length + 4)
  out.set(file.subarray(0, dataEnd))
  out.set(footerBytes, dataEnd) // metadata, its length, "PAR1"
  out.set([0x50, 0x41, 0x52, 0x31], dataEnd + footerBytes.length)
  return out
}

async function main(): Promise<void> {
  await rm(OUT, { recursive: true, force: true })
  await mkdir(OUT, { recursive: true })
  const db = await (await DuckDBInstance.create(':memory:')).connect()
  const rows = Array.from({ length: N }, (_, i) => pixels(i))
  const okRows = (values: Float32Array[]): ExpectedRow[] => values.map((p) => ({ status: 'ok', pixel_mean: finiteMean(p) }))

  // 1. list<float> HWC with shape metadata, written by DuckDB with each codec
  const listLiteral = (p: ArrayLike<number>) => `[${Array.from(p).join(',')}]`
  await db.run(`create table t as select * from (values ${rows.map((p, i) => `(${i}::bigint, ${150 + i * 0.01}::double, ${2 + i * 0.01}::double, 'obj${i}', ${listLiteral(p)}::float[])`).join(',')}) v(id, ra, dec, name, cutout)`)
  for (const codec of ['snappy', 'zstd', 'gzip', 'brotli', 'lz4']) {
    const name = `list-hwc-${codec}`
    await db.run(`copy t to '${join(OUT, `${name}.parquet`)}' (format parquet, compression ${codec}, kv_metadata {'survey_classifier:columns': '${columnsMeta({ shape: `${H}x${W}x${C}`, layout: 'hwc', bands: 'g,r,z' })}'})`)
    await expect(name, { description: `list<float> HWC cutouts with shape metadata, ${codec} (DuckDB)`, options: {}, tolerance: 1e-4, rows: okRows(rows) })
  }

  // 2. list<double> CHW without metadata: the shape comes from options
  await db.run(`copy (select id, ra, dec, [${'x'}]::double[] as cutout from (select id, ra, dec, 0 as x from t) limit 0) to '${join(OUT, 'empty.parquet')}' (format parquet)`)
  await expect('empty', { description: 'a catalog with no rows', options: { cutouts: { shape: '1x1x1' } }, tolerance: 0, rows: [] })
  await db.run(`create table chw as select * from (values ${rows.map((p, i) => `(${i}::bigint, ${listLiteral(toChw(p))}::double[])`).join(',')}) v(id, cutout)`)
  await db.run(`copy chw to '${join(OUT, 'list-chw-nometa.parquet')}' (format parquet)`)
  await expect('list-chw-nometa', { description: 'list<double> CHW cutouts, no metadata (FITS-style catalog)', options: { cutouts: { shape: `${C}x${H}x${W}`, layout: 'chw', bands: ['g', 'r', 'z'] } }, tolerance: 1e-4, rows: okRows(rows) })

  // 3. bad rows: NaN pixels, all-NaN, null, wrong length; several row groups (our writer)
  const bad: (Float32Array | null)[] = rows.map((p) => p.slice())
  bad[3]![5] = Number.NaN
  bad[3]![6] = Number.POSITIVE_INFINITY
  bad[7] = new Float32Array(H * W * C).fill(Number.NaN)
  bad[11] = null
  bad[13] = new Float32Array(10)
  const badExpected: ExpectedRow[] = bad.map((p, i) => {
    if (i === 7) return { status: 'cutout-nonfinite', pixel_mean: null }
    if (i === 11) return { status: 'cutout-missing', pixel_mean: null }
    if (i === 13) return { status: 'cutout-shape-error', pixel_mean: null }
    return { status: 'ok', pixel_mean: finiteMean(p!) }
  })
  // the trivial worker does not preprocess, so an all-NaN cutout is 'ok' with no mean there
  badExpected[7] = { status: 'ok', pixel_mean: null }
  const schema: CatalogSchema = {
    columns: [
      { name: 'id', type: 'int64', nullable: false },
      { name: 'cutout', type: { list: 'float32' }, metadata: { shape: `${H}x${W}x${C}`, layout: 'hwc', bands: 'g,r,z' } },
    ],
    metadata: {},
  }
  const sink = memorySink()
  // written 16 rows at a time: the writer starts a row group once 16 rows are pending
  const writeIn16s = async (w: ReturnType<typeof createParquetWriter>, cutouts: (Float32Array | null)[]): Promise<void> => {
    for (let start = 0; start < N; start += 16) {
      const end = Math.min(N, start + 16)
      const ids = BigInt64Array.from({ length: end - start }, (_, k) => BigInt(start + k))
      await w.write({ rowStart: start, numRows: end - start, columns: { id: ids, cutout: cutouts.slice(start, end) as ColumnValues } })
    }
    await w.close()
  }
  const writer = createParquetWriter(sink, schema, { rowGroupSize: 16 })
  await writeIn16s(writer, bad)
  await writeFile(join(OUT, 'bad-rows.parquet'), sink.bytes())

  // 3b. the good rows in 3 row groups, with empty row groups before, between and after them
  const eg = memorySink()
  await writeIn16s(createParquetWriter(eg, schema, { rowGroupSize: 16 }), rows)
  await writeFile(join(OUT, 'empty-row-groups.parquet'), withEmptyRowGroups(eg.bytes()))
  await expect('empty-row-groups', { description: '3 row groups of 16, 16 and 8 rows with 4 empty row groups around and between them', options: {}, tolerance: 1e-4, rows: okRows(rows) })
  await expect('bad-rows', { description: 'NaN/Inf pixels, an all-NaN cutout, a null cutout and a wrong-length cutout, 3 row groups', options: {}, tolerance: 1e-4, rows: badExpected })

  // 4. per-row shapes
  const sizes = rows.map((_, i) => 4 + (i % 5))
  const varRows = sizes.map((s, i) => pixels(i).subarray(0, s * s * C).slice())
  await db.run(`create table var as select * from (values ${varRows.map((p, i) => `(${i}::bigint, ${sizes[i]}, ${sizes[i]}, ${C}, ${listLiteral(p)}::float[])`).join(',')}) v(id, height, width, nbands, cutout)`)
  await db.run(`copy var to '${join(OUT, 'per-row-shape.parquet')}' (format parquet)`)
  await expect('per-row-shape', { description: 'cutouts of different sizes with per-row height/width/nbands columns', options: { cutouts: { shapeColumns: { height: 'height', width: 'width', bands: 'nbands' }, bands: ['g', 'r', 'z'] } }, tolerance: 1e-4, rows: okRows(varRows) })

  // 5. encoded images: FITS (float and scaled int16), PNG, JPEG, and corrupt bytes
  const fitsRows = rows.map((p, i) => encodeFits({ width: W, height: H, depth: C, data: toChw(p) }, i % 2 === 0 ? -32 : 16, i % 2 === 0 ? {} : { bscale: 0.25, bzero: 0 }))
  fitsRows[5] = fitsRows[5]!.slice(0, 100)
  const fitsExpected = rows.map((p): ExpectedRow => ({ status: 'ok', pixel_mean: finiteMean(p) }))
  fitsExpected[5] = { status: 'cutout-decode-error', pixel_mean: null }
  const u8 = rows.map((p) => Uint8Array.from(p, (v) => Math.max(0, Math.min(255, Math.round(v)))))
  const pngRows = await Promise.all(u8.map((d) => encodePng({ width: W, height: H, channels: 3, data: d })))
  const jpegRows = u8.map((d) => {
    const rgba = new Uint8Array(H * W * 4)
    for (let j = 0; j < H * W; j++) rgba.set([d[3 * j]!, d[3 * j + 1]!, d[3 * j + 2]!, 255], 4 * j)
    return new Uint8Array(jpeg.encode({ data: rgba, width: W, height: H }, 100).data)
  })
  for (const [name, blobs, expected, tolerance, description] of [
    ['fits', fitsRows, fitsExpected, 1e-3, 'FITS images (BITPIX -32, and 16 with BSCALE) in a binary column; one truncated'],
    ['png', pngRows, u8.map((p) => ({ status: 'ok', pixel_mean: finiteMean(p) })), 1e-4, 'PNG RGB bytes in a binary column'],
    ['jpeg', jpegRows, u8.map((p) => ({ status: 'ok', pixel_mean: finiteMean(p) })), 2, 'JPEG (quality 100) bytes in a binary column'],
  ] as const) {
    const s = memorySink()
    const w = createParquetWriter(s, {
      columns: [{ name: 'id', type: 'int64' }, { name: 'cutout', type: 'binary', metadata: { bands: 'g,r,z' } }],
      metadata: {},
    }, { rowGroupSize: 25 })
    await w.write({ rowStart: 0, numRows: N, columns: { id: BigInt64Array.from(rows.keys(), BigInt), cutout: blobs as unknown as ColumnValues } })
    await w.close()
    await writeFile(join(OUT, `${name}.parquet`), s.bytes())
    await expect(name, { description, options: {}, tolerance, rows: expected as ExpectedRow[] })
  }

  // 6. Arrow IPC file and stream (apache-arrow), FixedSizeList<float32> with field metadata
  const cutoutType = new FixedSizeList(H * W * C, new Field('item', new Float32(), false))
  const cutoutField = new Field('cutout', cutoutType, false, new Map([['shape', `${H}x${W}x${C}`], ['layout', 'hwc'], ['bands', 'g,r,z'], ['unit', 'nanomaggy']]))
  const arrowSchema = new Schema([new Field('id', new Int64(), false), new Field('name', new Utf8(), true), cutoutField])
  const batches: RecordBatch[] = []
  for (let start = 0; start < N; start += 15) {
    const end = Math.min(N, start + 15)
    const flat = new Float32Array((end - start) * H * W * C)
    for (let i = start; i < end; i++) flat.set(rows[i]!, (i - start) * H * W * C)
    const childData = makeData({ type: new Float32(), length: flat.length, data: flat })
    const cutoutData = makeData({ type: cutoutType, length: end - start, nullCount: 0, child: childData })
    const ids = makeVector(BigInt64Array.from({ length: end - start }, (_, k) => BigInt(start + k)))
    const names = vectorFromArray(Array.from({ length: end - start }, (_, k) => `obj${start + k}`), new Utf8())
    batches.push(new RecordBatch(arrowSchema, makeData({ type: new Struct(arrowSchema.fields), length: end - start, nullCount: 0, children: [ids.data[0]!, names.data[0]!, cutoutData] })))
  }
  const table = new Table(arrowSchema, batches)
  await writeFile(join(OUT, 'arrow-file.arrow'), tableToIPC(table, 'file'))
  await writeFile(join(OUT, 'arrow-stream.arrows'), tableToIPC(table, 'stream'))
  for (const name of ['arrow-file', 'arrow-stream']) {
    await expect(name, { description: `Arrow IPC ${name.slice(6)} format, FixedSizeList<float32> cutouts with field metadata, 3 record batches`, options: {}, tolerance: 1e-4, rows: okRows(rows) })
  }
  console.log(`fixtures written to ${OUT}`)
}

await main()

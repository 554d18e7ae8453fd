/**
 * Derives the compact colour–redshift tables the survey simulator ships with.
 *
 * Reads the SED templates and filter curves in `../shared/data/` (never copied into the
 * project) and writes `catalogs/tables/sed-tables.ts`: per template and band the
 * k-correction K_b(z) = m_b(z) − M_r − DM(z) relative to the rest-frame DECam r band
 * (Hogg et al. 2002, eq. 13, AB system, photon-counting responses), and blackbody
 * colours m_b − m_r for stars. Run with `npx tsx scripts/derive-sed-tables.ts`
 * (optionally `--data <dir>`); errors are thrown and end the process with exit code 1.
 */
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
const argIdx = process.argv.indexOf('--data')
const dataDir = argIdx > 0 ? resolve(process.argv[argIdx + 1] ?? '') : resolve(here, '../../shared/data')
const outFile = resolve(here, '../catalogs/tables/sed-tables.ts')

const TEMPLATES = ['El', 'Sbc', 'Scd', 'Im', 'SB3', 'SB2'] as const
const BANDS = {
  u: 'sdss2010-u.ecsv',
  g: 'decam2014-g.ecsv',
  r: 'decam2014-r.ecsv',
  i: 'decam2014-i.ecsv',
  z: 'decam2014-z.ecsv',
  Y: 'decam2014-Y.ecsv',
} as const
type Band = keyof typeof BANDS
const Z_MAX = 3
const Z_STEP = 0.02
const T_GRID = Array.from({ length: 29 }, (_, i) => 3000 + 250 * i)
/** Where a band sees no flux (e.g. u below the Lyman limit) we store this many magnitudes fainter. */
const K_CAP = 12

interface Curve {
  lam: Float64Array // Å
  val: Float64Array
}

function readColumns(path: string): number[][] {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (err) {
    throw new Error(`derive-sed-tables: cannot read ${path}`, { cause: err })
  }
  const rows: number[][] = []
  for (const line of text.split('\n')) {
    const t = line.trim()
    if (t === '' || t.startsWith('#') || /^[a-z]/i.test(t)) continue
    rows.push(t.split(/\s+/).map(Number))
  }
  return rows
}

function readFilter(file: string): Curve {
  const path = join(dataDir, 'filters', file)
  const header = readFileSync(path, 'utf8')
  const scale = /name: wavelength, unit: nm/.test(header) ? 10 : 1
  const rows = readColumns(path)
  return {
    lam: Float64Array.from(rows, (r) => (r[0] ?? 0) * scale),
    val: Float64Array.from(rows, (r) => r[1] ?? 0),
  }
}

function readSed(name: string): Curve {
  const rows = readColumns(join(dataDir, 'sed', `${name}_B2004a.sed`))
  return { lam: Float64Array.from(rows, (r) => r[0] ?? 0), val: Float64Array.from(rows, (r) => r[1] ?? 0) }
}

function interp(c: Curve, x: number): number {
  const { lam, val } = c
  const n = lam.length
  if (x <= (lam[0] ?? 0) || x >= (lam[n - 1] ?? 0)) return 0
  let lo = 0
  let hi = n - 1
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1
    if ((lam[mid] ?? 0) <= x) lo = mid
    else hi = mid
  }
  const x0 = lam[lo] ?? 0
  const x1 = lam[hi] ?? 0
  const t = (x - x0) / (x1 - x0)
  return (val[lo] ?? 0) * (1 - t) + (val[hi] ?? 0) * t
}

/** Fine, uniform wavelength grid over the filter support, so that SED features are resolved. */
function fineGrid(f: Curve): Float64Array {
  const a = f.lam[0] ?? 0
  const b = f.lam[f.lam.length - 1] ?? 0
  const n = Math.ceil((b - a) / 2) + 1
  return Float64Array.from({ length: n }, (_, i) => a + ((b - a) * i) / (n - 1))
}

/** AB-system photon-counting integral ratio ∫ f_λ λ R dλ / ∫ (c/λ) R dλ, up to a constant. */
function abFlux(f: Curve, sed: (lam: number) => number): number {
  const grid = fineGrid(f)
  let num = 0
  let den = 0
  for (let i = 1; i < grid.length; i++) {
    const l0 = grid[i - 1] ?? 0
    const l1 = grid[i] ?? 0
    const dl = l1 - l0
    const r0 = interp(f, l0)
    const r1 = interp(f, l1)
    num += 0.5 * dl * (sed(l0) * l0 * r0 + sed(l1) * l1 * r1)
    den += 0.5 * dl * (r0 / l0 + r1 / l1)
  }
  return num / den
}

function round(x: number, d: number): number {
  const p = 10 ** d
  return Math.round(x * p) / p
}

function main(): void {
  const filters = Object.fromEntries(Object.entries(BANDS).map(([b, f]) => [b, readFilter(f)])) as Record<Band, Curve>
  const nz = Math.round(Z_MAX / Z_STEP) + 1
  const kcorr: Record<string, Record<string, number[]>> = {}
  for (const t of TEMPLATES) {
    const sed = readSed(t)
    const restR = abFlux(filters.r, (l) => interp(sed, l))
    kcorr[t] = {}
    for (const b of Object.keys(BANDS) as Band[]) {
      const row: number[] = []
      for (let i = 0; i < nz; i++) {
        const z = i * Z_STEP
        const obs = abFlux(filters[b], (l) => interp(sed, l / (1 + z))) / (1 + z)
        const k = obs > 0 ? -2.5 * Math.log10(obs / restR) : K_CAP
        row.push(round(Math.min(k, K_CAP), 4))
      }
      ;(kcorr[t] as Record<string, number[]>)[b] = row
    }
  }
  // Planck B_λ(T) up to constants; hc/k = 1.4388e8 Å K.
  const star: Record<string, number[]> = {}
  for (const b of Object.keys(BANDS) as Band[]) {
    star[b] = T_GRID.map((T) => {
      const bb = (l: number): number => 1 / (l ** 5 * Math.expm1(1.4388e8 / (l * T)))
      return round(-2.5 * Math.log10(abFlux(filters[b], bb) / abFlux(filters.r, bb)), 4)
    })
  }
  const out = `/**
 * Colour–redshift tables for the survey simulator, GENERATED by scripts/derive-sed-tables.ts.
 * Do not edit by hand; rerun \`npx tsx scripts/derive-sed-tables.ts\`.
 *
 * KCORR[template][band][i] is the k-correction K_b(z) = m_b(z) − M_r − DM(z) in AB mag at
 * z = i × ${Z_STEP} (0 … ${Z_MAX}), relative to the rest-frame DECam r band (Hogg et al. 2002),
 * photon-counting responses. Values are capped at ${K_CAP} mag where a band sees no flux.
 * STAR_COLOUR[band][i] is the blackbody colour m_b − m_r (AB) at T = STAR_TEMPERATURES[i] K.
 *
 * Derived from (attribution; the source files themselves are not redistributed here):
 * - SED templates El, Sbc, Scd, Im, SB3, SB2 (_B2004a: Coleman, Wu & Weedman 1980 extended,
 *   Kinney et al. 1996 starbursts, as used by BPZ, Benítez 2000), taken from LSSTDESC/rail_base
 *   src/rail/examples_data/estimation_data/data/SED/ (commit a9d3d286).
 *   Licence: MIT License, Copyright (c) 2023 LSST Dark Energy Science Collaboration (DESC).
 *   Permission is hereby granted, free of charge, to any person obtaining a copy of this
 *   software and associated documentation files (the "Software"), to deal in the Software
 *   without restriction, including without limitation the rights to use, copy, modify, merge,
 *   publish, distribute, sublicense, and/or sell copies of the Software, and to permit persons
 *   to whom the Software is furnished to do so, subject to the following conditions: The above
 *   copyright notice and this permission notice shall be included in all copies or substantial
 *   portions of the Software. THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND,
 *   EXPRESS OR IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS
 *   FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT
 *   HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF
 *   CONTRACT, TORT OR OTHERWISE, ARISING FROM, OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE
 *   USE OR OTHER DEALINGS IN THE SOFTWARE.
 * - Filter curves DECam 2014 g, r, i, z, Y (W. Wester, airmass 1.3 atmosphere by T. Li) and
 *   SDSS 2010 u (Doi et al. 2010, AJ 139, 1628), taken from desihub/speclite
 *   speclite/data/filters/ (commit 8159ea61).
 *   Licence: BSD-3-Clause, Copyright (c) 2015-2025, Speclite Developers. Redistribution and use
 *   in source and binary forms, with or without modification, are permitted provided that the
 *   following conditions are met: (1) redistributions of source code must retain the above
 *   copyright notice, this list of conditions and the following disclaimer; (2) redistributions
 *   in binary form must reproduce the above copyright notice, this list of conditions and the
 *   following disclaimer in the documentation and/or other materials provided with the
 *   distribution; (3) neither the name of the copyright holder nor the names of its contributors
 *   may be used to endorse or promote products derived from this software without specific
 *   prior written permission. THIS SOFTWARE IS PROVIDED BY THE COPYRIGHT HOLDERS AND
 *   CONTRIBUTORS "AS IS" AND ANY EXPRESS OR IMPLIED WARRANTIES, INCLUDING, BUT NOT LIMITED TO,
 *   THE IMPLIED WARRANTIES OF MERCHANTABILITY AND FITNESS FOR A PARTICULAR PURPOSE ARE
 *   DISCLAIMED. IN NO EVENT SHALL THE COPYRIGHT HOLDER OR CONTRIBUTORS BE LIABLE FOR ANY
 *   DIRECT, INDIRECT, INCIDENTAL, SPECIAL, EXEMPLARY, OR CONSEQUENTIAL DAMAGES ARISING IN ANY
 *   WAY OUT OF THE USE OF THIS SOFTWARE, EVEN IF ADVISED OF THE POSSIBILITY OF SUCH DAMAGE.
 */

/** Redshift step of the KCORR grid. */
export const Z_STEP = ${Z_STEP}
/** Largest tabulated redshift. */
export const Z_MAX = ${Z_MAX}
/** Templates, red to blue. */
export const TEMPLATES = ${JSON.stringify(TEMPLATES)} as const
/** Template name. */
export type TemplateName = (typeof TEMPLATES)[number]
/** Bands with tabulated responses. */
export const TABLE_BANDS = ${JSON.stringify(Object.keys(BANDS))} as const
/** K-corrections K_b(z) relative to rest-frame DECam r, AB mag. */
export const KCORR: Readonly<Record<TemplateName, Readonly<Record<string, readonly number[]>>>> = ${JSON.stringify(kcorr)}
/** Blackbody temperatures (K) of STAR_COLOUR columns. */
export const STAR_TEMPERATURES: readonly number[] = ${JSON.stringify(T_GRID)}
/** Blackbody colours m_b − m_r (AB) per band. */
export const STAR_COLOUR: Readonly<Record<string, readonly number[]>> = ${JSON.stringify(star)}
`
  mkdirSync(dirname(outFile), { recursive: true })
  writeFileSync(outFile, out)
  console.log(`derive-sed-tables: wrote ${outFile} (${out.length} bytes)`)
}

main()

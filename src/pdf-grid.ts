/**
 * A fixed redshift grid on which photo-z PDFs can also be stored (qp "interp": shared x values,
 * one row of densities per object), as an option next to the Gaussian-mixture columns.
 */
import { SurveyError } from './errors.js'

/** `n` evenly spaced points from `start` to `stop` inclusive. */
export interface PdfGrid {
  readonly start: number
  readonly stop: number
  readonly n: number
}

/** Throws `SurveyError('option')` naming `option` unless start < stop are finite and 2 ≤ n ≤ 10000 is an integer. */
export function checkPdfGrid(grid: PdfGrid, option = 'pdfGrid'): PdfGrid {
  if (!(Number.isFinite(grid.start) && Number.isFinite(grid.stop) && grid.start < grid.stop)) {
    throw new SurveyError('option', `option ${option}: the grid needs start < stop, got start=${grid.start} stop=${grid.stop}`)
  }
  if (!(Number.isInteger(grid.n) && grid.n >= 2 && grid.n <= 10_000)) {
    throw new SurveyError('option', `option ${option}: the grid needs an integer number of points between 2 and 10000, got ${grid.n}`)
  }
  return grid
}

/** Parses "start:stop:n" (e.g. "0:3:301"); errors name `option` and the text. */
export function parsePdfGrid(text: string, option = '--pdf-grid'): PdfGrid {
  const parts = text.split(':')
  const [start, stop, n] = parts.map(Number)
  if (parts.length !== 3 || start === undefined || stop === undefined || n === undefined || parts.some((p) => p.trim() === '' || !Number.isFinite(Number(p)))) {
    throw new SurveyError('option', `option ${option} must be start:stop:points, e.g. 0:3:301, got "${text}"`)
  }
  return checkPdfGrid({ start, stop, n }, option)
}

/** The grid's points as a Float64Array. */
export function pdfGridPoints(grid: PdfGrid): Float64Array {
  const step = (grid.stop - grid.start) / (grid.n - 1)
  return Float64Array.from({ length: grid.n }, (_, i) => (i === grid.n - 1 ? grid.stop : grid.start + i * step))
}

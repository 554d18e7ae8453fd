/**
 * A virtualised results table: only the rows in view exist in the DOM (a
 * small pool of row elements is reused), values are read from the columnar
 * {@link ResultStore}. Past ~8 million pixels of content the scrollbar maps
 * proportionally onto rows, so a million rows scroll as easily as a hundred.
 * Positions and sizes are set through the CSSOM (allowed under a strict
 * `style-src`), never through style attributes.
 */
import type { DisplayColumn } from './protocol.js'
import type { ResultStore } from './results.js'
import { thumbnailRgba } from './thumbnails.js'

/** Row height in CSS pixels. */
export const ROW_HEIGHT = 28
const MAX_SCROLL_PX = 8_000_000
/** Row elements at most, whatever the viewport's height. */
const MAX_DOM_ROWS = 200

/** Format a value for a cell. */
export function formatCell(column: DisplayColumn, value: number | string | null): string {
  if (value === null) return '—'
  if (typeof value === 'string') return value
  if (column.role === 'id') return Number.isInteger(value) ? String(value) : value.toPrecision(8)
  if (column.role === 'probability' || column.role === 'uncertainty') return value.toFixed(4)
  if (Number.isInteger(value) && Math.abs(value) < 1e9) return String(value)
  const abs = Math.abs(value)
  return abs !== 0 && (abs < 1e-3 || abs >= 1e6) ? value.toExponential(3) : value.toPrecision(5)
}

interface RowView {
  readonly element: HTMLDivElement
  readonly index: HTMLSpanElement
  readonly canvas: HTMLCanvasElement | undefined
  readonly cells: HTMLSpanElement[]
  row: number
}

/** The table widget; create it once per run with that run's store. */
export class VirtualTable {
  readonly element: HTMLDivElement
  private readonly viewport: HTMLDivElement
  private readonly spacer: HTMLDivElement
  private readonly body: HTMLDivElement
  private readonly pool: RowView[] = []
  private frame = 0
  private renderedRows = -1
  private readonly template: string

  /** `height`: the viewport's height in CSS pixels (default 360). */
  constructor(private readonly store: ResultStore, height = 360, private readonly doc: Document = document) {
    const el = (tag: string, cls: string): HTMLDivElement => {
      const e = doc.createElement(tag) as HTMLDivElement
      e.className = cls
      return e
    }
    this.element = el('div', 'table')
    this.element.setAttribute('role', 'table')
    const head = el('div', 'row head')
    head.setAttribute('role', 'row')
    const template = (this.template = ['4.5em', ...(store.thumbSize > 0 ? ['44px'] : []), ...store.columns.map((c) => (c.kind === 'string' ? 'minmax(6em, 1.4fr)' : 'minmax(5em, 1fr)'))].join(' '))
    const headers = ['#', ...(store.thumbSize > 0 ? ['img'] : []), ...store.columns.map((c) => c.name)]
    for (const [i, text] of headers.entries()) {
      const cell = el('span', 'cell')
      cell.setAttribute('role', 'columnheader')
      cell.textContent = text
      const column = store.columns[i - (store.thumbSize > 0 ? 2 : 1)]
      if (column) cell.title = `${column.name}${column.unit ? ` [${column.unit}]` : ''}: ${column.description}`
      head.append(cell)
    }
    Object.assign(head.style, { display: 'grid', gridTemplateColumns: template })
    this.viewport = el('div', 'viewport')
    this.viewport.tabIndex = 0
    this.spacer = el('div', 'spacer')
    this.body = el('div', 'body')
    // layout that virtualisation depends on is set here (CSSOM, allowed under a strict CSP), so the
    // table works even where the element's stylesheet does not reach
    Object.assign(this.viewport.style, { position: 'relative', height: `${height}px`, overflowY: 'auto', overflowX: 'hidden' })
    Object.assign(this.body.style, { position: 'absolute', top: '0', left: '0', right: '0' })
    this.spacer.style.width = '1px'
    this.viewport.append(this.spacer, this.body)
    this.element.append(head, this.viewport)
    this.viewport.addEventListener('scroll', () => this.schedule())
  }

  /** Re-render on the next animation frame (after new rows, a scroll or a resize). */
  schedule(): void {
    if (this.frame) return
    this.frame = requestAnimationFrame(() => {
      this.frame = 0
      this.render()
    })
  }

  /** Number of row elements currently in the DOM (stays small whatever the row count). */
  get domRows(): number {
    return this.pool.filter((v) => v.element.isConnected && !v.element.hidden).length
  }

  /** Scroll so that `row` is the first row in view. */
  scrollToRow(row: number): void {
    const total = this.store.rows * ROW_HEIGHT
    const height = Math.min(total, MAX_SCROLL_PX)
    const view = this.viewport.clientHeight
    const visible = Math.ceil(view / ROW_HEIGHT)
    this.viewport.scrollTop = total <= MAX_SCROLL_PX ? row * ROW_HEIGHT : (row / Math.max(1, this.store.rows - visible)) * Math.max(1, height - view)
    this.render()
  }

  private makeRow(): RowView {
    const element = this.doc.createElement('div')
    element.className = 'row'
    element.setAttribute('role', 'row')
    Object.assign(element.style, { display: 'grid', height: `${ROW_HEIGHT}px`, gridTemplateColumns: this.template })
    const index = this.doc.createElement('span')
    index.className = 'cell index'
    element.append(index)
    let canvas: HTMLCanvasElement | undefined
    if (this.store.thumbSize > 0) {
      canvas = this.doc.createElement('canvas')
      canvas.width = this.store.thumbSize
      canvas.height = this.store.thumbSize
      canvas.className = 'thumb'
      element.append(canvas)
    }
    const cells = this.store.columns.map((c) => {
      const cell = this.doc.createElement('span')
      cell.className = `cell ${c.kind} ${c.role}`
      cell.setAttribute('role', 'cell')
      element.append(cell)
      return cell
    })
    this.body.append(element)
    return { element, index, canvas, cells, row: -1 }
  }

  /** Draw the rows in view now. */
  render(): void {
    const rows = this.store.rows
    const total = rows * ROW_HEIGHT
    const scaled = total > MAX_SCROLL_PX
    this.spacer.style.height = `${Math.min(total, MAX_SCROLL_PX)}px`
    const view = this.viewport.clientHeight || 400
    const visible = Math.min(rows, Math.ceil(view / ROW_HEIGHT) + 1, MAX_DOM_ROWS)
    const top = this.viewport.scrollTop
    const first = scaled
      ? Math.min(rows - visible, Math.floor((top / Math.max(1, MAX_SCROLL_PX - view)) * (rows - visible + 1)))
      : Math.min(Math.max(0, rows - visible), Math.floor(top / ROW_HEIGHT))
    this.body.style.transform = `translateY(${scaled ? top : first * ROW_HEIGHT}px)`
    while (this.pool.length < visible) this.pool.push(this.makeRow())
    const changedRowCount = this.renderedRows !== rows
    this.renderedRows = rows
    for (const [k, view] of this.pool.entries()) {
      const row = first + k
      if (k >= visible || row >= rows) {
        view.element.hidden = true
        view.row = -1
        continue
      }
      view.element.hidden = false
      if (view.row === row && !changedRowCount) continue
      view.row = row
      view.element.dataset['row'] = String(row)
      view.index.textContent = String(row + 1)
      if (view.canvas) {
        const ctx = view.canvas.getContext('2d')
        const rgb = this.store.thumbnail(row)
        if (ctx) {
          if (rgb) ctx.putImageData(new ImageData(thumbnailRgba(rgb, 0), this.store.thumbSize, this.store.thumbSize), 0, 0)
          else ctx.clearRect(0, 0, view.canvas.width, view.canvas.height)
        }
      }
      this.store.columns.forEach((column, c) => {
        const value = this.store.value(column.name, row)
        const cell = view.cells[c]!
        cell.textContent = formatCell(column, value)
        if (column.role === 'status') cell.classList.toggle('bad', value !== 'ok')
      })
    }
  }
}

/**
 * Progress display: a bar on a terminal, plain periodic lines otherwise.
 */
import type { Progress } from '../annotate.js'

function duration(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds)) return '?'
  const s = Math.round(seconds)
  if (s < 60) return `${s}s`
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`
}

/** One-line description of progress. */
export function describeProgress(p: Progress): string {
  const total = p.totalRows !== undefined ? `/${p.totalRows.toLocaleString('en')}` : ''
  const failed = p.rowsFailed > 0 ? `, ${p.rowsFailed.toLocaleString('en')} not ok` : ''
  return `${p.rowsDone.toLocaleString('en')}${total} rows${failed} · ${p.rowsPerSecond.toFixed(1)} rows/s · ETA ${duration(p.etaSeconds)}`
}

/** A progress reporter writing to a stream. */
export function progressReporter(stream: NodeJS.WriteStream, options: { quiet: boolean; intervalMs?: number }): { update(p: Progress): void; done(): void } {
  if (options.quiet) return { update() {}, done() {} }
  const tty = stream.isTTY === true
  const interval = options.intervalMs ?? (tty ? 100 : 5000)
  let last = 0
  let shown = false
  return {
    update(p) {
      const now = Date.now()
      const finished = p.totalRows !== undefined && p.rowsDone >= p.totalRows
      if (now - last < interval && !finished) return
      last = now
      if (tty) {
        const width = 30
        const fraction = p.totalRows ? Math.min(1, p.rowsDone / p.totalRows) : 0
        const filled = Math.round(fraction * width)
        const bar = p.totalRows ? `[${'█'.repeat(filled)}${'░'.repeat(width - filled)}] ${(fraction * 100).toFixed(0).padStart(3)}% ` : ''
        stream.write(`\r\x1b[2K${bar}${describeProgress(p)}`)
        shown = true
      } else {
        stream.write(`progress: ${describeProgress(p)}\n`)
      }
    },
    done() {
      if (tty && shown) stream.write('\n')
    },
  }
}

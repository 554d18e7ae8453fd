/**
 * V8 heap sizing for long streaming runs.
 *
 * After each full collection V8 lets the old generation grow to a multiple of
 * what survived before it collects again; the multiple is chosen from how cheap
 * collections have been, and a streaming run (a small live set, a torrent of
 * short-lived batches) gets the largest one, about 4×. Memory then depends on
 * how long the run has been going rather than on what it holds: streaming 1M
 * tiny rows peaked at twice the RSS of 10k rows (~1.6× with this), and a
 * 10,000-row 64×64×3 catalog with its cutouts written back at ~465 MB (~380 MB
 * with this).
 * `--heap-growing-percent=P` fixes the multiple at 1 + P/100. It is read at
 * every collection, so it can be set once the process runs; it applies to
 * every isolate in the process, workers included. The CLI sets it; library
 * users set it themselves (`node --heap-growing-percent=50 app.js`, or
 * {@link tuneHeapForStreaming} at start-up).
 */
import v8 from 'node:v8'

/** The CLI's default: collect when the old generation has grown 50% past what survived. */
export const DEFAULT_HEAP_GROWING_PERCENT = 50

/** Environment variable that overrides the CLI's heap growing percent (`0` leaves V8's own heuristics). */
export const HEAP_GROWING_ENV = 'SURVEY_CLASSIFY_HEAP_GROWING_PERCENT'

/** What {@link tuneHeapForStreaming} did. */
export type HeapTuning =
  | { readonly applied: true, readonly percent: number }
  | { readonly applied: false, readonly reason: string }

/** Where {@link tuneHeapForStreaming} looks; the defaults are this process's. */
export interface HeapTuningContext {
  readonly env?: Readonly<Record<string, string | undefined>>
  /** V8/Node flags the process was started with (`process.execArgv` and NODE_OPTIONS). */
  readonly startFlags?: readonly string[]
  /** Applies a V8 flag string; default `v8.setFlagsFromString`. */
  readonly setFlags?: (flags: string) => void
}

/**
 * Fix V8's old-generation growing factor for a streaming run, unless the
 * process was started with its own `--heap-growing-percent` or the
 * {@link HEAP_GROWING_ENV} variable says otherwise (an integer 1–1000, or 0 to
 * leave V8's heuristics alone).
 * @throws Error naming the variable when its value is not such an integer.
 */
export function tuneHeapForStreaming(percent = DEFAULT_HEAP_GROWING_PERCENT, context: HeapTuningContext = {}): HeapTuning {
  const env = context.env ?? process.env
  const startFlags = context.startFlags ?? [...process.execArgv, ...(process.env['NODE_OPTIONS'] ?? '').split(/\s+/)]
  const fromEnv = env[HEAP_GROWING_ENV]
  if (fromEnv !== undefined && fromEnv !== '') {
    if (!/^\d+$/.test(fromEnv) || Number(fromEnv) > 1000) throw new Error(`environment variable ${HEAP_GROWING_ENV} must be an integer from 0 to 1000 (0: V8's own heuristics), got "${fromEnv}"`)
    percent = Number(fromEnv)
    if (percent === 0) return { applied: false, reason: `${HEAP_GROWING_ENV}=0` }
  }
  if (startFlags.some((f) => /^--heap[-_]growing[-_]percent\b/.test(f))) return { applied: false, reason: 'the process was started with its own --heap-growing-percent' }
  if (!Number.isInteger(percent) || percent < 1 || percent > 1000) throw new RangeError(`heap growing percent must be an integer from 1 to 1000, got ${percent}`)
  ;(context.setFlags ?? v8.setFlagsFromString)(`--heap-growing-percent=${percent}`)
  return { applied: true, percent }
}

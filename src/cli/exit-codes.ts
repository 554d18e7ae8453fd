import type { ErrorCode } from '../errors.js'

/** Exit codes of the `survey-classify` CLI, documented in the README. */
export const EXIT_CODES = Object.freeze({
  ok: 0,
  unexpected: 1,
  option: 2,
  input: 3,
  model: 4,
  backend: 5,
  worker: 6,
  output: 7,
  /** Some rows could not be processed (their status is not 'ok'); the output is complete. */
  rowsFailed: 8,
  cancelled: 130,
} as const)

/** Exit code for an error code. */
export function exitCodeFor(code: ErrorCode | undefined): number {
  return code === undefined ? EXIT_CODES.unexpected : EXIT_CODES[code]
}

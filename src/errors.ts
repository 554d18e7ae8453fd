/**
 * Tagged errors shared by the main thread and the workers.
 *
 * Every error the library throws on purpose is a {@link SurveyError} with a
 * `code` that callers can switch on (and that the CLI maps to exit codes).
 * They are recognised by a `Symbol.for` brand rather than `instanceof`, so an
 * error rebuilt on the other side of a worker boundary, or thrown by a second
 * copy of the library, is still recognised.
 */

const BRAND = Symbol.for('survey-classifier.error')

/** What went wrong, coarsely; drives CLI exit codes. */
export type ErrorCode =
  | 'option' // a bad option or argument
  | 'input' // an input catalog that cannot be read (missing, not a catalog, truncated, wrong column)
  | 'model' // a model or manifest that cannot be used (hash mismatch, shape mismatch, missing file)
  | 'backend' // a requested compute backend that is unavailable
  | 'worker' // a worker that failed beyond the retry budget
  | 'output' // the output cannot be written
  | 'cancelled' // the run was cancelled by the caller

/** An error raised by survey-classifier, with a machine-readable code. */
export class SurveyError extends Error {
  readonly code: ErrorCode
  readonly [BRAND] = true

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'SurveyError'
    this.code = code
  }
}

/** True when `value` is a {@link SurveyError}, from any copy of the library or any worker. */
export function isSurveyError(value: unknown): value is SurveyError {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true
}

/** The message of anything thrown, for reports and status columns. */
export function errorMessage(value: unknown): string {
  if (value instanceof Error) return value.message
  return String(value)
}

/** Serialised form of an error crossing a worker boundary. */
export interface SerialisedError {
  readonly name: string
  readonly message: string
  readonly code?: ErrorCode
  readonly stack?: string
  readonly cause?: SerialisedError
}

/** Turn any thrown value into plain cloneable data, keeping tag and cause chain. */
export function serialiseError(value: unknown, depth = 0): SerialisedError {
  if (value instanceof Error) {
    const out: { -readonly [K in keyof SerialisedError]: SerialisedError[K] } = { name: value.name, message: value.message }
    if (value.stack !== undefined) out.stack = value.stack
    if (isSurveyError(value)) out.code = value.code
    if (value.cause !== undefined && depth < 8) out.cause = serialiseError(value.cause, depth + 1)
    return out
  }
  return { name: 'Error', message: String(value) }
}

/** Rebuild an error from {@link serialiseError}'s output. */
export function deserialiseError(data: SerialisedError): Error {
  const cause = data.cause ? deserialiseError(data.cause) : undefined
  const options = cause ? { cause } : undefined
  const error = data.code ? new SurveyError(data.code, data.message, options) : new Error(data.message, options)
  error.name = data.name
  if (data.stack !== undefined) error.stack = data.stack
  return error
}

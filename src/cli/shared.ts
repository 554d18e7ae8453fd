import { SurveyError } from '../errors.js'

/** Streams a command writes to (injectable for tests). */
export interface CommandIo {
  readonly stdout: NodeJS.WriteStream
  readonly stderr: NodeJS.WriteStream
}

/** Parse an integer option, with a default and a minimum; errors name the option. */
export function intOption(value: string | undefined, name: string, fallback: number, min: number): number {
  if (value === undefined) return fallback
  if (!/^-?\d+$/.test(value.trim())) throw new SurveyError('option', `option --${name} must be an integer, got "${value}"`)
  const n = Number(value)
  if (n < min) throw new SurveyError('option', `option --${name} must be ≥ ${min}, got ${n}`)
  return n
}

/** Parse a comma-separated list option. */
export function listOption(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined
  return value.split(',').map((s) => s.trim()).filter((s) => s !== '')
}

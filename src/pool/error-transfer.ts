/**
 * Comlink's default error transfer keeps only name, message and stack; this
 * one keeps a SurveyError's code and the cause chain, so an error thrown in a
 * worker (say, a `model` error) keeps its meaning — and its CLI exit code — on
 * the main thread. Installed by the pool and by every worker entry.
 */
import { transferHandlers, type TransferHandler } from 'comlink'
import { deserialiseError, serialiseError, type SerialisedError } from '../errors.js'

let installed = false

/** Replace Comlink's "throw" transfer handler (idempotent). */
export function installErrorTransfer(): void {
  if (installed) return
  const original = transferHandlers.get('throw') as TransferHandler<{ value: unknown }, unknown> | undefined
  if (!original) return
  const handler: TransferHandler<{ value: unknown }, { isError: boolean; value: unknown }> = {
    canHandle: original.canHandle,
    serialize({ value }) {
      return [value instanceof Error ? { isError: true, value: serialiseError(value) } : { isError: false, value }, []]
    },
    deserialize(serialised) {
      if (serialised.isError) throw deserialiseError(serialised.value as SerialisedError)
      throw serialised.value
    },
  }
  transferHandlers.set('throw', handler as TransferHandler<unknown, unknown>)
  installed = true
}

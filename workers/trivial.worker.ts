// Web and Deno module worker entry for the trivial (no-model) worker.
import { expose } from 'comlink'
import { installErrorTransfer } from '../src/pool/error-transfer.js'
import { createTrivialApi } from './trivial-api.js'

installErrorTransfer()
expose(createTrivialApi())

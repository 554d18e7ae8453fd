// Web and Deno module worker entry for the trivial (no-model) worker.
import { expose } from 'comlink'
import { createTrivialApi } from './trivial-api.js'

expose(createTrivialApi())

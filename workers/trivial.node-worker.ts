// Node worker_threads entry for the trivial (no-model) worker.
import { expose } from 'comlink'
import { installErrorTransfer } from '../src/pool/error-transfer.js'
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs'
import { parentPort } from 'node:worker_threads'
import { createTrivialApi } from './trivial-api.js'

if (!parentPort) throw new Error('trivial.node-worker: must run in a worker thread')
installErrorTransfer()
expose(createTrivialApi(), nodeEndpoint(parentPort))

// Node worker_threads entry: exposes the inference API over Comlink's node endpoint.
import { expose } from 'comlink'
import { installErrorTransfer } from '../src/pool/error-transfer.js'
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs'
import { parentPort } from 'node:worker_threads'
import { createInferenceApi } from './inference-api.js'

if (!parentPort) throw new Error('inference.node-worker: must run in a worker thread')
installErrorTransfer()
expose(createInferenceApi(), nodeEndpoint(parentPort))

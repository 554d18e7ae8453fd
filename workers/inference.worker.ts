// Web and Deno module worker entry: exposes the inference API over Comlink.
import { expose } from 'comlink'
import { installErrorTransfer } from '../src/pool/error-transfer.js'
import { createInferenceApi } from './inference-api.js'

installErrorTransfer()
expose(createInferenceApi())

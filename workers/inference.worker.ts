// Web and Deno module worker entry: exposes the inference API over Comlink.
import { expose } from 'comlink'
import { createInferenceApi } from './inference-api.js'

expose(createInferenceApi())

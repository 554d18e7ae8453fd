// One classification run in a fresh process, for tests/runtime/runtimes.test.ts:
//   node --import tsx tests/runtime/annotate-driver.ts '<json>'
//   deno run -A --sloppy-imports tests/runtime/annotate-driver.ts '<json>'
// Uses the runtime's own entry (src/deno.ts: Deno Workers; src/node.ts: worker_threads)
// and prints one JSON line: the run summary and the workers this process started.
import type { BackendRequest, RunSummary } from '../../src/index.js'

declare const Deno: { args: string[]; version: { deno: string } } | undefined

interface Args {
  input: string
  output: string
  model: string
  backend: BackendRequest
  workers: number
  batchSize: number
  passes: number
  seed: number
}

const isDeno = typeof Deno !== 'undefined'
const args = JSON.parse((isDeno ? Deno!.args[0] : process.argv[2]) ?? '{}') as Args
const started: string[] = []
if (isDeno) {
  // record the Workers started, to show the pool really ran Deno Workers
  const NativeWorker = globalThis.Worker
  globalThis.Worker = class extends NativeWorker {
    constructor(url: string | URL, options?: WorkerOptions) {
      super(url, options)
      started.push(`${options?.name ?? ''} ${String(url)}`)
    }
  } as typeof Worker
}
try {
  let summary: RunSummary
  if (isDeno) {
    const lib = await import('../../src/deno.js')
    const model = await lib.loadModelDir(args.model)
    summary = await lib.annotateFile({ ...args, models: [model], outputColumns: lib.modelOutputColumns(model.manifest, args.passes) })
  } else {
    const lib = await import('../../src/node.js')
    const model = await lib.loadModelDir(args.model)
    summary = await lib.annotateFile({ ...args, models: [model], outputColumns: lib.modelOutputColumns(model.manifest, args.passes) })
  }
  const { ENV } = await import('../../src/env.js')
  console.log(JSON.stringify({ ok: true, runtime: ENV.runtime, workers: started, summary }))
} catch (error) {
  const e = error as { code?: string; message?: string }
  console.log(JSON.stringify({ ok: false, code: e.code, message: e.message ?? String(error) }))
}

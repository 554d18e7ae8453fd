// Simulates a small survey in a fresh process and prints one JSON line: whether the
// WebAssembly FFT ran and an FNV-1a hash of every cutout's bytes, for
// tests/runtime/runtimes.test.ts (the same seed must give the same bytes in Node and Deno).
//   node --import tsx tests/runtime/simulate-driver.ts
//   deno run -A --sloppy-imports tests/runtime/simulate-driver.ts
import { bindFft2d } from '../../src/simulate/fft-wasm.js'
import { simulateSurvey } from '../../src/simulate/index.js'

let h = 0x811c9dc5
let rows = 0
for (const chunk of simulateSurvey({ n: 32, seed: 3, size: 48 }, 16)) {
  for (const c of chunk.columns['cutout'] as Float32Array[]) {
    const bytes = new Uint8Array(c.buffer, c.byteOffset, c.byteLength)
    for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ (bytes[i] as number), 0x01000193) >>> 0
    rows++
  }
}
console.log(JSON.stringify({ wasm: bindFft2d(64).wasm, rows, hash: h.toString(16) }))

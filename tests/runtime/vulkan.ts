/**
 * Which software Vulkan driver (ICD) the WebGPU tests use, chosen the same way
 * scripts/ci-system-deps.sh reports it: lavapipe (Mesa) when Dawn accepts it
 * (Mesa 24+, from bookworm-backports on Debian 12), else Chromium's SwiftShader.
 * Deno's wgpu accepts any lavapipe.
 */
import { execFile } from 'node:child_process'
import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'

/** A Vulkan ICD manifest of a software driver. */
export interface SoftwareIcd {
  readonly name: 'lavapipe' | 'swiftshader'
  /** Value for VK_ICD_FILENAMES. */
  readonly path: string
}

const ROOT = join(import.meta.dirname, '..', '..')

/** Software ICDs present on this machine, lavapipe first (about 7× faster than SwiftShader). */
export function softwareIcds(): SoftwareIcd[] {
  const out: SoftwareIcd[] = []
  const dir = '/usr/share/vulkan/icd.d'
  const lvp = existsSync(dir) ? readdirSync(dir).filter((f) => /^lvp_icd.*\.json$/.test(f)).sort() : []
  if (lvp[0]) out.push({ name: 'lavapipe', path: join(dir, lvp[0]) })
  const swiftshader = '/usr/lib/chromium/vk_swiftshader_icd.json'
  if (existsSync(swiftshader)) out.push({ name: 'swiftshader', path: swiftshader })
  return out
}

const PROBE = `
import { create, globals } from 'webgpu'
Object.assign(globalThis, globals)
const adapter = await create([]).requestAdapter()
console.log(adapter ? 'adapter' : 'none')
process.exit(0)
`

/** The first software ICD on which Dawn (npm `webgpu`) finds an adapter, probed in a child process. */
export async function dawnIcd(): Promise<SoftwareIcd | undefined> {
  for (const icd of softwareIcds()) {
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', PROBE], {
      cwd: ROOT,
      env: { ...process.env, VK_ICD_FILENAMES: icd.path },
      timeout: 60_000,
    }).catch(() => ({ stdout: '' }))
    if (stdout.includes('adapter')) return icd
  }
  return undefined
}

/** The ICD for Deno's wgpu: lavapipe of any Mesa version, else SwiftShader. */
export function denoIcd(): SoftwareIcd | undefined {
  return softwareIcds()[0]
}

/**
 * Locating the package's own files (shipped models) from sources or the build.
 */
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

let root: string | undefined

/** The folder holding survey-classifier's package.json. */
export function packageRoot(): string {
  if (root) return root
  let dir = dirname(fileURLToPath(import.meta.url))
  for (;;) {
    const manifest = join(dir, 'package.json')
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'survey-classifier') {
      root = dir
      return dir
    }
    const parent = dirname(dir)
    if (parent === dir) throw new Error('survey-classifier: cannot find the package root above ' + fileURLToPath(import.meta.url))
    dir = parent
  }
}

/** The folder of a shipped model. */
export function shippedModelDir(name: string): string {
  return join(packageRoot(), 'models', name)
}

/** The package version from package.json. */
export function packageVersion(): string {
  return (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version
}

/**
 * Loading a model bundle (manifest.json + model.json + weight shards) on the
 * main thread, verifying every file's sha256 before any row is processed.
 */
import { concatBytes } from '../bytes.js'
import { SurveyError, errorMessage } from '../errors.js'
import type { ModelPayload } from '../protocol.js'
import { validateManifest } from './manifest.js'

/** Reads a file of a model bundle by its path relative to the manifest. */
export type ReadModelFile = (path: string) => Promise<Uint8Array>

/** Hex sha256 of bytes (Web Crypto: browsers, Node, Deno). */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>)
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('')
}

interface WeightGroup {
  paths: string[]
  weights: unknown[]
}

/**
 * Load and verify a model bundle. `where` names the bundle in errors (a
 * folder or URL). Throws a `model` error naming the file and field at fault:
 * a missing file, a sha256 mismatch (expected and found), a shard not listed
 * in the manifest, or a malformed manifest or model.json.
 */
export async function loadModelBundle(read: ReadModelFile, where: string): Promise<ModelPayload> {
  const readChecked = async (path: string): Promise<Uint8Array> => {
    try {
      return await read(path)
    } catch (cause) {
      throw new SurveyError('model', `model ${where}: file "${path}" cannot be read: ${errorMessage(cause)}`, { cause })
    }
  }
  const manifestBytes = await readChecked('manifest.json')
  let parsed: unknown
  try {
    parsed = JSON.parse(new TextDecoder().decode(manifestBytes))
  } catch (cause) {
    throw new SurveyError('model', `model manifest ${where}/manifest.json is not valid JSON: ${errorMessage(cause)}`, { cause })
  }
  const manifest = validateManifest(parsed, `${where}/manifest.json`)
  const files = new Map<string, Uint8Array>()
  for (const [path, expected] of Object.entries(manifest.files)) {
    const bytes = await readChecked(path)
    const found = await sha256Hex(bytes)
    if (found !== expected) {
      throw new SurveyError('model', `model ${where}: file "${path}" has sha256 ${found}, manifest field files["${path}"] expects ${expected} (corrupted or replaced file)`)
    }
    files.set(path, bytes)
  }
  let modelJson: { weightsManifest?: WeightGroup[] }
  try {
    modelJson = JSON.parse(new TextDecoder().decode(files.get(manifest.modelFile)!)) as typeof modelJson
  } catch (cause) {
    throw new SurveyError('model', `model ${where}: ${manifest.modelFile} is not valid JSON: ${errorMessage(cause)}`, { cause })
  }
  if (!Array.isArray(modelJson.weightsManifest)) throw new SurveyError('model', `model ${where}: ${manifest.modelFile} has no weightsManifest`)
  const shards: Uint8Array[] = []
  for (const group of modelJson.weightsManifest) {
    for (const path of group.paths) {
      const shard = files.get(path)
      if (!shard) throw new SurveyError('model', `model ${where}: weight shard "${path}" named in ${manifest.modelFile} is not listed in manifest field "files" (it must carry a sha256)`)
      shards.push(shard)
    }
  }
  const weights = concatBytes(shards)
  return { manifest, manifestHash: await sha256Hex(manifestBytes), modelJson, weights: weights.buffer }
}

/** A reader for a bundle served over http(s) or from any fetchable base URL. */
export function fetchModelFiles(base: URL, fetchFn: typeof globalThis.fetch = globalThis.fetch): ReadModelFile {
  return async (path) => {
    const res = await fetchFn(new URL(path, base))
    if (!res.ok) throw new Error(`HTTP ${res.status}`)
    return new Uint8Array(await res.arrayBuffer())
  }
}

// @ts-check
// The result cache: generated result files in a directory, named by a hash of what was asked for,
// so equal requests reuse one file. Files are written under a temporary name and then renamed.

import { createHash, randomBytes } from 'node:crypto'
import { mkdir, mkdtemp, rename, rm, stat, unlink } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { resultInfo, writeResult } from './formats.js'

/** @typedef {import('./formats.js').ResultSpec} ResultSpec */

export class ResultCache {
  /** @type {Map<string, Promise<string>>} file path -> result file being written */
  #pending = new Map()
  #dir = ''
  #ownsDir = false
  #options
  #signal

  /**
   * @param {{ cacheDir?: string }} options a cacheDir is kept on close(); without one a temporary
   *   directory is made and removed
   * @param {AbortSignal} signal aborts generation in progress
   */
  constructor(options, signal) {
    this.#options = options
    this.#signal = signal
  }

  /** Creates the cache directory. */
  async prepare() {
    if (this.#options.cacheDir) {
      this.#dir = this.#options.cacheDir
      await mkdir(this.#dir, { recursive: true })
    } else {
      this.#dir = await mkdtemp(join(tmpdir(), 'fabricate-emulator-'))
      this.#ownsDir = true
    }
  }

  /**
   * The result file for a spec: from the cache, or generated now (once, even when asked twice).
   * @param {ResultSpec} spec
   * @returns {Promise<string>}
   */
  async resultFile(spec) {
    const filePath = join(this.#dir, `${cacheKey(spec)}.${resultInfo(spec).extension}`)
    const pending = this.#pending.get(filePath)
    if (pending) return pending
    const signal = this.#signal
    const created = exists(filePath).then(found =>
      found ? filePath : writeAtomically(spec, filePath, signal)
    )
    this.#pending.set(filePath, created)
    try {
      return await created
    } finally {
      this.#pending.delete(filePath)
    }
  }

  /** Waits for files being written, then removes a temporary cache directory. */
  async close() {
    await Promise.allSettled(this.#pending.values())
    if (this.#ownsDir) await rm(this.#dir, { recursive: true, force: true })
  }
}

/**
 * @param {ResultSpec} spec
 * @returns {string}
 */
function cacheKey(spec) {
  const identity = {
    database: spec.database.id,
    format: spec.format,
    entity: spec.entity ?? null,
    recordCounts: spec.recordCounts,
    fields: spec.fields ?? {},
    textLength: spec.textLength,
    layout: spec.entity ? null : (spec.layout ?? 'flat'),
    seed: spec.seed,
    compressionLevel: spec.compressionLevel ?? null
  }
  return createHash('sha256').update(JSON.stringify(identity)).digest('hex').slice(0, 32)
}

/**
 * Writes to a temporary name, then renames, so a cache file is always complete.
 * @param {ResultSpec} spec
 * @param {string} filePath
 * @param {AbortSignal} signal
 */
async function writeAtomically(spec, filePath, signal) {
  const partial = `${filePath}.${randomBytes(6).toString('hex')}.partial`
  try {
    await writeResult(spec, partial, signal)
    await rename(partial, filePath)
    return filePath
  } catch (error) {
    await unlink(partial).catch(() => {})
    throw error
  }
}

/** @param {string} filePath */
async function exists(filePath) {
  return stat(filePath).then(
    () => true,
    () => false
  )
}

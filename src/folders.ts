/**
 * Putting a result in place all at once: it is built in a staging folder beside its destination
 * (the same disk, so the last step is a rename) and appears only when complete.
 */
import { randomBytes } from 'node:crypto'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { ResultError } from './errors.js'

/**
 * A new folder beside dest (same disk, so the final move is a rename). `register` hears of it
 * before it exists, so that a post step can remove it after a killed run.
 */
export async function makeStaging(
  dest: string,
  register?: (folder: string) => void
): Promise<string> {
  await fs.promises.mkdir(path.dirname(dest), { recursive: true })
  const staging = `${dest}.partial-${randomBytes(4).toString('hex')}`
  register?.(staging)
  await fs.promises.mkdir(staging)
  return staging
}

/** Renames staging to dest; dest may exist only as an empty folder. */
export async function moveIntoPlace(staging: string, dest: string): Promise<void> {
  try {
    await fs.promises.rmdir(dest)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOTEMPTY' || code === 'EEXIST') {
      throw new ResultError(`'${dest}' is no longer empty; the result was not moved into it.`)
    }
    if (code !== 'ENOENT') throw error
  }
  await fs.promises.rename(staging, dest)
}

export function isInside(folder: string, target: string): boolean {
  const relative = path.relative(folder, target)
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative)
}

/** Why a folder cannot receive the result, or undefined when it can. */
export function unusableResultFolder(folder: string): string | undefined {
  let stat: fs.Stats
  try {
    stat = fs.statSync(folder)
  } catch {
    return undefined // does not exist yet: it will be created
  }
  if (!stat.isDirectory())
    return `'${folder}' exists and is not a folder. Name a new or empty folder.`
  if (fs.readdirSync(folder).length > 0) {
    return `'${folder}' is not empty; the action never mixes a result into existing files. Name a new or empty folder, or remove it first.`
  }
  return undefined
}

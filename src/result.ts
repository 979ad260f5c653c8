/**
 * What a downloaded result is and where its files end up. A zip (by its content type, or by its
 * first bytes when the type is missing) is unpacked; anything else (one table, an SQLite file) is
 * kept as one file named for the entity or database, with the format's extension.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import { makeStaging, moveIntoPlace } from './folders.js'

const ZIP_TYPES = ['application/zip', 'application/x-zip-compressed', 'application/x-zip']
const ZIP_MAGIC = [Buffer.from('PK\x03\x04', 'latin1'), Buffer.from('PK\x05\x06', 'latin1')]

/** The file extension for a result of this format that is not an archive. */
const EXTENSIONS: Record<string, string> = {
  csv: 'csv',
  jsonl: 'jsonl',
  json_array: 'json',
  json: 'json',
  sql: 'sql',
  postgres: 'sql',
  'postgres-optimized': 'sql',
  mysql: 'sql',
  mssql: 'sql',
  oracle: 'sql',
  sqlite: 'sqlite',
  xml: 'xml',
  parquet: 'parquet'
}

const TYPE_EXTENSIONS: Record<string, string> = {
  'text/csv': 'csv',
  'application/x-ndjson': 'jsonl',
  'application/jsonl': 'jsonl',
  'application/json': 'json',
  'application/sql': 'sql',
  'application/vnd.sqlite3': 'sqlite',
  'application/x-sqlite3': 'sqlite',
  'application/xml': 'xml',
  'text/xml': 'xml'
}

/** Whether a result is a zip archive: its media type says so, or, without one, its first bytes. */
export function isZipResult(contentType: string | undefined, firstBytes: Buffer): boolean {
  const type = contentType?.split(';')[0].trim().toLowerCase()
  if (type && type !== 'application/octet-stream' && type !== 'binary/octet-stream') {
    return ZIP_TYPES.includes(type)
  }
  return ZIP_MAGIC.some(magic => firstBytes.subarray(0, 4).equals(magic))
}

/** `customers.csv`, `shop.sqlite`: the name a single-file result is saved under. */
export function singleFileName(
  baseName: string,
  format: string | undefined,
  contentType: string | undefined
): string {
  const type = contentType?.split(';')[0].trim().toLowerCase()
  const extension =
    (format && EXTENSIONS[format.toLowerCase()]) ??
    (type && TYPE_EXTENSIONS[type]) ??
    (format ? format.toLowerCase().replace(/[^a-z0-9]+/g, '-') : 'dat')
  const safeBase = [...baseName]
    .map(c => (c.charCodeAt(0) < 32 || '\\/:*?"<>|'.includes(c) ? '_' : c))
    .join('')
  return `${safeBase}.${extension}`
}

export async function readFirstBytes(file: string, count = 8): Promise<Buffer> {
  const handle = await fs.promises.open(file, 'r')
  try {
    const buffer = Buffer.alloc(count)
    const { bytesRead } = await handle.read(buffer, 0, count, 0)
    return buffer.subarray(0, bytesRead)
  } finally {
    await handle.close()
  }
}

/** Moves a single-file result into a new folder `dest`, under `name`. */
export async function placeSingleFile(
  downloaded: string,
  dest: string,
  name: string,
  onTempPath?: (folder: string) => void
): Promise<void> {
  const staging = await makeStaging(dest, onTempPath)
  try {
    await fs.promises
      .rename(downloaded, path.join(staging, name))
      .catch(async (error: NodeJS.ErrnoException) => {
        if (error.code !== 'EXDEV') throw error
        await fs.promises.copyFile(downloaded, path.join(staging, name))
        await fs.promises.rm(downloaded, { force: true })
      })
    await moveIntoPlace(staging, dest)
  } catch (error) {
    await fs.promises.rm(staging, { recursive: true, force: true }).catch(() => {})
    throw error
  }
}

/** The load.sql of a result: at the top if there, else the shallowest one. */
export function findLoadFile(files: string[]): string | undefined {
  return files
    .filter(file => path.posix.basename(file).toLowerCase() === 'load.sql')
    .sort((a, b) => a.split('/').length - b.split('/').length || a.localeCompare(b))[0]
}

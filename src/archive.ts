/**
 * Unpacking a zip result safely, without any `unzip` binary (container jobs often have none).
 * Every entry is checked before anything is written: no absolute paths, drive letters,
 * backslashes, `..` or links, nothing that would land outside the destination, and a total size
 * within both the limit and the free disk. The entries are written to a staging folder beside the
 * destination and moved into place only when all of them are complete, so a failure never leaves
 * half a result.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import { Readable, Transform, type TransformCallback } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import * as zlib from 'node:zlib'
import yauzl, { type Entry, type ZipFile } from 'yauzl'
import { CancelledError, ResultError } from './errors.js'
import { isInside, makeStaging, moveIntoPlace } from './folders.js'
import { BufferReleaser } from './memory.js'
import { formatBytes } from './units.js'

export interface ZipEntry {
  /** The entry's path inside the archive, with `/` separators. */
  name: string
  isDirectory: boolean
  size: number
  raw: Entry
}

/** Compression methods of the zip format that are read: stored and deflated. */
const STORED = 0
const DEFLATED = 8
/**
 * Read and inflate in 256 KiB pieces: with the stream defaults (16 KiB) unpacking spends most of
 * its time passing small chunks between the disk, zlib's thread pool and the event loop. Reads of
 * 1 MiB are no faster and leave more memory waiting for the garbage collector.
 */
const READ_CHUNK = 2 ** 18
const INFLATE_CHUNK = 2 ** 18

const S_IFMT = 0o170000
const S_IFREG = 0o100000
const S_IFDIR = 0o040000
/** Room kept free on the disk beyond the result itself. */
const DISK_MARGIN = 64 * 2 ** 20

/** Why an entry name is unsafe to extract, or undefined when it is safe. Pure. */
export function unsafeEntryName(name: string): string | undefined {
  if (name.length === 0) return 'an empty name'
  if ([...name].some(c => c.charCodeAt(0) < 32)) return 'a control character in its name'
  if (name.includes('\\')) return 'a backslash in its name (a Windows path)'
  if (/^[a-zA-Z]:/.test(name)) return 'a drive letter'
  if (name.startsWith('/')) return 'an absolute path'
  const segments = name.split('/')
  if (segments.includes('..')) return 'a `..` path segment'
  return undefined
}

/** The entry's type from its Unix mode: 'file', 'directory', or what else it is. */
function entryType(entry: Entry, name: string): 'file' | 'directory' | string {
  const unixMode = (entry.externalFileAttributes >>> 16) & 0xffff
  const type = unixMode & S_IFMT
  if (name.endsWith('/')) return type === 0 || type === S_IFDIR ? 'directory' : 'a special file'
  if (type === 0 || type === S_IFREG) return 'file'
  if (type === S_IFDIR) return 'directory'
  if (type === 0o120000) return 'a symbolic link'
  return 'a special file (device, pipe or socket)'
}

function open(file: string): Promise<ZipFile> {
  return new Promise((resolve, reject) => {
    yauzl.open(
      file,
      { lazyEntries: true, decodeStrings: false, validateEntrySizes: true, autoClose: false },
      (error, zip) => (error ? reject(error) : resolve(zip))
    )
  })
}

function decodeName(entry: Entry): string {
  return yauzl.getFileNameLowLevel(
    entry.generalPurposeBitFlag,
    entry.fileName as unknown as Buffer,
    entry.extraFields,
    true
  )
}

/** Reads the central directory and checks every entry. Throws ResultError naming each problem. */
export async function listEntries(zip: ZipFile, archiveName: string): Promise<ZipEntry[]> {
  const entries: ZipEntry[] = []
  const problems: string[] = []
  const seen = new Set<string>()
  await new Promise<void>((resolve, reject) => {
    zip.on('entry', (entry: Entry) => {
      const name = decodeName(entry)
      const unsafe = unsafeEntryName(name)
      const type = entryType(entry, name)
      const normalized = name.replace(/\/+$/, '')
      if (unsafe) problems.push(`'${name}' has ${unsafe}`)
      else if (type !== 'file' && type !== 'directory') problems.push(`'${name}' is ${type}`)
      else if (entry.isEncrypted()) problems.push(`'${name}' is encrypted`)
      else if (
        type === 'file' &&
        entry.compressionMethod !== STORED &&
        entry.compressionMethod !== DEFLATED
      )
        problems.push(
          `'${name}' uses compression method ${entry.compressionMethod} (only stored and deflated entries are read)`
        )
      else if (seen.has(normalized) && type === 'file') problems.push(`'${name}' appears twice`)
      seen.add(normalized)
      entries.push({
        name: normalized,
        isDirectory: type === 'directory',
        size: entry.uncompressedSize,
        raw: entry
      })
      zip.readEntry()
    })
    zip.once('end', resolve)
    zip.once('error', reject)
    zip.readEntry()
  }).catch((error: Error) => {
    throw new ResultError(
      `The result ${archiveName} is not a readable zip archive: ${error.message}`
    )
  })
  // A file may not also be a folder on the way to another entry.
  const files = new Set(entries.filter(e => !e.isDirectory).map(e => e.name))
  for (const entry of entries) {
    const parts = entry.name.split('/')
    for (let i = 1; i < parts.length; i++) {
      const parent = parts.slice(0, i).join('/')
      if (files.has(parent))
        problems.push(`'${entry.name}' lies inside '${parent}', which is a file`)
    }
  }
  if (problems.length > 0) {
    const shown = problems.slice(0, 10).join('; ')
    const more = problems.length > 10 ? ` and ${problems.length - 10} more` : ''
    throw new ResultError(`The archive was refused and nothing was written: ${shown}${more}.`)
  }
  return entries
}

export interface ExtractOptions {
  /** The folder to create; it must not exist or be empty. */
  dest: string
  maxSizeBytes: number
  signal: AbortSignal
  /** Hears of the staging folder before it is created. */
  onTempPath?: (folder: string) => void
}

export interface Extracted {
  files: string[]
  bytes: number
}

export async function extractZip(archive: string, options: ExtractOptions): Promise<Extracted> {
  const { dest, signal } = options
  const zip = await open(archive).catch((error: Error) => {
    throw new ResultError(`The result is not a readable zip archive: ${error.message}`)
  })
  try {
    const entries = await listEntries(zip, path.basename(archive))
    const total = entries.reduce((sum, e) => sum + (e.isDirectory ? 0 : e.size), 0)
    await checkRoom(total, options)

    const staging = await makeStaging(dest, options.onTempPath)
    try {
      for (const entry of entries) {
        if (signal.aborted) throw new CancelledError()
        const target = path.join(staging, ...entry.name.split('/'))
        if (!isInside(staging, target))
          throw new ResultError(`'${entry.name}' would land outside the destination.`)
        if (entry.isDirectory) {
          await fs.promises.mkdir(target, { recursive: true })
          continue
        }
        await fs.promises.mkdir(path.dirname(target), { recursive: true })
        const { source, transforms } = await entryStreams(zip, archive, entry)
        const onAbort = (): void => {
          source.destroy(new CancelledError())
        }
        signal.addEventListener('abort', onAbort, { once: true })
        try {
          await pipeline([
            source,
            ...transforms,
            fs.createWriteStream(target, { flags: 'wx', mode: 0o644 })
          ])
        } catch (error) {
          if (error instanceof CancelledError) throw error
          throw new ResultError(`Extracting '${entry.name}' failed: ${(error as Error).message}`)
        } finally {
          signal.removeEventListener('abort', onAbort)
        }
      }
      await moveIntoPlace(staging, dest)
    } catch (error) {
      await fs.promises.rm(staging, { recursive: true, force: true }).catch(() => {})
      throw error
    }
    const files = entries
      .filter(e => !e.isDirectory)
      .map(e => e.name)
      .sort()
    return { files, bytes: total }
  } finally {
    zip.close()
  }
}

/**
 * The streams that turn an entry's bytes in the archive into its content: a read of its data
 * (from where yauzl, having checked the local header, says it starts), inflate when deflated, and
 * a check against the size and CRC-32 that the central directory declares.
 */
async function entryStreams(
  zip: ZipFile,
  archive: string,
  entry: ZipEntry
): Promise<{ source: Readable; transforms: Transform[] }> {
  const { fileDataStart } = await new Promise<{ fileDataStart: number }>((resolve, reject) => {
    zip.readLocalFileHeader(entry.raw, { minimal: true }, (error, header) =>
      error ? reject(error) : resolve(header)
    )
  })
  const { compressedSize, compressionMethod, crc32 } = entry.raw
  const source =
    compressedSize === 0
      ? Readable.from([])
      : fs.createReadStream(archive, {
          start: fileDataStart,
          end: fileDataStart + compressedSize - 1,
          highWaterMark: READ_CHUNK
        })
  const transforms: Transform[] = []
  if (compressionMethod === DEFLATED) {
    transforms.push(zlib.createInflateRaw({ chunkSize: INFLATE_CHUNK }))
  }
  transforms.push(new DeclaredContent(entry.size, crc32))
  return { source, transforms }
}

/**
 * Passes an entry's content through while checking it against what the central directory
 * declares: it stops as soon as more bytes come than declared (a zip bomb that lies about its
 * size), and at the end checks the byte count and the CRC-32 (a damaged archive).
 */
class DeclaredContent extends Transform {
  private bytes = 0
  private crc = 0
  private readonly releaser = new BufferReleaser()
  /** zlib.crc32 is there from Node 20.15 and 22.2; on older Node the CRC is not checked. */
  private readonly checksum = typeof zlib.crc32 === 'function' ? zlib.crc32 : undefined

  constructor(
    private readonly size: number,
    private readonly expectedCrc: number
  ) {
    super()
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length
    if (this.bytes > this.size) {
      callback(new Error(`it inflates to more than the ${this.size} bytes it declares`))
      return
    }
    if (this.checksum) this.crc = this.checksum(chunk, this.crc)
    this.releaser.passed(chunk.length)
    callback(null, chunk)
  }

  override _flush(callback: TransformCallback): void {
    if (this.bytes !== this.size) {
      callback(new Error(`it holds ${this.bytes} bytes, not the ${this.size} it declares`))
    } else if (this.checksum && this.crc !== this.expectedCrc) {
      callback(new Error('its CRC-32 does not match: the archive is damaged'))
    } else {
      callback()
    }
  }
}

async function checkRoom(total: number, options: ExtractOptions): Promise<void> {
  if (total > options.maxSizeBytes) {
    throw new ResultError(
      `The archive would unpack to ${formatBytes(total)}, more than \`max-size\` (${formatBytes(options.maxSizeBytes)}). Nothing was written. Raise \`max-size\` if this is expected.`
    )
  }
  const free = await freeSpace(path.dirname(options.dest))
  if (free !== undefined && total + DISK_MARGIN > free) {
    throw new ResultError(
      `The archive would unpack to ${formatBytes(total)}, but only ${formatBytes(free)} is free on the disk of ${path.dirname(options.dest)}. Nothing was written.`
    )
  }
}

async function freeSpace(folder: string): Promise<number | undefined> {
  try {
    const stats = await fs.promises.statfs(folder)
    return stats.bavail * stats.bsize
  } catch {
    return undefined
  }
}

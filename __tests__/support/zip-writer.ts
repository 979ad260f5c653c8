/**
 * Writes zip archives byte by byte, including the hostile ones a well-behaved library refuses to
 * make: absolute and `..` names, backslashes, drive letters, symbolic links, sizes that lie.
 * Real archives for the tests, built from the format's specification (APPNOTE), not mocks.
 */
import * as fs from 'node:fs'
import * as zlib from 'node:zlib'

export interface RawEntry {
  name: string
  data?: Buffer | string
  /** Unix mode for the external attributes, e.g. 0o120777 for a symbolic link. */
  mode?: number
  /** Compress with deflate (default: store). */
  deflate?: boolean
  /** Uncompressed size to declare instead of the true one (a lying archive). */
  declaredSize?: number
  /** CRC-32 to declare instead of the true one (a damaged archive). */
  declaredCrc?: number
  /** Compression method to declare instead of 0 (stored) or 8 (deflated). */
  declaredMethod?: number
}

export function buildZip(entries: RawEntry[]): Buffer {
  const locals: Buffer[] = []
  const centrals: Buffer[] = []
  let offset = 0
  for (const entry of entries) {
    const name = Buffer.from(entry.name, 'utf8')
    const data = Buffer.isBuffer(entry.data) ? entry.data : Buffer.from(entry.data ?? '', 'utf8')
    const body = entry.deflate ? zlib.deflateRawSync(data) : data
    const crc = entry.declaredCrc ?? zlib.crc32(data)
    const size = entry.declaredSize ?? data.length
    const method = entry.declaredMethod ?? (entry.deflate ? 8 : 0)
    const flags = 0x0800 // names are UTF-8

    const local = Buffer.alloc(30)
    local.writeUInt32LE(0x04034b50, 0)
    local.writeUInt16LE(20, 4)
    local.writeUInt16LE(flags, 6)
    local.writeUInt16LE(method, 8)
    local.writeUInt32LE(crc, 14)
    local.writeUInt32LE(body.length, 18)
    local.writeUInt32LE(size, 22)
    local.writeUInt16LE(name.length, 26)
    locals.push(local, name, body)

    const central = Buffer.alloc(46)
    central.writeUInt32LE(0x02014b50, 0)
    central.writeUInt16LE((3 << 8) | 20, 4) // made by Unix
    central.writeUInt16LE(20, 6)
    central.writeUInt16LE(flags, 8)
    central.writeUInt16LE(method, 10)
    central.writeUInt32LE(crc, 16)
    central.writeUInt32LE(body.length, 20)
    central.writeUInt32LE(size, 24)
    central.writeUInt16LE(name.length, 28)
    const mode = entry.mode ?? (entry.name.endsWith('/') ? 0o040755 : 0o100644)
    central.writeUInt32LE((mode << 16) >>> 0, 38)
    central.writeUInt32LE(offset, 42)
    centrals.push(central, name)
    offset += local.length + name.length + body.length
  }
  const centralDirectory = Buffer.concat(centrals)
  const end = Buffer.alloc(22)
  end.writeUInt32LE(0x06054b50, 0)
  end.writeUInt16LE(entries.length, 8)
  end.writeUInt16LE(entries.length, 10)
  end.writeUInt32LE(centralDirectory.length, 12)
  end.writeUInt32LE(offset, 16)
  return Buffer.concat([...locals, centralDirectory, end])
}

export function writeZip(file: string, entries: RawEntry[]): string {
  fs.writeFileSync(file, buildZip(entries))
  return file
}

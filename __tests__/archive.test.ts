import { describe, expect, it } from '@jest/globals'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { extractZip, unsafeEntryName } from '../src/archive.js'
import { ResultError } from '../src/errors.js'
import { writeZip, type RawEntry } from './support/zip-writer.js'

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'archive-test-'))
let counter = 0

function scratch(): { zip: string; dest: string } {
  counter++
  return { zip: path.join(root, `a${counter}.zip`), dest: path.join(root, `out${counter}`) }
}

const noSignal = new AbortController().signal
const options = (dest: string, maxSizeBytes = 2 ** 30) => ({ dest, maxSizeBytes, signal: noSignal })

/** What is left beside the destination: extraction must leave nothing behind on failure. */
function leftovers(dest: string): string[] {
  return fs.readdirSync(path.dirname(dest)).filter(name => name.startsWith(path.basename(dest)))
}

describe('unsafeEntryName', () => {
  it.each([
    ['/etc/passwd', 'absolute'],
    ['../escape.sql', '..'],
    ['data/../../escape.sql', '..'],
    ['C:/Windows/x', 'drive letter'],
    ['c:x', 'drive letter'],
    ['dir\\file.csv', 'backslash'],
    ['..\\escape', 'backslash'],
    ['bad\u0001name', 'control character'],
    ['', 'empty']
  ])('refuses %p', (name, reason) => {
    expect(unsafeEntryName(name)).toContain(reason)
  })

  it.each(['load.sql', 'shop/customers.csv', 'dir/', 'a..b/c...csv', 'données/ü.csv'])(
    'accepts %p',
    name => {
      expect(unsafeEntryName(name)).toBeUndefined()
    }
  )
})

describe('extractZip', () => {
  it('unpacks files and folders, stored and deflated, into a new folder', async () => {
    const { zip, dest } = scratch()
    writeZip(zip, [
      { name: 'shop/' },
      { name: 'shop/load.sql', data: "\\copy customers FROM 'customers.csv'\n", deflate: true },
      { name: 'shop/customers.csv', data: 'id,name\n1,"Zoë, ""the"" first"\n' },
      { name: 'README.txt', data: 'hello' }
    ])
    const result = await extractZip(zip, options(dest))
    expect(result.files).toEqual(['README.txt', 'shop/customers.csv', 'shop/load.sql'])
    expect(fs.readFileSync(path.join(dest, 'shop/customers.csv'), 'utf8')).toBe(
      'id,name\n1,"Zoë, ""the"" first"\n'
    )
    expect(leftovers(dest)).toEqual([path.basename(dest)])
  })

  const hostile: [string, RawEntry][] = [
    ['an absolute path', { name: '/tmp/evil.sql', data: 'x' }],
    ['a parent segment', { name: '../evil.sql', data: 'x' }],
    ['a drive letter', { name: 'C:/evil.sql', data: 'x' }],
    ['a backslash', { name: '..\\evil.sql', data: 'x' }],
    ['a symbolic link', { name: 'link', data: '/etc/passwd', mode: 0o120777 }],
    ['a device', { name: 'dev', data: '', mode: 0o020644 }]
  ]
  it.each(hostile)('refuses the whole archive for %s, writing nothing', async (_, bad) => {
    const { zip, dest } = scratch()
    writeZip(zip, [
      { name: 'good.csv', data: 'a,b\n' },
      bad,
      { name: 'also-good.csv', data: 'c\n' }
    ])
    const error = await extractZip(zip, options(dest)).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ResultError)
    expect((error as Error).message).toContain('nothing was written')
    expect(leftovers(dest)).toEqual([])
    expect(fs.existsSync(path.join(root, 'evil.sql'))).toBe(false)
  })

  it('refuses an archive whose size exceeds max-size before writing anything, naming both sizes', async () => {
    const { zip, dest } = scratch()
    writeZip(zip, [{ name: 'zeros.bin', data: Buffer.alloc(8 * 2 ** 20), deflate: true }])
    expect(fs.statSync(zip).size).toBeLessThan(64 * 1024)
    const error = (await extractZip(zip, options(dest, 2 ** 20)).catch((e: unknown) => e)) as Error
    expect(error.message).toContain('8.0 MiB')
    expect(error.message).toContain('1.0 MiB')
    expect(leftovers(dest)).toEqual([])
  })

  it('stops an entry that inflates past its declared size, leaving nothing', async () => {
    const { zip, dest } = scratch()
    writeZip(zip, [
      { name: 'bomb.bin', data: Buffer.alloc(4 * 2 ** 20), deflate: true, declaredSize: 1000 }
    ])
    const error = (await extractZip(zip, options(dest)).catch((e: unknown) => e)) as Error
    expect(error).toBeInstanceOf(ResultError)
    expect(error.message).toContain('bomb.bin')
    expect(leftovers(dest)).toEqual([])
  })

  it('stops an entry that holds fewer bytes than it declares, leaving nothing', async () => {
    const { zip, dest } = scratch()
    writeZip(zip, [
      { name: 'ok.csv', data: 'a,b\n' },
      { name: 'short.csv', data: 'x'.repeat(5000), deflate: true, declaredSize: 6000 }
    ])
    const error = (await extractZip(zip, options(dest)).catch((e: unknown) => e)) as Error
    expect(error).toBeInstanceOf(ResultError)
    expect(error.message).toBe(
      "Extracting 'short.csv' failed: it holds 5000 bytes, not the 6000 it declares"
    )
    expect(leftovers(dest)).toEqual([])
  })

  it.each([
    ['stored', false],
    ['deflated', true]
  ])('refuses a %s entry whose CRC-32 does not match, leaving nothing', async (_, deflate) => {
    const { zip, dest } = scratch()
    const data = 'id,name\n1,Zoë\n'.repeat(1000)
    writeZip(zip, [{ name: 'damaged.csv', data, deflate, declaredCrc: 0x12345678 }])
    const error = (await extractZip(zip, options(dest)).catch((e: unknown) => e)) as Error
    expect(error).toBeInstanceOf(ResultError)
    expect(error.message).toContain("'damaged.csv'")
    expect(error.message).toContain('CRC-32 does not match')
    expect(leftovers(dest)).toEqual([])
  })

  it('refuses, before writing anything, an entry compressed with a method it cannot read', async () => {
    const { zip, dest } = scratch()
    writeZip(zip, [
      { name: 'a.csv', data: 'x' },
      { name: 'b.csv', data: 'y', declaredMethod: 12 }
    ])
    await expect(extractZip(zip, options(dest))).rejects.toThrow(
      "'b.csv' uses compression method 12"
    )
    expect(leftovers(dest)).toEqual([])
  })

  it('unpacks an entry larger than one read or inflate chunk, byte for byte', async () => {
    const { zip, dest } = scratch()
    // Incompressible enough to span several 1 MiB reads, and inflating to several 256 KiB chunks.
    const data = Buffer.alloc(3 * 2 ** 20 + 12345)
    let x = 1
    for (let i = 0; i < data.length; i++) {
      x = (x * 1103515245 + 12345) >>> 0
      data[i] = i % 3 === 0 ? x >>> 24 : 65 + (i % 26)
    }
    writeZip(zip, [
      { name: 'big.bin', data, deflate: true },
      { name: 'empty.txt', data: '' },
      { name: 'stored.bin', data: data.subarray(0, 2 ** 20 + 7) }
    ])
    const result = await extractZip(zip, options(dest))
    expect(result.bytes).toBe(data.length + 2 ** 20 + 7)
    expect(fs.readFileSync(path.join(dest, 'big.bin')).equals(data)).toBe(true)
    expect(fs.readFileSync(path.join(dest, 'empty.txt')).length).toBe(0)
    expect(
      fs.readFileSync(path.join(dest, 'stored.bin')).equals(data.subarray(0, 2 ** 20 + 7))
    ).toBe(true)
  })

  it('refuses a file that is not a zip', async () => {
    const { zip, dest } = scratch()
    fs.writeFileSync(zip, 'not a zip at all')
    await expect(extractZip(zip, options(dest))).rejects.toThrow('not a readable zip')
  })

  it('refuses an archive where a file stands where a folder must be', async () => {
    const { zip, dest } = scratch()
    writeZip(zip, [
      { name: 'data', data: 'x' },
      { name: 'data/inner.csv', data: 'y' }
    ])
    await expect(extractZip(zip, options(dest))).rejects.toThrow("lies inside 'data'")
  })

  it('refuses duplicate entries', async () => {
    const { zip, dest } = scratch()
    writeZip(zip, [
      { name: 'a.csv', data: 'x' },
      { name: 'a.csv', data: 'y' }
    ])
    await expect(extractZip(zip, options(dest))).rejects.toThrow('appears twice')
  })

  it('does not write into a folder that filled up meanwhile', async () => {
    const { zip, dest } = scratch()
    writeZip(zip, [{ name: 'a.csv', data: 'x' }])
    fs.mkdirSync(dest)
    fs.writeFileSync(path.join(dest, 'mine.txt'), 'keep')
    await expect(extractZip(zip, options(dest))).rejects.toThrow('no longer empty')
    expect(fs.readdirSync(dest)).toEqual(['mine.txt'])
    expect(leftovers(dest)).toEqual([path.basename(dest)])
  })

  it('stops when cancelled and leaves nothing', async () => {
    const { zip, dest } = scratch()
    writeZip(zip, [{ name: 'a.csv', data: 'x' }])
    const controller = new AbortController()
    controller.abort()
    await expect(
      extractZip(zip, { dest, maxSizeBytes: 2 ** 30, signal: controller.signal })
    ).rejects.toThrow('Cancelled')
    expect(leftovers(dest)).toEqual([])
  })
})

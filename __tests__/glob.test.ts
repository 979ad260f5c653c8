import { describe, expect, it } from '@jest/globals'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { globFiles } from '../src/glob.js'

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'glob-test-'))
for (const file of [
  'db/01-types.sql',
  'db/02-tables.sql',
  'db/notes.txt',
  'db/sub/03-more.sql',
  'db/.hidden.sql'
]) {
  fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true })
  fs.writeFileSync(path.join(root, file), '')
}
const rel = (files: string[]) => files.map(f => path.relative(root, f))

describe('globFiles', () => {
  it('matches * within one folder, sorted, skipping hidden files', async () => {
    expect(rel(await globFiles('db/*.sql', root))).toEqual(['db/01-types.sql', 'db/02-tables.sql'])
  })
  it('matches ** across folders', async () => {
    expect(rel(await globFiles('db/**/*.sql', root))).toEqual([
      'db/01-types.sql',
      'db/02-tables.sql',
      'db/sub/03-more.sql'
    ])
  })
  it('matches ? and character classes', async () => {
    expect(rel(await globFiles('db/0[2-3]-*.sql', root))).toEqual(['db/02-tables.sql'])
    expect(rel(await globFiles('db/0?-types.sql', root))).toEqual(['db/01-types.sql'])
  })
  it('returns a plain path that exists, and nothing for one that does not', async () => {
    expect(rel(await globFiles('db/notes.txt', root))).toEqual(['db/notes.txt'])
    expect(await globFiles('db/missing.sql', root)).toEqual([])
    expect(await globFiles('nowhere/*.sql', root)).toEqual([])
  })
  it('takes an absolute pattern, and a link to a file', async () => {
    fs.symlinkSync(path.join(root, 'db/01-types.sql'), path.join(root, 'db/link.sql'))
    try {
      expect(rel(await globFiles(path.join(root, 'db/l*.sql'), os.tmpdir()))).toEqual([
        'db/link.sql'
      ])
    } finally {
      fs.rmSync(path.join(root, 'db/link.sql'))
    }
  })
  it('does not return folders', async () => {
    expect(rel(await globFiles('db/*', root))).not.toContain('db/sub')
  })
})

/**
 * The few glob patterns a `schema` input needs (`db/*.sql`, `migrations/**\/*.sql`,
 * `schema/0?-*.sql`), matched against the files under the pattern's fixed leading folders.
 * Small enough to keep here rather than pull in a library that logs through the runner.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'

const MAGIC = /[*?[]/

/** Turns one path segment's pattern into a regular expression. */
function segmentRegExp(segment: string): RegExp {
  let source = ''
  for (let i = 0; i < segment.length; i++) {
    const c = segment[i]
    if (c === '*') source += '[^/]*'
    else if (c === '?') source += '[^/]'
    else if (c === '[') {
      const end = segment.indexOf(']', i + 1)
      if (end === -1) source += '\\['
      else {
        const body = segment
          .slice(i + 1, end)
          .replace(/^!/, '^')
          .replace(/\\/g, '\\\\')
        source += `[${body}]`
        i = end
      }
    } else source += c.replace(/[.+^${}()|\\]/g, '\\$&')
  }
  return new RegExp(`^${source}$`)
}

/** Files (not folders) matching an absolute pattern, sorted. Hidden files match only explicitly. */
export async function globFiles(pattern: string): Promise<string[]> {
  const segments = path.resolve(pattern).split(path.sep)
  const firstMagic = segments.findIndex(segment => MAGIC.test(segment))
  if (firstMagic === -1) {
    const stat = await fs.promises.stat(pattern).catch(() => undefined)
    return stat?.isFile() ? [path.resolve(pattern)] : []
  }
  const base = segments.slice(0, firstMagic).join(path.sep) || path.sep
  const rest = segments.slice(firstMagic)
  const found: string[] = []
  await walk(base, rest, found)
  return [...new Set(found)].sort()
}

async function walk(dir: string, rest: string[], found: string[]): Promise<void> {
  const [head, ...tail] = rest
  const entries = await fs.promises.readdir(dir, { withFileTypes: true }).catch(() => [])
  if (head === '**') {
    await walk(dir, tail, found) // `**` matches no folder at all, too
    for (const entry of entries) {
      if (entry.isDirectory() && !entry.name.startsWith('.'))
        await walk(path.join(dir, entry.name), rest, found)
    }
    return
  }
  const matcher = segmentRegExp(head)
  for (const entry of entries) {
    if (entry.name.startsWith('.') && !head.startsWith('.')) continue
    if (!matcher.test(entry.name)) continue
    const full = path.join(dir, entry.name)
    if (tail.length === 0) {
      if (
        entry.isFile() ||
        (entry.isSymbolicLink() && (await fs.promises.stat(full).catch(() => undefined))?.isFile())
      ) {
        found.push(full)
      }
    } else if (entry.isDirectory()) {
      await walk(full, tail, found)
    }
  }
}

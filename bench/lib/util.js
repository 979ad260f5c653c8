// @ts-check
// Small helpers of the benchmark: statistics, units, the table, tools on PATH, progress lines.
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'

/** The median of the finite values (NaN when there are none). @param {number[]} values */
export function median(values) {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b)
  if (sorted.length === 0) return NaN
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

/** @param {number} ms */
export function formatMs(ms) {
  if (!Number.isFinite(ms)) return '–'
  if (Math.abs(ms) < 1000) return `${Math.round(ms)} ms`
  return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`
}

/** @param {number} bytes */
export function formatBytes(bytes) {
  if (!Number.isFinite(bytes)) return '–'
  const units = ['B', 'KiB', 'MiB', 'GiB']
  let value = bytes
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }
  const text = `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`
  return unit === 2 && value >= 512 ? `${text} = ${(value / 1024).toFixed(2)} GiB` : text
}

/** @param {number} ratio @param {number} [digits] */
export function formatRatio(ratio, digits = 2) {
  return Number.isFinite(ratio) ? `${ratio.toFixed(digits)}×` : '–'
}

/**
 * A Markdown table with padded columns.
 * @param {string[]} header
 * @param {string[][]} rows
 */
export function table(header, rows) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map(r => (r[i] ?? '').length)))
  /** @param {string[]} cells */
  const line = cells => `| ${cells.map((c, i) => (c ?? '').padEnd(widths[i])).join(' | ')} |`
  return [
    line(header),
    `|${widths.map(w => '-'.repeat(w + 2)).join('|')}|`,
    ...rows.map(line)
  ].join('\n')
}

/** A progress line on stderr, so that stdout holds the report only. @param {string} message */
export function progress(message) {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`)
}

/**
 * The absolute path of a program on PATH, or undefined.
 * @param {string} name
 * @param {string} [searchPath]
 */
export function which(name, searchPath = process.env.PATH ?? '') {
  for (const dir of searchPath.split(path.delimiter).filter(Boolean)) {
    const file = path.join(dir, name)
    try {
      fs.accessSync(file, fs.constants.X_OK)
      if (fs.statSync(file).isFile()) return file
    } catch {
      // not here
    }
  }
  return undefined
}

/**
 * The first line a command prints for its version, or ''.
 * @param {string} command
 * @param {string[]} args
 */
export function versionOf(command, args) {
  const res = spawnSync(command, args, { encoding: 'utf8', timeout: 20_000 })
  return `${res.stdout ?? ''}${res.stderr ?? ''}`.split('\n').find(l => l.trim()) ?? ''
}

/** @type {Record<string, number>} */
const DURATION_UNITS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }

/**
 * Parses `1.5s`, `250ms`, `12s`, `1m 5s`, `1h 2m` (the action's formatDuration) into ms.
 * @param {string} text
 */
export function parseDuration(text) {
  let total = 0
  let matched = false
  for (const [, amount, unit] of text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)\b/g)) {
    matched = true
    total += Number(amount) * (DURATION_UNITS[unit] ?? NaN)
  }
  return matched ? total : NaN
}

/** Sum of the sizes of the .js files directly in a folder. @param {string} dir */
export function jsBytes(dir) {
  return fs
    .readdirSync(dir)
    .filter(name => name.endsWith('.js'))
    .reduce((sum, name) => sum + fs.statSync(path.join(dir, name)).size, 0)
}

/** @param {string} dir */
export function removeDir(dir) {
  fs.rmSync(dir, { recursive: true, force: true })
}

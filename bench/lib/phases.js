// @ts-check
// Where the time of a run goes. The action: from its log (the `::group::` blocks, timed by when
// their lines arrived) and from its step summary (its "Time" fact and phase times). The baseline script: from the
// `phase NAME MS` lines it prints.
import { parseDuration } from './util.js'

/** @typedef {import('./runner.js').Line} Line */

/** Log group titles of the action → short phase names. */
const GROUPS = [
  [/^Generating\b/, 'generating'],
  [/^Downloading\b/, 'downloading'],
  [/^Unpacking\b/, 'unpacking'],
  [/^Waiting for PostgreSQL\b/, 'waiting for postgresql'],
  [/^Loading\b/, 'loading']
]

/**
 * The action's phases from its log: `start-up` (spawn to the first group: Node's start, loading
 * the bundle, reading inputs), one entry per group, `exit` (end of the last group to the process
 * exit: summary, outputs) and `between` (time outside any group after the start).
 * @param {Line[]} lines
 * @param {number} wallMs
 * @returns {Record<string, number>}
 */
export function actionLogPhases(lines, wallMs) {
  /** @type {Record<string, number>} */
  const phases = {}
  let open
  let firstStart
  let lastEnd = 0
  let inGroups = 0
  for (const line of lines) {
    if (line.stream !== 'stdout') continue
    const start = /^::group::(.*)$/.exec(line.text)
    if (start) {
      const name = GROUPS.find(([re]) => /** @type {RegExp} */ (re).test(start[1]))?.[1]
      open = { name: String(name ?? start[1]), t: line.t }
      firstStart ??= line.t
      continue
    }
    if (line.text === '::endgroup::' && open) {
      phases[open.name] = (phases[open.name] ?? 0) + (line.t - open.t)
      inGroups += line.t - open.t
      lastEnd = line.t
      open = undefined
    }
  }
  if (firstStart === undefined) return { 'start-up': wallMs }
  phases['start-up'] = firstStart
  phases.exit = wallMs - lastEnd
  phases.between = Math.max(0, lastEnd - firstStart - inGroups)
  return phases
}

/**
 * The facts of the step summary (Downloaded, Unpacked, Time, ...) and the phase times it reports,
 * in ms by lower-cased phase name, with `total` from the Time fact. Reads both layouts the action
 * has used: a vertical `| Name | value |` table whose Time row lists the phases in parentheses, or
 * a horizontal facts table plus a `| Phase | Time |` table.
 * @param {string} summary
 * @returns {{ facts: Record<string, string>, times: Record<string, number> }}
 */
export function parseSummary(summary) {
  /** @type {string[][][]} */
  const tables = []
  let current
  for (const line of summary.split('\n')) {
    if (!line.startsWith('|')) {
      current = undefined
      continue
    }
    const cells = line
      .replace(/^\||\|$/g, '')
      .split(/(?<!\\)\|/)
      .map(cell => cell.trim())
    if (cells.every(cell => /^:?-+:?$/.test(cell))) continue
    if (!current) tables.push((current = []))
    current.push(cells)
  }
  /** @type {Record<string, string>} */
  const facts = {}
  /** @type {Record<string, number>} */
  const times = {}
  for (const [header, ...body] of tables) {
    if (header.length === 2 && header[0] === 'Phase') {
      for (const [name, value] of body) times[name.toLowerCase()] = parseDuration(value)
    } else if (header.length === 2 && header.every(cell => cell === '')) {
      for (const [name, value] of body) facts[name] = value
    } else if (body.length === 1 && header.includes('Time')) {
      header.forEach((name, i) => (facts[name] = body[0][i] ?? ''))
    }
  }
  if (facts.Time) {
    const total = /^([^(]*)/.exec(facts.Time)
    if (total) times.total = parseDuration(total[1])
    const inner = /\((.*)\)/.exec(facts.Time)
    for (const part of (inner?.[1] ?? '').split(', ')) {
      const match = /^(.*?) ((?:\d+(?:\.\d+)?(?:ms|s|m|h) ?)+)$/.exec(part.trim())
      if (match) times[match[1]] = parseDuration(match[2])
    }
  }
  return { facts, times }
}

/**
 * The baseline's `phase NAME MS` lines, and `other` (the rest of the wall time: bash, tool checks).
 * @param {Line[]} lines
 * @param {number} wallMs
 * @returns {Record<string, number>}
 */
export function scriptPhases(lines, wallMs) {
  /** @type {Record<string, number>} */
  const phases = {}
  let sum = 0
  for (const line of lines) {
    const match = /^phase (\S+) (\d+)$/.exec(line.text)
    if (!match) continue
    phases[match[1]] = Number(match[2])
    sum += Number(match[2])
  }
  phases.other = Math.max(0, wallMs - sum)
  return phases
}

/**
 * Where the log was at `t` milliseconds after the spawn: 'during NAME' inside a group, 'after NAME'
 * between groups, 'at start-up' before the first one.
 * @param {Line[]} lines
 * @param {number} t
 */
export function groupAt(lines, t) {
  let current = 'at start-up'
  let group = ''
  for (const line of lines) {
    if (line.stream !== 'stdout' || line.t > t) break
    const start = /^::group::(.*)$/.exec(line.text)
    if (start) {
      group = start[1]
      current = `during ${group}`
    } else if (line.text === '::endgroup::') current = `after ${group}`
  }
  return current
}

// @ts-check
// `npm run bench`: measures the bundled action (dist/index.js on Node 24, started the way the
// GitHub runner starts it) against the local Fabricate emulator and a throwaway PostgreSQL, and
// prints one table. See bench/README.md for what each figure means.
//
//   node bench/run.js [--quick] [--only overhead,memory,polling,startup] [--runs 11]
//                     [--memory-runs 3] [--memory-scale 1] [--poll-runs 3] [--startup-runs 30]
//                     [--bundle FILE]
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { performance } from 'node:perf_hooks'
import { parseArgs } from 'node:util'
import { findDatabase, schemaSql } from '../emulator/catalog.js'
import { startEmulator } from '../emulator/server.js'
import { measureMemory, memoryRecords, MEMORY_TEXT_LENGTH } from './lib/memory.js'
import { findNode24 } from './lib/node24.js'
import { measureOverhead, OVERHEAD_RECORDS } from './lib/overhead.js'
import { measurePolling, TASK_MS } from './lib/polling.js'
import { startPostgres } from './lib/postgres.js'
import { makeTempDir, REPO_ROOT, snapshotBundle } from './lib/runner.js'
import { measureStartup } from './lib/startup.js'
import {
  formatBytes,
  formatMs,
  formatRatio,
  median,
  progress,
  removeDir,
  table,
  versionOf,
  which
} from './lib/util.js'

const GOALS = {
  overheadRatio: 1.05,
  peakMiB: 150,
  pollReads: 25,
  pollLateMs: 6000,
  startupRatio: 1.3
}
const FIGURES = ['overhead', 'memory', 'polling', 'startup']

const { values: flags } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    runs: { type: 'string', default: '11' },
    'memory-runs': { type: 'string', default: '3' },
    'memory-scale': { type: 'string', default: '1' },
    'poll-runs': { type: 'string', default: '3' },
    'startup-runs': { type: 'string', default: '30' },
    bundle: { type: 'string' },
    help: { type: 'boolean', default: false }
  }
})
if (flags.help) {
  process.stdout.write(
    'node bench/run.js [--quick] [--only overhead,memory,polling,startup] [--runs 11]\n' +
      '                  [--memory-runs 3] [--memory-scale 1] [--poll-runs 3] [--startup-runs 30]\n' +
      '                  [--bundle FILE]\n' +
      '--quick skips the polling figure (a 60 s task); --memory-scale 2 doubles the result of the\n' +
      'memory figure (about 1.4 GiB); --bundle measures another build of the action (its index.js,\n' +
      'chunks beside it) instead of dist/index.js. See bench/README.md.\n'
  )
  process.exit(0)
}
const selected = new Set(flags.only ? flags.only.split(',').map(s => s.trim()) : FIGURES)
for (const name of selected) {
  if (!FIGURES.includes(name)) throw new Error(`--only: unknown figure '${name}'`)
}
if (flags.quick) selected.delete('polling')
/** @param {string | undefined} text @param {string} name */
const count = (text, name) => {
  const n = Number(text)
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer`)
  return n
}
const runs = count(flags.runs, 'runs')
const memoryRuns = count(flags['memory-runs'], 'memory-runs')
const memoryScale = count(flags['memory-scale'], 'memory-scale')
const pollRuns = count(flags['poll-runs'], 'poll-runs')
const startupRuns = count(flags['startup-runs'], 'startup-runs')

const started = performance.now()
const cacheRoot = path.join(REPO_ROOT, '.cache', 'bench')
const cacheDir = path.join(cacheRoot, 'emulator')
fs.mkdirSync(cacheDir, { recursive: true })
const baseDir = makeTempDir('fabricate-bench-')

/** @type {(() => void | Promise<void>)[]} */
const cleanups = [() => removeDir(baseDir)]
const cleanUp = async () => {
  for (const cleanup of cleanups.splice(0).reverse()) {
    try {
      await cleanup()
    } catch (error) {
      progress(`cleanup failed: ${error instanceof Error ? error.message : error}`)
    }
  }
}
for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM'])) {
  process.once(signal, () => {
    progress(`${signal}: cleaning up`)
    void cleanUp().then(() => process.exit(130))
  })
}

/** @type {string[][]} */
const rows = []
/** @type {string[]} */
const notes = []
/** @type {Record<string, unknown>} */
const results = {}
/** @type {string[]} */
const missed = []

/**
 * @param {boolean} ok
 * @param {string} what
 */
const verdict = (ok, what) => {
  if (!ok) missed.push(what)
  return ok ? 'yes' : 'NO'
}

try {
  const node24 = findNode24()
  const machine = machineInfo(node24)
  results.machine = machine
  progress(`Node 24: ${node24.node} (${node24.version}, from ${node24.source})`)
  const bundle = await snapshotBundle(path.join(baseDir, 'dist'), flags.bundle)
  machine.bundle = `${path.relative(REPO_ROOT, bundle.source)} (copied at the start), built ${bundle.builtAt.toISOString()}, sha256 ${bundle.sha256.slice(0, 12)}`
  const script = bundle.script

  const needsEmulator = selected.has('overhead') || selected.has('memory')
  const emulator = needsEmulator ? await startEmulator({ durationMs: 0, cacheDir }) : undefined
  if (emulator) cleanups.push(() => emulator.close())

  if (selected.has('overhead')) {
    const missing = ['curl', 'unzip'].filter(tool => !which(tool))
    if (missing.length > 0) {
      const message = `figure 1 needs ${missing.join(' and ')} on PATH for bench/baseline.sh (apt-get install ${missing.join(' ')}); skipped`
      progress(message)
      notes.push(message)
      rows.push([
        '1',
        'Overhead vs curl + unzip + psql',
        'skipped',
        missing.join(', ') + ' missing',
        '',
        '',
        ''
      ])
      missed.push('overhead (not measured)')
    } else {
      const pg = await startPostgres()
      cleanups.push(() => pg.stop())
      machine.postgres = pg.version
      const database = findDatabase('acme', 'shop')
      if (!database) throw new Error('the emulator catalog has no acme/shop')
      const result = await measureOverhead({
        node: node24.node,
        script,
        emulator: /** @type {NonNullable<typeof emulator>} */ (emulator),
        pg,
        baseDir,
        schemaSql: schemaSql(database),
        runs
      })
      results.overhead = result
      overheadRows(result)
    }
  }

  if (selected.has('memory')) {
    const result = await measureMemory({
      node: node24.node,
      script,
      emulator: /** @type {NonNullable<typeof emulator>} */ (emulator),
      baseDir,
      runs: memoryRuns,
      scale: memoryScale
    })
    results.memory = result
    const peakMiB = result.peakKiB / 1024
    rows.push([
      '2',
      `Memory: peak RSS (VmHWM) of node, ${formatBytes(result.unpackedBytes)} result, download + unpack (median of ${memoryRuns})`,
      `${peakMiB.toFixed(1)} MiB (max ${(result.maxPeakKiB / 1024).toFixed(1)})`,
      '',
      '',
      `≤ ${GOALS.peakMiB} MiB`,
      verdict(result.maxPeakKiB / 1024 <= GOALS.peakMiB, 'memory')
    ])
    notes.push(
      `Memory: peak first reached ${[...new Set(result.runs.map(r => r.peakDuring))].join('; ')}; ` +
        `runs took ${result.runs.map(r => formatMs(r.wallMs)).join(', ')}; ` +
        `rows ${Object.values(memoryRecords(memoryScale))
          .reduce((a, b) => a + b, 0)
          .toLocaleString('en-US')}, text_length ${MEMORY_TEXT_LENGTH}.`
    )
  }

  if (selected.has('polling')) {
    const result = await measurePolling({
      node: node24.node,
      script,
      cacheDir,
      baseDir,
      runs: pollRuns
    })
    results.polling = result
    rows.push([
      '3',
      `Polling: status reads for a ${TASK_MS / 1000} s task (median of ${pollRuns}; max)`,
      `${result.reads} (max ${result.maxReads})`,
      '',
      '',
      `≤ ${GOALS.pollReads}`,
      verdict(result.maxReads <= GOALS.pollReads, 'polling requests')
    ])
    rows.push([
      '3',
      'Polling: completion noticed late by (last read − completion; median; max)',
      `${formatMs(result.lateMs)} (max ${formatMs(result.maxLateMs)})`,
      '',
      '',
      `≤ ${formatMs(GOALS.pollLateMs)}`,
      verdict(result.maxLateMs <= GOALS.pollLateMs, 'polling lateness')
    ])
    const gaps = result.runs[0]?.gapsMs.map(g => (g / 1000).toFixed(1)).join(' ')
    notes.push(
      `Polling: waits before each status read of the first run (s): ${gaps}; ` +
        `emulator completedAt − createdAt: ${result.runs.map(r => formatMs(r.completedAfterMs)).join(', ')}.`
    )
  }

  if (selected.has('startup')) {
    const result = await measureStartup({ node: node24.node, script, baseDir, runs: startupRuns })
    results.startup = result
    rows.push([
      '4',
      `Start-up: the bundle failing on a missing input vs a minimal ncc bundle (median of ${startupRuns})`,
      formatMs(result.actionMedianMs),
      formatMs(result.referenceMedianMs),
      formatRatio(result.ratio),
      `≤ ${GOALS.startupRatio.toFixed(2)}×`,
      verdict(result.ratio <= GOALS.startupRatio, 'start-up')
    ])
    rows.push([
      '',
      '· bundle size (index.js + chunk files)',
      formatBytes(result.actionBytes),
      formatBytes(result.referenceBytes),
      formatRatio(result.actionBytes / result.referenceBytes),
      '',
      ''
    ])
    notes.push(`Start-up: the action failed with: ${result.actionError}`)
  }

  const elapsed = (performance.now() - started) / 1000
  const lines = [
    '',
    '## fabricate-action benchmark',
    '',
    `Machine: ${machine.cpus} × ${machine.cpu}, ${machine.memory} RAM, ${machine.os}`,
    `Node: action on ${machine.node24} (${node24.node}); harness and emulator on ${machine.harnessNode}`,
    `PostgreSQL: ${machine.postgres ?? '(not started)'}; ${machine.curl}; ${machine.unzip}`,
    `Bundle: ${machine.bundle}`,
    '',
    table(['#', 'Figure', 'Action', 'Baseline', 'Ratio', 'Goal', 'Met'], rows),
    '',
    ...notes.map(note => `- ${note}`),
    '',
    missed.length === 0
      ? `All goals met. (${elapsed.toFixed(0)} s)`
      : `Goals missed: ${missed.join(', ')}. (${elapsed.toFixed(0)} s)`
  ]
  process.stdout.write(`${lines.join('\n')}\n`)
  const resultsFile = path.join(cacheRoot, 'results.json')
  fs.writeFileSync(
    resultsFile,
    `${JSON.stringify({ at: new Date().toISOString(), flags, results }, null, 2)}\n`
  )
  progress(`raw figures: ${path.relative(process.cwd(), resultsFile)}`)
} finally {
  await cleanUp()
}

/** @param {import('./lib/overhead.js').OverheadResult} result */
function overheadRows(result) {
  const totalRows = Object.values(OVERHEAD_RECORDS).reduce((a, b) => a + b, 0)
  rows.push([
    '1',
    `Overhead: wall time, download + unpack + load of ${totalRows.toLocaleString('en-US')} rows (${formatBytes(result.unpackedBytes)}) (median of ${result.action.length} pairs)`,
    formatMs(result.actionMs),
    formatMs(result.scriptMs),
    `${formatRatio(result.ratio, 3)} (pairs ${formatRatio(result.pairRatio, 3)})`,
    `≤ ${GOALS.overheadRatio.toFixed(2)}×`,
    verdict(result.ratio <= GOALS.overheadRatio, 'overhead')
  ])
  /** @param {import('./lib/overhead.js').SideRun[]} side @param {string[]} names */
  const phase = (side, names) =>
    median(side.map(run => names.reduce((sum, name) => sum + (run.phases[name] ?? 0), 0)))
  /** @type {[string, string[], string[]][]} */
  const mapping = [
    ['· generate (create task, status reads)', ['generating'], ['generate']],
    ['· download', ['downloading'], ['download']],
    ['· extract', ['unpacking'], ['extract']],
    ['· wait for PostgreSQL (SHOW server_version)', ['waiting for postgresql'], []],
    ['· load (psql -f load.sql; action: + row counts)', ['loading'], ['load']],
    ['· process start-up, between phases, exit', ['start-up', 'between', 'exit'], ['other']]
  ]
  for (const [label, actionNames, scriptNames] of mapping) {
    const a = phase(result.action, actionNames)
    const s = scriptNames.length ? phase(result.script, scriptNames) : NaN
    rows.push([
      '',
      label,
      formatMs(a),
      scriptNames.length ? formatMs(s) : '–',
      scriptNames.length ? formatRatio(a / s) : '',
      '',
      ''
    ])
  }
  const summaryNames = Object.keys(result.action[0]?.summary ?? {})
  notes.push(
    'Overhead, phase times from the action’s own step summary (its "Time"; medians): ' +
      summaryNames
        .map(
          name => `${name} ${formatMs(median(result.action.map(r => r.summary?.[name] ?? NaN)))}`
        )
        .join(', ')
  )
  notes.push(
    `Overhead, per pair (action / script, s): ${result.action
      .map(
        (r, i) => `${(r.wallMs / 1000).toFixed(2)} / ${(result.script[i].wallMs / 1000).toFixed(2)}`
      )
      .join('; ')}; downloaded ${formatBytes(result.downloadBytes)}.`
  )
}

/**
 * @param {{ node: string, version: string }} node24
 * @returns {Record<string, string>}
 */
function machineInfo(node24) {
  let cpu = os.cpus()[0]?.model ?? 'unknown CPU'
  try {
    const model = /^model name\s*:\s*(.*)$/m.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'))
    if (model) cpu = model[1]
  } catch {
    // not Linux
  }
  return {
    cpus: String(os.availableParallelism()),
    cpu,
    memory: formatBytes(os.totalmem()),
    os: `${os.type()} ${os.release()}`,
    node24: `Node ${node24.version}`,
    harnessNode: `Node ${process.version}`,
    curl: versionOf('curl', ['--version']).split(' ').slice(0, 2).join(' ') || 'curl missing',
    unzip: versionOf('unzip', ['-v']).split(' ').slice(0, 2).join(' ') || 'unzip missing',
    bundle: 'unknown'
  }
}

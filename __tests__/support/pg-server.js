// @ts-check
// A throwaway PostgreSQL server on 127.0.0.1, for the tests (global-setup.js) and the benchmark
// (bench/lib/postgres.js): initdb into a folder, settings for speed over durability, password
// authentication, and pg_ctl start on a free port. As root it runs as the OS user `postgres`,
// because initdb refuses root.
import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import net from 'node:net'
import path from 'node:path'

/** The server's programs a throwaway server needs. */
export const SERVER_BINARIES = ['initdb', 'pg_ctl', 'postgres', 'psql']
/** The programs a server alone needs (a folder of another version's server may lack psql). */
export const SERVER_ONLY_BINARIES = ['initdb', 'pg_ctl', 'postgres']

/**
 * @typedef {object} PgProcess where the server's programs are and who runs them
 * @property {string} binDir
 * @property {boolean} asPostgresUser
 *
 * @typedef {PgProcess & {
 *   url: string,
 *   dataDir: string,
 *   stop: () => void
 * }} ThrowawayServer url: postgresql://postgres:PASSWORD@127.0.0.1:PORT/postgres
 */

/**
 * Initialises and starts a server whose files live in `dir` (created, world-traversable, so that
 * the `postgres` user can reach it). Throws with initdb's or the server's own words on failure.
 * `binDir` names the folder of the server's programs; by default the one findPgBin finds.
 * @param {string} dir
 * @param {{ maxConnections?: number, binDir?: string }} [options]
 * @returns {Promise<ThrowawayServer>}
 */
export async function startThrowawayServer(dir, options = {}) {
  const binDir = options.binDir ?? findPgBin(SERVER_BINARIES)
  if (!binDir) {
    throw new Error(
      `PostgreSQL server binaries (${SERVER_BINARIES.join(', ')}) were found neither on PATH ` +
        'nor in /usr/lib/postgresql/*/bin.'
    )
  }
  const missing = SERVER_ONLY_BINARIES.filter(p => !isExecutable(path.join(binDir, p)))
  if (missing.length > 0) {
    throw new Error(`${binDir} holds no PostgreSQL server: ${missing.join(', ')} missing`)
  }
  const asPostgresUser = typeof process.getuid === 'function' && process.getuid() === 0
  /** @type {PgProcess} */
  const pg = { binDir, asPostgresUser }
  fs.mkdirSync(dir, { recursive: true, mode: 0o755 })
  fs.chmodSync(dir, 0o755)
  const dataDir = path.join(dir, 'data')
  const password = randomBytes(18).toString('base64url')
  const pwFile = path.join(dir, 'pwfile')
  fs.writeFileSync(pwFile, `${password}\n`, { mode: 0o600 })
  if (asPostgresUser) handOverToPostgresUser(dir, pwFile)

  const initdb = runPg(
    pg,
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
    dir
  )
  fs.rmSync(pwFile, { force: true })
  if (initdb.status !== 0) {
    throw new Error(`initdb failed (${describe(initdb)}):\n${initdb.stdout}${initdb.stderr}`)
  }
  const settings = [
    "listen_addresses = '127.0.0.1'",
    `unix_socket_directories = '${dir.replace(/'/g, "''")}'`,
    'fsync = off',
    'synchronous_commit = off',
    'full_page_writes = off',
    `max_connections = ${options.maxConnections ?? 100}`,
    "password_encryption = 'scram-sha-256'"
  ]
  fs.appendFileSync(path.join(dataDir, 'postgresql.conf'), `\n${settings.join('\n')}\n`)

  const logFile = path.join(dir, 'server.log')
  let lastError = ''
  // Another process may take the free port before the server binds it: try another one.
  for (let attempt = 1; attempt <= 3; attempt++) {
    const port = await freePort()
    const start = runPg(
      pg,
      'pg_ctl',
      ['-D', dataDir, '-l', logFile, '-w', '-t', '30', '-o', `-p ${port}`, 'start'],
      dir
    )
    if (start.status === 0) {
      return {
        ...pg,
        url: `postgresql://postgres:${password}@127.0.0.1:${port}/postgres`,
        dataDir,
        stop: () => {
          const stop = runPg(
            pg,
            'pg_ctl',
            ['-D', dataDir, '-m', 'immediate', '-w', '-t', '30', 'stop'],
            dir
          )
          if (stop.status !== 0) {
            throw new Error(`pg_ctl stop failed (${describe(stop)}): ${stop.stdout}${stop.stderr}`)
          }
        }
      }
    }
    const log = fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8') : ''
    lastError = `pg_ctl start failed (${describe(start)}):\n${start.stdout}${start.stderr}\n${log}`
    if (!/address already in use|could not bind/i.test(log)) break
  }
  throw new Error(lastError)
}

/**
 * Gives `dir` and the password file to the `postgres` OS user, or says why it cannot be done.
 * @param {string} dir
 * @param {string} pwFile
 */
function handOverToPostgresUser(dir, pwFile) {
  const ids = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' })
  const gids = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' })
  if (ids.status !== 0 || gids.status !== 0) {
    throw new Error(
      'Running as root, so the throwaway PostgreSQL server must run as the OS user `postgres` ' +
        '(initdb refuses root), but there is no such user. Create it (`useradd --system ' +
        'postgres`) or install PostgreSQL from your distribution, which creates it.'
    )
  }
  const uid = Number(ids.stdout.trim())
  const gid = Number(gids.stdout.trim())
  fs.chownSync(dir, uid, gid)
  fs.chownSync(pwFile, uid, gid)
  const probe = spawnSync('runuser', ['-u', 'postgres', '--', 'test', '-w', dir])
  if (probe.status !== 0) {
    throw new Error(
      `The OS user postgres cannot write to ${dir}: a parent directory is not traversable by ` +
        'it. Point TMPDIR at a world-traversable directory such as /tmp.'
    )
  }
}

/**
 * Runs one of the server's programs, as the `postgres` OS user when we are root.
 * @param {PgProcess} pg
 * @param {string} program
 * @param {string[]} args
 * @param {string} cwd
 */
export function runPg(pg, program, args, cwd) {
  const exe = path.join(pg.binDir, program)
  const [cmd, argv] = pg.asPostgresUser
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

/**
 * The version of the server in `binDir`, from `postgres --version` (e.g. `18.4`).
 * @param {string} binDir
 * @returns {string}
 */
export function serverVersion(binDir) {
  const res = spawnSync(path.join(binDir, 'postgres'), ['--version'], { encoding: 'utf8' })
  const match = /\(PostgreSQL\) (\S+)/.exec(res.stdout ?? '')
  if (!match) throw new Error(`${binDir}/postgres --version failed: ${describe(res)} ${res.stderr}`)
  return match[1]
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
export function freePort() {
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

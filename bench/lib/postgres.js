// @ts-check
// A throwaway PostgreSQL server for the benchmark, started the way the tests' global setup does it
// (initdb + pg_ctl, as the `postgres` OS user when we are root, fsync off, password auth on
// 127.0.0.1), and fresh databases in it for each measured run. FABRICATE_BENCH_PG_URL (with
// FABRICATE_BENCH_PG_BIN, the directory of its psql) uses an existing server instead; it needs the
// right to create databases.
import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { findPgBin, runPg } from '../../__tests__/support/global-setup.js'

const SERVER_BINARIES = ['initdb', 'pg_ctl', 'postgres', 'psql']

/**
 * @typedef {object} PgServer
 * @property {string} url postgresql://postgres:PASSWORD@127.0.0.1:PORT/postgres
 * @property {string} binDir directory holding psql
 * @property {string} version server version, e.g. 15.18
 * @property {(name: string) => string} urlOf the URL of another database on the server
 * @property {(sql: string, database?: string) => string} query runs SQL with psql, returns stdout
 * @property {() => void} stop stops an own server and removes its files
 */

/** @returns {Promise<PgServer>} */
export async function startPostgres() {
  const given = process.env.FABRICATE_BENCH_PG_URL
  if (given) {
    const binDir = process.env.FABRICATE_BENCH_PG_BIN || findPgBin(['psql'])
    if (!binDir) throw new Error('FABRICATE_BENCH_PG_URL is set but psql was not found on PATH.')
    return serverAt(given, binDir, () => {})
  }
  const binDir = findPgBin(SERVER_BINARIES)
  if (!binDir) {
    throw new Error(
      `PostgreSQL server binaries (${SERVER_BINARIES.join(', ')}) were found neither on PATH nor ` +
        'in /usr/lib/postgresql/*/bin. Install PostgreSQL (`apt-get install postgresql`), or set ' +
        'FABRICATE_BENCH_PG_URL to a server the benchmark may create databases in.'
    )
  }
  const asPostgresUser = typeof process.getuid === 'function' && process.getuid() === 0
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'fabricate-bench-pg-'))
  fs.chmodSync(root, 0o755)
  const dataDir = path.join(root, 'data')
  const password = randomBytes(18).toString('base64url')
  const pwFile = path.join(root, 'pwfile')
  fs.writeFileSync(pwFile, `${password}\n`, { mode: 0o600 })
  if (asPostgresUser) {
    const uid = Number(spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).stdout.trim())
    const gid = Number(spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).stdout.trim())
    if (!uid) throw new Error('Running as root, but there is no OS user `postgres` for initdb.')
    fs.chownSync(root, uid, gid)
    fs.chownSync(pwFile, uid, gid)
  }
  const state = { root, binDir, asPostgresUser, keepTmp: false }
  const remove = () => fs.rmSync(root, { recursive: true, force: true })
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
      '--no-sync'
    ],
    root
  )
  if (initdb.status !== 0) {
    remove()
    throw new Error(`initdb failed:\n${initdb.stdout}${initdb.stderr}`)
  }
  fs.rmSync(pwFile)
  const settings = [
    "listen_addresses = '127.0.0.1'",
    `unix_socket_directories = '${root.replace(/'/g, "''")}'`,
    'fsync = off',
    'synchronous_commit = off',
    'full_page_writes = off',
    'max_connections = 50'
  ]
  fs.appendFileSync(path.join(dataDir, 'postgresql.conf'), `\n${settings.join('\n')}\n`)
  const port = await freePort()
  const logFile = path.join(root, 'server.log')
  const start = runPg(
    state,
    'pg_ctl',
    ['-D', dataDir, '-l', logFile, '-w', '-t', '30', '-o', `-p ${port}`, 'start'],
    root
  )
  if (start.status !== 0) {
    const log = fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8') : ''
    remove()
    throw new Error(`pg_ctl start failed:\n${start.stdout}${start.stderr}\n${log}`)
  }
  const stop = () => {
    runPg(state, 'pg_ctl', ['-D', dataDir, '-m', 'immediate', '-w', 'stop'], root)
    remove()
  }
  return serverAt(`postgresql://postgres:${password}@127.0.0.1:${port}/postgres`, binDir, stop)
}

/**
 * @param {string} url
 * @param {string} binDir
 * @param {() => void} stop
 * @returns {PgServer}
 */
function serverAt(url, binDir, stop) {
  /** @param {string} name */
  const urlOf = name => {
    const parsed = new URL(url)
    parsed.pathname = `/${name}`
    return parsed.toString()
  }
  /** @type {PgServer['query']} */
  const query = (sql, database) => {
    const res = spawnSync(
      path.join(binDir, 'psql'),
      [
        '-X',
        '-w',
        '-q',
        '-A',
        '-t',
        '-v',
        'ON_ERROR_STOP=1',
        '-d',
        database ? urlOf(database) : url
      ],
      { input: sql, encoding: 'utf8', timeout: 60_000 }
    )
    if (res.status !== 0) throw new Error(`psql failed on ${sql.slice(0, 80)}: ${res.stderr}`)
    return res.stdout
  }
  const version = query('SHOW server_version').trim()
  return { url, binDir, version, urlOf, query, stop }
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

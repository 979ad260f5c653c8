// @ts-check
// A throwaway PostgreSQL server for the benchmark, started as the tests start theirs
// (__tests__/support/pg-server.js), and fresh databases in it for each measured run. FABRICATE_BENCH_PG_URL (with
// FABRICATE_BENCH_PG_BIN, the directory of its psql) uses an existing server instead; it needs the
// right to create databases.
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {
  findPgBin,
  SERVER_BINARIES,
  startThrowawayServer
} from '../../__tests__/support/pg-server.js'

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
  if (!findPgBin(SERVER_BINARIES)) {
    throw new Error(
      `PostgreSQL server binaries (${SERVER_BINARIES.join(', ')}) were found neither on PATH nor ` +
        'in /usr/lib/postgresql/*/bin. Install PostgreSQL (`apt-get install postgresql`), or set ' +
        'FABRICATE_BENCH_PG_URL to a server the benchmark may create databases in.'
    )
  }
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'fabricate-bench-pg-'))
  const remove = () => fs.rmSync(root, { recursive: true, force: true })
  try {
    const server = await startThrowawayServer(root, { maxConnections: 50 })
    return serverAt(server.url, server.binDir, () => {
      try {
        server.stop()
      } finally {
        remove()
      }
    })
  } catch (error) {
    remove()
    throw error
  }
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

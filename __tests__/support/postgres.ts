// Helpers for tests that need PostgreSQL: the server that global-setup.js started (or the one named
// by FABRICATE_TEST_PG_URL), queried through the real psql.
import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'

export interface TestDatabase {
  /** The database's name, exactly as created (quote it with quoteIdent in SQL). */
  name: string
  /** Connection URI of the database, with the superuser's password. */
  url: string
}

/** URI of the test server's `postgres` database, as the superuser `postgres`. */
export function pgUrl(): string {
  const url = process.env.FABRICATE_TEST_PG_URL
  if (!url) {
    throw new Error(
      'FABRICATE_TEST_PG_URL is not set: run the tests with `npm test`, whose global setup ' +
        'starts PostgreSQL (__tests__/support/global-setup.js)'
    )
  }
  return url
}

/** Path of a PostgreSQL program from FABRICATE_TEST_PG_BIN, else its bare name (found on PATH). */
export function pgProgram(name: string): string {
  const dir = process.env.FABRICATE_TEST_PG_BIN
  if (dir) {
    const file = path.join(dir, name)
    try {
      fs.accessSync(file, fs.constants.X_OK)
      return file
    } catch {
      // fall through to PATH
    }
  }
  return name
}

/** Path of the psql that the helpers use. */
export function psqlPath(): string {
  return pgProgram('psql')
}

/** libpq's variables (PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE) for a connection URI. */
export function pgEnv(url: string = pgUrl()): Record<string, string> {
  const u = new URL(url)
  const env: Record<string, string> = {}
  if (u.hostname) env.PGHOST = u.hostname
  if (u.port) env.PGPORT = u.port
  if (u.username) env.PGUSER = decodeURIComponent(u.username)
  if (u.password) env.PGPASSWORD = decodeURIComponent(u.password)
  const db = decodeURIComponent(u.pathname.replace(/^\//, ''))
  if (db) env.PGDATABASE = db
  return env
}

/** The URI of another database on the same server. */
export function databaseUrl(name: string, base: string = pgUrl()): string {
  const u = new URL(base)
  u.pathname = `/${encodeURIComponent(name)}`
  return u.toString()
}

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`
}

export function quoteLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`
}

let counter = 0

/**
 * Creates a fresh, empty database with a unique name `<prefix>_<pid>_<n>_<random>`. The prefix
 * (default `test`) may hold any characters, quotes and spaces included, to test quoting.
 */
export async function createDatabase(
  prefix = 'test',
  server: string = pgUrl()
): Promise<TestDatabase> {
  counter += 1
  const suffix = `_${process.pid}_${counter}_${randomBytes(3).toString('hex')}`
  let head = prefix
  while (Buffer.byteLength(head + suffix) > 63) head = head.slice(0, -1)
  const name = head + suffix
  await query(server, `CREATE DATABASE ${quoteIdent(name)}`)
  return { name, url: databaseUrl(name, server) }
}

/** The servers of other PostgreSQL versions that the global setup started (may be none). */
export function otherServers(): { version: string; url: string }[] {
  return JSON.parse(process.env.FABRICATE_TEST_PG_OTHERS || '[]') as {
    version: string
    url: string
  }[]
}

/** Drops a database (by name or as returned by createDatabase), closing its connections. */
export async function dropDatabase(db: string | TestDatabase): Promise<void> {
  const name = typeof db === 'string' ? db : db.name
  await query(pgUrl(), `DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`)
}

/**
 * Runs SQL with the real psql (`-X`, ON_ERROR_STOP, CSV output) and returns the rows of the last
 * statement's result, every value as text; NULL comes back as null. Text round-trips exactly:
 * newlines, tabs, quotes, commas and non-ASCII. Statements without a result give [].
 * Rejects with psql's error message when psql fails.
 */
export async function queryNullable(url: string, sql: string): Promise<(string | null)[][]> {
  const nullMarker = `\u2400null_${randomBytes(12).toString('hex')}`
  const args = [
    '-X',
    '-q',
    '--csv',
    '-t',
    '-v',
    'ON_ERROR_STOP=1',
    '-P',
    `null=${nullMarker}`,
    '-d',
    url,
    '-c',
    sql
  ]
  const stdout = await runPsql(args)
  return parseCsv(stdout).map(row => row.map(v => (v === nullMarker ? null : v)))
}

/** Like queryNullable, with NULL given as ''. */
export async function query(url: string, sql: string): Promise<string[][]> {
  const rows = await queryNullable(url, sql)
  return rows.map(row => row.map(v => v ?? ''))
}

/** The single value of a one-row, one-column result. */
export async function queryValue(url: string, sql: string): Promise<string | null> {
  const rows = await queryNullable(url, sql)
  if (rows.length !== 1 || rows[0].length !== 1) {
    throw new Error(`expected one value from ${sql}, got ${JSON.stringify(rows)}`)
  }
  return rows[0][0]
}

function runPsql(args: string[]): Promise<string> {
  const env: NodeJS.ProcessEnv = {}
  for (const [key, value] of Object.entries(process.env)) {
    // Nothing from the caller's libpq environment: only the URL decides where we connect.
    if (!key.startsWith('PG')) env[key] = value
  }
  env.PGCLIENTENCODING = 'UTF8'
  env.PGCONNECT_TIMEOUT = '10'
  return new Promise((resolve, reject) => {
    execFile(
      psqlPath(),
      args,
      { env, encoding: 'buffer', maxBuffer: 256 * 1024 * 1024, timeout: 120000 },
      (error, stdout, stderr) => {
        if (error) {
          const message = stderr.toString('utf8').trim() || error.message
          reject(new Error(`psql failed: ${message}`))
          return
        }
        resolve(stdout.toString('utf8'))
      }
    )
  })
}

/** Parses psql's CSV output: records end with \n, fields quoted with " when needed. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = []
  let row: string[] = []
  let field = ''
  let i = 0
  let atFieldStart = true
  while (i < text.length) {
    const c = text[i]
    if (atFieldStart && c === '"') {
      // Quoted field: runs to the closing quote; "" inside is one quote.
      i += 1
      for (;;) {
        if (i >= text.length) throw new Error('CSV: unterminated quoted field')
        if (text[i] === '"') {
          if (text[i + 1] === '"') {
            field += '"'
            i += 2
            continue
          }
          i += 1
          break
        }
        field += text[i]
        i += 1
      }
      atFieldStart = false
      if (i < text.length && text[i] !== ',' && text[i] !== '\n') {
        throw new Error(`CSV: unexpected character after a quoted field at offset ${i}`)
      }
      continue
    }
    if (c === ',') {
      row.push(field)
      field = ''
      atFieldStart = true
    } else if (c === '\n') {
      row.push(field)
      rows.push(row)
      row = []
      field = ''
      atFieldStart = true
    } else {
      field += c
      atFieldStart = false
    }
    i += 1
  }
  if (!atFieldStart || row.length > 0) {
    row.push(field)
    rows.push(row)
  }
  return rows
}

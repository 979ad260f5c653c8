/**
 * Loading a PostgreSQL result with the real `psql`, the way the Fabricate docs say
 * (`psql -f load.sql`), made safe for CI: no psqlrc (-X), never a password prompt (-w), stop at the
 * first error (ON_ERROR_STOP) and one transaction for the schema files and load.sql together, so a
 * failed load commits nothing. psql runs in load.sql's folder, because `\copy` resolves relative
 * file names against psql's working directory. The password travels in PGPASSWORD only.
 */
import { spawn } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import * as readline from 'node:readline'
import { sleep } from './clock.js'
import { CancelledError, LoadError } from './errors.js'
import { formatDuration } from './units.js'

export interface PostgresTarget {
  /** postgresql:// URI without its password, or undefined to use libpq's PG* variables. */
  url?: string
  password?: string
  /** The environment psql starts from (the job's, with its PG* variables). */
  env: Record<string, string | undefined>
  psql: string
  /** Told of every psql run: its arguments, folder, exit code and time (never the password). */
  debug?: (message: string) => void
}

export const PSQL_MISSING =
  '`load: postgres` needs `psql`, and none was found on PATH. Install the PostgreSQL client before this step: ' +
  '`sudo apt-get install -y postgresql-client` (Debian, Ubuntu; GitHub-hosted Ubuntu runners have it already), ' +
  '`apk add postgresql-client` (Alpine containers) or `brew install libpq` (macOS).'

/** Finds psql on PATH (PSQL may name it explicitly). */
export function findPsql(env: Record<string, string | undefined>): string | undefined {
  if (env.PSQL && isExecutable(env.PSQL)) return env.PSQL
  const names = process.platform === 'win32' ? ['psql.exe', 'psql.cmd'] : ['psql']
  for (const dir of (env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    for (const name of names) {
      const candidate = path.join(dir, name)
      if (isExecutable(candidate)) return candidate
    }
  }
  return undefined
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK)
    return fs.statSync(file).isFile()
  } catch {
    return false
  }
}

interface PsqlResult {
  code: number | null
  stdout: string
  stderr: string
}

/** Runs psql with the safe options; stops it when signal aborts (a child gets no signal by itself). */
export function runPsql(
  target: PostgresTarget,
  args: string[],
  options: {
    cwd?: string
    signal: AbortSignal
    keepStdout?: boolean
    /** Seconds libpq may take to connect; default PGCONNECT_TIMEOUT, else 10. */
    connectTimeoutSeconds?: number
  }
): Promise<PsqlResult> {
  if (options.signal.aborted) return Promise.reject(new CancelledError())
  const env: Record<string, string> = {}
  for (const [key, value] of Object.entries(target.env)) if (value !== undefined) env[key] = value
  if (target.password !== undefined) env.PGPASSWORD = target.password
  env.PGAPPNAME ??= 'fabricate-action'
  if (options.connectTimeoutSeconds) env.PGCONNECT_TIMEOUT = String(options.connectTimeoutSeconds)
  env.PGCONNECT_TIMEOUT ??= '10'
  const fullArgs = [
    '-X',
    '-w',
    '-v',
    'ON_ERROR_STOP=1',
    ...(target.url ? ['-d', target.url] : []),
    ...args
  ]
  const started = Date.now()
  return new Promise((resolve, reject) => {
    const child = spawn(target.psql, fullArgs, {
      cwd: options.cwd,
      env,
      stdio: ['ignore', 'pipe', 'pipe']
    })
    let stdout = ''
    let stderr = ''
    // Decoded as a stream, so that a character split between two reads stays whole.
    child.stdout.setEncoding('utf8')
    child.stderr.setEncoding('utf8')
    child.stdout.on('data', (chunk: string) => {
      if (!options.keepStdout) return
      stdout += chunk
      if (stdout.length > 1_000_000) stdout = stdout.slice(-500_000)
    })
    child.stderr.on('data', (chunk: string) => {
      stderr += chunk
      if (stderr.length > 1_000_000) stderr = stderr.slice(-500_000)
    })
    // SIGINT makes psql send the server a cancel request, so the statement stops at once; a psql
    // that does not exit soon after is terminated.
    let terminate: NodeJS.Timeout | undefined
    const onAbort = (): void => {
      child.kill('SIGINT')
      terminate = setTimeout(() => child.kill('SIGTERM'), 1500)
    }
    options.signal.addEventListener('abort', onAbort, { once: true })
    child.on('error', error => {
      options.signal.removeEventListener('abort', onAbort)
      reject(new LoadError(`Could not start psql: ${error.message}`))
    })
    child.on('close', (code, signal) => {
      clearTimeout(terminate)
      options.signal.removeEventListener('abort', onAbort)
      target.debug?.(
        `${target.psql} ${fullArgs.map(shorten).join(' ')}${options.cwd ? ` (in ${options.cwd})` : ''} → ${signal ? `stopped by ${signal}` : `exit ${code}`} in ${Date.now() - started}ms`
      )
      if (options.signal.aborted)
        reject(new CancelledError('Cancelled while psql was running; psql was stopped.'))
      else resolve({ code, stdout, stderr })
    })
  })
}

/** An argument as the debug log shows it: a long statement by its start. */
function shorten(arg: string): string {
  return arg.length > 100 ? `${arg.slice(0, 80)}…` : arg
}

/** Connection failures that end at once: waiting would not fix them. */
const FATAL_CONNECT =
  /password authentication failed|no password supplied|role "[^"]*" does not exist|database "[^"]*" does not exist|no pg_hba\.conf entry|invalid connection option|invalid URI|invalid sslmode|certificate|SSL (error|SYSCALL)|server does not support SSL|permission denied/i
/** Failures of a server that is not up yet, or restarting after its init scripts. */
const TRANSIENT_CONNECT =
  /could not connect|connection refused|Is the server running|the database system is (starting up|shutting down|in recovery|not yet accepting)|server closed the connection unexpectedly|timeout expired|could not translate host name|Connection timed out|No such file or directory|terminating connection due to administrator command/i

export interface WaitedForDatabase {
  waitedMs: number
  attempts: number
  serverVersion: string
}

export type ConnectAttempt = { ok: true; serverVersion: string } | { ok: false; message: string }

/**
 * One connection: the server's version, or why it is not up yet. A refusal that waiting would not
 * fix (a wrong password, a missing database) throws.
 */
async function connectOnce(
  target: PostgresTarget,
  signal: AbortSignal,
  connectTimeoutSeconds?: number
): Promise<ConnectAttempt> {
  const result = await runPsql(target, ['-A', '-t', '-c', 'SHOW server_version'], {
    signal,
    keepStdout: true,
    connectTimeoutSeconds
  })
  if (result.code === 0) return { ok: true, serverVersion: result.stdout.trim() }
  const message = cleanPsqlError(result.stderr) || `psql exited with code ${result.code}`
  if (FATAL_CONNECT.test(message) || !TRANSIENT_CONNECT.test(message)) {
    throw new LoadError(`PostgreSQL refused the connection: ${message}`)
  }
  return { ok: false, message }
}

/**
 * One quick look before a task is started, so that a wrong password or a missing database fails
 * before it spends generation quota. A server that is not up yet is no failure here: it is waited
 * for after the download (waitForDatabase). libpq's shortest connect timeout, 2 s, bounds it.
 */
export function checkDatabase(
  target: PostgresTarget,
  signal: AbortSignal
): Promise<ConnectAttempt> {
  return connectOnce(target, signal, 2)
}

/**
 * Waits until the server accepts a connection, with backoff, up to waitMs. A wrong password or a
 * missing database fails at once with the server's message.
 */
export async function waitForDatabase(
  target: PostgresTarget,
  waitMs: number,
  signal: AbortSignal,
  onWait: (message: string) => void
): Promise<WaitedForDatabase> {
  const started = Date.now()
  let delay = 250
  let lastReported = 0
  for (let attempt = 1; ; attempt++) {
    const connected = await connectOnce(target, signal)
    if (connected.ok) {
      return {
        waitedMs: Date.now() - started,
        attempts: attempt,
        serverVersion: connected.serverVersion
      }
    }
    const { message } = connected
    const waited = Date.now() - started
    if (waited + delay > waitMs) {
      throw new LoadError(
        `PostgreSQL did not accept connections within \`wait-for-database\` (${formatDuration(waitMs)}); the last answer: ${message}. ` +
          'Check that the service container is up (its health check) and that the host and port are the right ones for where the job runs.'
      )
    }
    if (Date.now() - lastReported >= 5000) {
      onWait(`Waiting for PostgreSQL (${formatDuration(waited)} so far): ${message}`)
      lastReported = Date.now()
    }
    await sleep(delay, signal)
    delay = Math.min(2000, Math.round(delay * 1.5))
  }
}

/** psql's stderr without noise: the lines that say what went wrong. */
export function cleanPsqlError(stderr: string): string {
  return stderr
    .split(/\r?\n/)
    .map(line => line.trimEnd())
    .filter(line => line && !/^(NOTICE|WARNING):/.test(line.replace(/^psql:[^:]*:\d+: /, '')))
    .slice(-12)
    .join('\n')
    .trim()
}

export interface LoadResult {
  durationMs: number
  tables: Record<string, number>
}

/**
 * Runs the schema files and load.sql in one transaction, and counts the rows of each table filled
 * at its end, in the same psql and the same transaction: the counts are what is committed, and
 * cost no second connection.
 */
export async function loadIntoPostgres(
  target: PostgresTarget,
  loadFile: string,
  schemaFiles: string[],
  signal: AbortSignal
): Promise<LoadResult> {
  const started = Date.now()
  const tables = await tablesInLoadFile(loadFile)
  const args = ['-q', '--single-transaction']
  for (const file of schemaFiles) args.push('-f', file)
  args.push('-f', path.basename(loadFile))
  if (tables.length > 0) args.push('-c', countStatement(tables))
  const result = await runPsql(target, args, {
    cwd: path.dirname(loadFile),
    signal,
    keepStdout: true
  })
  if (result.code !== 0) {
    throw new LoadError(
      `Loading failed, and nothing was committed (the load runs in one transaction). PostgreSQL said:\n${cleanPsqlError(result.stderr) || `psql exited with code ${result.code}`}`
    )
  }
  return {
    durationMs: Date.now() - started,
    tables: tables.length > 0 ? readCounts(result.stdout) : {}
  }
}

/** Marks the line of psql's output that holds the row counts, among whatever load.sql prints. */
const COUNTS_MARKER = 'fabricate-action-rows'

/**
 * One statement that counts the rows of each table, as a JSON object after COUNTS_MARKER. A name
 * that is no table (a line of a multi-line text value that happens to read `INSERT INTO x`) is
 * passed over rather than failing the load: to_regclass is null for it.
 */
export function countStatement(tables: string[]): string {
  const literal = (text: string): string => `'${text.replace(/'/g, "''")}'`
  const rows = tables.map((table, i) => `(${i}, ${literal(displayName(table))}, ${literal(table)})`)
  const count =
    "(xpath('/row/n/text()', query_to_xml('SELECT count(*) AS n FROM ' || rel, false, true, '')))[1]::text::bigint"
  return (
    `SELECT '${COUNTS_MARKER} ' || coalesce(json_object_agg(name, ${count} ORDER BY i), '{}') ` +
    `FROM (VALUES ${rows.join(', ')}) AS t(i, name, rel) WHERE to_regclass(rel) IS NOT NULL`
  )
}

/** The counts from psql's output (aligned or not: the marker and the JSON are on one line). */
export function readCounts(stdout: string): Record<string, number> {
  const line = new RegExp(`${COUNTS_MARKER} (\\{.*\\})\\s*$`, 'm').exec(stdout)
  if (!line)
    throw new LoadError(`The load ran, but psql printed no row counts:\n${stdout.slice(-500)}`)
  return JSON.parse(line[1]) as Record<string, number>
}

const IDENTIFIER = '(?:"(?:[^"]|"")+"|[A-Za-z_][\\w$]*)'
const FILL_STATEMENT = new RegExp(
  `^\\s*(?:\\\\copy|copy|insert\\s+into)\\s+(${IDENTIFIER})(?:\\s*\\.\\s*(${IDENTIFIER}))?`,
  'i'
)

/** The tables a load.sql fills (`\copy`, `COPY ... FROM`, `INSERT INTO`), in order, as written. */
export async function tablesInLoadFile(loadFile: string): Promise<string[]> {
  const tables: string[] = []
  const lines = readline.createInterface({
    input: fs.createReadStream(loadFile, 'utf8'),
    crlfDelay: Infinity
  })
  for await (const line of lines) {
    const first = line.charCodeAt(0)
    // Only statement starts matter; skip data lines cheaply.
    if (
      first !== 92 /* \ */ &&
      first !== 67 &&
      first !== 99 &&
      first !== 73 &&
      first !== 105 &&
      first !== 32
    )
      continue
    const match = FILL_STATEMENT.exec(line)
    if (!match) continue
    if (/^\s*(\\copy|copy)\s/i.test(line) && !/\sfrom\s/i.test(line)) continue
    const table = match[2] ? `${match[1]}.${match[2]}` : match[1]
    if (!tables.includes(table)) tables.push(table)
  }
  return tables
}

/** `"order_items"` → `order_items`; `public.x` stays as written. */
export function displayName(identifier: string): string {
  return identifier.replace(/"((?:[^"]|"")+)"/g, (_, name: string) => name.replace(/""/g, '"'))
}

/**
 * Turns the raw inputs (from `INPUT_*` variables in the action, from flags in the command line)
 * into one checked `Settings` object. Every problem is found here, before any request is sent,
 * and reported together, each naming its input and what would be right.
 */
import * as path from 'node:path'
import { InputError } from './errors.js'
import { unusableResultFolder } from './folders.js'
import { globFiles } from './glob.js'
import { parseDuration, parseSize } from './units.js'

export const DEFAULT_API_URL = 'https://fabricate.tonic.ai/api/v1'
/** The format `load: postgres` uses when none is given: psql \copy of CSV files, the fastest. */
export const DEFAULT_LOAD_FORMAT = 'postgres-optimized'

/** Formats known to produce data files but no PostgreSQL load.sql. */
const FORMATS_WITHOUT_LOAD_FILE = [
  'csv',
  'jsonl',
  'json_array',
  'json',
  'sqlite',
  'mysql',
  'xml',
  'parquet',
  'mssql',
  'oracle'
]

/** The inputs of action.yml, and the command line's flags, by name. */
export const INPUT_NAMES = [
  'api-key',
  'api-url',
  'workspace',
  'database',
  'format',
  'connection',
  'entity',
  'overrides',
  'path',
  'timeout',
  'max-size',
  'load',
  'postgres-url',
  'schema',
  'wait-for-database'
] as const
export type InputName = (typeof INPUT_NAMES)[number]

/** Defaults applied when an input is empty (action.yml declares the same ones). */
export const INPUT_DEFAULTS: Partial<Record<InputName, string>> = {
  timeout: '30m',
  'max-size': '8GiB',
  'wait-for-database': '60s'
}

export interface ConnectionObject {
  host: string
  port?: number
  database_name: string
  username: string
  password?: string
  tls?: boolean
}

export interface Settings {
  apiKey: string
  apiUrl: string
  workspace: string
  database: string
  format?: string
  connection?: string | ConnectionObject
  entity?: string
  overrides?: Record<string, unknown>
  /** Absolute folder for the result; undefined means a new folder under the temp dir. */
  path?: string
  timeoutMs: number
  maxSizeBytes: number
  load?: 'postgres'
  /** A postgresql:// URI (without its password, which is in `postgresPassword`), or libpq's env. */
  postgresUrl?: string
  postgresPassword?: string
  /** Schema files, absolute, in the order given. */
  schemaFiles: string[]
  waitForDatabaseMs: number
  /** Secrets found while reading the inputs (the key, passwords), to be masked before any output. */
  secrets: string[]
}

export interface InputSource {
  /** The input's raw value, '' when not given. */
  get(name: InputName): string
  /** Environment variables (FABRICATE_API_KEY, FABRICATE_API_URL, PGPASSWORD). */
  env: Record<string, string | undefined>
  /** Folder that relative paths are relative to (GITHUB_WORKSPACE, or the current folder). */
  workspaceDir: string
}

/** Reads and checks every input. Throws InputError listing every problem found. */
export async function readSettings(source: InputSource): Promise<Settings> {
  const problems: { input: string; message: string }[] = []
  const problem = (input: InputName, message: string): void => {
    problems.push({ input, message })
  }
  const get = (name: InputName): string => source.get(name).trim() || INPUT_DEFAULTS[name] || ''
  const secrets: string[] = []
  // The YAML parser is loaded only for the runs that give structured text.
  const parseYaml = /\S/.test(source.get('overrides') + source.get('connection'))
    ? (await import('yaml')).parse
    : undefined
  const structured = (text: string) => parseStructured(text, parseYaml!)

  const apiKey = get('api-key') || source.env.FABRICATE_API_KEY?.trim() || ''
  if (!apiKey) {
    problem(
      'api-key',
      'no Fabricate API key. Pass one from a secret (`api-key: ${{ secrets.FABRICATE_API_KEY }}`) or set the FABRICATE_API_KEY environment variable.'
    )
  }
  secrets.push(apiKey)

  const apiUrl = (
    get('api-url') ||
    source.env.FABRICATE_API_URL?.trim() ||
    DEFAULT_API_URL
  ).replace(/\/+$/, '')
  if (!isHttpUrl(apiUrl)) {
    problem('api-url', `'${apiUrl}' is not an http(s) URL. Example: ${DEFAULT_API_URL}`)
  }

  const workspace = get('workspace')
  if (!workspace)
    problem('workspace', 'required: the name of the Fabricate workspace, e.g. `acme`.')
  const database = get('database')
  if (!database) problem('database', 'required: the name of the Fabricate database, e.g. `shop`.')

  const load = get('load').toLowerCase()
  if (load && load !== 'postgres') {
    problem('load', `'${get('load')}' is not supported: use \`postgres\`, or leave it empty.`)
  }

  let format = get('format') || undefined
  const connectionText = get('connection')
  const connection = connectionText
    ? parseConnection(connectionText, structured, problem)
    : undefined
  if (connection && typeof connection === 'object' && connection.password) {
    secrets.push(connection.password)
  }
  if (format && connectionText) {
    problem(
      'format',
      'give either `format` (download the data) or `connection` (Fabricate pushes it into that database), not both.'
    )
  }
  if (load && connectionText) {
    problem(
      'load',
      '`load: postgres` loads a downloaded result, and with `connection` nothing is downloaded. Remove one of them.'
    )
  }
  if (!format && !connectionText) {
    if (load) format = DEFAULT_LOAD_FORMAT
    else {
      problem(
        'format',
        'give a `format` (for example `postgres-optimized`, `sql`, `csv`, `jsonl`, `sqlite`) or a `connection`.'
      )
    }
  }

  if (load === 'postgres' && format && FORMATS_WITHOUT_LOAD_FILE.includes(format.toLowerCase())) {
    problem(
      'format',
      `'${format}' produces no PostgreSQL load.sql, so \`load: postgres\` has nothing to run. Use ${DEFAULT_LOAD_FORMAT} (the default with \`load\`), postgres or sql.`
    )
  }

  const entity = get('entity') || undefined
  const overridesText = source.get('overrides').trim()
  const overrides = overridesText ? parseOverrides(overridesText, structured, problem) : undefined

  const timeoutMs = parsePositiveDuration('timeout', get('timeout'), problem)
  const waitForDatabaseMs = parsePositiveDuration(
    'wait-for-database',
    get('wait-for-database'),
    problem
  )
  const maxSizeBytes = parseSize(get('max-size'))
  if (!maxSizeBytes) {
    problem('max-size', `'${get('max-size')}' is not a size: write it as \`500MB\` or \`8GiB\`.`)
  }

  const resultPath = get('path') ? path.resolve(source.workspaceDir, get('path')) : undefined
  if (resultPath) {
    const reason = unusableResultFolder(resultPath)
    if (reason) problem('path', reason)
  }

  let postgresUrl: string | undefined
  let postgresPassword: string | undefined
  const postgresUrlText = get('postgres-url')
  if (postgresUrlText) {
    const parsed = parsePostgresUrl(postgresUrlText)
    if (typeof parsed === 'string') problem('postgres-url', parsed)
    else {
      postgresUrl = parsed.url
      postgresPassword = parsed.password
    }
    if (!load) problem('postgres-url', 'is only used with `load: postgres`; set that too.')
  }
  secrets.push(postgresPassword ?? '', source.env.PGPASSWORD ?? '')

  const schemaPatterns = source
    .get('schema')
    .split(/\r?\n/)
    .map(line => line.trim())
    .filter(line => line && !line.startsWith('#'))
  if (schemaPatterns.length > 0 && !load) {
    problem('schema', 'is only used with `load: postgres`; set that too.')
  }
  const schemaFiles = await resolveSchemaFiles(schemaPatterns, source.workspaceDir, problem)

  if (problems.length > 0) throw new InputError(problems)
  return {
    apiKey,
    apiUrl,
    workspace,
    database,
    format,
    connection,
    entity,
    overrides,
    path: resultPath,
    timeoutMs: timeoutMs!,
    maxSizeBytes: maxSizeBytes!,
    load: load ? 'postgres' : undefined,
    postgresUrl,
    postgresPassword,
    schemaFiles,
    waitForDatabaseMs: waitForDatabaseMs!,
    secrets: secrets.filter(Boolean)
  }
}

type Problem = (input: InputName, message: string) => void

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text)
    return url.protocol === 'http:' || url.protocol === 'https:'
  } catch {
    return false
  }
}

function parsePositiveDuration(
  input: InputName,
  text: string,
  problem: Problem
): number | undefined {
  const ms = parseDuration(text)
  if (ms === undefined || ms <= 0) {
    problem(input, `'${text}' is not a duration: write it as \`90s\`, \`15m\` or \`1h\`.`)
  }
  return ms
}

/** Parses YAML (or JSON, which is YAML) text; returns the value or an error message. */
type Structured = { value: unknown } | { error: string }
type YamlParse = (text: string, options: { prettyErrors: boolean; uniqueKeys: boolean }) => unknown

function parseStructured(text: string, parseYaml: YamlParse): Structured {
  try {
    return { value: parseYaml(text, { prettyErrors: true, uniqueKeys: true }) }
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error)
    return { error: message }
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function parseOverrides(
  text: string,
  structured: (text: string) => Structured,
  problem: Problem
): Record<string, unknown> | undefined {
  const parsed = structured(text)
  if ('error' in parsed) {
    problem('overrides', `is not valid YAML or JSON: ${parsed.error}`)
    return undefined
  }
  if (!isPlainObject(parsed.value)) {
    problem(
      'overrides',
      'must be an object, such as `{"entities": {"customers": {"record_count": 500}}}` or the same as a YAML block.'
    )
    return undefined
  }
  return parsed.value
}

const CONNECTION_FIELDS = ['host', 'port', 'database_name', 'username', 'password', 'tls']

function parseConnection(
  text: string,
  structured: (text: string) => Structured,
  problem: Problem
): string | ConnectionObject | undefined {
  const looksStructured = text.startsWith('{') || /^[\w-]+\s*:/m.test(text)
  if (!looksStructured) return text
  const parsed = structured(text)
  if ('error' in parsed) {
    problem('connection', `looks like an object but is not valid YAML or JSON: ${parsed.error}`)
    return undefined
  }
  const value = parsed.value
  if (!isPlainObject(value)) {
    problem(
      'connection',
      'must be a connection name or an object {host, port, database_name, username, password, tls}.'
    )
    return undefined
  }
  const unknown = Object.keys(value).filter(key => !CONNECTION_FIELDS.includes(key))
  const missing = ['host', 'database_name', 'username'].filter(key => !value[key])
  if (unknown.length > 0 || missing.length > 0) {
    const parts = []
    if (missing.length) parts.push(`missing ${missing.join(', ')}`)
    if (unknown.length) parts.push(`unknown field ${unknown.join(', ')}`)
    problem('connection', `${parts.join('; ')}. Fields: ${CONNECTION_FIELDS.join(', ')}.`)
    return undefined
  }
  const port = value.port === undefined ? undefined : Number(value.port)
  if (port !== undefined && !(Number.isInteger(port) && port > 0 && port < 65536)) {
    problem('connection', `port '${String(value.port)}' is not a port number.`)
  }
  return {
    host: String(value.host),
    ...(port !== undefined ? { port } : {}),
    database_name: String(value.database_name),
    username: String(value.username),
    ...(value.password !== undefined ? { password: String(value.password) } : {}),
    ...(value.tls !== undefined ? { tls: Boolean(value.tls) } : {})
  }
}

/**
 * Splits a postgres:// URI into the URI without its password (it goes on psql's command line)
 * and the password (it goes through the environment). A `password` query option counts too.
 */
export function parsePostgresUrl(text: string): { url: string; password?: string } | string {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    return 'is not a connection URI; write it as `postgresql://user:password@localhost:5432/database`.'
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    return `must start with postgresql:// (got '${url.protocol}//').`
  }
  const password =
    (url.password ? decodeURIComponent(url.password) : undefined) ??
    url.searchParams.get('password') ??
    undefined
  url.password = ''
  url.searchParams.delete('password')
  return { url: url.toString(), password }
}

async function resolveSchemaFiles(
  patterns: string[],
  base: string,
  problem: Problem
): Promise<string[]> {
  const files: string[] = []
  for (const pattern of patterns) {
    const matches = await globFiles(pattern, base)
    if (matches.length === 0) problem('schema', `'${pattern}' matches no file in ${base}.`)
    for (const match of matches) if (!files.includes(match)) files.push(match)
  }
  return files
}

#!/usr/bin/env node
/**
 * The command line: the same run as the GitHub Action, for a developer's laptop.
 *   npx fabricate-action --workspace acme --database shop --load postgres --postgres-url ...
 * Flags have the names of the action's inputs; the key comes from FABRICATE_API_KEY. Messages go
 * to stderr (a redrawn progress line on a terminal, plain lines otherwise); the outputs go to
 * stdout as one JSON object, for scripts.
 */
import * as os from 'node:os'
import { adviceFor } from './advice.js'
import { CancelledError, InputError, errorMessage } from './errors.js'
import { INPUT_DEFAULTS, INPUT_NAMES, readSettings, type InputName } from './inputs.js'
import { newReport } from './report.js'
import type { Reporter } from './reporter.js'
import { run } from './run.js'
import { Secrets } from './secrets.js'
import { formatBytes, formatDuration, parseDuration } from './units.js'

const HELP: Record<InputName, string> = {
  'api-key': 'Fabricate API key (default: $FABRICATE_API_KEY; prefer the variable)',
  'api-url': 'API base URL (default: $FABRICATE_API_URL or https://fabricate.tonic.ai/api/v1)',
  workspace: 'workspace name (required)',
  database: 'database name (required)',
  format:
    'postgres-optimized, postgres, sql, sqlite, csv, jsonl, ... (default: postgres-optimized with --load)',
  connection: 'push into this Fabricate connection instead of downloading',
  entity: 'generate one table only',
  overrides: 'JSON or YAML object of variable and table overrides',
  path: 'folder for the result, new or empty (default: ./fabricate-<database>-<task>)',
  timeout: 'time allowed for generating and downloading',
  'max-size': 'largest uncompressed result accepted',
  load: '`postgres` to load the result with psql',
  'postgres-url': 'postgresql:// URI to load into (default: PG* variables)',
  schema: 'SQL file or glob run before load.sql (repeat the flag for more)',
  'wait-for-database': 'how long to wait for PostgreSQL to accept connections'
}

function usage(): string {
  const lines = INPUT_NAMES.map(name => {
    const flag = `  --${name} ${name === 'load' ? 'postgres' : 'VALUE'}`.padEnd(34)
    const fallback = INPUT_DEFAULTS[name] ? ` [default: ${INPUT_DEFAULTS[name]}]` : ''
    return `${flag}${HELP[name]}${fallback}`
  })
  return [
    'Usage: fabricate-action --workspace NAME --database NAME [options]',
    '',
    'Generates data with Tonic Fabricate, downloads and unpacks it, and optionally loads it into',
    'PostgreSQL: what the GitHub Action does in CI, on your machine.',
    '',
    ...lines,
    '  --debug                         log every request (method, path, status, timing)',
    '  --help                          show this help',
    '',
    'Environment: FABRICATE_API_KEY, FABRICATE_API_URL, and libpq variables (PGHOST, PGUSER, ...).',
    'Outputs are printed to stdout as one JSON object.'
  ].join('\n')
}

export function parseArgs(argv: string[]): {
  values: Partial<Record<InputName, string>>
  debug: boolean
  help: boolean
} {
  const values: Partial<Record<InputName, string>> = {}
  let debug = false
  let help = false
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    if (arg === '--help' || arg === '-h') {
      help = true
      continue
    }
    if (arg === '--debug') {
      debug = true
      continue
    }
    const match = /^--([a-z-]+)(?:=(.*))?$/s.exec(arg)
    if (!match || !(INPUT_NAMES as readonly string[]).includes(match[1])) {
      throw new InputError([{ input: arg, message: 'is not an option; see --help.' }])
    }
    const name = match[1] as InputName
    const value = match[2] ?? argv[++i]
    if (value === undefined) throw new InputError([{ input: name, message: 'needs a value.' }])
    values[name] = name === 'schema' && values.schema ? `${values.schema}\n${value}` : value
  }
  return { values, debug, help }
}

function terminalReporter(secrets: Secrets, debugOn: boolean): Reporter & { done(): void } {
  const out = process.stderr
  const tty = Boolean(out.isTTY)
  let progressShown = false
  const clearProgress = (): void => {
    if (progressShown) out.write('\r\x1b[2K')
    progressShown = false
  }
  const line = (text: string): void => {
    clearProgress()
    out.write(`${secrets.redact(text)}\n`)
  }
  return {
    info: line,
    warning: message => line(`warning: ${message}`),
    debug: message => {
      if (debugOn) line(`debug: ${message}`)
    },
    progress: message => {
      if (!tty) return line(`  ${message}`)
      clearProgress()
      out.write(`  ${secrets.redact(message)}`.slice(0, (out.columns || 100) - 1))
      progressShown = true
    },
    group: async (title, fn) => {
      line(`▸ ${title}`)
      return fn()
    },
    setOutput: () => {},
    setSecret: () => {},
    isDebug: debugOn,
    done: clearProgress
  }
}

export async function main(argv: string[]): Promise<number> {
  let parsed
  try {
    parsed = parseArgs(argv)
  } catch (error) {
    process.stderr.write(`${errorMessage(error)}\n`)
    return 2
  }
  if (parsed.help) {
    process.stdout.write(`${usage()}\n`)
    return 0
  }
  const secrets = new Secrets()
  secrets.add(parsed.values['api-key'])
  secrets.add(process.env.FABRICATE_API_KEY)
  secrets.add(process.env.PGPASSWORD)
  const debug = parsed.debug || process.env.ACTIONS_STEP_DEBUG === 'true'
  const reporter = terminalReporter(secrets, debug)
  const outputs: Record<string, string> = {}
  reporter.setOutput = (name, value) => {
    outputs[name] = secrets.redact(value)
  }

  const controller = new AbortController()
  process.on('SIGINT', () => controller.abort())
  process.on('SIGTERM', () => controller.abort())

  const report = newReport(parsed.values.workspace ?? '', parsed.values.database ?? '')
  try {
    const settings = await readSettings({
      get: name => parsed.values[name] ?? '',
      env: process.env,
      workspaceDir: process.cwd()
    })
    settings.secrets.forEach(value => secrets.add(value))
    await run(
      settings,
      {
        reporter,
        secrets,
        signal: controller.signal,
        env: process.env,
        tempDir: os.tmpdir(),
        defaultResultDir: process.cwd(),
        requestTimeoutMs: parseDuration(process.env.FABRICATE_REQUEST_TIMEOUT ?? '') ?? 30_000
      },
      report
    )
  } catch (error) {
    reporter.done()
    const cancelled = error instanceof CancelledError || controller.signal.aborted
    const message = cancelled
      ? `Cancelled${report.taskId ? ` while working on task ${report.taskId}` : ''}; partial files were removed.`
      : secrets.redact(errorMessage(error))
    process.stderr.write(`\nerror: ${message}\n`)
    const advice = adviceFor(error)
    if (advice && !cancelled) process.stderr.write(`${advice}\n`)
    return cancelled ? 130 : error instanceof InputError ? 2 : 1
  }
  reporter.done()
  const total = report.phases.reduce((sum, phase) => sum + phase.ms, 0)
  const size =
    report.downloadedBytes !== undefined ? `, ${formatBytes(report.downloadedBytes)}` : ''
  process.stderr.write(
    `\nDone in ${formatDuration(total)}${size}.${report.path ? ` Result: ${report.path}` : ''}\n`
  )
  process.stdout.write(`${JSON.stringify(outputs, null, 2)}\n`)
  return 0
}

main(process.argv.slice(2)).then(
  code => process.exit(code),
  error => {
    process.stderr.write(`${errorMessage(error)}\n`)
    process.exit(1)
  }
)

/**
 * One run, from the checked settings to a result on disk (and, when asked, in PostgreSQL). Shared
 * by the GitHub Action and the command line; they differ only in how they read inputs and write
 * outputs, which the Reporter hides.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import { FabricateClient, type Task, type TaskRequest } from './api-client.js'
import { Deadline } from './clock.js'
import { download, removeQuietly } from './download.js'
import { LoadError, ResultError } from './errors.js'
import { Http } from './http.js'
import type { PostgresTarget } from './load.js'
import { unusableResultFolder } from './folders.js'
import type { Settings } from './inputs.js'
import { waitForTask } from './poll.js'
import type { Reporter } from './reporter.js'
import type { RunReport } from './report.js'
import {
  findLoadFile,
  isZipResult,
  placeSingleFile,
  readFirstBytes,
  singleFileName
} from './result.js'
import type { Secrets } from './secrets.js'
import { formatBytes, formatDuration } from './units.js'

export interface RunContext {
  reporter: Reporter
  secrets: Secrets
  signal: AbortSignal
  /** The job's environment: PATH and PG* variables for psql. */
  env: Record<string, string | undefined>
  /** Where temporary files go (RUNNER_TEMP). */
  tempDir: string
  /** Where the result folder goes when `path` is not given (default: tempDir). */
  defaultResultDir?: string
  /** Time limit of one HTTP request. */
  requestTimeoutMs: number
  /** Called with each temporary path before it is created, so a post step can remove it. */
  onTempPath?: (file: string) => void
}

export const LOAD_FORMATS = ['postgres-optimized', 'postgres', 'sql']

/**
 * Runs one phase of the run in its own log group, records its duration in the report, and marks
 * it as the phase in progress so that a failure or a cancel can say where it happened.
 */
async function phase<T>(
  context: RunContext,
  report: RunReport,
  name: string,
  title: string,
  fn: (started: number) => Promise<T>
): Promise<T> {
  const started = Date.now()
  report.current = name
  const result = await context.reporter
    .group(title, () => fn(started))
    .finally(() => report.phases.push({ name, ms: Date.now() - started }))
  // Left set on failure: the summary says in which phase it happened.
  report.current = undefined
  return result
}

export async function run(
  settings: Settings,
  context: RunContext,
  report: RunReport
): Promise<void> {
  const { reporter, secrets, signal } = context
  const deadline = new Deadline(settings.timeoutMs)
  const http = new Http(message => reporter.debug(secrets.redact(message)))
  const warn = (message: string): void => reporter.warning(secrets.redact(message))

  // Everything the run depends on locally is checked before a task is started: psql, and that the
  // database takes the credentials (a wrong password must not cost a generation). A server that
  // is not up yet is waited for after the download.
  let target: PostgresTarget | undefined
  if (settings.load) {
    const { checkDatabase, findPsql, PSQL_MISSING } = await import('./load.js')
    const psql = findPsql(context.env)
    if (!psql) throw new LoadError(PSQL_MISSING)
    target = {
      url: settings.postgresUrl,
      password: settings.postgresPassword,
      env: context.env,
      psql,
      debug: (message: string) => reporter.debug(secrets.redact(message))
    }
    const early = await checkDatabase(target, signal)
    if (!early.ok) {
      reporter.info(
        secrets.redact(
          `PostgreSQL does not accept connections yet (${early.message.split('\n')[0]}); it is waited for, up to \`wait-for-database\`, once the data is here.`
        )
      )
    }
  }

  const request: TaskRequest = {
    workspace: settings.workspace,
    database: settings.database,
    format: settings.format,
    connection: settings.connection,
    entity: settings.entity,
    overrides: settings.overrides
  }
  report.format = settings.format
  report.entity = settings.entity
  const client = new FabricateClient({
    http,
    apiUrl: settings.apiUrl,
    apiKey: settings.apiKey,
    signal,
    deadline,
    requestTimeoutMs: context.requestTimeoutMs,
    onRetry: warn
  })

  const what = `${settings.workspace} / ${settings.database}${settings.entity ? ` / ${settings.entity}` : ''}`
  const task = await phase(context, report, 'Generating', `Generating ${what}`, async started => {
    reporter.info(
      `Requesting ${settings.format ? `format ${settings.format}` : `a push to connection ${describeConnection(settings)}`} from ${settings.apiUrl}`
    )
    const created = await client.createTask(request)
    report.taskId = created.id
    reporter.setOutput('task-id', created.id)
    reporter.info(`Task ${created.id} started.`)
    const waited = await waitForTask(created, {
      client,
      request,
      deadline,
      signal,
      progress: message => reporter.progress(secrets.redact(message))
    })
    reporter.info(
      `Task ${created.id} completed in ${formatDuration(Date.now() - started)} (${waited.reads} status reads).`
    )
    return waited.task
  })

  if (settings.connection) {
    report.connection = describeConnection(settings)
    reporter.info(
      `Fabricate inserted the data into connection ${report.connection}; nothing to download.`
    )
    return
  }

  const dataUrl = resultUrl(task)
  secrets.addUrl(dataUrl)

  const downloadDir = path.join(
    context.tempDir,
    `fabricate-download-${task.id.slice(0, 8)}-${process.pid}`
  )
  context.onTempPath?.(downloadDir)
  await fs.promises.mkdir(downloadDir, { recursive: true })
  try {
    const archive = path.join(downloadDir, 'result')
    const downloaded = await phase(
      context,
      report,
      'Downloading',
      'Downloading the result',
      async started => {
        const result = await download({
          http,
          url: dataUrl,
          dest: archive,
          deadline,
          signal,
          requestTimeoutMs: context.requestTimeoutMs,
          maxBytes: settings.maxSizeBytes,
          onRetry: warn,
          refreshUrl: async () => {
            const url = resultUrl(await client.getTask(task.id, request))
            secrets.addUrl(url)
            return url
          }
        })
        reporter.info(
          `Downloaded ${formatBytes(result.bytes)} in ${formatDuration(Date.now() - started)}.`
        )
        return result
      }
    )
    report.downloadedBytes = downloaded.bytes

    const dest =
      settings.path ??
      path.join(
        context.defaultResultDir ?? context.tempDir,
        `fabricate-${safeName(settings.database)}-${task.id.slice(0, 8)}`
      )
    const unusable = unusableResultFolder(dest)
    if (unusable) throw new ResultError(unusable)
    await phase(context, report, 'Unpacking', 'Unpacking', async () => {
      const contentType = task.content_type ?? undefined
      if (isZipResult(contentType, await readFirstBytes(archive))) {
        const { extractZip } = await import('./archive.js')
        const extracted = await extractZip(archive, {
          dest,
          maxSizeBytes: settings.maxSizeBytes,
          signal,
          onTempPath: context.onTempPath
        })
        report.files = extracted.files
        report.unpackedBytes = extracted.bytes
        reporter.info(
          `Unpacked ${extracted.files.length} files (${formatBytes(extracted.bytes)}) into ${dest}`
        )
      } else {
        const name = singleFileName(
          settings.entity ?? settings.database,
          settings.format,
          contentType
        )
        if (downloaded.bytes > settings.maxSizeBytes) {
          throw new ResultError(
            `The result is ${formatBytes(downloaded.bytes)}, more than \`max-size\` (${formatBytes(settings.maxSizeBytes)}).`
          )
        }
        await placeSingleFile(archive, dest, name, context.onTempPath)
        report.files = [name]
        report.file = path.join(dest, name)
        reporter.info(`Saved ${report.file}`)
      }
    })
    report.path = dest
  } finally {
    await removeQuietly(downloadDir)
  }

  const files = report.files ?? []
  const loadName =
    findLoadFile(files) ??
    (report.file && /\.sql$/i.test(report.file) ? path.basename(report.file) : undefined)
  report.loadFile = loadName
  reporter.setOutput('path', report.path!)
  reporter.setOutput('files', JSON.stringify(files))
  reporter.setOutput('file', report.file ?? '')
  reporter.setOutput('load-file', loadName ? path.join(report.path!, loadName) : '')

  if (settings.load) {
    if (!loadName) {
      throw new LoadError(
        `The result has no load.sql, so there is nothing for psql to run: format '${settings.format}' produces data files only. ` +
          `Formats that produce a PostgreSQL load.sql: ${LOAD_FORMATS.join(', ')} (the default with \`load: postgres\` is ${LOAD_FORMATS[0]}).`
      )
    }
    await loadResult(settings, context, report, target!, path.join(report.path!, loadName))
  }
}

async function loadResult(
  settings: Settings,
  context: RunContext,
  report: RunReport,
  target: PostgresTarget,
  loadFile: string
): Promise<void> {
  const { reporter, signal } = context
  const { waitForDatabase, loadIntoPostgres } = await import('./load.js')
  const ready = await phase(
    context,
    report,
    'Waiting for PostgreSQL',
    'Waiting for PostgreSQL',
    async () => {
      const result = await waitForDatabase(target, settings.waitForDatabaseMs, signal, message =>
        reporter.info(context.secrets.redact(message))
      )
      reporter.info(
        `PostgreSQL ${result.serverVersion} accepted a connection after ${formatDuration(result.waitedMs)}.`
      )
      return result
    }
  )
  report.serverVersion = ready.serverVersion

  const loaded = await phase(context, report, 'Loading', 'Loading into PostgreSQL', async () => {
    if (settings.schemaFiles.length > 0) {
      reporter.info(
        `Schema files: ${settings.schemaFiles.map(f => path.relative(process.cwd(), f) || f).join(', ')}`
      )
    }
    const result = await loadIntoPostgres(target, loadFile, settings.schemaFiles, signal)
    const total = Object.values(result.tables).reduce((a, b) => a + b, 0)
    reporter.info(
      `Loaded ${total.toLocaleString('en-US')} rows into ${Object.keys(result.tables).length} tables in ${formatDuration(result.durationMs)}.`
    )
    for (const [table, rows] of Object.entries(result.tables))
      reporter.info(`  ${table}: ${rows.toLocaleString('en-US')}`)
    return result
  })
  report.tables = loaded.tables
  reporter.setOutput('tables', JSON.stringify(loaded.tables))
}

function resultUrl(task: Task): string {
  const url = task.data_url ?? task.download_url
  if (!url)
    throw new ResultError(
      `Task ${task.id} completed but its answer has no data_url (or download_url) to download the result from.`
    )
  return url
}

function describeConnection(settings: Settings): string {
  const connection = settings.connection
  if (!connection) return ''
  if (typeof connection === 'string') return connection
  return `${connection.username}@${connection.host}${connection.port ? `:${connection.port}` : ''}/${connection.database_name}`
}

function safeName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 60) || 'result'
}

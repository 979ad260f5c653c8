/**
 * The GitHub Action: inputs from INPUT_* (through @actions/core), outputs and state through the
 * runner's file commands, a folded log, masked secrets, a job summary, and cancellation on the
 * runner's SIGINT. The post step removes temporary files and never fails the job.
 */
import * as core from '@actions/core'
import * as fs from 'node:fs'
import * as os from 'node:os'
import { adviceFor } from './advice.js'
import { ApiError, CancelledError, errorMessage } from './errors.js'
import { INPUT_NAMES, readSettings } from './inputs.js'
import { newReport } from './report.js'
import type { Reporter } from './reporter.js'
import { run } from './run.js'
import { Secrets } from './secrets.js'
import { parseDuration } from './units.js'

const CLEANUP_STATE = 'cleanup'
/** After SIGINT, give up on a clean stop after this long (the runner sends SIGTERM at 7.5 s). */
const CANCEL_GRACE_MS = 5000

function githubReporter(secrets: Secrets): Reporter {
  const clean = (text: string): string => secrets.redact(text)
  return {
    info: message => core.info(clean(message)),
    warning: message => core.warning(clean(message)),
    debug: message => core.debug(clean(message)),
    progress: message => core.info(clean(message)),
    group: (title, fn) => core.group(clean(title), fn),
    setOutput: (name, value) => core.setOutput(name, clean(value)),
    setSecret: value => core.setSecret(value),
    isDebug: core.isDebug()
  }
}

export async function runAction(): Promise<number> {
  const secrets = new Secrets(value => core.setSecret(value))
  // Mask what could be a secret before anything else is printed.
  secrets.add(core.getInput('api-key'))
  secrets.add(process.env.FABRICATE_API_KEY)
  secrets.add(process.env.PGPASSWORD)

  const controller = new AbortController()
  const cancel = (signal: string): void => {
    if (controller.signal.aborted) return
    core.info(`Received ${signal}: stopping.`)
    controller.abort()
    setTimeout(() => process.exit(1), CANCEL_GRACE_MS).unref()
  }
  process.on('SIGINT', () => cancel('SIGINT'))
  process.on('SIGTERM', () => cancel('SIGTERM'))

  const reporter = githubReporter(secrets)
  const report = newReport(core.getInput('workspace'), core.getInput('database'))
  const tempPaths: string[] = []
  try {
    const settings = await readSettings({
      get: name => (INPUT_NAMES.includes(name) ? core.getInput(name) : ''),
      env: process.env,
      workspaceDir: process.env.GITHUB_WORKSPACE || process.cwd()
    })
    settings.secrets.forEach(value => secrets.add(value))
    await run(
      settings,
      {
        reporter,
        secrets,
        signal: controller.signal,
        env: process.env,
        tempDir: process.env.RUNNER_TEMP || os.tmpdir(),
        requestTimeoutMs: parseDuration(process.env.FABRICATE_REQUEST_TIMEOUT ?? '') ?? 30_000,
        onTempPath: file => {
          tempPaths.push(file)
          core.saveState(CLEANUP_STATE, JSON.stringify(tempPaths))
        }
      },
      report
    )
    report.outcome = 'success'
  } catch (error) {
    const cancelled = error instanceof CancelledError || controller.signal.aborted
    report.outcome = cancelled ? 'cancelled' : 'failure'
    let message = secrets.redact(errorMessage(error))
    if (cancelled) {
      message = `Cancelled${report.taskId ? ` while working on task ${report.taskId}` : ''}. Partial files were removed.`
    }
    report.error = error instanceof ApiError ? secrets.redact(error.problem) : message
    report.advice = cancelled ? undefined : adviceFor(error)
    core.setFailed(message)
  }
  await writeSummary(secrets.redact((await import('./summary.js')).renderSummary(report)))
  return report.outcome === 'success' ? 0 : 1
}

async function writeSummary(markdown: string): Promise<void> {
  if (!process.env.GITHUB_STEP_SUMMARY) return
  try {
    await core.summary.addRaw(markdown, true).write()
  } catch (error) {
    core.warning(`Could not write the job summary: ${errorMessage(error)}`)
  }
}

/** The post step: remove what the main step left in RUNNER_TEMP. Never fails the job. */
export async function runPost(): Promise<number> {
  try {
    const paths = JSON.parse(core.getState(CLEANUP_STATE) || '[]') as string[]
    for (const file of paths) {
      if (fs.existsSync(file)) {
        await fs.promises.rm(file, { recursive: true, force: true })
        core.info(`Removed ${file}`)
      }
    }
  } catch (error) {
    core.warning(`Cleanup failed (the job is not affected): ${errorMessage(error)}`)
  }
  return 0
}

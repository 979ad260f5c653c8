/**
 * Waiting for a generation task: read it until it is completed or failed, at the pace
 * `pollDelay` sets, and tell the user how it goes at a calm rate.
 */
import type { FabricateClient, Task, TaskRequest } from './api-client.js'
import { pollDelay } from './backoff.js'
import { Deadline, sleep } from './clock.js'
import { TaskFailedError, TimeoutError } from './errors.js'
import { formatDuration } from './units.js'

/** A progress line at most this often, unless the phase changes. */
const LOG_EVERY_MS = 30_000

export interface WaitOptions {
  client: FabricateClient
  request: TaskRequest
  deadline: Deadline
  signal: AbortSignal
  progress: (message: string) => void
  random?: () => number
}

export interface WaitResult {
  task: Task
  /** Number of status reads made. */
  reads: number
  waitedMs: number
}

export async function waitForTask(first: Task, options: WaitOptions): Promise<WaitResult> {
  const { client, request, deadline, signal } = options
  const started = Date.now()
  const tracker = new ProgressTracker()
  let task = first
  let reads = 0
  let lastLogAt = 0
  let lastPhase: string | undefined
  for (;;) {
    if (task.error) throw new TaskFailedError(task.id, task.error)
    if (task.completed) return { task, reads, waitedMs: Date.now() - started }

    const elapsed = Date.now() - started
    const phase = task.phase ?? undefined
    if (phase !== lastPhase || Date.now() - lastLogAt >= LOG_EVERY_MS) {
      options.progress(tracker.describe(task, elapsed))
      lastLogAt = Date.now()
      lastPhase = phase
    }

    const remaining = deadline.remaining()
    if (remaining <= 0) throw timedOut(task, tracker, elapsed)
    await sleep(Math.min(pollDelay(elapsed, options.random), remaining), signal)
    try {
      task = await client.getTask(task.id, request)
    } catch (error) {
      if (error instanceof TimeoutError)
        throw timedOut(task, tracker, Date.now() - started, error.message)
      throw error
    }
    reads++
  }
}

function timedOut(
  task: Task,
  tracker: ProgressTracker,
  waitedMs: number,
  detail?: string
): TimeoutError {
  const percent = tracker.percent(task.progress)
  const last = [
    percent !== undefined ? `${percent}%` : undefined,
    task.phase ? `phase ${task.phase}` : undefined,
    task.context ?? undefined
  ]
    .filter(Boolean)
    .join(', ')
  return new TimeoutError(
    `Timed out after waiting ${formatDuration(waitedMs)} for task ${task.id}` +
      `${last ? ` (last progress: ${last})` : ''}${detail ? `: ${detail}` : ''}. ` +
      'Raise `timeout`, or ask for fewer rows with `overrides`. The task may still finish in Fabricate.'
  )
}

/**
 * Progress is documented as 0–1 and printed by Tonic's clients as 0–100. A value above 1 means
 * percent, and once seen, the task is read as percent from then on.
 */
export class ProgressTracker {
  private percentScale = false

  percent(progress: number | null | undefined): number | undefined {
    if (typeof progress !== 'number' || !Number.isFinite(progress)) return undefined
    if (progress > 1) this.percentScale = true
    const value = this.percentScale ? progress : progress * 100
    return Math.max(0, Math.min(100, Math.round(value)))
  }

  describe(task: Task, elapsedMs: number): string {
    const percent = this.percent(task.progress)
    const parts = [
      task.phase ? capitalize(task.phase) : 'Waiting',
      percent !== undefined ? `${percent}%` : undefined,
      task.context ?? undefined,
      elapsedMs >= 1000 ? formatDuration(elapsedMs) : undefined
    ]
    return parts.filter(Boolean).join(' · ')
  }
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1)
}

// @ts-check
// Figure 3: a task that takes 60 s. How many status reads (GET /generate_tasks/:id) the action
// makes, and how late it notices the completion: its last status read minus the moment the task
// became complete (createdAt + durationMs; the emulator's timer also records completedAt then).
// The runs go side by side, each on its own task: they spend nearly all their time asleep.
import { startEmulator } from '../../emulator/server.js'
import { runAction } from './runner.js'
import { median, progress, removeDir } from './util.js'

export const TASK_MS = 60_000

/**
 * @typedef {object} PollRun
 * @property {number} reads status reads (GET of the task)
 * @property {number} lateMs last status read minus the task's completion
 * @property {number} completedAfterMs completedAt − createdAt as the emulator recorded it
 * @property {number[]} gapsMs the waits between consecutive status reads
 * @property {number} wallMs
 *
 * @typedef {object} PollResult
 * @property {PollRun[]} runs
 * @property {number} reads median
 * @property {number} maxReads
 * @property {number} lateMs median
 * @property {number} maxLateMs
 */

/**
 * @param {{ node: string, script: string, cacheDir: string, baseDir: string, runs: number }} context
 * @returns {Promise<PollResult>}
 */
export async function measurePolling(context) {
  const emulator = await startEmulator({ durationMs: TASK_MS, cacheDir: context.cacheDir })
  try {
    progress(`polling: ${context.runs} run(s) side by side on ${TASK_MS / 1000} s tasks`)
    const runs = await Promise.all(
      Array.from({ length: context.runs }, async () => {
        const run = await runAction({
          node: context.node,
          script: context.script,
          baseDir: context.baseDir,
          inputs: {
            'api-key': emulator.apiKey,
            'api-url': emulator.apiUrl,
            workspace: 'acme',
            database: 'shop',
            format: 'csv'
          },
          timeoutMs: 300_000
        })
        removeDir(run.runDir)
        if (run.exitCode !== 0) {
          throw new Error(`the action failed (exit ${run.exitCode}):\n${run.stdout}\n${run.stderr}`)
        }
        const id = run.outputs['task-id']
        const task = emulator.tasks.get(id)
        if (!task) throw new Error(`the emulator has no task ${id}`)
        const reads = emulator.requests
          .filter(r => r.server === 'api' && r.method === 'GET' && r.path.endsWith(`/${id}`))
          .map(r => r.at)
          .sort((a, b) => a - b)
        const completion = task.createdAt + task.options.durationMs
        return {
          reads: reads.length,
          lateMs: reads[reads.length - 1] - completion,
          completedAfterMs: (task.completedAt ?? NaN) - task.createdAt,
          gapsMs: reads.map((at, i) => at - (i === 0 ? task.createdAt : reads[i - 1])),
          wallMs: run.wallMs
        }
      })
    )
    for (const run of runs) {
      progress(
        `polling: ${run.reads} status reads, completion noticed ${(run.lateMs / 1000).toFixed(2)} s late`
      )
    }
    return {
      runs,
      reads: median(runs.map(r => r.reads)),
      maxReads: Math.max(...runs.map(r => r.reads)),
      lateMs: median(runs.map(r => r.lateMs)),
      maxLateMs: Math.max(...runs.map(r => r.lateMs))
    }
  } finally {
    await emulator.close()
  }
}

// @ts-check
// Generate tasks: their options, records and state over time (queued, generating, packaging,
// completed or failed), completion with its push, and the task object the API answers with.

import { randomBytes, randomUUID } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { LAYOUTS, resultInfo } from './formats.js'

/**
 * @typedef {import('./formats.js').Layout} Layout
 * @typedef {import('./formats.js').ResultSpec} ResultSpec
 * @typedef {import('./validate.js').CreateRequest} CreateRequest
 *
 * @typedef {object} TaskOptions per-task behaviour (emulator.defaults, emulator.nextTask())
 * @property {number} [durationMs] how long the task runs (0: done on the first read)
 * @property {string} [error] the task fails with this message once durationMs has passed
 * @property {1 | 100} [progressScale] progress as 0-1 (default) or 0-100
 * @property {Layout} [layout] archive layout: flat (default), nested, with-dirs
 * @property {'data_url' | 'download_url'} [urlField] name of the download URL field
 * @property {boolean} [omitContentType] leave content_type out of the task object
 * @property {string} [resultFile] serve this file as the result instead of generating one (a test's
 *   hand-made archive: hostile names, a zip bomb); it is served with the format's content type
 *
 * @typedef {object} Push what a task with a `connection` "inserted"
 * @property {string} taskId
 * @property {string} workspace
 * @property {string} database
 * @property {string | object} connection
 * @property {Record<string, number>} rowCounts
 * @property {number} at
 *
 * @typedef {object} TaskRecord
 * @property {string} id
 * @property {string} token of the Active Storage redirect URL
 * @property {string} workspace
 * @property {string} database
 * @property {string} databaseId
 * @property {string | null} format
 * @property {string | null} entity
 * @property {string | object | null} connection
 * @property {object | null} overrides
 * @property {number | string} seed
 * @property {Record<string, number>} recordCounts rows per table in the result
 * @property {Required<Omit<TaskOptions, 'error'>> & { error?: string }} options
 * @property {number} createdAt
 * @property {number | null} completedAt
 * @property {string | null} filePath the generated result file, once ready
 * @property {string | null} contentType
 * @property {string | null} extension
 * @property {string | null} failure generation error, if any
 * @property {Promise<void> | null} generation
 *
 * @typedef {{ progress: number, phase: string, context: string, error: string | null }} TaskState
 */

const FIRST_READ_WAIT_MS = 1000

/** @type {Required<TaskOptions>} */
const BASE_TASK_OPTIONS = {
  durationMs: 0,
  error: '',
  progressScale: 1,
  layout: 'flat',
  urlField: 'data_url',
  omitContentType: false,
  resultFile: ''
}

// ---------------------------------------------------------------------------------------------
// Options

/**
 * The task options among other options (the emulator's).
 * @param {TaskOptions} options
 * @returns {TaskOptions}
 */
export function pickTaskOptions(options) {
  const keys = /** @type {(keyof TaskOptions)[]} */ (Object.keys(BASE_TASK_OPTIONS))
  const present = keys.filter(key => options[key] !== undefined)
  return checkTaskOptions(Object.fromEntries(present.map(key => [key, options[key]])))
}

/**
 * @param {TaskOptions} options
 * @returns {TaskOptions}
 */
export function checkTaskOptions(options) {
  if (options.layout && !LAYOUTS.includes(options.layout)) {
    throw new Error(`Unknown layout '${options.layout}': use ${LAYOUTS.join(', ')}`)
  }
  return options
}

/**
 * The options of a new task: the base ones, overridden by the defaults, then the queued ones.
 * @param {TaskOptions} defaults
 * @param {TaskOptions} [queued]
 * @returns {TaskRecord['options']}
 */
export function resolveTaskOptions(defaults, queued) {
  return { ...BASE_TASK_OPTIONS, ...defaults, ...queued }
}

// ---------------------------------------------------------------------------------------------
// Records

/**
 * A new task record for a validated request (no generation started yet).
 * @param {CreateRequest} request
 * @param {TaskRecord['options']} options
 * @returns {TaskRecord}
 */
export function createTaskRecord(request, options) {
  const info = request.format
    ? resultInfo({ format: request.format, entity: request.entity ?? undefined })
    : null
  return {
    id: randomUUID(),
    token: randomBytes(24).toString('base64url'),
    workspace: request.workspace,
    database: request.database.name,
    databaseId: request.database.id,
    format: request.format,
    entity: request.entity,
    connection: request.connection,
    overrides: request.overrides,
    seed: request.seed,
    recordCounts: request.entity
      ? { [request.entity]: request.recordCounts[request.entity] }
      : request.recordCounts,
    options,
    createdAt: Date.now(),
    completedAt: null,
    filePath: null,
    contentType: info?.contentType ?? null,
    extension: info?.extension ?? null,
    failure: null,
    generation: null
  }
}

/**
 * What to generate for a task: the result file's spec.
 * @param {TaskRecord} task
 * @param {CreateRequest} request
 * @param {number} [compressionLevel]
 * @returns {ResultSpec}
 */
export function resultSpec(task, request, compressionLevel) {
  return {
    database: request.database,
    format: /** @type {string} */ (request.format),
    entity: request.entity ?? undefined,
    recordCounts: request.recordCounts,
    seed: request.seed,
    fields: request.fields,
    textLength: request.textLength,
    layout: task.options.layout,
    compressionLevel
  }
}

// ---------------------------------------------------------------------------------------------
// Completion

/** @param {TaskRecord} task */
export function isCompleted(task) {
  if (task.completedAt) return true
  if (task.options.error || task.failure) return false
  return isDue(task) && (task.connection !== null || task.filePath !== null)
}

/**
 * Marks a task completed once its time has passed and its result exists; a task with a
 * `connection` adds its push to `pushes`.
 * @param {TaskRecord} task
 * @param {Push[]} pushes
 */
export function settle(task, pushes) {
  if (task.completedAt || task.failure || !isCompleted(task)) return
  task.completedAt = Date.now()
  if (task.connection) {
    pushes.push({
      taskId: task.id,
      workspace: task.workspace,
      database: task.database,
      connection: task.connection,
      rowCounts: task.recordCounts,
      at: task.completedAt
    })
  }
}

/**
 * "Completes at once on the first read": give a small result a moment to finish writing.
 * @param {TaskRecord} task
 */
export async function waitBrieflyForResult(task) {
  if (!isDue(task) || !task.generation || task.filePath) return
  await Promise.race([task.generation, sleep(FIRST_READ_WAIT_MS, undefined, { ref: false })])
}

/**
 * Whether the task's duration has passed.
 * @param {TaskRecord} task
 */
function isDue(task) {
  return Date.now() - task.createdAt >= task.options.durationMs
}

// ---------------------------------------------------------------------------------------------
// The task object

/**
 * The task object of the API (call settle() first).
 * @param {TaskRecord} task
 * @param {(task: TaskRecord) => string} downloadUrl the URL of a completed task's result
 */
export function taskJson(task, downloadUrl) {
  const state = taskState(task, Date.now())
  const scale = task.options.progressScale
  const completed = state.phase === 'completed'
  const url = completed && task.filePath ? downloadUrl(task) : null
  return {
    id: task.id,
    database_id: task.databaseId,
    completed,
    error: state.error,
    progress: scale === 100 ? Math.round(state.progress * 100) : round(state.progress, 3),
    phase: state.phase,
    context: state.context,
    [task.options.urlField]: url,
    ...(task.options.omitContentType ? {} : { content_type: completed ? task.contentType : null }),
    created_at: new Date(task.createdAt).toISOString(),
    updated_at: new Date(task.completedAt ?? Date.now()).toISOString()
  }
}

/**
 * Where a task stands at `now`: progress 0-1, phase, context text, error.
 * @param {TaskRecord} task
 * @param {number} now
 * @returns {TaskState}
 */
function taskState(task, now) {
  const duration = task.options.durationMs
  const fraction = duration > 0 ? Math.min((now - task.createdAt) / duration, 1) : 1
  const failure = task.failure ?? (fraction >= 1 && task.options.error ? task.options.error : null)
  /** @type {(progress: number, phase: string, context: string) => TaskState} */
  const state = (progress, phase, context) => ({ progress, phase, context, error: failure })
  if (failure) return state(fraction * 0.99, 'failed', failure)
  if (task.completedAt) return state(1, 'completed', 'Done')
  const progress = Math.min(fraction, 0.99)
  if (progress < 0.1) return state(progress, 'queued', 'Waiting for a worker')
  if (progress >= 0.85) return state(progress, 'packaging', 'Packaging results')
  return state(progress, 'generating', generatingContext(task, progress))
}

/**
 * "Generating orders (120/400 rows)" for the share of the rows done at `progress`.
 * @param {TaskRecord} task
 * @param {number} progress
 */
function generatingContext(task, progress) {
  const tables = Object.entries(task.recordCounts)
  const total = tables.reduce((sum, [, count]) => sum + count, 0)
  let done = Math.floor(((progress - 0.1) / 0.75) * total)
  for (const [name, count] of tables) {
    if (done < count) return `Generating ${name} (${done}/${count} rows)`
    done -= count
  }
  return 'Generating'
}

/**
 * @param {number} value
 * @param {number} digits
 */
function round(value, digits) {
  const scale = 10 ** digits
  return Math.round(value * scale) / scale
}

// @ts-check
// The Fabricate emulator: an API server (generate_tasks + Active Storage redirects) and a separate
// storage server (the "other host" of signed download URLs), both on 127.0.0.1, with faults that
// tests inject on purpose. See README.md in this folder.

import { createHash, randomBytes, randomUUID } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { mkdir, mkdtemp, rename, rm, stat, unlink } from 'node:fs/promises'
import { createServer } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { setTimeout as sleep } from 'node:timers/promises'
import { findDatabase, findEntity, findWorkspace } from './catalog.js'
import { DEFAULT_SEED, DEFAULT_TEXT_LENGTH, defaultRecordCounts } from './generate.js'
import { LAYOUTS, SUPPORTED_FORMATS, resultInfo, writeResult } from './formats.js'

/**
 * @typedef {import('node:http').IncomingMessage} Request
 * @typedef {import('node:http').ServerResponse} Response
 * @typedef {import('node:http').Server} Server
 * @typedef {import('./catalog.js').Database} Database
 * @typedef {import('./formats.js').Layout} Layout
 * @typedef {import('./formats.js').ResultSpec} ResultSpec
 *
 * @typedef {object} TaskOptions per-task behaviour (emulator.defaults, emulator.nextTask())
 * @property {number} [durationMs] how long the task runs (0: done on the first read)
 * @property {string} [error] the task fails with this message once durationMs has passed
 * @property {1 | 100} [progressScale] progress as 0-1 (default) or 0-100
 * @property {Layout} [layout] archive layout: flat (default), nested, with-dirs
 * @property {'data_url' | 'download_url'} [urlField] name of the download URL field
 * @property {boolean} [omitContentType] leave content_type out of the task object
 *
 * @typedef {TaskOptions & {
 *   apiKeys?: string[],
 *   restrictedKeys?: Record<string, string[]>,
 *   expiredKeys?: string[],
 *   port?: number,
 *   storagePort?: number,
 *   cacheDir?: string,
 *   signedUrlTtlMs?: number,
 *   compressionLevel?: number
 * }} EmulatorOptions
 *
 * @typedef {'create' | 'read' | 'redirect' | 'blob'} Route
 *
 * @typedef {object} Fault applied instead of (or before) the normal answer
 * @property {number} [status] answer this status (body: JSON {error}, or `body`, or an HTML page)
 * @property {object | string} [body]
 * @property {Record<string, string>} [headers]
 * @property {boolean} [html] answer an HTML error page, as a proxy would
 * @property {boolean} [reset] destroy the connection without answering
 * @property {boolean} [hang] never answer (until close())
 * @property {number} [truncate] blob: full Content-Length but only this many bytes, then destroy
 * @property {number} [delayMs] answer normally after this delay
 * @property {boolean} [expire] blob: answer 403 "Request has expired"
 * @property {boolean} [afterCreate] create: the task is created first, then the fault applies
 *
 * @typedef {object} RequestLogEntry
 * @property {'api' | 'storage'} server
 * @property {string} method
 * @property {string} path without the query string
 * @property {number} status 0 when no answer was sent (reset, hang)
 * @property {boolean} authorization whether an Authorization header was sent
 * @property {number} at ms timestamp
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
 */

const API_PREFIX = '/api/v1'
const REDIRECT_PREFIX = '/rails/active_storage/blobs/redirect'
const DEFAULT_KEY = 'fab_test_key'
const FIRST_READ_WAIT_MS = 1000
const BODY_LIMIT = 1 << 20
const MAX_RECORD_COUNT = 10_000_000

/** @type {Required<TaskOptions>} */
const BASE_TASK_OPTIONS = {
  durationMs: 0,
  error: '',
  progressScale: 1,
  layout: 'flat',
  urlField: 'data_url',
  omitContentType: false
}

class HttpError extends Error {
  /**
   * @param {number} status
   * @param {string} message
   */
  constructor(status, message) {
    super(message)
    this.status = status
  }
}

export class Emulator {
  /** Base URL of the API, e.g. http://127.0.0.1:PORT/api/v1 */
  apiUrl = ''
  /** Origin of the storage server that signed URLs point to */
  storageOrigin = ''
  apiKey = DEFAULT_KEY
  /** @type {RequestLogEntry[]} */
  requests = []
  /** @type {Map<string, TaskRecord>} */
  tasks = new Map()
  /** @type {Map<string, TaskRecord>} redirect token -> task */
  #byToken = new Map()
  /** @type {Push[]} */
  pushes = []
  /** @type {TaskOptions} options applied to every new task */
  defaults = {}

  /** @type {TaskOptions[]} */
  #queuedTaskOptions = []
  /** @type {Map<Route, { fault: Fault, remaining: number }[]>} */
  #faults = new Map()
  /** @type {Map<string, { blobKey: string, expiresAt: number }>} signature -> grant */
  #signatures = new Map()
  /** @type {Map<string, Promise<string>>} cache key -> result file being written */
  #pending = new Map()
  /** @type {Set<NodeJS.Timeout>} */
  #timers = new Set()
  #closing = new AbortController()
  /** @type {Server[]} */
  #servers = []
  #options
  #cacheDir = ''
  #ownsCacheDir = false

  /** @param {EmulatorOptions} options */
  constructor(options) {
    this.#options = options
    this.apiKey = options.apiKeys?.[0] ?? DEFAULT_KEY
    this.defaults = pickTaskOptions(options)
  }

  /** Starts both servers and prepares the cache directory. */
  async start() {
    await this.#prepareCache()
    const api = await listen(
      (req, res) => this.#handle('api', req, res, () => this.#routeApi(req, res)),
      this.#options.port
    )
    const storage = await listen(
      (req, res) => this.#handle('storage', req, res, () => this.#routeStorage(req, res)),
      this.#options.storagePort
    )
    this.#servers = [api.server, storage.server]
    this.apiUrl = `http://127.0.0.1:${api.port}${API_PREFIX}`
    this.storageOrigin = `http://127.0.0.1:${storage.port}`
  }

  /**
   * Queues options for the next created task (first in, first out).
   * @param {TaskOptions} options
   */
  nextTask(options) {
    this.#queuedTaskOptions.push(checkTaskOptions(options))
  }

  /**
   * Makes the next `times` requests of a route misbehave. Faults are consumed in order.
   * @param {Route} route
   * @param {Fault} fault
   * @param {number} [times]
   */
  inject(route, fault, times = 1) {
    if (!['create', 'read', 'redirect', 'blob'].includes(route)) {
      throw new Error(`Unknown route '${route}'`)
    }
    const queue = this.#faults.get(route) ?? []
    queue.push({ fault, remaining: times })
    this.#faults.set(route, queue)
  }

  /** Forgets logged requests, pushes, queued faults and queued task options. */
  reset() {
    this.requests.length = 0
    this.pushes.length = 0
    this.#faults.clear()
    this.#queuedTaskOptions.length = 0
  }

  /** Stops both servers (destroying hanging connections) and removes a temporary cache. */
  async close() {
    if (this.#closing.signal.aborted) return
    this.#closing.abort()
    for (const timer of this.#timers) clearTimeout(timer)
    await Promise.all(this.#servers.map(closeServer))
    await Promise.allSettled(this.#pending.values())
    if (this.#ownsCacheDir) await rm(this.#cacheDir, { recursive: true, force: true })
  }

  // -------------------------------------------------------------------------------------------
  // Request plumbing

  /**
   * Logs the request, then runs the route; turns HttpErrors into JSON error answers.
   * @param {'api' | 'storage'} server
   * @param {Request} req
   * @param {Response} res
   * @param {() => Promise<void>} route
   */
  async #handle(server, req, res, route) {
    /** @type {RequestLogEntry} */
    const entry = {
      server,
      method: req.method ?? '',
      path: (req.url ?? '').split('?')[0],
      status: 0,
      authorization: req.headers.authorization !== undefined,
      at: Date.now()
    }
    this.requests.push(entry)
    const noteStatus = () => (entry.status = res.headersSent ? res.statusCode : 0)
    res.on('close', noteStatus)
    try {
      await route()
      noteStatus()
    } catch (error) {
      if (res.headersSent) return void res.destroy()
      const status = error instanceof HttpError ? error.status : 500
      sendJson(res, status, { error: error instanceof Error ? error.message : String(error) })
      noteStatus()
    }
  }

  /**
   * @param {Route} route
   * @returns {Fault | undefined}
   */
  #takeFault(route) {
    const queue = this.#faults.get(route)
    const next = queue?.[0]
    if (!queue || !next) return undefined
    next.remaining--
    if (next.remaining <= 0) queue.shift()
    return next.fault
  }

  /**
   * Applies a fault. Returns true when the request is dealt with (answered, reset or left hanging).
   * @param {Fault} fault
   * @param {Response} res
   */
  async #applyFault(fault, res) {
    if (fault.delayMs) {
      await sleep(fault.delayMs, undefined, { signal: this.#closing.signal }).catch(() => {})
      return this.#closing.signal.aborted
    }
    if (fault.reset) {
      res.socket?.resetAndDestroy()
      return true
    }
    if (fault.hang) return true
    if (fault.expire) {
      sendExpired(res)
      return true
    }
    if (fault.status) {
      sendFault(res, fault)
      return true
    }
    return false
  }

  /**
   * Takes the route's next fault and applies it now, unless it applies later (afterCreate, truncate).
   * @param {Route} route
   * @param {Response} res
   * @returns {Promise<{ handled: boolean, fault?: Fault }>}
   */
  async #faultFirst(route, res) {
    const fault = this.#takeFault(route)
    const appliedLater = fault?.afterCreate || fault?.truncate !== undefined
    if (!fault || appliedLater) return { handled: false, fault }
    return { handled: await this.#applyFault(fault, res), fault }
  }

  // -------------------------------------------------------------------------------------------
  // API server

  /**
   * @param {Request} req
   * @param {Response} res
   */
  async #routeApi(req, res) {
    const path = (req.url ?? '').split('?')[0]
    const taskMatch = path.match(/^\/api\/v1\/generate_tasks\/([^/]+)\/?$/)
    const redirectMatch = path.match(/^\/rails\/active_storage\/blobs\/redirect\/([^/]+)\/[^/]+$/)
    if (req.method === 'POST' && /^\/api\/v1\/generate_tasks\/?$/.test(path)) {
      return this.#createTask(req, res)
    }
    if (req.method === 'GET' && taskMatch) return this.#readTask(req, res, taskMatch[1])
    if ((req.method === 'GET' || req.method === 'HEAD') && redirectMatch) {
      return this.#redirect(res, redirectMatch[1])
    }
    throw new HttpError(404, `No route matches ${req.method} ${path}`)
  }

  /**
   * POST /api/v1/generate_tasks
   * @param {Request} req
   * @param {Response} res
   */
  async #createTask(req, res) {
    const { handled, fault } = await this.#faultFirst('create', res)
    if (handled) return
    const allowed = this.#authenticate(req)
    const body = await readJsonBody(req)
    const request = validateCreateRequest(body, allowed)
    const task = this.#newTask(request)
    if (fault?.afterCreate && (await this.#applyFault(fault, res))) return
    sendJson(res, 201, this.#taskJson(task))
  }

  /**
   * GET /api/v1/generate_tasks/:id
   * @param {Request} req
   * @param {Response} res
   * @param {string} id
   */
  async #readTask(req, res, id) {
    if ((await this.#faultFirst('read', res)).handled) return
    const allowed = this.#authenticate(req)
    const task = this.tasks.get(id)
    if (!task || (allowed && !allowed.includes(task.workspace))) {
      throw new HttpError(404, `Generate task '${id}' not found`)
    }
    await this.#waitBrieflyForResult(task)
    sendJson(res, 200, this.#taskJson(task))
  }

  /**
   * GET /rails/active_storage/blobs/redirect/:token/:name -> 302 to a fresh signed storage URL.
   * @param {Response} res
   * @param {string} token
   */
  async #redirect(res, token) {
    if ((await this.#faultFirst('redirect', res)).handled) return
    const task = this.#byToken.get(token)
    if (!task || !task.filePath || !this.#isCompleted(task)) {
      throw new HttpError(404, 'The requested blob does not exist')
    }
    const location = this.#signedUrl(task.token)
    res.writeHead(302, { location, 'content-type': 'text/html; charset=utf-8' })
    res.end(`<html><body>You are being <a href="${location}">redirected</a>.</body></html>`)
  }

  /**
   * Checks the Bearer key. Returns the workspaces a restricted key may use, or null for all.
   * @param {Request} req
   * @returns {string[] | null}
   */
  #authenticate(req) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '')
    if (!match) throw new HttpError(401, 'Missing API key: send Authorization: Bearer <key>')
    const key = match[1]
    if (this.#options.expiredKeys?.includes(key)) throw new HttpError(401, 'API key has expired')
    const restricted = this.#options.restrictedKeys?.[key]
    if (restricted) return restricted
    if ((this.#options.apiKeys ?? [DEFAULT_KEY]).includes(key)) return null
    throw new HttpError(401, 'Invalid API key')
  }

  // -------------------------------------------------------------------------------------------
  // Tasks

  /**
   * @param {CreateRequest} request
   * @returns {TaskRecord}
   */
  #newTask(request) {
    const options = { ...BASE_TASK_OPTIONS, ...this.defaults, ...this.#queuedTaskOptions.shift() }
    const info = request.format
      ? resultInfo({ format: request.format, entity: request.entity ?? undefined })
      : null
    /** @type {TaskRecord} */
    const task = {
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
    this.tasks.set(task.id, task)
    this.#byToken.set(task.token, task)
    if (info && !options.error) task.generation = this.#generate(task, request)
    this.#scheduleSettle(task)
    return task
  }

  /**
   * @param {TaskRecord} task
   * @param {CreateRequest} request
   */
  async #generate(task, request) {
    try {
      task.filePath = await this.#resultFile({
        database: request.database,
        format: /** @type {string} */ (request.format),
        entity: request.entity ?? undefined,
        recordCounts: request.recordCounts,
        seed: request.seed,
        fields: request.fields,
        textLength: request.textLength,
        layout: task.options.layout,
        compressionLevel: this.#options.compressionLevel
      })
    } catch (error) {
      task.failure = `Generation failed: ${error instanceof Error ? error.message : error}`
    }
    this.#settle(task)
  }

  /**
   * Completes a task's state change when its time is up (records pushes even if nobody polls).
   * @param {TaskRecord} task
   */
  #scheduleSettle(task) {
    const timer = setTimeout(() => {
      this.#timers.delete(timer)
      this.#settle(task)
    }, task.options.durationMs)
    timer.unref()
    this.#timers.add(timer)
  }

  /**
   * Marks a task completed once its time has passed and its result exists.
   * @param {TaskRecord} task
   */
  #settle(task) {
    if (task.completedAt || task.failure || !this.#isCompleted(task)) return
    task.completedAt = Date.now()
    if (task.connection) {
      this.pushes.push({
        taskId: task.id,
        workspace: task.workspace,
        database: task.database,
        connection: task.connection,
        rowCounts: task.recordCounts,
        at: task.completedAt
      })
    }
  }

  /** @param {TaskRecord} task */
  #isCompleted(task) {
    if (task.completedAt) return true
    if (task.options.error || task.failure) return false
    const due = Date.now() - task.createdAt >= task.options.durationMs
    return due && (task.connection !== null || task.filePath !== null)
  }

  /**
   * "Completes at once on the first read": give a small result a moment to finish writing.
   * @param {TaskRecord} task
   */
  async #waitBrieflyForResult(task) {
    const due = Date.now() - task.createdAt >= task.options.durationMs
    if (!due || !task.generation || task.filePath) return
    await Promise.race([task.generation, sleep(FIRST_READ_WAIT_MS, undefined, { ref: false })])
  }

  /**
   * The task object of the API.
   * @param {TaskRecord} task
   */
  #taskJson(task) {
    this.#settle(task)
    const state = taskState(task, Date.now())
    const scale = task.options.progressScale
    const completed = state.phase === 'completed'
    const url = completed && task.filePath ? this.#redirectUrl(task) : null
    return {
      id: task.id,
      database_id: task.databaseId,
      completed,
      error: state.error,
      progress: scale === 100 ? Math.round(state.progress * 100) : round(state.progress, 3),
      phase: state.phase,
      context: state.context,
      [task.options.urlField]: url,
      ...(task.options.omitContentType
        ? {}
        : { content_type: completed ? task.contentType : null }),
      created_at: new Date(task.createdAt).toISOString(),
      updated_at: new Date(task.completedAt ?? Date.now()).toISOString()
    }
  }

  /** @param {TaskRecord} task */
  #redirectUrl(task) {
    const origin = this.apiUrl.slice(0, -API_PREFIX.length)
    return `${origin}${REDIRECT_PREFIX}/${task.token}/CREATED_FROM_API.${task.extension}`
  }

  // -------------------------------------------------------------------------------------------
  // Storage server

  /**
   * @param {string} blobKey
   * @returns {string}
   */
  #signedUrl(blobKey) {
    const ttl = this.#options.signedUrlTtlMs ?? 300_000
    const signature = randomBytes(32).toString('hex')
    this.#signatures.set(signature, { blobKey, expiresAt: Date.now() + ttl })
    const query = `X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Expires=${Math.round(ttl / 1000)}`
    return `${this.storageOrigin}/blobs/${blobKey}?${query}&X-Amz-Signature=${signature}`
  }

  /**
   * GET|HEAD /blobs/:key?...&X-Amz-Signature=... : the result file, streamed from disk.
   * @param {Request} req
   * @param {Response} res
   */
  async #routeStorage(req, res) {
    const url = new URL(req.url ?? '/', this.storageOrigin)
    const match = url.pathname.match(/^\/blobs\/([^/]+)$/)
    if (!match || (req.method !== 'GET' && req.method !== 'HEAD')) {
      return sendXml(res, 404, 'NoSuchKey', 'The specified key does not exist.')
    }
    const { handled, fault } = await this.#faultFirst('blob', res)
    if (handled) return
    if (req.headers.authorization !== undefined) {
      return sendXml(res, 400, 'InvalidArgument', 'Only one auth mechanism allowed')
    }
    const grant = this.#signatures.get(url.searchParams.get('X-Amz-Signature') ?? '')
    if (!grant || grant.blobKey !== match[1] || grant.expiresAt < Date.now()) {
      return sendExpired(res)
    }
    const task = this.#byToken.get(grant.blobKey)
    if (!task?.filePath) return sendXml(res, 404, 'NoSuchKey', 'The specified key does not exist.')
    await serveFile(req, res, task, fault?.truncate)
  }

  // -------------------------------------------------------------------------------------------
  // Result cache

  async #prepareCache() {
    if (this.#options.cacheDir) {
      this.#cacheDir = this.#options.cacheDir
      await mkdir(this.#cacheDir, { recursive: true })
    } else {
      this.#cacheDir = await mkdtemp(join(tmpdir(), 'fabricate-emulator-'))
      this.#ownsCacheDir = true
    }
  }

  /**
   * The result file for a spec: from the cache, or generated now (once, even when asked twice).
   * @param {ResultSpec} spec
   * @returns {Promise<string>}
   */
  async #resultFile(spec) {
    const filePath = join(this.#cacheDir, `${cacheKey(spec)}.${resultInfo(spec).extension}`)
    const pending = this.#pending.get(filePath)
    if (pending) return pending
    const signal = this.#closing.signal
    const created = exists(filePath).then(found =>
      found ? filePath : writeAtomically(spec, filePath, signal)
    )
    this.#pending.set(filePath, created)
    try {
      return await created
    } finally {
      this.#pending.delete(filePath)
    }
  }
}

/**
 * Starts an emulator on 127.0.0.1 (ephemeral ports unless `port`/`storagePort` are given).
 * @param {EmulatorOptions} [options]
 * @returns {Promise<Emulator>}
 */
export async function startEmulator(options = {}) {
  const emulator = new Emulator(options)
  await emulator.start()
  return emulator
}

// ---------------------------------------------------------------------------------------------
// Validation of POST /generate_tasks

/**
 * @typedef {object} CreateRequest
 * @property {string} workspace
 * @property {Database} database
 * @property {string | null} format
 * @property {string | object | null} connection
 * @property {string | null} entity
 * @property {object | null} overrides
 * @property {number | string} seed
 * @property {Record<string, number>} recordCounts
 * @property {Record<string, Record<string, import('./generate.js').FieldOverride>>} fields
 * @property {number} textLength
 */

/**
 * @param {Record<string, unknown>} body
 * @param {string[] | null} allowedWorkspaces null: all
 * @returns {CreateRequest}
 */
function validateCreateRequest(body, allowedWorkspaces) {
  const workspace = requiredString(body, 'workspace')
  const databaseName = requiredString(body, 'database')
  const format = optionalString(body, 'format')
  const entity = optionalString(body, 'entity')
  const connection = optionalConnection(body)
  const overrides = optionalObject(body, 'overrides')
  if (allowedWorkspaces && !allowedWorkspaces.includes(workspace)) {
    throw new HttpError(403, `This API key has no access to workspace '${workspace}'`)
  }
  const ws = findWorkspace(workspace)
  if (!ws) throw new HttpError(404, `Workspace '${workspace}' not found`)
  const database = findDatabase(workspace, databaseName)
  if (!database) {
    throw new HttpError(404, `Database '${databaseName}' not found in workspace '${workspace}'`)
  }
  checkTarget(database, format, connection, ws.connections, workspace)
  if (entity !== null && !findEntity(database, entity)) {
    throw new HttpError(422, `Entity '${entity}' not found in database '${database.name}'`)
  }
  if (overrides && database.kind === 'data-agent') {
    throw new HttpError(422, 'Overrides are not supported for Data Agent databases')
  }
  const plan = planFromOverrides(database, overrides ?? {})
  return { workspace, database, format, connection, entity, overrides, ...plan }
}

/**
 * @param {Database} database
 * @param {string | null} format
 * @param {string | object | null} connection
 * @param {string[]} connections named connections of the workspace
 * @param {string} workspace
 */
function checkTarget(database, format, connection, connections, workspace) {
  if (format !== null && connection !== null) {
    throw new HttpError(422, 'Provide either a format or a connection, not both')
  }
  if (database.kind === 'data-agent' && format === null) {
    throw new HttpError(422, `Data Agent database '${database.name}' requires a format`)
  }
  if (format === null && connection === null) {
    throw new HttpError(422, 'Provide a format or a connection')
  }
  if (format !== null && !SUPPORTED_FORMATS.includes(format)) {
    throw new HttpError(
      422,
      `Unsupported format: ${format}. Supported formats: ${SUPPORTED_FORMATS.join(', ')}`
    )
  }
  if (typeof connection === 'string' && !connections.includes(connection)) {
    throw new HttpError(422, `Connection '${connection}' not found in workspace '${workspace}'`)
  }
}

/**
 * Record counts, seed, field overrides and text length from `overrides`.
 * @param {Database} database
 * @param {Record<string, any>} overrides
 */
function planFromOverrides(database, overrides) {
  const variables = overrides.variables ?? {}
  const entities = overrides.entities ?? {}
  const recordCounts = defaultRecordCounts(database)
  /** @type {CreateRequest['fields']} */
  const fields = {}
  for (const [name, entityOverride] of Object.entries(entities)) {
    const entity = findEntity(database, name)
    if (!entity) throw new HttpError(422, `Unknown entity in overrides: '${name}'`)
    const count = entityOverride?.record_count
    if (count !== undefined) {
      if (!Number.isInteger(count) || count < 0) {
        throw new HttpError(422, `record_count of '${name}' must be a non-negative integer`)
      }
      if (count > MAX_RECORD_COUNT) {
        throw new HttpError(
          422,
          `record_count of '${name}' exceeds the limit of ${MAX_RECORD_COUNT}`
        )
      }
      recordCounts[name] = count
    }
    if (entityOverride?.fields) fields[name] = checkFields(entity, entityOverride.fields)
  }
  checkParentsHaveRows(database, recordCounts)
  const textLength = variables.text_length
  return {
    recordCounts,
    fields,
    seed:
      typeof variables.seed === 'number' || typeof variables.seed === 'string'
        ? variables.seed
        : DEFAULT_SEED,
    textLength: Number.isInteger(textLength) && textLength >= 0 ? textLength : DEFAULT_TEXT_LENGTH
  }
}

/**
 * @param {import('./catalog.js').Entity} entity
 * @param {Record<string, any>} fields
 */
function checkFields(entity, fields) {
  for (const name of Object.keys(fields)) {
    if (!entity.columns.some(c => c.name === name)) {
      throw new HttpError(422, `Unknown field '${name}' in entity '${entity.name}'`)
    }
  }
  return fields
}

/**
 * @param {Database} database
 * @param {Record<string, number>} counts
 */
function checkParentsHaveRows(database, counts) {
  for (const entity of database.entities) {
    for (const column of entity.columns) {
      if (column.ref && counts[entity.name] > 0 && counts[column.ref] === 0) {
        throw new HttpError(422, `'${entity.name}' needs records in '${column.ref}'`)
      }
    }
  }
}

/**
 * @param {Record<string, unknown>} body
 * @param {string} name
 */
function requiredString(body, name) {
  const value = body[name]
  if (typeof value !== 'string' || value === '') {
    throw new HttpError(400, `Missing required parameter: ${name}`)
  }
  return value
}

/**
 * @param {Record<string, unknown>} body
 * @param {string} name
 */
function optionalString(body, name) {
  const value = body[name]
  if (value === undefined || value === null || value === '') return null
  if (typeof value !== 'string') throw new HttpError(400, `Parameter ${name} must be a string`)
  return value
}

/**
 * @param {Record<string, unknown>} body
 * @param {string} name
 * @returns {Record<string, any> | null}
 */
function optionalObject(body, name) {
  const value = body[name]
  if (value === undefined || value === null) return null
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new HttpError(400, `Parameter ${name} must be an object`)
  }
  return value
}

/**
 * A connection is a name, or an object {host, port, database_name, username, password, tls}.
 * @param {Record<string, unknown>} body
 */
function optionalConnection(body) {
  const value = body.connection
  if (typeof value !== 'object' || value === null) return optionalString(body, 'connection')
  const connection = optionalObject(body, 'connection') ?? {}
  if (typeof connection.host !== 'string' || typeof connection.database_name !== 'string') {
    throw new HttpError(422, 'A connection object needs host and database_name')
  }
  return connection
}

// ---------------------------------------------------------------------------------------------
// Task state

/**
 * Where a task stands at `now`: progress 0-1, phase, context text, error.
 * @param {TaskRecord} task
 * @param {number} now
 * @returns {{ progress: number, phase: string, context: string, error: string | null }}
 */
function taskState(task, now) {
  const duration = task.options.durationMs
  const fraction = duration > 0 ? Math.min((now - task.createdAt) / duration, 1) : 1
  const failure = task.failure ?? (fraction >= 1 && task.options.error ? task.options.error : null)
  /** @type {(progress: number, phase: string, context: string) => ReturnType<typeof taskState>} */
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

// ---------------------------------------------------------------------------------------------
// HTTP helpers

/**
 * @param {(req: Request, res: Response) => void} handler
 * @param {number} [port]
 * @returns {Promise<{ server: Server, port: number }>}
 */
async function listen(handler, port = 0) {
  const server = createServer(handler)
  await new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, '127.0.0.1', () => resolve(undefined))
  })
  const address = server.address()
  return { server, port: typeof address === 'object' && address ? address.port : port }
}

/** @param {Server} server */
function closeServer(server) {
  return new Promise(resolve => {
    server.close(() => resolve(undefined))
    server.closeAllConnections()
  })
}

/**
 * @param {Request} req
 * @returns {Promise<Record<string, unknown>>}
 */
async function readJsonBody(req) {
  if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) {
    throw new HttpError(400, 'Content-Type must be application/json')
  }
  const chunks = []
  let size = 0
  for await (const chunk of req) {
    size += chunk.length
    if (size > BODY_LIMIT) throw new HttpError(400, 'Request body too large')
    chunks.push(chunk)
  }
  let body
  try {
    body = JSON.parse(Buffer.concat(chunks).toString('utf8'))
  } catch {
    throw new HttpError(400, 'Malformed JSON in request body')
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new HttpError(400, 'Request body must be a JSON object')
  }
  return body
}

/**
 * @param {Response} res
 * @param {number} status
 * @param {unknown} body
 */
function sendJson(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' })
  res.end(JSON.stringify(body))
}

/**
 * @param {Response} res
 * @param {Fault} fault
 */
function sendFault(res, fault) {
  const status = /** @type {number} */ (fault.status)
  const headers = { ...fault.headers }
  if (fault.html) {
    res.writeHead(status, { 'content-type': 'text/html', ...headers })
    return void res.end(proxyErrorPage(`${status} ${STATUS_TEXT[status] ?? 'Error'}`))
  }
  if (typeof fault.body === 'string') {
    res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...headers })
    return void res.end(fault.body)
  }
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers })
  res.end(JSON.stringify(fault.body ?? { error: `Emulated HTTP ${status}` }))
}

/**
 * The error page a reverse proxy (nginx) answers with.
 * @param {string} title
 */
function proxyErrorPage(title) {
  const lines = [
    '<html>',
    `<head><title>${title}</title></head>`,
    '<body>',
    `<center><h1>${title}</h1></center>`,
    '<hr><center>nginx</center>',
    '</body>',
    '</html>'
  ]
  return lines.join('\r\n') + '\r\n'
}

/** @type {Record<number, string>} */
const STATUS_TEXT = {
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Temporarily Unavailable',
  504: 'Gateway Time-out'
}

/** @param {Response} res */
function sendExpired(res) {
  sendXml(res, 403, 'AccessDenied', 'Request has expired')
}

/**
 * An S3-style XML error.
 * @param {Response} res
 * @param {number} status
 * @param {string} code
 * @param {string} message
 */
function sendXml(res, status, code, message) {
  const requestId = randomBytes(8).toString('hex').toUpperCase()
  res.writeHead(status, { 'content-type': 'application/xml' })
  res.end(
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
      `<Error><Code>${code}</Code><Message>${message}</Message>` +
      `<RequestId>${requestId}</RequestId></Error>`
  )
}

/**
 * Streams the task's file, honouring a single `Range: bytes=a-b`; `truncate` cuts the body short.
 * @param {Request} req
 * @param {Response} res
 * @param {TaskRecord} task
 * @param {number} [truncate]
 */
async function serveFile(req, res, task, truncate) {
  const filePath = /** @type {string} */ (task.filePath)
  const { size } = await stat(filePath)
  const range = parseRange(req.headers.range, size)
  if (range === 'invalid') {
    res.writeHead(416, { 'content-range': `bytes */${size}` })
    return void res.end()
  }
  const { start, end } = range ?? { start: 0, end: size - 1 }
  res.writeHead(range ? 206 : 200, {
    'content-type': task.contentType ?? 'application/octet-stream',
    'content-length': String(end - start + 1),
    'content-disposition': `attachment; filename="CREATED_FROM_API.${task.extension}"`,
    'accept-ranges': 'bytes',
    ...(range ? { 'content-range': `bytes ${start}-${end}/${size}` } : {})
  })
  if (req.method === 'HEAD' || end < start) return void res.end()
  if (truncate === undefined) {
    return pipeline(createReadStream(filePath, { start, end }), res).catch(() => {})
  }
  // Truncated: the full Content-Length was promised, only `truncate` bytes come, then the socket
  // closes (res.end() does not check the length; the client sees a premature close).
  const socket = res.socket
  const last = Math.min(end, start + truncate - 1)
  if (last >= start) await pipeline(createReadStream(filePath, { start, end: last }), res)
  else res.flushHeaders()
  socket?.destroySoon()
}

/**
 * @param {string | undefined} header
 * @param {number} size
 * @returns {{ start: number, end: number } | null | 'invalid'}
 */
function parseRange(header, size) {
  if (!header) return null
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim())
  if (!match || (match[1] === '' && match[2] === '')) return 'invalid'
  const start = match[1] === '' ? Math.max(size - Number(match[2]), 0) : Number(match[1])
  const end = match[1] === '' || match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1)
  return start >= size || start > end ? 'invalid' : { start, end }
}

// ---------------------------------------------------------------------------------------------
// Small utilities

/**
 * The task options among the emulator options.
 * @param {EmulatorOptions} options
 * @returns {TaskOptions}
 */
function pickTaskOptions(options) {
  const keys = /** @type {(keyof TaskOptions)[]} */ (Object.keys(BASE_TASK_OPTIONS))
  const present = keys.filter(key => options[key] !== undefined)
  return checkTaskOptions(Object.fromEntries(present.map(key => [key, options[key]])))
}

/**
 * @param {TaskOptions} options
 * @returns {TaskOptions}
 */
function checkTaskOptions(options) {
  if (options.layout && !LAYOUTS.includes(options.layout)) {
    throw new Error(`Unknown layout '${options.layout}': use ${LAYOUTS.join(', ')}`)
  }
  return options
}

/**
 * @param {ResultSpec} spec
 * @returns {string}
 */
function cacheKey(spec) {
  const identity = {
    database: spec.database.id,
    format: spec.format,
    entity: spec.entity ?? null,
    recordCounts: spec.recordCounts,
    fields: spec.fields ?? {},
    textLength: spec.textLength,
    layout: spec.entity ? null : (spec.layout ?? 'flat'),
    seed: spec.seed,
    compressionLevel: spec.compressionLevel ?? null
  }
  return createHash('sha256').update(JSON.stringify(identity)).digest('hex').slice(0, 32)
}

/**
 * Writes to a temporary name, then renames, so a cache file is always complete.
 * @param {ResultSpec} spec
 * @param {string} filePath
 * @param {AbortSignal} signal
 */
async function writeAtomically(spec, filePath, signal) {
  const partial = `${filePath}.${randomBytes(6).toString('hex')}.partial`
  try {
    await writeResult(spec, partial, signal)
    await rename(partial, filePath)
    return filePath
  } catch (error) {
    await unlink(partial).catch(() => {})
    throw error
  }
}

/** @param {string} filePath */
async function exists(filePath) {
  return stat(filePath).then(
    () => true,
    () => false
  )
}

/**
 * @param {number} value
 * @param {number} digits
 */
function round(value, digits) {
  const scale = 10 ** digits
  return Math.round(value * scale) / scale
}

// @ts-check
// The Fabricate emulator: an API server (generate_tasks + Active Storage redirects) and a separate
// storage server (the "other host" of signed download URLs), both on 127.0.0.1, with faults that
// tests inject on purpose. See README.md in this folder.
//
// This file wires the parts together and routes the API; the parts live next to it: http.js
// (plumbing, request log), validate.js (API keys, request bodies), tasks.js (task records and
// state), cache.js (result files), storage.js (signed URLs, blobs), faults.js (fault injection).

import { ResultCache } from './cache.js'
import { Faults } from './faults.js'
import { closeServer, handleLogged, HttpError, listen, readJsonBody, sendJson } from './http.js'
import { serveBlob, SignedUrls } from './storage.js'
import {
  checkTaskOptions,
  createTaskRecord,
  isCompleted,
  pickTaskOptions,
  resolveTaskOptions,
  resultSpec,
  settle,
  taskJson,
  waitBrieflyForResult
} from './tasks.js'
import { authenticate, DEFAULT_KEY, validateCreateRequest } from './validate.js'

/**
 * @typedef {import('./http.js').Request} Request
 * @typedef {import('./http.js').Response} Response
 * @typedef {import('./http.js').Server} Server
 * @typedef {import('./http.js').RequestLogEntry} RequestLogEntry
 * @typedef {import('./faults.js').Route} Route
 * @typedef {import('./faults.js').Fault} Fault
 * @typedef {import('./tasks.js').TaskOptions} TaskOptions
 * @typedef {import('./tasks.js').TaskRecord} TaskRecord
 * @typedef {import('./tasks.js').Push} Push
 * @typedef {import('./validate.js').CreateRequest} CreateRequest
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
 */

const API_PREFIX = '/api/v1'
const REDIRECT_PREFIX = '/rails/active_storage/blobs/redirect'

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
  /** @type {Set<NodeJS.Timeout>} */
  #timers = new Set()
  #closing = new AbortController()
  /** @type {Server[]} */
  #servers = []
  #options
  #faults
  #signedUrls
  #cache

  /** @param {EmulatorOptions} options */
  constructor(options) {
    this.#options = options
    this.apiKey = options.apiKeys?.[0] ?? DEFAULT_KEY
    this.defaults = pickTaskOptions(options)
    this.#faults = new Faults(this.#closing.signal)
    this.#signedUrls = new SignedUrls(options)
    this.#cache = new ResultCache(options, this.#closing.signal)
  }

  /** Starts both servers and prepares the cache directory. */
  async start() {
    await this.#cache.prepare()
    const api = await listen(
      (req, res) => handleLogged(this.requests, 'api', req, res, () => this.#routeApi(req, res)),
      this.#options.port
    )
    const storage = await listen(
      (req, res) =>
        handleLogged(this.requests, 'storage', req, res, () => this.#routeStorage(req, res)),
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
    this.#faults.add(route, fault, times)
  }

  /**
   * Every secret the emulator has handed out: the signatures of signed download URLs and the
   * tokens of the data_url redirects. Tests check that none of them reaches a log.
   * @returns {string[]}
   */
  get handedOutSecrets() {
    return [...this.#signedUrls.issued(), ...[...this.tasks.values()].map(task => task.token)]
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
    await this.#cache.close()
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
    const { handled, fault } = await this.#faults.applyFirst('create', res)
    if (handled) return
    const allowed = authenticate(req, this.#options)
    const body = await readJsonBody(req)
    const request = validateCreateRequest(body, allowed)
    const task = this.#newTask(request)
    if (fault?.afterCreate && (await this.#faults.apply(fault, res))) return
    sendJson(res, 201, this.#taskJson(task))
  }

  /**
   * GET /api/v1/generate_tasks/:id
   * @param {Request} req
   * @param {Response} res
   * @param {string} id
   */
  async #readTask(req, res, id) {
    if ((await this.#faults.applyFirst('read', res)).handled) return
    const allowed = authenticate(req, this.#options)
    const task = this.tasks.get(id)
    if (!task || (allowed && !allowed.includes(task.workspace))) {
      throw new HttpError(404, `Generate task '${id}' not found`)
    }
    await waitBrieflyForResult(task)
    sendJson(res, 200, this.#taskJson(task))
  }

  /**
   * GET /rails/active_storage/blobs/redirect/:token/:name -> 302 to a fresh signed storage URL.
   * @param {Response} res
   * @param {string} token
   */
  async #redirect(res, token) {
    if ((await this.#faults.applyFirst('redirect', res)).handled) return
    const task = this.#byToken.get(token)
    if (!task || !task.filePath || !isCompleted(task)) {
      throw new HttpError(404, 'The requested blob does not exist')
    }
    const location = this.#signedUrls.create(this.storageOrigin, task.token)
    res.writeHead(302, { location, 'content-type': 'text/html; charset=utf-8' })
    res.end(`<html><body>You are being <a href="${location}">redirected</a>.</body></html>`)
  }

  /**
   * The task object of the API, settling the task first.
   * @param {TaskRecord} task
   */
  #taskJson(task) {
    settle(task, this.pushes)
    return taskJson(task, completed => this.#redirectUrl(completed))
  }

  /** @param {TaskRecord} task */
  #redirectUrl(task) {
    const origin = this.apiUrl.slice(0, -API_PREFIX.length)
    return `${origin}${REDIRECT_PREFIX}/${task.token}/CREATED_FROM_API.${task.extension}`
  }

  // -------------------------------------------------------------------------------------------
  // Tasks

  /**
   * @param {CreateRequest} request
   * @returns {TaskRecord}
   */
  #newTask(request) {
    const options = resolveTaskOptions(this.defaults, this.#queuedTaskOptions.shift())
    const task = createTaskRecord(request, options)
    this.tasks.set(task.id, task)
    this.#byToken.set(task.token, task)
    if (task.format && !options.error) task.generation = this.#generate(task, request)
    this.#scheduleSettle(task)
    return task
  }

  /**
   * Writes (or finds in the cache) the task's result file, then settles the task.
   * @param {TaskRecord} task
   * @param {CreateRequest} request
   */
  async #generate(task, request) {
    try {
      if (task.options.resultFile) {
        task.filePath = task.options.resultFile
      } else {
        const spec = resultSpec(task, request, this.#options.compressionLevel)
        task.filePath = await this.#cache.resultFile(spec)
      }
    } catch (error) {
      task.failure = `Generation failed: ${error instanceof Error ? error.message : error}`
    }
    settle(task, this.pushes)
  }

  /**
   * Completes a task's state change when its time is up (records pushes even if nobody polls).
   * @param {TaskRecord} task
   */
  #scheduleSettle(task) {
    const timer = setTimeout(() => {
      this.#timers.delete(timer)
      settle(task, this.pushes)
    }, task.options.durationMs)
    timer.unref()
    this.#timers.add(timer)
  }

  // -------------------------------------------------------------------------------------------
  // Storage server

  /**
   * @param {Request} req
   * @param {Response} res
   */
  async #routeStorage(req, res) {
    await serveBlob(req, res, {
      origin: this.storageOrigin,
      faults: this.#faults,
      signedUrls: this.#signedUrls,
      taskFor: blobKey => this.#byToken.get(blobKey)
    })
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

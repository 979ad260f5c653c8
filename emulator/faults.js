// @ts-check
// Fault injection: per-route queues of faults that tests inject on purpose, consumed in order, and
// the answers they give instead of (or before) the normal one.

import { setTimeout as sleep } from 'node:timers/promises'
import { sendExpired } from './http.js'

/**
 * @typedef {import('./http.js').Response} Response
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
 */

/** @type {readonly Route[]} */
const ROUTES = ['create', 'read', 'redirect', 'blob']

/** @type {Record<number, string>} */
const STATUS_TEXT = {
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Temporarily Unavailable',
  504: 'Gateway Time-out'
}

export class Faults {
  /** @type {Map<Route, { fault: Fault, remaining: number }[]>} */
  #queues = new Map()
  #closing

  /** @param {AbortSignal} closing aborted on close(): ends delays, leaves the request unanswered */
  constructor(closing) {
    this.#closing = closing
  }

  /**
   * Makes the next `times` requests of a route misbehave.
   * @param {Route} route
   * @param {Fault} fault
   * @param {number} times
   */
  add(route, fault, times) {
    if (!ROUTES.includes(route)) throw new Error(`Unknown route '${route}'`)
    const queue = this.#queues.get(route) ?? []
    queue.push({ fault, remaining: times })
    this.#queues.set(route, queue)
  }

  clear() {
    this.#queues.clear()
  }

  /**
   * Takes the route's next fault and applies it now, unless it applies later (afterCreate,
   * truncate).
   * @param {Route} route
   * @param {Response} res
   * @returns {Promise<{ handled: boolean, fault?: Fault }>}
   */
  async applyFirst(route, res) {
    const fault = this.#take(route)
    const appliedLater = fault?.afterCreate || fault?.truncate !== undefined
    if (!fault || appliedLater) return { handled: false, fault }
    return { handled: await this.apply(fault, res), fault }
  }

  /**
   * Applies a fault. Returns true when the request is dealt with (answered, reset or left hanging).
   * @param {Fault} fault
   * @param {Response} res
   */
  async apply(fault, res) {
    if (fault.delayMs) {
      await sleep(fault.delayMs, undefined, { signal: this.#closing }).catch(() => {})
      return this.#closing.aborted
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
   * @param {Route} route
   * @returns {Fault | undefined}
   */
  #take(route) {
    const queue = this.#queues.get(route)
    const next = queue?.[0]
    if (!queue || !next) return undefined
    next.remaining--
    if (next.remaining <= 0) queue.shift()
    return next.fault
  }
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

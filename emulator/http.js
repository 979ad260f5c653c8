// @ts-check
// HTTP plumbing shared by the API and storage servers: listening and closing, the request log,
// reading a JSON body, and the JSON and S3-style XML answers.

import { randomBytes } from 'node:crypto'
import { createServer } from 'node:http'

/**
 * @typedef {import('node:http').IncomingMessage} Request
 * @typedef {import('node:http').ServerResponse} Response
 * @typedef {import('node:http').Server} Server
 *
 * @typedef {object} RequestLogEntry
 * @property {'api' | 'storage'} server
 * @property {string} method
 * @property {string} path without the query string
 * @property {number} status 0 when no answer was sent (reset, hang)
 * @property {boolean} authorization whether an Authorization header was sent
 * @property {number} at ms timestamp
 */

const BODY_LIMIT = 1 << 20

/** An error answered as JSON `{error}` with its status. */
export class HttpError extends Error {
  /**
   * @param {number} status
   * @param {string} message
   */
  constructor(status, message) {
    super(message)
    this.status = status
  }
}

/**
 * @param {(req: Request, res: Response) => void} handler
 * @param {number} [port]
 * @returns {Promise<{ server: Server, port: number }>}
 */
export async function listen(handler, port = 0) {
  const server = createServer(handler)
  await new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, '127.0.0.1', () => resolve(undefined))
  })
  const address = server.address()
  return { server, port: typeof address === 'object' && address ? address.port : port }
}

/** @param {Server} server */
export function closeServer(server) {
  return new Promise(resolve => {
    server.close(() => resolve(undefined))
    server.closeAllConnections()
  })
}

/**
 * Logs the request in `log`, then runs the route; turns HttpErrors into JSON error answers.
 * @param {RequestLogEntry[]} log
 * @param {'api' | 'storage'} server
 * @param {Request} req
 * @param {Response} res
 * @param {() => Promise<void>} route
 */
export async function handleLogged(log, server, req, res, route) {
  /** @type {RequestLogEntry} */
  const entry = {
    server,
    method: req.method ?? '',
    path: (req.url ?? '').split('?')[0],
    status: 0,
    authorization: req.headers.authorization !== undefined,
    at: Date.now()
  }
  log.push(entry)
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
 * @param {Request} req
 * @returns {Promise<Record<string, unknown>>}
 */
export async function readJsonBody(req) {
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
export function sendJson(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' })
  res.end(JSON.stringify(body))
}

/** @param {Response} res */
export function sendExpired(res) {
  sendXml(res, 403, 'AccessDenied', 'Request has expired')
}

/**
 * An S3-style XML error.
 * @param {Response} res
 * @param {number} status
 * @param {string} code
 * @param {string} message
 */
export function sendXml(res, status, code, message) {
  const requestId = randomBytes(8).toString('hex').toUpperCase()
  res.writeHead(status, { 'content-type': 'application/xml' })
  res.end(
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
      `<Error><Code>${code}</Code><Message>${message}</Message>` +
      `<RequestId>${requestId}</RequestId></Error>`
  )
}

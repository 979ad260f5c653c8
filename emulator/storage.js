// @ts-check
// The storage server's side: signed URLs (S3-style, with an expiry) and GET|HEAD /blobs/:key,
// which streams a result file from disk with Content-Length and Range support.

import { randomBytes } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { pipeline } from 'node:stream/promises'
import { sendExpired, sendXml } from './http.js'

/**
 * @typedef {import('./http.js').Request} Request
 * @typedef {import('./http.js').Response} Response
 * @typedef {import('./faults.js').Faults} Faults
 * @typedef {import('./tasks.js').TaskRecord} TaskRecord
 *
 * @typedef {object} BlobContext what serving a blob needs from the emulator
 * @property {string} origin of the storage server
 * @property {Faults} faults
 * @property {SignedUrls} signedUrls
 * @property {(blobKey: string) => TaskRecord | undefined} taskFor
 */

const DEFAULT_TTL_MS = 300_000

/** Signs blob URLs and checks signatures: each is good for one blob, until it expires. */
export class SignedUrls {
  /** @type {Map<string, { blobKey: string, expiresAt: number }>} signature -> grant */
  #grants = new Map()
  #options

  /** @param {{ signedUrlTtlMs?: number }} options signature lifetime, read when signing */
  constructor(options) {
    this.#options = options
  }

  /**
   * A fresh signed URL of a blob on the storage server at `origin`.
   * @param {string} origin
   * @param {string} blobKey
   * @returns {string}
   */
  create(origin, blobKey) {
    const ttl = this.#options.signedUrlTtlMs ?? DEFAULT_TTL_MS
    const signature = randomBytes(32).toString('hex')
    this.#grants.set(signature, { blobKey, expiresAt: Date.now() + ttl })
    const query = `X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Expires=${Math.round(ttl / 1000)}`
    return `${origin}/blobs/${blobKey}?${query}&X-Amz-Signature=${signature}`
  }

  /** Every signature handed out so far (tests check that none reaches a log). */
  issued() {
    return [...this.#grants.keys()]
  }

  /**
   * Whether `signature` was made for `blobKey` and has not expired.
   * @param {string} signature
   * @param {string} blobKey
   */
  allows(signature, blobKey) {
    const grant = this.#grants.get(signature)
    return !!grant && grant.blobKey === blobKey && grant.expiresAt >= Date.now()
  }
}

/**
 * GET|HEAD /blobs/:key?...&X-Amz-Signature=... : the result file, streamed from disk.
 * @param {Request} req
 * @param {Response} res
 * @param {BlobContext} context
 */
export async function serveBlob(req, res, { origin, faults, signedUrls, taskFor }) {
  const url = new URL(req.url ?? '/', origin)
  const match = url.pathname.match(/^\/blobs\/([^/]+)$/)
  if (!match || (req.method !== 'GET' && req.method !== 'HEAD')) return sendNoSuchKey(res)
  const { handled, fault } = await faults.applyFirst('blob', res)
  if (handled) return
  if (req.headers.authorization !== undefined) {
    return sendXml(res, 400, 'InvalidArgument', 'Only one auth mechanism allowed')
  }
  const blobKey = match[1]
  if (!signedUrls.allows(url.searchParams.get('X-Amz-Signature') ?? '', blobKey)) {
    return sendExpired(res)
  }
  const task = taskFor(blobKey)
  if (!task?.filePath) return sendNoSuchKey(res)
  await serveFile(req, res, task, fault?.truncate)
}

/** @param {Response} res */
function sendNoSuchKey(res) {
  sendXml(res, 404, 'NoSuchKey', 'The specified key does not exist.')
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
  await sendTruncated(res, filePath, start, end, truncate)
}

/**
 * The full Content-Length was promised, only `truncate` bytes come, then the socket closes
 * (res.end() does not check the length; the client sees a premature close).
 * @param {Response} res
 * @param {string} filePath
 * @param {number} start
 * @param {number} end
 * @param {number} truncate
 */
async function sendTruncated(res, filePath, start, end, truncate) {
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

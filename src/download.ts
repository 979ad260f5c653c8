/**
 * Downloading the result from its signed URL: streamed to disk (memory does not grow with the
 * size), checked against Content-Length, retried from scratch into a fresh file when the transfer
 * breaks or the storage answers 5xx, and given a fresh URL when the signed one has expired (403).
 * The Authorization header is never sent: the URL itself is the credential, and it is masked.
 */
import * as fs from 'node:fs'
import { Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { parseRetryAfter, retryDelay } from './backoff.js'
import { Deadline, sleep } from './clock.js'
import { CancelledError, ResultError, TimeoutError } from './errors.js'
import { Http, NetworkError, describeUrl } from './http.js'
import { BufferReleaser } from './memory.js'
import { formatBytes, formatDuration } from './units.js'

export interface DownloadOptions {
  http: Http
  url: string
  /** Where the file goes; it exists only once complete. */
  dest: string
  deadline: Deadline
  signal: AbortSignal
  requestTimeoutMs: number
  /** A larger result is refused before it is downloaded (`max-size`). */
  maxBytes: number
  /** Reads the task again for a new signed URL (the old one expired). */
  refreshUrl: () => Promise<string>
  onRetry: (message: string) => void
  random?: () => number
}

export interface Downloaded {
  bytes: number
  contentType?: string
  attempts: number
}

const MAX_ATTEMPTS = 5
/**
 * How much of the body may wait for the disk. With the stream default (64 KiB, one socket read)
 * every chunk waits for its write to finish before the next is read; with room for a few, the
 * socket keeps flowing and the file stream writes what piled up in one writev.
 */
const WRITE_BUFFER = 2 ** 20

export async function download(options: DownloadOptions): Promise<Downloaded> {
  const { http, dest, deadline, signal } = options
  const partial = `${dest}.part`
  let url = options.url
  let failure = ''
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    let waitMs: number | undefined
    try {
      const result = await fetchOnce(http, url, partial, options)
      if (result.ok) {
        await fs.promises.rename(partial, dest)
        return { bytes: result.bytes, contentType: result.contentType, attempts: attempt }
      }
      failure = result.failure
      if (result.expired) {
        options.onRetry(
          `The download link was refused (${failure}); asking Fabricate for a fresh one.`
        )
        url = await options.refreshUrl()
        continue
      }
      waitMs = result.retryAfterMs
    } catch (error) {
      await removeQuietly(partial)
      if (!(error instanceof NetworkError)) throw error
      failure = error.message
    }
    await removeQuietly(partial)
    if (attempt === MAX_ATTEMPTS) break
    const delay = waitMs ?? retryDelay(attempt, options.random)
    if (delay >= deadline.remaining()) {
      throw new TimeoutError(
        `Downloading the result failed (${failure}) and the time limit leaves no room to retry.`
      )
    }
    options.onRetry(
      `Download failed: ${failure}. Starting again in ${formatDuration(delay)} (attempt ${attempt + 1} of ${MAX_ATTEMPTS}).`
    )
    await sleep(delay, signal)
  }
  throw new ResultError(
    `Downloading the result failed ${MAX_ATTEMPTS} times; the last failure: ${failure}`
  )
}

type Attempt =
  | { ok: true; bytes: number; contentType?: string }
  | { ok: false; failure: string; expired?: boolean; retryAfterMs?: number }

async function fetchOnce(
  http: Http,
  url: string,
  partial: string,
  options: DownloadOptions
): Promise<Attempt> {
  const { deadline, signal } = options
  if (deadline.remaining() <= 0)
    throw new TimeoutError('The time limit ran out before the download finished.')
  const response = await http.open(url, {
    headers: { accept: '*/*' },
    signal,
    timeoutMs: Math.min(options.requestTimeoutMs, deadline.remaining()),
    label: `GET ${describeUrl(url).replace(/\/.*/, '')}/… (signed download URL)`
  })
  const { status, headers, body } = response
  if (status < 200 || status >= 300) {
    const text = await readSome(body)
    const failure = `HTTP ${status}${text ? `: ${text}` : ''}`
    if (status === 403 || status === 401) return { ok: false, failure, expired: true }
    if (status === 408 || status === 429 || status >= 500) {
      const retryAfter = headers['retry-after']
      return {
        ok: false,
        failure,
        retryAfterMs: parseRetryAfter(Array.isArray(retryAfter) ? retryAfter[0] : retryAfter)
      }
    }
    throw new ResultError(`Downloading the result failed: ${failure}`)
  }

  const expected =
    headers['content-length'] !== undefined ? Number(headers['content-length']) : undefined
  if (expected !== undefined && expected > options.maxBytes) {
    body.destroy()
    throw new ResultError(
      `The result is ${formatBytes(expected)} even compressed, more than \`max-size\` (${formatBytes(options.maxBytes)}); it was not downloaded. Raise \`max-size\` if this is expected.`
    )
  }
  let received = 0
  const releaser = new BufferReleaser()
  const counter = new Transform({
    highWaterMark: WRITE_BUFFER,
    transform(chunk: Buffer, _encoding, callback) {
      received += chunk.length
      releaser.passed(chunk.length)
      callback(null, chunk)
    }
  })
  // The time limit and cancellation also apply while the body streams.
  const stopTimer = setTimeout(
    () => body.destroy(new TimeoutError('The time limit ran out during the download.')),
    deadline.remaining()
  )
  const onAbort = (): void => {
    body.destroy(new CancelledError())
  }
  signal.addEventListener('abort', onAbort, { once: true })
  try {
    await pipeline(
      body,
      counter,
      fs.createWriteStream(partial, { flags: 'w', mode: 0o600, highWaterMark: WRITE_BUFFER })
    )
  } catch (error) {
    if (error instanceof TimeoutError || error instanceof CancelledError) throw error
    if (signal.aborted) throw new CancelledError()
    return {
      ok: false,
      failure: `the transfer broke off after ${formatBytes(received)}${expected !== undefined ? ` of ${formatBytes(expected)}` : ''}`
    }
  } finally {
    clearTimeout(stopTimer)
    signal.removeEventListener('abort', onAbort)
  }
  if (!body.complete || (expected !== undefined && received !== expected)) {
    return {
      ok: false,
      failure: `the transfer ended after ${formatBytes(received)}${expected !== undefined ? ` of the ${formatBytes(expected)} announced` : ''}`
    }
  }
  const contentType = headers['content-type']
  return { ok: true, bytes: received, contentType }
}

/** The first few hundred characters of an error body, for the message. */
async function readSome(body: NodeJS.ReadableStream & { destroy(): void }): Promise<string> {
  let text = ''
  try {
    for await (const chunk of body) {
      text += chunk.toString()
      if (text.length > 2000) break
    }
  } catch {
    // a broken error body says nothing more
  }
  body.destroy()
  const code = /<Code>([^<]*)<\/Code>/.exec(text)?.[1]
  const message = /<Message>([^<]*)<\/Message>/.exec(text)?.[1]
  if (code || message) return [code, message].filter(Boolean).join(': ')
  const plain = text
    .replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
  return plain.length > 200 ? `${plain.slice(0, 200)}…` : plain
}

export async function removeQuietly(file: string): Promise<void> {
  await fs.promises.rm(file, { force: true, recursive: true }).catch(() => {})
}

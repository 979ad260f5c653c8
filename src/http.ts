/**
 * HTTP requests with the limits a CI step needs: a time limit per request, cancellation, and the
 * runner's proxy settings (HTTPS_PROXY, HTTP_PROXY, NO_PROXY), which @actions/http-client honours
 * and Node's own fetch does not. Redirects are followed; an Authorization header is never carried
 * to another host. Every request is logged at debug level with its method, host and path (never
 * its query, which can hold a signature), status and timing.
 */
import { HttpClient, type HttpClientResponse } from '@actions/http-client'
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http'
import { CancelledError } from './errors.js'

export interface RequestOptions {
  headers?: Record<string, string>
  body?: string
  /** Time allowed for this request, from connecting to the end of the body (or headers, for a stream). */
  timeoutMs: number
  signal: AbortSignal
  /** What the debug log calls this request; defaults to method, host and path. */
  label?: string
}

export interface HttpResponse {
  status: number
  headers: IncomingHttpHeaders
  body: string
}

export interface StreamResponse {
  status: number
  headers: IncomingHttpHeaders
  /** The body, to be consumed (or destroyed) by the caller. */
  body: IncomingMessage
}

/** The request failed below HTTP: no status was received. */
export class NetworkError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
    /** True when the request certainly never reached the server (no connection was made). */
    readonly notSent: boolean
  ) {
    super(message)
    this.name = 'NetworkError'
  }
}

const USER_AGENT = 'fabricate-action'
/** Failures that happen before a request can reach the server: no connection was made. */
const NOT_SENT_CODES = ['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN']

export class Http {
  constructor(private readonly debug: (message: string) => void) {}

  /** A request whose whole body is read as text. */
  async request(method: string, url: string, options: RequestOptions): Promise<HttpResponse> {
    return this.send(method, url, options, async response => ({
      status: response.message.statusCode ?? 0,
      headers: response.message.headers,
      body: await response.readBody()
    }))
  }

  /** A GET whose body is handed over as a stream once the headers have arrived. */
  async open(url: string, options: RequestOptions): Promise<StreamResponse> {
    return this.send('GET', url, options, async response => ({
      status: response.message.statusCode ?? 0,
      headers: response.message.headers,
      body: response.message
    }))
  }

  private async send<T>(
    method: string,
    url: string,
    options: RequestOptions,
    read: (response: HttpClientResponse) => Promise<T>
  ): Promise<T> {
    const { signal, timeoutMs } = options
    if (signal.aborted) throw new CancelledError()
    const label = options.label ?? `${method} ${describeUrl(url)}`
    const client = new HttpClient(USER_AGENT, [], {
      socketTimeout: Math.max(1, timeoutMs),
      allowRetries: false,
      allowRedirects: true,
      maxRedirects: 10,
      keepAlive: false
    })
    const started = Date.now()
    let timer: NodeJS.Timeout | undefined
    let onAbort: (() => void) | undefined
    const stop = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        reject(
          new NetworkError(`no answer within ${Math.round(timeoutMs / 1000)}s`, 'ETIMEDOUT', false)
        )
      }, timeoutMs)
      onAbort = () => reject(new CancelledError())
      signal.addEventListener('abort', onAbort, { once: true })
    })
    const attempt = (async () => {
      const headers: Record<string, string> = { accept: 'application/json', ...options.headers }
      const response = await client.request(method, url, options.body ?? null, headers)
      return read(response)
    })()
    try {
      const result = await Promise.race([attempt, stop])
      const status = (result as { status?: number }).status
      this.debug(`${label} → ${status} in ${Date.now() - started}ms`)
      return result
    } catch (error) {
      client.dispose()
      attempt.catch(() => {}) // settled or abandoned: its late failure is of no interest
      const failure = toNetworkError(error)
      this.debug(`${label} → ${failure.message} after ${Date.now() - started}ms`)
      throw failure
    } finally {
      clearTimeout(timer)
      if (onAbort) signal.removeEventListener('abort', onAbort)
    }
  }
}

/** Host and path of a URL, without its query (which may hold a signature or a token). */
export function describeUrl(url: string): string {
  try {
    const parsed = new URL(url)
    return `${parsed.host}${parsed.pathname}`
  } catch {
    return '(invalid URL)'
  }
}

function toNetworkError(error: unknown): Error {
  if (error instanceof NetworkError || error instanceof CancelledError) return error
  const code = (error as NodeJS.ErrnoException)?.code
  const raw = error instanceof Error ? error.message : String(error)
  // http-client's own timeout message carries the request's path and query: never repeat it.
  if (raw.startsWith('Request timeout')) {
    return new NetworkError(
      'the connection went quiet (no data within the request time limit)',
      'ETIMEDOUT',
      false
    )
  }
  return new NetworkError(raw, code, NOT_SENT_CODES.includes(code ?? ''))
}

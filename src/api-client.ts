/**
 * The Fabricate REST API: start a generation task and read it. Transient failures are retried
 * here, with the one rule that matters most to users: starting a task is retried only when no task
 * can have been created (the connection was refused, or the server answered 429 or 503), because
 * a duplicate task costs generation quota.
 */
import type { ConnectionObject } from './inputs.js'
import { ApiError, CancelledError, TimeoutError } from './errors.js'
import { Http, NetworkError, type HttpResponse } from './http.js'
import { parseRetryAfter, retryDelay } from './backoff.js'
import { Deadline, sleep } from './clock.js'
import { formatDuration } from './units.js'

export interface TaskRequest {
  workspace: string
  database: string
  format?: string
  connection?: string | ConnectionObject
  entity?: string
  overrides?: Record<string, unknown>
}

/** A generation task as the API returns it. */
export interface Task {
  id: string
  database_id?: string
  completed?: boolean
  error?: string | null
  progress?: number | null
  phase?: string | null
  context?: string | null
  data_url?: string | null
  download_url?: string | null
  content_type?: string | null
  created_at?: string
  updated_at?: string
}

export interface ClientOptions {
  http: Http
  apiUrl: string
  apiKey: string
  signal: AbortSignal
  deadline: Deadline
  /** Time limit of one request. */
  requestTimeoutMs: number
  /** Called before each retry, with what failed and how long until the next try. */
  onRetry: (message: string) => void
  random?: () => number
}

/** Reads give up after this many failures in a row, even with time left. */
const MAX_READ_ATTEMPTS = 10
const MAX_CREATE_ATTEMPTS = 5

type Policy = 'create' | 'read'

export class FabricateClient {
  constructor(private readonly options: ClientOptions) {}

  async createTask(request: TaskRequest): Promise<Task> {
    const body = JSON.stringify(withoutUndefined({ ...request }))
    const response = await this.call(
      'create',
      'POST',
      '/generate_tasks',
      'Starting the task',
      body,
      request
    )
    return parseTask(response, 'Starting the task')
  }

  async getTask(id: string, request: TaskRequest): Promise<Task> {
    const what = `Reading task ${id}`
    const response = await this.call(
      'read',
      'GET',
      `/generate_tasks/${encodeURIComponent(id)}`,
      what,
      undefined,
      request
    )
    return parseTask(response, what)
  }

  private async call(
    policy: Policy,
    method: string,
    path: string,
    what: string,
    body: string | undefined,
    request: TaskRequest
  ): Promise<HttpResponse> {
    const { http, apiUrl, apiKey, signal, deadline, requestTimeoutMs } = this.options
    const random = this.options.random ?? Math.random
    const maxAttempts = policy === 'create' ? MAX_CREATE_ATTEMPTS : MAX_READ_ATTEMPTS
    for (let attempt = 1; ; attempt++) {
      const remaining = deadline.remaining()
      if (remaining <= 0) throw new TimeoutError(`${what}: the time limit ran out`)
      let failure: string
      let waitMs: number | undefined
      try {
        const response = await http.request(method, apiUrl + path, {
          headers: {
            authorization: `Bearer ${apiKey}`,
            ...(body ? { 'content-type': 'application/json' } : {})
          },
          body,
          signal,
          timeoutMs: Math.min(requestTimeoutMs, remaining)
        })
        if (response.status >= 200 && response.status < 300) return response
        const message = serverMessage(response)
        if (!isRetryableStatus(policy, response.status)) {
          throw new ApiError(response.status, message, hintFor(response.status, request), what)
        }
        failure = `HTTP ${response.status}: ${message}`
        waitMs = parseRetryAfter(headerValue(response.headers['retry-after']))
      } catch (error) {
        if (!(error instanceof NetworkError)) throw error
        if (policy === 'create' && !error.notSent) {
          throw new Error(
            `${what} failed: ${error.message}. The request may have reached Fabricate, so it is not sent again (a second task would cost generation quota). Check the task list in Fabricate before re-running.`
          )
        }
        failure = error.message
      }
      if (attempt >= maxAttempts) {
        throw new Error(`${what} failed ${attempt} times; the last failure: ${failure}`)
      }
      const delay = waitMs ?? retryDelay(attempt, random)
      if (delay >= deadline.remaining()) {
        throw new TimeoutError(
          `${what} failed (${failure}) and the time limit leaves no room to retry${waitMs !== undefined ? ` after the ${formatDuration(waitMs)} the server asked for` : ''}`
        )
      }
      this.options.onRetry(
        `${what}: ${failure}. Retrying in ${formatDuration(delay)} (attempt ${attempt + 1} of ${maxAttempts}).`
      )
      await sleep(delay, signal)
      if (signal.aborted) throw new CancelledError()
    }
  }
}

function isRetryableStatus(policy: Policy, status: number): boolean {
  if (policy === 'create') return status === 429 || status === 503
  return status === 408 || status === 429 || status >= 500
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value
}

/** The server's own words: `{"error": "..."}`, else the title or text of whatever it sent. */
export function serverMessage(response: HttpResponse): string {
  const body = response.body.trim()
  try {
    const parsed = JSON.parse(body) as { error?: unknown; message?: unknown; errors?: unknown }
    const text = parsed.error ?? parsed.message ?? parsed.errors
    if (text !== undefined) return typeof text === 'string' ? text : JSON.stringify(text)
  } catch {
    // not JSON: fall through
  }
  const title = /<title[^>]*>([^<]*)<\/title>/i.exec(body)?.[1]?.trim()
  if (title) return `${title} (an HTML page, not an API answer)`
  const text = body
    .replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
  if (!text) return '(no message)'
  return text.length > 300 ? `${text.slice(0, 300)}…` : text
}

function hintFor(status: number, request: TaskRequest): string {
  switch (status) {
    case 400:
      return 'Fabricate could not read the request: check `format`, `entity`, `connection` and `overrides`.'
    case 401:
      return 'Check the API key: it may be mistyped, expired or revoked. Create one in Fabricate and store it as a repository secret.'
    case 403:
      return `The API key has no access to workspace '${request.workspace}'. Use a key of a user who is a member of it.`
    case 404:
      return `Check \`workspace\` ('${request.workspace}') and \`database\` ('${request.database}'): they must match the names in Fabricate exactly.`
    case 422:
      return 'Fabricate refused the request as given: its message above says which part.'
    default:
      return ''
  }
}

function parseTask(response: HttpResponse, what: string): Task {
  let task: unknown
  try {
    task = JSON.parse(response.body)
  } catch {
    throw new Error(
      `${what}: Fabricate answered HTTP ${response.status} with a body that is not JSON: ${serverMessage(response)}`
    )
  }
  if (typeof task !== 'object' || task === null || typeof (task as Task).id !== 'string') {
    throw new Error(`${what}: Fabricate's answer has no task id.`)
  }
  return task as Task
}

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T
}

/**
 * When to ask again: the pacing of status polls and of retries after transient failures. Pure
 * arithmetic (the random source is a parameter), so it is unit tested directly.
 */

/** The first status read comes this soon, so a task that is done at once costs no waiting. */
export const FIRST_POLL_MS = 100
/** The second one at one second, as Tonic's own clients do. */
export const SECOND_POLL_AT_MS = 1000
export const MIN_POLL_MS = 3000
export const MAX_POLL_MS = 20_000
/** Each wait is about this share of the time waited so far: completion is noticed within ~10%. */
export const POLL_GROWTH = 0.1

/**
 * The wait before the next status read, given how long the task has been waited on: a quick
 * first look, another at one second, then waits that grow with the time already spent, so a 10 s
 * task is read every 3 s and a 30 min task every 20 s. Jitter (downward only, so the bound
 * holds) keeps many CI jobs from polling in lockstep.
 */
export function pollDelay(elapsedMs: number, random: () => number = Math.random): number {
  if (elapsedMs < FIRST_POLL_MS) return FIRST_POLL_MS - Math.max(0, elapsedMs)
  if (elapsedMs < SECOND_POLL_AT_MS) return SECOND_POLL_AT_MS - elapsedMs
  const base = Math.min(MAX_POLL_MS, Math.max(MIN_POLL_MS, elapsedMs * POLL_GROWTH))
  return Math.round(base * (0.85 + 0.15 * random()))
}

export const RETRY_BASE_MS = 1000
export const RETRY_MAX_MS = 30_000

/**
 * The wait before retry number `attempt` (1 for the first retry): exponential with "equal
 * jitter", between half and all of min(cap, base * 2^(attempt-1)).
 */
export function retryDelay(attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** Math.max(0, attempt - 1))
  return Math.round(ceiling / 2 + (ceiling / 2) * random())
}

/**
 * Reads a Retry-After header: delay-seconds or an HTTP date. Returns milliseconds from `now`, or
 * undefined when the header is absent or unreadable.
 */
export function parseRetryAfter(
  value: string | undefined,
  now: number = Date.now()
): number | undefined {
  if (!value) return undefined
  const text = value.trim()
  if (/^\d+$/.test(text)) return Number(text) * 1000
  const date = Date.parse(text)
  if (Number.isNaN(date)) return undefined
  return Math.max(0, date - now)
}

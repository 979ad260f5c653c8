/** Time limits and cancellable waits. */
import { CancelledError } from './errors.js'

/** The moment the whole operation must be over by (`timeout`). */
export class Deadline {
  readonly startedAt: number
  readonly expiresAt: number

  constructor(
    readonly totalMs: number,
    now: number = Date.now()
  ) {
    this.startedAt = now
    this.expiresAt = now + totalMs
  }

  remaining(now: number = Date.now()): number {
    return Math.max(0, this.expiresAt - now)
  }

  elapsed(now: number = Date.now()): number {
    return now - this.startedAt
  }
}

/** Waits ms milliseconds, or rejects with CancelledError as soon as signal aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(new CancelledError())
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer)
      reject(new CancelledError())
    }
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    signal.addEventListener('abort', onAbort, { once: true })
  })
}

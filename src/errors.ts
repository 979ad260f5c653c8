/**
 * The failures the action reports, each with what the user should do about it. Every message is
 * shown as is, so none may hold a secret: they are built from redacted text only.
 */

/** One or more inputs are wrong; nothing was sent. */
export class InputError extends Error {
  constructor(readonly problems: { input: string; message: string }[]) {
    super(
      problems.length === 1
        ? `Input '${problems[0].input}': ${problems[0].message}`
        : `${problems.length} inputs need fixing:\n` +
            problems.map(p => `- '${p.input}': ${p.message}`).join('\n')
    )
    this.name = 'InputError'
  }
}

/** The Fabricate API answered with an error status that retrying cannot fix. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly serverMessage: string,
    readonly hint: string,
    readonly request: string
  ) {
    super(`${request} failed: HTTP ${status}: ${serverMessage}${hint ? `\n${hint}` : ''}`)
    this.name = 'ApiError'
  }

  /** The failure without the hint, for where the hint is shown on its own. */
  get problem(): string {
    return `${this.request} failed: HTTP ${this.status}: ${this.serverMessage}`
  }
}

/** Fabricate reported that the generation task itself failed. */
export class TaskFailedError extends Error {
  constructor(
    readonly taskId: string,
    readonly taskError: string
  ) {
    super(`Fabricate task ${taskId} failed: ${taskError}`)
    this.name = 'TaskFailedError'
  }
}

/** The `timeout` ran out. */
export class TimeoutError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'TimeoutError'
  }
}

/** The run was cancelled (SIGINT/SIGTERM from the runner, or Ctrl-C). */
export class CancelledError extends Error {
  constructor(message = 'Cancelled') {
    super(message)
    this.name = 'CancelledError'
  }
}

/** Something about the result, the disk or the database prevents going on. */
export class ResultError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'ResultError'
  }
}

/** PostgreSQL refused the connection or the load. */
export class LoadError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'LoadError'
  }
}

export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message
  return String(error)
}

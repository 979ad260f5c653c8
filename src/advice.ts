/** What to try after a failure, for the summary and the CLI. */
import {
  ApiError,
  CancelledError,
  InputError,
  LoadError,
  ResultError,
  TaskFailedError,
  TimeoutError
} from './errors.js'

export function adviceFor(error: unknown): string | undefined {
  if (error instanceof InputError)
    return 'Fix the inputs named above. Nothing was sent to Fabricate.'
  if (error instanceof ApiError) return error.hint || undefined
  if (error instanceof TaskFailedError) {
    return 'Open the database in Fabricate and generate it there to see the problem; the task failed on the server, so re-running will not help until the definition is fixed.'
  }
  if (error instanceof TimeoutError)
    return 'Raise `timeout`, or ask for fewer rows with `overrides`.'
  if (error instanceof CancelledError)
    return 'The run was cancelled; the task id above identifies the task in Fabricate.'
  if (error instanceof LoadError) {
    return 'Check that the tables exist before the load (migrations, or `schema` files), and the connection settings (`postgres-url` or PG* variables).'
  }
  if (error instanceof ResultError) return undefined
  return 'Re-run the job; if it fails the same way, open an issue with the log (secrets are masked).'
}

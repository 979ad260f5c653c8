/**
 * How the shared code talks to the world. The GitHub Action writes through @actions/core (log
 * groups, workflow commands, file commands); the command-line entry writes to a terminal. Nothing
 * outside the two adapters knows which one it runs in.
 */
export interface Reporter {
  info(message: string): void
  warning(message: string): void
  debug(message: string): void
  /** Runs fn inside a folded log section named `title`. */
  group<T>(title: string, fn: () => Promise<T>): Promise<T>
  /** Shows how far a long wait has got; a terminal may redraw one line, a log prints a line. */
  progress(message: string): void
  setOutput(name: string, value: string): void
  /** Tells the runner to mask a value from now on. */
  setSecret(value: string): void
  readonly isDebug: boolean
}

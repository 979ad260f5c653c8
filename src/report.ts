/** What a run did, filled in as it goes, so that a failed run can be summarised too. */
export interface Phase {
  name: string
  ms: number
}

export interface RunReport {
  outcome: 'success' | 'failure' | 'cancelled' | 'running'
  workspace: string
  database: string
  format?: string
  entity?: string
  /** Where Fabricate pushed the data, when `connection` was used. */
  connection?: string
  taskId?: string
  phases: Phase[]
  /** The phase in progress, while one is. */
  current?: string
  downloadedBytes?: number
  unpackedBytes?: number
  path?: string
  file?: string
  files?: string[]
  loadFile?: string
  tables?: Record<string, number>
  serverVersion?: string
  error?: string
  /** What to try next, after a failure. */
  advice?: string
}

export function newReport(workspace: string, database: string): RunReport {
  return { outcome: 'running', workspace, database, phases: [] }
}

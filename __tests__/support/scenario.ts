// Shared pieces of the end-to-end tests: the emulator, the inputs that point the action at it,
// the search for leaked secrets, and the comparison of loaded rows with what the emulator made.
import { expect } from '@jest/globals'
import { findDatabase, schemaSql } from '../../emulator/catalog.js'
import { columns, rows } from '../../emulator/generate.js'
import type { Emulator } from '../../emulator/server.js'
import { queryNullable, quoteIdent } from './postgres.js'
import { runAction, type ActionRun, type RunOptions } from './runner.js'

export const shop = () => findDatabase('acme', 'shop')!

export function emulatorInputs(
  emulator: Emulator,
  extra: Record<string, string> = {}
): Record<string, string> {
  return {
    'api-url': emulator.apiUrl,
    'api-key': emulator.apiKey,
    workspace: 'acme',
    database: 'shop',
    ...extra
  }
}

/** The log, summary, outputs and state, without the lines that announce masks to the runner. */
export function visibleText(run: ActionRun): string {
  return run
    .allText()
    .split('\n')
    .filter(line => !line.startsWith('::add-mask::'))
    .join('\n')
}

/** No secret, nor its URL-encoded form, appears anywhere the user can see. */
export function expectNoSecrets(run: ActionRun, secrets: string[]): void {
  const text = visibleText(run)
  for (const secret of secrets.filter(s => s.length >= 6)) {
    expect(text.includes(secret)).toBe(false)
    expect(text.includes(encodeURIComponent(secret))).toBe(false)
  }
}

/** The signatures of every signed URL the emulator handed out (they grant access to data). */
export function signaturesOf(emulator: Emulator): string[] {
  return emulator.handedOutSecrets
}

export function schemaFor(databaseName = 'shop'): string {
  return schemaSql(findDatabase('acme', databaseName)!)
}

interface TaskLike {
  seed: number | string
  recordCounts: Record<string, number>
  fields?: Record<string, Record<string, { min?: number; max?: number }>>
  textLength?: number
}

/** Compares every row of every table in PostgreSQL with the rows the emulator generated. */
export async function expectLoadedAsGenerated(
  url: string,
  task: TaskLike,
  tables?: string[]
): Promise<void> {
  const database = shop()
  for (const entity of database.entities) {
    if (tables && !tables.includes(entity.name)) continue
    const cols = columns(database, entity.name)
    const names = cols.map(c => quoteIdent(c.name)).join(', ')
    const loaded = await queryNullable(
      url,
      `SELECT ${names} FROM ${quoteIdent(entity.name)} ORDER BY 1`
    )
    const expected = [
      ...rows(database, entity.name, {
        seed: task.seed,
        recordCounts: task.recordCounts,
        fields: task.fields,
        textLength: task.textLength
      })
    ]
    expect(loaded.length).toBe(expected.length)
    expected.forEach((row, r) => {
      row.forEach((value, c) => {
        const actual = loaded[r][c]
        const ok = sameValue(cols[c].type, value, actual)
        if (!ok) {
          throw new Error(
            `${entity.name} row ${r + 1} column ${cols[c].name}: expected ${JSON.stringify(value)}, loaded ${JSON.stringify(actual)}`
          )
        }
      })
    })
  }
}

function sameValue(type: string, expected: unknown, actual: string | null): boolean {
  if (expected === null || expected === undefined) return actual === null
  if (actual === null) return false
  switch (type) {
    case 'boolean':
      return actual === (expected ? 't' : 'f')
    case 'integer':
    case 'bigint':
    case 'numeric':
      return Number(actual) === Number(expected)
    case 'timestamptz':
      return (
        Date.parse(actual.replace(' ', 'T').replace(/([+-]\d\d)$/, '$1:00')) ===
        Date.parse(String(expected))
      )
    case 'jsonb':
      return (
        canonical(JSON.parse(actual)) ===
        canonical(typeof expected === 'string' ? JSON.parse(expected) : expected)
      )
    default:
      return actual === String(expected)
  }
}

/** JSON text with object keys sorted: jsonb does not keep the order they were written in. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`
  if (value && typeof value === 'object') {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`
  }
  return JSON.stringify(value)
}

/**
 * Runs the action with debug logging on, as a user diagnosing a failure would, and checks that no
 * secret reaches anything the user can see: the API key, every signed URL and redirect token the
 * emulator handed out, the test server's PostgreSQL password, and any extra ones named.
 */
export async function runChecked(
  emulator: Emulator,
  options: RunOptions,
  extraSecrets: string[] = []
): Promise<ActionRun> {
  const run = await runAction({ ...options, env: { ACTIONS_STEP_DEBUG: 'true', ...options.env } })
  const pgPassword = new URL(process.env.FABRICATE_TEST_PG_URL!).password
  const given = options.inputs?.['api-key']
  expectNoSecrets(run, [
    emulator.apiKey,
    pgPassword,
    ...emulator.handedOutSecrets,
    ...(given ? [given] : []),
    ...extraSecrets
  ])
  return run
}

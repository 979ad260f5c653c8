import { describe, expect, it } from '@jest/globals'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { InputError } from '../src/errors.js'
import { DEFAULT_API_URL, parsePostgresUrl, readSettings, type InputName } from '../src/inputs.js'

const workspaceDir = fs.mkdtempSync(path.join(os.tmpdir(), 'inputs-test-'))

function source(inputs: Partial<Record<InputName, string>>, env: Record<string, string> = {}) {
  return { get: (name: InputName) => inputs[name] ?? '', env, workspaceDir }
}

const minimal = { 'api-key': 'fab_key_123', workspace: 'acme', database: 'shop', format: 'csv' }
const loading = { ...minimal, format: '', load: 'postgres' }

async function problems(
  inputs: Partial<Record<InputName, string>>,
  env: Record<string, string> = {}
) {
  try {
    await readSettings(source(inputs, env))
  } catch (error) {
    if (error instanceof InputError) return error.problems
    throw error
  }
  throw new Error('expected an InputError')
}

describe('readSettings', () => {
  it('applies the documented defaults', async () => {
    const settings = await readSettings(source(minimal))
    expect(settings).toMatchObject({
      apiUrl: DEFAULT_API_URL,
      workspace: 'acme',
      database: 'shop',
      format: 'csv',
      timeoutMs: 30 * 60_000,
      maxSizeBytes: 8 * 2 ** 30,
      waitForDatabaseMs: 60_000,
      schemaFiles: []
    })
    expect(settings.path).toBeUndefined()
    expect(settings.secrets).toContain('fab_key_123')
  })

  it('takes the key and URL from the environment', async () => {
    const settings = await readSettings(
      source(
        { workspace: 'acme', database: 'shop', format: 'sql' },
        { FABRICATE_API_KEY: 'env_key_456', FABRICATE_API_URL: 'https://fab.example.com/api/v1/' }
      )
    )
    expect(settings.apiKey).toBe('env_key_456')
    expect(settings.apiUrl).toBe('https://fab.example.com/api/v1')
  })

  it('names every missing required input at once', async () => {
    const found = await problems({})
    expect(found.map(p => p.input)).toEqual(['api-key', 'workspace', 'database', 'format'])
    expect(found[0].message).toContain('FABRICATE_API_KEY')
  })

  it('refuses format and connection together', async () => {
    const found = await problems({ ...minimal, connection: 'staging-db' })
    expect(found).toEqual([{ input: 'format', message: expect.stringContaining('not both') }])
  })

  it('defaults the format for load: postgres', async () => {
    const settings = await readSettings(source({ ...minimal, format: '', load: 'postgres' }))
    expect(settings.format).toBe('postgres-optimized')
    expect(settings.load).toBe('postgres')
  })

  it('refuses an unknown load target', async () => {
    expect(await problems({ ...minimal, load: 'mysql' })).toEqual([
      { input: 'load', message: expect.stringContaining('`postgres`') }
    ])
  })

  it('reads overrides written as YAML or JSON', async () => {
    const yaml = 'entities:\n  customers:\n    record_count: 500\nvariables:\n  seed: 42\n'
    const fromYaml = await readSettings(source({ ...minimal, overrides: yaml }))
    const fromJson = await readSettings(
      source({
        ...minimal,
        overrides: '{"entities":{"customers":{"record_count":500}},"variables":{"seed":42}}'
      })
    )
    expect(fromYaml.overrides).toEqual({
      entities: { customers: { record_count: 500 } },
      variables: { seed: 42 }
    })
    expect(fromJson.overrides).toEqual(fromYaml.overrides)
  })

  it.each([
    ['a list', '- 1\n- 2', 'must be an object'],
    ['a scalar', '42', 'must be an object'],
    ['broken YAML', 'entities: {customers: [', 'not valid YAML'],
    ['duplicate keys', 'a: 1\na: 2', 'not valid YAML']
  ])('refuses overrides that are %s', async (_, overrides, message) => {
    expect(await problems({ ...minimal, overrides })).toEqual([
      { input: 'overrides', message: expect.stringContaining(message) }
    ])
  })

  it('reads a connection object and keeps its password secret', async () => {
    const connection =
      'host: db.internal\nport: 5433\ndatabase_name: app\nusername: seed\npassword: hunter2hunter2\ntls: true'
    const settings = await readSettings(source({ ...minimal, format: '', connection }))
    expect(settings.connection).toEqual({
      host: 'db.internal',
      port: 5433,
      database_name: 'app',
      username: 'seed',
      password: 'hunter2hunter2',
      tls: true
    })
    expect(settings.secrets).toContain('hunter2hunter2')
  })

  it('keeps a connection name as a name', async () => {
    const settings = await readSettings(
      source({ ...minimal, format: '', connection: 'staging-db' })
    )
    expect(settings.connection).toBe('staging-db')
  })

  it('refuses a connection object with missing or unknown fields', async () => {
    const found = await problems({
      ...minimal,
      format: '',
      connection: '{"host": "x", "user": "y"}'
    })
    expect(found[0].input).toBe('connection')
    expect(found[0].message).toContain('missing database_name, username')
    expect(found[0].message).toContain('unknown field user')
  })

  it.each(['timeout', 'wait-for-database'] as const)('refuses an unreadable %s', async input => {
    expect(await problems({ ...minimal, [input]: '10 minutes' })).toEqual([
      { input, message: expect.stringContaining('`15m`') }
    ])
  })

  it('refuses an unreadable max-size', async () => {
    expect(await problems({ ...minimal, 'max-size': 'huge' })).toEqual([
      { input: 'max-size', message: expect.stringContaining('8GiB') }
    ])
  })

  it('refuses a path that is not empty, and accepts an empty or new one', async () => {
    const full = fs.mkdtempSync(path.join(workspaceDir, 'full-'))
    fs.writeFileSync(path.join(full, 'keep.txt'), 'mine')
    expect(await problems({ ...minimal, path: path.basename(full) })).toEqual([
      { input: 'path', message: expect.stringContaining('not empty') }
    ])
    const empty = fs.mkdtempSync(path.join(workspaceDir, 'empty-'))
    expect((await readSettings(source({ ...minimal, path: path.basename(empty) }))).path).toBe(
      empty
    )
    expect((await readSettings(source({ ...minimal, path: 'new/folder' }))).path).toBe(
      path.join(workspaceDir, 'new/folder')
    )
  })

  it('takes the password out of postgres-url and masks it', async () => {
    const settings = await readSettings(
      source({
        ...loading,
        'postgres-url': 'postgresql://app:s%40cret99@localhost:5432/app?sslmode=disable'
      })
    )
    expect(settings.postgresUrl).toBe('postgresql://app@localhost:5432/app?sslmode=disable')
    expect(settings.postgresPassword).toBe('s@cret99')
    expect(settings.secrets).toContain('s@cret99')
  })

  it('masks PGPASSWORD from the environment', async () => {
    const settings = await readSettings(source({ ...loading }, { PGPASSWORD: 'pg-env-secret' }))
    expect(settings.secrets).toContain('pg-env-secret')
  })

  it('resolves schema globs in order and refuses one that matches nothing', async () => {
    const dir = fs.mkdtempSync(path.join(workspaceDir, 'db-'))
    fs.writeFileSync(path.join(dir, '01-types.sql'), '')
    fs.writeFileSync(path.join(dir, '02-tables.sql'), '')
    const rel = path.basename(dir)
    const settings = await readSettings(source({ ...loading, schema: `${rel}/*.sql\n` }))
    expect(settings.schemaFiles).toEqual([
      path.join(dir, '01-types.sql'),
      path.join(dir, '02-tables.sql')
    ])
    expect(await problems({ ...loading, schema: `${rel}/missing.sql` })).toEqual([
      { input: 'schema', message: expect.stringContaining('matches no file') }
    ])
  })

  it('says postgres-url and schema need load: postgres', async () => {
    const found = await problems({ ...minimal, 'postgres-url': 'postgresql://localhost/app' })
    expect(found).toEqual([
      { input: 'postgres-url', message: expect.stringContaining('load: postgres') }
    ])
  })
})

describe('parsePostgresUrl', () => {
  it('moves a password given as a query option out of the URL', () => {
    expect(parsePostgresUrl('postgres://u@h/db?password=abcdef&sslmode=require')).toEqual({
      url: 'postgres://u@h/db?sslmode=require',
      password: 'abcdef'
    })
  })
  it('refuses other schemes', () => {
    expect(parsePostgresUrl('mysql://u@h/db')).toContain('postgresql://')
  })
})

describe('load: postgres with a format that has no load.sql', () => {
  it.each(['csv', 'jsonl', 'sqlite', 'mysql'])(
    'refuses %s before generating anything',
    async format => {
      expect(await problems({ ...loading, format })).toEqual([
        { input: 'format', message: expect.stringContaining('postgres-optimized') }
      ])
    }
  )
})

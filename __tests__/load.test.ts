// `load: postgres` against a real PostgreSQL server (started by the global setup) with the real
// psql: each PostgreSQL format loads value for value, failures roll back, a late server is waited
// for, and credentials never show.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import fs from 'node:fs'
import path from 'node:path'
import { startEmulator, type Emulator } from '../emulator/server.js'
import {
  createDatabase,
  otherServers,
  pgEnv,
  queryNullable,
  queryValue,
  type TestDatabase
} from './support/postgres.js'
import { makeTempDir, nodeBinaries } from './support/runner.js'
import {
  emulatorInputs,
  expectLoadedAsGenerated,
  expectNoSecrets,
  schemaFor,
  runChecked,
  signaturesOf
} from './support/scenario.js'
import { startTcpForwarder } from './support/tcp-proxy.js'
import { writeZip } from './support/zip-writer.js'

let emulator: Emulator
beforeAll(async () => {
  emulator = await startEmulator()
})
afterAll(async () => {
  await emulator.close()
})
beforeEach(() => {
  emulator.reset()
})

/** A workspace holding db/schema.sql, as a repository with a schema file would. */
function workspaceWithSchema(schema = schemaFor()): string {
  const workspace = makeTempDir('workspace-')
  fs.mkdirSync(path.join(workspace, 'db'))
  fs.writeFileSync(path.join(workspace, 'db', 'schema.sql'), schema)
  return workspace
}

function lastTask() {
  return [...emulator.tasks.values()].at(-1)!
}

const password = () => new URL(process.env.FABRICATE_TEST_PG_URL!).password

/** Runs the action to load `format` into the database at `url`, its tables from db/schema.sql. */
function loadFormat(url: string, format: string, node?: string, secrets: string[] = []) {
  return runChecked(
    emulator,
    {
      node,
      workspace: workspaceWithSchema(),
      inputs: emulatorInputs(emulator, {
        format,
        load: 'postgres',
        'postgres-url': url,
        schema: 'db/schema.sql'
      })
    },
    secrets
  )
}

describe.each(nodeBinaries())('on $name', ({ node }) => {
  it.each(['postgres-optimized', 'postgres', 'sql'])(
    'loads %s value for value, hard text included',
    async format => {
      const db = await createDatabase(format)
      const run = await loadFormat(db.url, format, node)
      expect(run.errors).toEqual([])
      expect(run.exitCode).toBe(0)
      const task = lastTask()
      await expectLoadedAsGenerated(db.url, task)
      expect(JSON.parse(run.outputs.tables)).toEqual(task.recordCounts)
      expect(run.summary).toContain('| `order_items` | 200 |')
      expect(run.summary).toMatch(/loaded 375 rows into PostgreSQL/)
      expect(run.summary).toMatch(/\| PostgreSQL \| Time \|/)
      expect(run.stdout).toContain('::group::Loading into PostgreSQL')
      expectNoSecrets(run, [password(), emulator.apiKey, ...signaturesOf(emulator)])
    }
  )
})

// The machine's psql loading into the server versions that service containers run (postgres:16,
// :17, :18), started from FABRICATE_TEST_PG_SERVERS by the global setup; on Node 24, the
// action's runtime, when there is one.
const versionCases = otherServers().flatMap(server =>
  ['postgres-optimized', 'postgres'].map(format => ({ ...server, format }))
)
const node24Binary = nodeBinaries().find(b => b.name === 'node 24')?.node
describe('other PostgreSQL versions', () => {
  if (versionCases.length === 0) {
    it.skip('none given: FABRICATE_TEST_PG_SERVERS names no server programs', () => undefined)
    return
  }
  it.each(versionCases)(
    'loads $format into PostgreSQL $version value for value',
    async ({ url, format, version }) => {
      const db = await createDatabase('version', url)
      const run = await loadFormat(db.url, format, node24Binary, [new URL(url).password])
      expect(run.errors).toEqual([])
      expect(run.stdout).toContain(`PostgreSQL ${version}`)
      await expectLoadedAsGenerated(db.url, lastTask())
      expect(JSON.parse(run.outputs.tables)).toEqual(lastTask().recordCounts)
    }
  )
})

describe('load: postgres', () => {
  it('defaults the format, runs psql where \\copy finds its files, and takes PG* variables', async () => {
    const db = await createDatabase('pgenv')
    emulator.nextTask({ layout: 'nested' })
    const run = await runChecked(emulator, {
      workspace: workspaceWithSchema(),
      inputs: emulatorInputs(emulator, { load: 'postgres', schema: 'db/*.sql' }),
      env: pgEnv(db.url)
    })
    expect(run.errors).toEqual([])
    expect(lastTask().format).toBe('postgres-optimized')
    expect(run.outputs['load-file']).toBe(path.join(run.outputs.path, 'shop', 'load.sql'))
    await expectLoadedAsGenerated(db.url, lastTask())
    expect(run.masks).toContain(password())
    expectNoSecrets(run, [password()])
    // At debug level, every psql run: what ran, where, and how it ended.
    const psqlRuns = run.commands
      .filter(c => c.command === 'debug' && / -X -w -v ON_ERROR_STOP=1 /.test(c.message))
      .map(c => c.message)
    expect(psqlRuns[0]).toMatch(
      /psql -X -w -v ON_ERROR_STOP=1 -A -t -c SHOW server_version → exit 0 in \d+ms$/
    )
    expect(psqlRuns).toContainEqual(
      expect.stringMatching(
        new RegExp(
          `-q --single-transaction -f \\S+schema\\.sql -f load\\.sql -c SELECT 'fabricate-action-rows ' [^ ]+ .{0,80}… \\(in ${path.join(run.outputs.path, 'shop')}\\) → exit 0 in \\d+ms$`
        )
      )
    )
  })

  it('loads overridden record counts and reports them', async () => {
    const db = await createDatabase('counts')
    const run = await runChecked(emulator, {
      workspace: workspaceWithSchema(),
      inputs: emulatorInputs(emulator, {
        load: 'postgres',
        'postgres-url': db.url,
        schema: 'db/schema.sql',
        overrides:
          'entities:\n  customers: {record_count: 3}\n  orders: {record_count: 5}\nvariables: {seed: 7}'
      })
    })
    expect(run.exitCode).toBe(0)
    expect(JSON.parse(run.outputs.tables)).toMatchObject({ customers: 3, orders: 5 })
    await expectLoadedAsGenerated(db.url, lastTask())
  })

  it('leaves the database as it was when a statement fails halfway', async () => {
    const db = await createDatabase('rollback')
    // The user's tables, with rows of their own and a rule the generated order_items break.
    await queryNullable(
      db.url,
      schemaFor() +
        "INSERT INTO customers (id, email, full_name, is_active, loyalty_points, signup_date, created_at) VALUES (999, 'mine@example.com', 'Mine', true, 1, '2020-01-01', now());" +
        'ALTER TABLE order_items ADD CONSTRAINT small_quantities CHECK (quantity < 3);'
    )
    const run = await runChecked(emulator, {
      inputs: emulatorInputs(emulator, {
        format: 'postgres',
        load: 'postgres',
        'postgres-url': db.url
      })
    })
    expect(run.exitCode).toBe(1)
    const message = run.errors[0].message
    expect(message).toContain('nothing was committed')
    expect(message).toMatch(/psql:load\.sql:\d+: ERROR: .*small_quantities/)
    expect(await queryNullable(db.url, 'SELECT id, email FROM customers')).toEqual([
      ['999', 'mine@example.com']
    ])
    expect(await queryValue(db.url, 'SELECT count(*) FROM orders')).toBe('0')
    expect(run.summary).toContain('failed while loading')
    expect(run.summary).toContain('| Loading (failed) |')
    expect(run.summary).toContain('**What to try:**')
  })

  it('rolls back the schema files with a failed load', async () => {
    const db = await createDatabase('schema-rollback')
    const run = await runChecked(emulator, {
      workspace: workspaceWithSchema(
        schemaFor().replace('CREATE TABLE "order_items"', 'CREATE TABLE "order_itemz"')
      ),
      inputs: emulatorInputs(emulator, {
        load: 'postgres',
        'postgres-url': db.url,
        schema: 'db/schema.sql'
      })
    })
    expect(run.exitCode).toBe(1)
    expect(run.errors[0].message).toContain('relation "order_items" does not exist')
    expect(
      await queryValue(db.url, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
    ).toBe('0')
  })

  it('waits for a server that comes up a few seconds after the step starts', async () => {
    const db = await createDatabase('late')
    const target = new URL(db.url)
    const late = await startTcpForwarder({
      target: { host: target.hostname, port: Number(target.port) },
      acceptAfterMs: 3000
    })
    try {
      const url = new URL(db.url)
      url.port = String(late.port)
      const run = await runChecked(emulator, {
        workspace: workspaceWithSchema(),
        inputs: emulatorInputs(emulator, {
          load: 'postgres',
          'postgres-url': url.toString(),
          schema: 'db/schema.sql'
        })
      })
      expect(run.errors).toEqual([])
      // Not up when the step starts: no reason to fail, and the task is started all the same.
      expect(run.stdout).toMatch(/PostgreSQL does not accept connections yet \(.*refused/)
      expect(run.stdout).toMatch(/PostgreSQL [\d.]+.* accepted a connection after [\d.]+s/)
      await expectLoadedAsGenerated(db.url, lastTask())
    } finally {
      await late.close()
    }
  })

  it('gives up on a server that never comes, within wait-for-database', async () => {
    const closed = await startTcpForwarder({
      target: { host: '127.0.0.1', port: 1 },
      acceptAfterMs: 60_000
    })
    try {
      const run = await runChecked(emulator, {
        inputs: emulatorInputs(emulator, {
          load: 'postgres',
          'postgres-url': `postgresql://postgres@127.0.0.1:${closed.port}/postgres`,
          'wait-for-database': '3s'
        })
      })
      expect(run.exitCode).toBe(1)
      expect(run.errors[0].message).toContain(
        'did not accept connections within `wait-for-database` (3s)'
      )
      expect(run.durationMs).toBeLessThan(20_000)
    } finally {
      await closed.close()
    }
  })

  it('fails at once on a wrong password, in the server’s words, without showing it', async () => {
    const db = await createDatabase('wrongpw')
    const url = new URL(db.url)
    url.password = 'not-the-password-42'
    const run = await runChecked(emulator, {
      inputs: emulatorInputs(emulator, {
        load: 'postgres',
        'postgres-url': url.toString(),
        'wait-for-database': '60s'
      })
    })
    expect(run.exitCode).toBe(1)
    expect(run.errors[0].message).toContain('password authentication failed for user "postgres"')
    expect(run.durationMs).toBeLessThan(20_000)
    // Found before a task was started: a wrong password costs no generation.
    expect(emulator.requests).toEqual([])
    expectNoSecrets(run, ['not-the-password-42'])
  })

  it('fails on a database that does not exist without waiting', async () => {
    const url = new URL(process.env.FABRICATE_TEST_PG_URL!)
    url.pathname = '/no_such_database'
    const run = await runChecked(emulator, {
      inputs: emulatorInputs(emulator, { load: 'postgres', 'postgres-url': url.toString() })
    })
    expect(run.exitCode).toBe(1)
    expect(run.errors[0].message).toContain('database "no_such_database" does not exist')
    expect(emulator.requests).toEqual([])
  })

  it('fails before generating anything when psql is missing', async () => {
    const run = await runChecked(emulator, {
      inputs: emulatorInputs(emulator, { load: 'postgres' }),
      env: { PATH: makeTempDir('empty-path-') }
    })
    expect(run.exitCode).toBe(1)
    expect(run.errors[0].message).toContain('needs `psql`')
    expect(run.errors[0].message).toContain('apt-get install -y postgresql-client')
    expect(emulator.requests).toEqual([])
  })

  it('fails before generating anything for a format without load.sql', async () => {
    const run = await runChecked(emulator, {
      inputs: emulatorInputs(emulator, { load: 'postgres', format: 'csv' })
    })
    expect(run.exitCode).toBe(1)
    expect(run.errors[0].message).toContain("'csv' produces no PostgreSQL load.sql")
    expect(emulator.requests).toEqual([])
  })

  it('says which formats produce a load.sql when a result has none', async () => {
    const db = await createDatabase('noload')
    // An archive of data files only, served for a format that normally brings a load.sql.
    const archive = writeZip(path.join(makeTempDir('noload-'), 'data-only.zip'), [
      { name: 'customers.csv', data: 'id,email\n1,a@example.com\n' },
      { name: 'orders.csv', data: 'id,customer_id\n1,1\n' }
    ])
    emulator.nextTask({ resultFile: archive })
    const run = await runChecked(emulator, {
      inputs: emulatorInputs(emulator, {
        format: 'postgres',
        load: 'postgres',
        'postgres-url': db.url
      })
    })
    expect(run.exitCode).toBe(1)
    const message = run.errors[0].message
    expect(message).toContain('The result has no load.sql')
    expect(message).toContain('postgres-optimized, postgres, sql')
    // The files are still there for the user to look at, and nothing reached the database.
    expect(JSON.parse(run.outputs.files)).toEqual(['customers.csv', 'orders.csv'])
    expect(
      await queryValue(db.url, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
    ).toBe('0')
  })

  it('counts the tables load.sql fills, not a line of text that reads like a statement', async () => {
    const db = await createDatabase('lookalike')
    await queryNullable(db.url, schemaFor())
    const bio =
      'first line\nINSERT INTO nowhere VALUES (1);\nCOPY "neither" FROM \'x.csv\'\nlast line'
    const archive = writeZip(path.join(makeTempDir('lookalike-'), 'result.zip'), [
      {
        name: 'load.sql',
        data:
          'INSERT INTO customers (id, email, full_name, is_active, loyalty_points, signup_date, created_at, bio) VALUES\n' +
          `(1, 'a@example.com', 'A', true, 1, '2020-01-01', now(), '${bio.replace(/'/g, "''")}');\n`
      }
    ])
    emulator.nextTask({ resultFile: archive })
    const run = await runChecked(emulator, {
      inputs: emulatorInputs(emulator, { format: 'sql', load: 'postgres', 'postgres-url': db.url })
    })
    expect(run.errors).toEqual([])
    expect(JSON.parse(run.outputs.tables)).toEqual({ customers: 1 })
    expect(await queryValue(db.url, 'SELECT bio FROM customers')).toBe(bio)
  })

  it('runs a single table in sql format as its own load file', async () => {
    const db: TestDatabase = await createDatabase('single-sql')
    await queryNullable(db.url, schemaFor())
    const run = await runChecked(emulator, {
      inputs: emulatorInputs(emulator, {
        load: 'postgres',
        format: 'sql',
        entity: 'customers',
        'postgres-url': db.url
      })
    })
    expect(run.errors).toEqual([])
    expect(run.outputs['load-file']).toBe(path.join(run.outputs.path, 'customers.sql'))
    expect(JSON.parse(run.outputs.tables)).toEqual({ customers: 50 })
    await expectLoadedAsGenerated(db.url, lastTask(), ['customers'])
  })

  it('stops psql when cancelled, commits nothing and exits well within 7.5 s', async () => {
    const db = await createDatabase('cancel')
    const run = await runChecked(emulator, {
      workspace: workspaceWithSchema(schemaFor() + 'SELECT pg_sleep(60);\n'),
      inputs: emulatorInputs(emulator, {
        load: 'postgres',
        'postgres-url': db.url,
        schema: 'db/schema.sql'
      }),
      cancel: { when: line => line.startsWith('::group::Loading into PostgreSQL') }
    })
    expect(run.exitCode).not.toBe(0)
    expect(run.exitAfterCancelMs).toBeLessThan(7500)
    expect(run.signalsSent.map(s => s.signal)).toEqual(['SIGINT'])
    expect(run.strayProcesses).toBe(false)
    expect(run.errors[0].message).toContain('Cancelled while working on task')
    expect(
      await queryValue(db.url, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
    ).toBe('0')
    expect(
      await queryValue(
        db.url,
        "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep%'"
      )
    ).toBe('0')
  })
})

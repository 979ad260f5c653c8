// The bundled action (dist/index.js) run as the GitHub runner runs it, against the emulator:
// generate, wait, download, unpack, outputs, summary and the post step, on the machine's Node and
// on Node 24 (the runtime action.yml declares).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import fs from 'node:fs'
import path from 'node:path'
import { startEmulator, type Emulator } from '../emulator/server.js'
import { makeTempDir, nodeBinaries, runPost } from './support/runner.js'
import { emulatorInputs, expectNoSecrets, runChecked, signaturesOf } from './support/scenario.js'

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

function listFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter(entry => entry.isFile())
    .map(entry => path.relative(dir, path.join(entry.parentPath, entry.name)))
    .sort()
}

describe.each(nodeBinaries())('on $name', ({ node }) => {
  it('generates, downloads and unpacks a whole database', async () => {
    const run = await runChecked(emulator, {
      node,
      inputs: emulatorInputs(emulator, { format: 'postgres-optimized' })
    })
    expect(run.errors).toEqual([])
    expect(run.exitCode).toBe(0)

    const task = [...emulator.tasks.values()].at(-1)!
    expect(run.outputs['task-id']).toBe(task.id)
    const folder = run.outputs.path
    expect(path.dirname(folder)).toBe(run.runnerTemp)
    const files = JSON.parse(run.outputs.files) as string[]
    expect(files).toEqual([
      'customers.csv',
      'load.sql',
      'order_items.csv',
      'orders.csv',
      'products.csv'
    ])
    expect(listFiles(folder)).toEqual(files)
    expect(run.outputs['load-file']).toBe(path.join(folder, 'load.sql'))
    expect(run.outputs.file).toBe('')
    expect(fs.readFileSync(path.join(folder, 'load.sql'), 'utf8')).toContain('\\copy "customers"')

    // The summary says what was generated, how long it took, how big it is, and the files.
    expect(run.summary).toContain('### ✅ Fabricate: acme / shop generated and downloaded')
    const facts = run.summary.split('\n').slice(2, 5)
    expect(facts[0]).toBe('| Workspace | Database | Format | Task | Downloaded | Unpacked | Time |')
    expect(facts[2]).toMatch(
      new RegExp(
        `^\\| acme \\| shop \\| \`postgres-optimized\` \\| \`${task.id}\` \\| [\\d.]+ KiB \\| [\\d.]+ KiB \\| [\\d.]+m?s \\|$`
      )
    )
    expect(run.summary).toMatch(
      /\| Generating \| [\d.]+m?s \|\n\| Downloading \| [\d.]+m?s \|\n\| Unpacking \| [\d.]+m?s \|/
    )
    expect(run.summary).toContain('- `load.sql` (load file)')

    // The log is grouped by phase; no temporary files remain; no secret shows.
    expect(run.stdout).toContain('::group::Generating acme / shop')
    expect(run.stdout).toContain('::group::Downloading the result')
    expect(
      fs.readdirSync(run.runnerTemp).filter(name => name.startsWith('fabricate-download'))
    ).toEqual([])
    expect(emulator.requests.filter(r => r.server === 'storage').every(r => !r.authorization)).toBe(
      true
    )
    expectNoSecrets(run, [emulator.apiKey, ...signaturesOf(emulator)])
  })

  it('saves a single table as one file named for it', async () => {
    const run = await runChecked(emulator, {
      node,
      inputs: emulatorInputs(emulator, { format: 'csv', entity: 'customers' })
    })
    expect(run.exitCode).toBe(0)
    expect(run.outputs.file).toBe(path.join(run.outputs.path, 'customers.csv'))
    expect(JSON.parse(run.outputs.files)).toEqual(['customers.csv'])
    expect(fs.readFileSync(run.outputs.file, 'utf8').split('\n')[0]).toBe(
      'id,email,full_name,nickname,bio,is_active,loyalty_points,signup_date,created_at,preferences'
    )
    expect(run.outputs['load-file']).toBe('')
  })

  it('tells a zip from other bytes when the task gives no content type', async () => {
    emulator.nextTask({ omitContentType: true, urlField: 'download_url' })
    const sqlite = await runChecked(emulator, {
      node,
      inputs: emulatorInputs(emulator, { format: 'sqlite' })
    })
    expect(sqlite.exitCode).toBe(0)
    expect(sqlite.outputs.file).toBe(path.join(sqlite.outputs.path, 'shop.sqlite'))
    expect(fs.readFileSync(sqlite.outputs.file).subarray(0, 16).toString('latin1')).toBe(
      'SQLite format 3\0'
    )

    emulator.nextTask({ omitContentType: true, layout: 'nested' })
    const zip = await runChecked(emulator, {
      node,
      inputs: emulatorInputs(emulator, { format: 'postgres' })
    })
    expect(zip.exitCode).toBe(0)
    expect(zip.outputs['load-file']).toBe(path.join(zip.outputs.path, 'shop', 'load.sql'))
  })
})

describe('the action', () => {
  it('puts the result in the folder named by `path`, relative to the workspace', async () => {
    const run = await runChecked(emulator, {
      inputs: emulatorInputs(emulator, { format: 'jsonl', path: 'seed/data' })
    })
    expect(run.exitCode).toBe(0)
    expect(run.outputs.path).toBe(path.join(run.workspace, 'seed', 'data'))
    expect(listFiles(run.outputs.path)).toEqual([
      'customers.jsonl',
      'order_items.jsonl',
      'orders.jsonl',
      'products.jsonl'
    ])
  })

  it('logs every request at debug level: method, host and path, status and time, no secret', async () => {
    const run = await runChecked(emulator, {
      inputs: emulatorInputs(emulator, { format: 'csv' })
    })
    expect(run.exitCode).toBe(0)
    const debug = run.commands.filter(c => c.command === 'debug').map(c => c.message)
    const api = new URL(emulator.apiUrl)
    const task = [...emulator.tasks.values()].at(-1)!
    expect(debug[0]).toMatch(
      new RegExp(`^POST ${api.host}${api.pathname}/generate_tasks → 201 in \\d+ms$`)
    )
    const reads = debug.filter(m => m.startsWith(`GET ${api.host}${api.pathname}/generate_tasks/`))
    expect(reads.length).toBe(
      emulator.requests.filter(r => r.method === 'GET' && r.path.includes(task.id)).length
    )
    expect(reads.every(m => new RegExp(`/${task.id} → 200 in \\d+ms$`).test(m))).toBe(true)
    // The download is named by its host only: its path and query are the credential.
    expect(debug).toContainEqual(
      expect.stringMatching(
        new RegExp(`^GET ${api.host}/… \\(signed download URL\\) → 200 in \\d+ms$`)
      )
    )
    expect(debug.join('\n')).not.toContain('X-Amz')
  })

  it('finds load.sql inside a folder of the archive', async () => {
    emulator.nextTask({ layout: 'with-dirs' })
    const run = await runChecked(emulator, {
      inputs: emulatorInputs(emulator, { format: 'postgres-optimized' })
    })
    expect(run.exitCode).toBe(0)
    expect(run.outputs['load-file']).toBe(path.join(run.outputs.path, 'shop', 'load.sql'))
    expect(JSON.parse(run.outputs.files)).toContain('shop/customers.csv')
  })

  it('passes overrides written as YAML and downloads nothing for a connection', async () => {
    const run = await runChecked(emulator, {
      inputs: emulatorInputs(emulator, {
        connection: 'staging-db',
        overrides: 'entities:\n  customers:\n    record_count: 7\n'
      })
    })
    expect(run.exitCode).toBe(0)
    expect(emulator.pushes).toHaveLength(1)
    expect(emulator.pushes[0].connection).toBe('staging-db')
    expect(emulator.pushes[0].rowCounts.customers).toBe(7)
    expect(emulator.requests.filter(r => r.server === 'storage')).toEqual([])
    expect(run.stdout).toContain('inserted the data into connection staging-db')
    expect(run.outputs['task-id']).toBeTruthy()
    expect(run.summary).toContain('pushed to connection staging-db')
  })

  it('masks the password of a connection object', async () => {
    const password = 'conn-pass-8f3a'
    const run = await runChecked(emulator, {
      inputs: emulatorInputs(emulator, {
        connection: `host: db.internal\ndatabase_name: app\nusername: seed\npassword: ${password}`
      }),
      env: { ACTIONS_STEP_DEBUG: 'true' }
    })
    expect(run.exitCode).toBe(0)
    expect(run.masks).toContain(password)
    expectNoSecrets(run, [password, emulator.apiKey])
  })

  it('logs a slow task’s progress at a calm rate, reading percent or fraction alike', async () => {
    emulator.nextTask({ durationMs: 4000, progressScale: 100 })
    const run = await runChecked(emulator, { inputs: emulatorInputs(emulator, { format: 'csv' }) })
    expect(run.exitCode).toBe(0)
    const reads = emulator.requests.filter(
      r => r.method === 'GET' && r.path.startsWith('/api/v1/generate_tasks/')
    )
    expect(reads.length).toBeGreaterThanOrEqual(2)
    expect(reads.length).toBeLessThanOrEqual(4)
    const progress = run.stdout
      .split('\n')
      .filter(line => /^(Queued|Generating|Packaging|Waiting) · /.test(line))
    expect(progress.length).toBeGreaterThan(0)
    for (const line of progress) {
      const percent = /· (\d+)% ·/.exec(line)
      if (percent) expect(Number(percent[1])).toBeLessThanOrEqual(100)
    }
  })

  it('takes the key and URL from FABRICATE_API_KEY and FABRICATE_API_URL', async () => {
    const run = await runChecked(emulator, {
      inputs: { workspace: 'acme', database: 'shop', format: 'csv' },
      env: { FABRICATE_API_KEY: emulator.apiKey, FABRICATE_API_URL: emulator.apiUrl }
    })
    expect(run.exitCode).toBe(0)
    expect(run.masks).toContain(emulator.apiKey)
  })

  it('post step removes what a killed main step left behind, and never fails', async () => {
    // Killed (SIGKILL, no time to clean up) while the download hangs: its folder stays behind.
    emulator.inject('blob', { hang: true })
    const main = await runChecked(emulator, {
      inputs: emulatorInputs(emulator, { format: 'csv', path: 'out' }),
      cancel: {
        when: line => line.startsWith('::group::Downloading'),
        sigtermAfterMs: 0,
        killAfterMs: 0
      }
    })
    expect(main.exitCode).not.toBe(0)
    const announced = JSON.parse(main.state.cleanup) as string[]
    const left = announced.filter(file => fs.existsSync(file))
    expect(left).toEqual([expect.stringMatching(/fabricate-download-/)])
    expect(path.dirname(left[0])).toBe(main.runnerTemp)

    const post = await runPost(main)
    expect(post.exitCode).toBe(0)
    expect(post.stdout).toContain(`Removed ${left[0]}`)
    expect(fs.existsSync(left[0])).toBe(false)
    expect(fs.readdirSync(main.runnerTemp).filter(name => name.startsWith('fabricate-'))).toEqual(
      []
    )

    const broken = await runPost(main, { state: { isPost: 'true', cleanup: 'not json' } })
    expect(broken.exitCode).toBe(0)
    expect(broken.warnings[0]?.message).toContain('Cleanup failed')
  })
  it('announces its staging folder to the post step before creating it', async () => {
    const run = await runChecked(emulator, {
      inputs: emulatorInputs(emulator, { format: 'csv', path: 'out' })
    })
    expect(run.exitCode).toBe(0)
    const announced = JSON.parse(run.state.cleanup) as string[]
    const staging = announced.filter(file => file.startsWith(`${run.outputs.path}.partial-`))
    expect(staging).toHaveLength(1)
    // Moved into place on success: nothing is left for the post step, which touches no result.
    expect(fs.existsSync(staging[0])).toBe(false)
    const post = await runPost(run)
    expect(post.exitCode).toBe(0)
    expect(fs.readdirSync(run.outputs.path).length).toBeGreaterThan(0)
  })
})

describe('bad input', () => {
  const cases: [string, Record<string, string>, string][] = [
    ['no workspace', { workspace: '' }, "'workspace': required"],
    ['no key', { 'api-key': '' }, "'api-key': no Fabricate API key"],
    ['format and connection', { format: 'csv', connection: 'staging-db' }, 'not both'],
    ['neither format nor connection', { format: '' }, "'format': give a `format`"],
    [
      'overrides that are a list',
      { format: 'csv', overrides: '- 1' },
      "'overrides': must be an object"
    ],
    [
      'overrides that do not parse',
      { format: 'csv', overrides: '{"a": ' },
      "'overrides': is not valid YAML"
    ],
    [
      'an unreadable timeout',
      { format: 'csv', timeout: 'forever' },
      "'timeout': 'forever' is not a duration"
    ],
    ['an unknown load', { format: 'csv', load: 'oracle' }, "'load': 'oracle' is not supported"],
    ['an api-url that is no URL', { format: 'csv', 'api-url': 'fabricate' }, "'api-url'"]
  ]
  it.each(cases)('fails on %s before any request', async (_, inputs, message) => {
    const run = await runChecked(emulator, { inputs: { ...emulatorInputs(emulator), ...inputs } })
    expect(run.exitCode).toBe(1)
    expect(run.errors.map(e => e.message).join('\n')).toContain(message)
    expect(emulator.requests).toEqual([])
    expect(run.summary).toContain('Nothing was sent to Fabricate')
  })

  it('refuses a path that already holds files, and leaves them alone', async () => {
    const workspace = makeTempDir('workspace-')
    fs.mkdirSync(path.join(workspace, 'data'))
    fs.writeFileSync(path.join(workspace, 'data', 'mine.sql'), 'keep me')
    const run = await runChecked(emulator, {
      workspace,
      inputs: emulatorInputs(emulator, { format: 'csv', path: 'data' })
    })
    expect(run.exitCode).toBe(1)
    expect(run.errors[0].message).toContain('is not empty')
    expect(fs.readFileSync(path.join(run.workspace, 'data', 'mine.sql'), 'utf8')).toBe('keep me')
    expect(emulator.requests).toEqual([])
  })
})

describe('server errors', () => {
  it('a wrong key fails at once with the status, the server’s words and a hint', async () => {
    const run = await runChecked(emulator, {
      inputs: emulatorInputs(emulator, { format: 'csv', 'api-key': 'fab_wrong_key_000' })
    })
    expect(run.exitCode).toBe(1)
    const message = run.errors[0].message
    expect(message).toContain('HTTP 401')
    expect(message).toContain('Check the API key')
    expect(emulator.requests.filter(r => r.method === 'POST')).toHaveLength(1)
    expectNoSecrets(run, ['fab_wrong_key_000'])
  })

  it('an unknown database names the inputs to check', async () => {
    const run = await runChecked(emulator, {
      inputs: emulatorInputs(emulator, { format: 'csv', database: 'shopp' })
    })
    expect(run.exitCode).toBe(1)
    expect(run.errors[0].message).toMatch(/HTTP 404: .*shopp/)
    expect(run.errors[0].message).toContain("`database` ('shopp')")
  })

  it('an unknown format is the server’s to refuse, in its own words', async () => {
    const run = await runChecked(emulator, {
      inputs: emulatorInputs(emulator, { format: 'excel' })
    })
    expect(run.exitCode).toBe(1)
    expect(run.errors[0].message).toMatch(/HTTP 422: Unsupported format: excel/)
  })

  it('a task that fails reports the task’s error', async () => {
    emulator.nextTask({ error: 'Entity orders: foreign key customer_id has no parent rows' })
    const run = await runChecked(emulator, { inputs: emulatorInputs(emulator, { format: 'csv' }) })
    expect(run.exitCode).toBe(1)
    const task = [...emulator.tasks.values()].at(-1)!
    expect(run.errors[0].message).toBe(
      `Fabricate task ${task.id} failed: Entity orders: foreign key customer_id has no parent rows`
    )
    expect(run.summary).toContain('### ❌ Fabricate: acme / shop failed while generating')
    expect(run.outputs['task-id']).toBe(task.id)
  })
})

// The command line (dist/cli/index.js): the same run as the action, with flags for inputs, the
// key from FABRICATE_API_KEY, messages on stderr and the outputs as JSON on stdout.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { spawn, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { parse as parseYaml } from 'yaml'
import { startEmulator, type Emulator } from '../emulator/server.js'
import { createDatabase } from './support/postgres.js'
import { makeTempDir, REPO_ROOT } from './support/runner.js'
import { expectLoadedAsGenerated, schemaFor } from './support/scenario.js'

const CLI = path.join(REPO_ROOT, 'dist', 'cli', 'index.js')

let emulator: Emulator
beforeAll(async () => {
  emulator = await startEmulator()
})
afterAll(async () => {
  await emulator.close()
})

interface CliRun {
  code: number | null
  stdout: string
  stderr: string
  cwd: string
}

function cli(
  args: string[],
  env: Record<string, string> = {},
  cwd = makeTempDir('cli-')
): Promise<CliRun> {
  return new Promise(resolve => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd,
      env: { PATH: process.env.PATH ?? '', HOME: cwd, ...env }
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', chunk => (stdout += chunk))
    child.stderr.on('data', chunk => (stderr += chunk))
    child.on('close', code => resolve({ code, stdout, stderr, cwd }))
  })
}

const key = () => ({ FABRICATE_API_KEY: emulator.apiKey, FABRICATE_API_URL: emulator.apiUrl })

describe('fabricate-action (command line)', () => {
  it('lists every input with its default in --help', async () => {
    const run = await cli(['--help'])
    expect(run.code).toBe(0)
    const action = parseYaml(fs.readFileSync(path.join(REPO_ROOT, 'action.yml'), 'utf8')) as {
      inputs: Record<string, unknown>
    }
    for (const name of Object.keys(action.inputs)) {
      expect(run.stdout).toContain(`--${name} `)
    }
    expect(run.stdout).toContain('[default: 30m]')
    expect(run.stdout).toContain('FABRICATE_API_KEY')
  })

  it('downloads into ./fabricate-<database>-<task> and prints the outputs as JSON', async () => {
    const run = await cli(['--workspace', 'acme', '--database', 'shop', '--format=csv'], key())
    expect(run.code).toBe(0)
    const outputs = JSON.parse(run.stdout) as Record<string, string>
    expect(path.dirname(outputs.path)).toBe(fs.realpathSync(run.cwd))
    expect(path.basename(outputs.path)).toBe(`fabricate-shop-${outputs['task-id'].slice(0, 8)}`)
    expect(JSON.parse(outputs.files)).toContain('customers.csv')
    // Not a terminal: plain lines, no cursor movement, no workflow commands.
    expect(run.stderr).toContain('▸ Generating acme / shop')
    expect(run.stderr).toMatch(/Done in [\d.]+m?s/)
    expect(run.stderr).not.toContain('\x1b[')
    expect(run.stderr + run.stdout).not.toContain('::')
    expect(run.stderr + run.stdout).not.toContain(emulator.apiKey)
  })

  it('loads into PostgreSQL as the action does, and shows no password', async () => {
    const db = await createDatabase('cli')
    const cwd = makeTempDir('cli-load-')
    fs.mkdirSync(path.join(cwd, 'db'))
    fs.writeFileSync(path.join(cwd, 'db', 'schema.sql'), schemaFor())
    const args = ['--workspace', 'acme', '--database', 'shop', '--load', 'postgres']
    const run = await cli(
      [...args, '--postgres-url', db.url, '--schema', 'db/schema.sql'],
      key(),
      cwd
    )
    expect(run.stderr).not.toContain('error:')
    expect(run.code).toBe(0)
    const outputs = JSON.parse(run.stdout) as Record<string, string>
    const task = [...emulator.tasks.values()].at(-1)!
    expect(task.format).toBe('postgres-optimized')
    expect(JSON.parse(outputs.tables)).toEqual(task.recordCounts)
    expect(run.stderr).toContain('▸ Loading into PostgreSQL')
    await expectLoadedAsGenerated(db.url, task)
    const password = new URL(db.url).password
    expect(run.stderr + run.stdout).not.toContain(password)
  })

  it('checks the flags as the action checks its inputs', async () => {
    const run = await cli(
      ['--workspace', 'acme', '--database', 'shop', '--load', 'postgres', '--format', 'csv'],
      key()
    )
    expect(run.code).toBe(2)
    expect(run.stderr).toContain("Input 'format': 'csv' produces no PostgreSQL load.sql")
  })

  it('explains bad flags and exits 2', async () => {
    const unknown = await cli(['--workspace', 'acme', '--colour', 'red'])
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toContain("Input '--colour': is not an option; see --help.")
    const missing = await cli(['--workspace'])
    expect(missing.code).toBe(2)
    expect(missing.stderr).toContain("'workspace': needs a value")
  })

  it('fails with the server’s words and what to try, exit 1', async () => {
    const run = await cli(['--workspace', 'acme', '--database', 'nope', '--format', 'csv'], key())
    expect(run.code).toBe(1)
    expect(run.stderr).toMatch(/error: Starting the task failed: HTTP 404: .*nope/)
    expect(run.stdout).toBe('')
  })

  const hasScript = spawnSync('script', ['--version']).status === 0
  ;(hasScript ? it : it.skip)('redraws one progress line on a terminal', async () => {
    emulator.nextTask({ durationMs: 3000 })
    const cwd = makeTempDir('cli-tty-')
    const command = [
      process.execPath,
      CLI,
      '--workspace',
      'acme',
      '--database',
      'shop',
      '--format',
      'csv'
    ]
      .map(arg => `'${arg}'`)
      .join(' ')
    // `script` gives the command a pseudo-terminal, as a developer's shell would. (Not spawnSync:
    // the emulator answers from this process.)
    const run = await new Promise<{ status: number | null; stdout: string }>(resolve => {
      const child = spawn('script', ['-qefc', command, '/dev/null'], {
        cwd,
        env: { PATH: process.env.PATH ?? '', HOME: cwd, TERM: 'xterm', ...key() },
        stdio: ['ignore', 'pipe', 'pipe']
      })
      let stdout = ''
      child.stdout.on('data', chunk => (stdout += chunk))
      child.on('close', status => resolve({ status, stdout }))
    })
    expect(run.status).toBe(0)
    expect(run.stdout).toContain('\r\x1b[2K')
    expect(run.stdout).toMatch(/Generating · \d+%/)
  })
})

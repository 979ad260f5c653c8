// @ts-check
// `npm run demo`: the action end to end with no Fabricate account. Starts the project's Fabricate
// emulator, runs the bundled action (dist/index.js) the way the GitHub runner does, and shows what
// it produced: the log, the outputs, the files and the job summary.
// The log is shown as GitHub shows it: masked values as ***, groups as headings, debug lines only
// with --debug.
//   npm run demo                                  download and unpack
//   npm run demo -- --postgres-url postgresql://… also create the tables and load them
//   npm run demo -- --debug                       show the debug lines too (ACTIONS_STEP_DEBUG)
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import readline from 'node:readline'
import { fileURLToPath } from 'node:url'
import { schemaSql, findDatabase } from '../emulator/catalog.js'
import { startEmulator } from '../emulator/server.js'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const args = process.argv.slice(2)
const urlFlag = args.indexOf('--postgres-url')
const postgresUrl = urlFlag >= 0 ? args[urlFlag + 1] : undefined
const debug = args.includes('--debug')

/** @param {string} title */
function heading(title) {
  console.log(`\n\x1b[1m== ${title}\x1b[0m`)
}

/**
 * What the GitHub log makes of the action's stdout: `::add-mask::` values are replaced by ***
 * from then on, `::group::` starts a folded section, `::debug::` shows only with debug logging,
 * annotations show with their level. Values are unescaped as the runner does (%25, %0D, %0A).
 */
class GitHubLog {
  /** @type {string[]} */
  masks = []

  /** @param {string} text */
  mask(text) {
    return this.masks.reduce((result, value) => result.split(value).join('***'), text)
  }

  /** @param {string} line */
  print(line) {
    const command = /^::([a-z-]+)(?: [^:]*)?::(.*)$/.exec(line)
    if (!command) return console.log(this.mask(line))
    const value = command[2].replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%')
    switch (command[1]) {
      case 'add-mask':
        this.masks.push(value)
        this.masks.sort((a, b) => b.length - a.length)
        return
      case 'group':
        return console.log(`\x1b[1m▸ ${this.mask(value)}\x1b[0m`)
      case 'endgroup':
        return
      case 'debug':
        if (debug) console.log(`\x1b[35m${this.mask(value)}\x1b[0m`)
        return
      case 'error':
      case 'warning':
      case 'notice':
        return console.log(`${command[1].toUpperCase()}: ${this.mask(value)}`)
      default:
        return console.log(this.mask(line))
    }
  }
}

/**
 * Parses a file-command file (GITHUB_OUTPUT): `name=value` lines and `name<<DELIMITER` blocks.
 * @param {string} text
 */
function parseOutputs(text) {
  /** @type {Record<string, string>} */
  const outputs = {}
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const block = /^([^=<]+)<<(.+)$/.exec(lines[i])
    if (block) {
      const value = []
      while (++i < lines.length && lines[i] !== block[2]) value.push(lines[i])
      outputs[block[1]] = value.join('\n')
    } else if (lines[i].includes('=')) {
      outputs[lines[i].slice(0, lines[i].indexOf('='))] = lines[i].slice(lines[i].indexOf('=') + 1)
    }
  }
  return outputs
}

async function main() {
  const emulator = await startEmulator({ durationMs: 3000 })
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'fabricate-demo-'))
  const workspace = path.join(work, 'workspace')
  const runnerTemp = path.join(work, 'runner-temp')
  fs.mkdirSync(workspace)
  fs.mkdirSync(runnerTemp)
  const files = [
    'GITHUB_OUTPUT',
    'GITHUB_STATE',
    'GITHUB_STEP_SUMMARY',
    'GITHUB_ENV',
    'GITHUB_PATH'
  ]
  /** @type {Record<string, string>} */
  const fileEnv = {}
  for (const name of files) {
    fileEnv[name] = path.join(work, name.toLowerCase())
    fs.writeFileSync(fileEnv[name], '')
  }

  /** @type {Record<string, string>} */
  const inputs = {
    'api-key': emulator.apiKey,
    'api-url': emulator.apiUrl,
    workspace: 'acme',
    database: 'shop',
    format: 'postgres-optimized',
    path: 'seed-data',
    timeout: '5m',
    'max-size': '8GiB',
    'wait-for-database': '60s'
  }
  if (postgresUrl) {
    const shop = findDatabase('acme', 'shop')
    if (!shop) throw new Error('the emulator has no acme/shop database')
    fs.writeFileSync(path.join(workspace, 'schema.sql'), schemaSql(shop))
    Object.assign(inputs, { load: 'postgres', 'postgres-url': postgresUrl, schema: 'schema.sql' })
  }

  heading(`Running dist/index.js against the emulator at ${emulator.apiUrl}`)
  /** @type {Record<string, string>} */
  const env = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? work,
    GITHUB_ACTIONS: 'true',
    CI: 'true',
    RUNNER_TEMP: runnerTemp,
    GITHUB_WORKSPACE: workspace,
    ...fileEnv
  }
  for (const [name, value] of Object.entries(inputs)) env[`INPUT_${name.toUpperCase()}`] = value
  if (debug) env.ACTIONS_STEP_DEBUG = 'true'
  const log = new GitHubLog()
  const code = await new Promise(resolve => {
    const child = spawn(process.execPath, [path.join(root, 'dist', 'index.js')], {
      cwd: workspace,
      env,
      stdio: ['ignore', 'pipe', 'inherit']
    })
    readline.createInterface({ input: child.stdout }).on('line', line => log.print(line))
    child.on('close', resolve)
  })
  await emulator.close()

  heading('Outputs')
  const outputs = parseOutputs(fs.readFileSync(fileEnv.GITHUB_OUTPUT, 'utf8'))
  for (const [name, value] of Object.entries(outputs)) console.log(`${name}: ${log.mask(value)}`)

  if (outputs.path) {
    heading(`Files in ${outputs.path}`)
    for (const file of JSON.parse(outputs.files || '[]')) {
      const size = fs.statSync(path.join(outputs.path, file)).size
      console.log(`${String(size).padStart(10)}  ${file}`)
    }
    if (outputs['load-file']) {
      heading(`First lines of ${path.basename(outputs['load-file'])}`)
      console.log(fs.readFileSync(outputs['load-file'], 'utf8').split('\n').slice(0, 8).join('\n'))
    }
  }

  heading('Job summary (Markdown)')
  console.log(log.mask(fs.readFileSync(fileEnv.GITHUB_STEP_SUMMARY, 'utf8')))
  console.log(`Everything is in ${work}`)
  process.exit(code === 0 ? 0 : 1)
}

main().catch(error => {
  console.error(error)
  process.exit(1)
})

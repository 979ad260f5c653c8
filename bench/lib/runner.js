// @ts-check
// Runs a JavaScript action the way the GitHub runner starts one (`node <main>` with cwd
// GITHUB_WORKSPACE): every input of action.yml as INPUT_<NAME> (upper-cased, hyphens kept), with
// its default unless given; fresh GITHUB_OUTPUT / GITHUB_STATE / GITHUB_ENV / GITHUB_PATH /
// GITHUB_STEP_SUMMARY files; RUNNER_TEMP, HOME and the workspace as fresh folders. Also a timed
// spawn for any command, which can sample the peak resident memory of the process from /proc.
import { spawn } from 'node:child_process'
import { createHash, randomUUID } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import { parse as parseYaml } from 'yaml'

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..')

/**
 * @typedef {object} Line
 * @property {number} t milliseconds since the spawn
 * @property {'stdout' | 'stderr'} stream
 * @property {string} text
 *
 * @typedef {object} MemorySample
 * @property {number} t milliseconds since the spawn
 * @property {number} rssKiB VmRSS
 * @property {number} hwmKiB VmHWM (peak so far)
 *
 * @typedef {object} Timed
 * @property {number | null} exitCode
 * @property {NodeJS.Signals | null} signal
 * @property {number} wallMs from just before the spawn to the exit
 * @property {Line[]} lines every output line, with its arrival time
 * @property {string} stdout
 * @property {string} stderr
 * @property {number | undefined} peakKiB the last VmHWM read before the exit (with sampleMemory)
 * @property {MemorySample[]} samples
 *
 * @typedef {object} SpawnOptions
 * @property {Record<string, string>} env the whole environment
 * @property {string} cwd
 * @property {boolean} [sampleMemory] poll /proc/<pid>/status every few ms
 * @property {number} [timeoutMs] kill the process group and fail after this long
 *
 * @typedef {Timed & {
 *   outputs: Record<string, string>,
 *   summary: string,
 *   runDir: string,
 *   runnerTemp: string,
 *   workspace: string
 * }} ActionRun
 *
 * @typedef {object} ActionOptions
 * @property {string} node the Node binary (Node 24, as `runs.using: node24`)
 * @property {string} [script] default: action.yml's runs.main
 * @property {string[]} [nodeArgs] options for node before the script (profiling: --cpu-prof, ...)
 * @property {Record<string, string>} [inputs] the step's `with:`
 * @property {Record<string, string | undefined>} [env] the step's `env:`; undefined removes one
 * @property {string} baseDir where the run's folders are made
 * @property {boolean} [sampleMemory]
 * @property {number} [timeoutMs]
 */

const SAMPLE_EVERY_MS = 10

/** @type {{ inputs: Record<string, string>, main: string } | undefined} */
let actionYml

/** The inputs of action.yml with their defaults, and runs.main. */
export function readActionYml() {
  if (actionYml) return actionYml
  const doc = parseYaml(fs.readFileSync(path.join(REPO_ROOT, 'action.yml'), 'utf8'))
  /** @type {Record<string, string>} */
  const inputs = {}
  for (const [name, spec] of Object.entries(doc.inputs ?? {})) {
    // Like the runner: an input without a default and not given gets no variable at all.
    const value = spec?.default
    if (value !== undefined && value !== null) inputs[name] = String(value)
  }
  actionYml = { inputs, main: String(doc.runs?.main ?? 'dist/index.js') }
  return actionYml
}

/** @param {string} name */
export function inputEnvName(name) {
  return `INPUT_${name.replace(/ /g, '_').toUpperCase()}`
}

/**
 * Runs the action's main step once.
 * @param {ActionOptions} options
 * @returns {Promise<ActionRun>}
 */
export async function runAction(options) {
  const yml = readActionYml()
  const script = path.resolve(REPO_ROOT, options.script ?? yml.main)
  const runDir = fs.mkdtempSync(path.join(options.baseDir, 'run-'))
  const [workspace, runnerTemp, home, toolCache] = ['workspace', 'temp', 'home', 'tool-cache'].map(
    name => {
      const dir = path.join(runDir, name)
      fs.mkdirSync(dir)
      return dir
    }
  )
  const commandDir = path.join(runnerTemp, '_runner_file_commands')
  fs.mkdirSync(commandDir)
  const suffix = randomUUID()
  const files = {
    GITHUB_OUTPUT: path.join(commandDir, `set_output_${suffix}`),
    GITHUB_STATE: path.join(commandDir, `save_state_${suffix}`),
    GITHUB_ENV: path.join(commandDir, `set_env_${suffix}`),
    GITHUB_PATH: path.join(commandDir, `add_path_${suffix}`),
    GITHUB_STEP_SUMMARY: path.join(commandDir, `step_summary_${suffix}`)
  }
  for (const file of Object.values(files)) fs.writeFileSync(file, '')
  /** @type {Record<string, string>} */
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    LANG: 'C.UTF-8',
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    RUNNER_OS: 'Linux',
    RUNNER_ARCH: 'X64',
    RUNNER_TEMP: runnerTemp,
    RUNNER_TOOL_CACHE: toolCache,
    GITHUB_WORKSPACE: workspace,
    GITHUB_ACTION: '__fabricate-action',
    GITHUB_ACTION_PATH: REPO_ROOT,
    ...files
  }
  for (const [key, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) delete env[key]
    else env[key] = value
  }
  for (const [name, value] of Object.entries(yml.inputs)) env[inputEnvName(name)] = value
  for (const [name, value] of Object.entries(options.inputs ?? {})) {
    if (value === undefined) delete env[inputEnvName(name)]
    else env[inputEnvName(name)] = value
  }
  const timed = await spawnTimed(options.node, [...(options.nodeArgs ?? []), script], {
    env,
    cwd: workspace,
    sampleMemory: options.sampleMemory,
    timeoutMs: options.timeoutMs
  })
  return {
    ...timed,
    outputs: parseFileCommands(fs.readFileSync(files.GITHUB_OUTPUT, 'utf8')),
    summary: fs.readFileSync(files.GITHUB_STEP_SUMMARY, 'utf8'),
    runDir,
    runnerTemp,
    workspace
  }
}

/**
 * Spawns a command in its own process group and times it from just before the spawn to its exit.
 * @param {string} command
 * @param {string[]} args
 * @param {SpawnOptions} options
 * @returns {Promise<Timed>}
 */
export function spawnTimed(command, args, options) {
  return new Promise((resolve, reject) => {
    const started = performance.now()
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true
    })
    /** @type {Line[]} */
    const lines = []
    const text = { stdout: '', stderr: '' }
    /** @type {MemorySample[]} */
    const samples = []
    /** @param {'stdout' | 'stderr'} stream */
    const collect = stream => {
      let pending = ''
      child[stream].setEncoding('utf8')
      child[stream].on(
        'data',
        /** @param {string} chunk */ chunk => {
          const t = performance.now() - started
          text[stream] += chunk
          pending += chunk
          const parts = pending.split('\n')
          pending = parts.pop() ?? ''
          for (const part of parts) lines.push({ t, stream, text: part })
        }
      )
      child[stream].on('end', () => {
        if (pending) lines.push({ t: performance.now() - started, stream, text: pending })
      })
    }
    collect('stdout')
    collect('stderr')

    const statusFile = `/proc/${child.pid}/status`
    const sample = () => {
      let status
      try {
        status = fs.readFileSync(statusFile, 'utf8')
      } catch {
        return
      }
      const hwm = /VmHWM:\s+(\d+)/.exec(status)
      const rss = /VmRSS:\s+(\d+)/.exec(status)
      // A zombie has no memory lines any more: keep the last reading.
      if (hwm && rss) {
        samples.push({ t: performance.now() - started, hwmKiB: +hwm[1], rssKiB: +rss[1] })
      }
    }
    const sampler = options.sampleMemory ? setInterval(sample, SAMPLE_EVERY_MS) : undefined
    if (options.sampleMemory) sample()
    const timer = options.timeoutMs
      ? setTimeout(() => {
          try {
            if (child.pid) process.kill(-child.pid, 'SIGKILL')
          } catch {
            // already gone
          }
          reject(
            new Error(`${command} ${args.join(' ')} did not finish in ${options.timeoutMs} ms`)
          )
        }, options.timeoutMs)
      : undefined
    let wallMs = 0
    child.on('exit', () => {
      wallMs = performance.now() - started
      if (sampler) clearInterval(sampler)
    })
    child.on('error', error => {
      if (sampler) clearInterval(sampler)
      if (timer) clearTimeout(timer)
      reject(error)
    })
    child.on('close', (exitCode, signal) => {
      if (sampler) clearInterval(sampler)
      if (timer) clearTimeout(timer)
      resolve({
        exitCode,
        signal,
        wallMs,
        lines,
        stdout: text.stdout,
        stderr: text.stderr,
        peakKiB: samples.length > 0 ? samples[samples.length - 1].hwmKiB : undefined,
        samples
      })
    })
  })
}

/**
 * A GITHUB_OUTPUT file: `name=value` lines and `name<<DELIMITER` blocks.
 * @param {string} text
 * @returns {Record<string, string>}
 */
export function parseFileCommands(text) {
  /** @type {Record<string, string>} */
  const result = {}
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]
    if (!line) continue
    const equals = line.indexOf('=')
    const heredoc = line.indexOf('<<')
    if (equals >= 0 && (heredoc < 0 || equals < heredoc)) {
      result[line.slice(0, equals)] = line.slice(equals + 1)
      continue
    }
    if (heredoc < 0) continue
    const delimiter = line.slice(heredoc + 2)
    const value = []
    for (i++; i < lines.length && lines[i] !== delimiter; i++) value.push(lines[i])
    result[line.slice(0, heredoc)] = value.join('\n')
  }
  return result
}

/** A fresh folder under the system temp dir, world-traversable. @param {string} prefix */
export function makeTempDir(prefix) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix))
  fs.chmodSync(dir, 0o755)
  return dir
}

/**
 * Copies the bundle (dist/*.js and dist/package.json) into `dir`, so that every run of a benchmark
 * uses the same bytes even when someone rebuilds dist/ meanwhile. Waits up to a minute for a
 * bundle that is being rebuilt (missing, or changed within the last 2 s).
 * @param {string} dir
 * @param {string} [bundle] another bundle's main file (a candidate build); default action.yml's
 * @returns {Promise<{ script: string, sha256: string, builtAt: Date, source: string }>}
 */
export async function snapshotBundle(dir, bundle) {
  const main = path.resolve(bundle ?? path.resolve(REPO_ROOT, readActionYml().main))
  const source = path.dirname(main)
  for (let waited = 0; ; waited += 500) {
    const stat = fs.statSync(main, { throwIfNoEntry: false })
    if (stat && Date.now() - stat.mtimeMs > 2000) break
    if (waited >= 60_000) throw new Error(`${main} is missing: run \`npm run package\` first.`)
    await new Promise(resolve => setTimeout(resolve, 500))
  }
  fs.mkdirSync(dir, { recursive: true })
  for (const name of fs.readdirSync(source)) {
    if (name.endsWith('.js') || name === 'package.json') {
      fs.copyFileSync(path.join(source, name), path.join(dir, name))
    }
  }
  const script = path.join(dir, path.basename(main))
  const sha256 = createHash('sha256').update(fs.readFileSync(script)).digest('hex')
  return { script, sha256, builtAt: fs.statSync(main).mtime, source: main }
}

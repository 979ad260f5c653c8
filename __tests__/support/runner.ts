// Runs an action's script (by default the bundled dist/index.js) as a child process exactly the way
// the GitHub runner starts a JavaScript action (see runner-contract.md in the shared docs): the
// inputs from action.yml as INPUT_<NAME> variables, a clean environment with the runner's
// variables, fresh file-command files, cwd GITHUB_WORKSPACE, and the runner's cancellation
// (SIGINT, SIGTERM 7.5 s later, the whole process tree 2.5 s after that).
import { spawn, type ChildProcess } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { StringDecoder } from 'node:string_decoder'
import { fileURLToPath } from 'node:url'
import { parse as parseYaml } from 'yaml'
import {
  maskLog,
  masksOf,
  parseFileCommands,
  parsePathFile,
  parseWorkflowCommands,
  type WorkflowCommand
} from './runner-files.js'

/** The repository root (where action.yml is). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..')

export type Stream = 'stdout' | 'stderr'

/** What a callback can see and do while the action runs. */
export interface LiveRun {
  child: ChildProcess
  stdout: string
  stderr: string
  /** Milliseconds since the process started. */
  elapsedMs(): number
  /** Starts the runner's cancellation: SIGINT now, SIGTERM later, then kill of the tree. */
  cancel(): void
  /** Sends a signal to the node process only. */
  signal(signal: NodeJS.Signals): void
}

export interface CancelOptions {
  /** Cancel when this returns true; asked after each line of output (stdout or stderr). */
  when?: (line: string, live: LiveRun) => boolean
  /** Cancel this long after the start (the job's timeout-minutes). */
  afterMs?: number
  /** SIGTERM this long after SIGINT. Default 7500, as the runner. */
  sigtermAfterMs?: number
  /** Kill of the whole process tree this long after SIGTERM. Default 2500, as the runner. */
  killAfterMs?: number
}

export interface RunOptions {
  /** The step's `with:`; names as in action.yml. Declared inputs not given get their default. */
  inputs?: Record<string, string | undefined>
  /** The job's/step's `env:`. Applied over the runner's variables; undefined removes one. */
  env?: Record<string, string | undefined>
  /** Node binary. Default: the one running the tests (process.execPath). */
  node?: string
  /** Extra arguments for node before the script. */
  nodeArgs?: string[]
  /** Script to run, absolute or relative to the repo root. Default: action.yml's runs.main. */
  script?: string
  /** Directory holding action.yml (GITHUB_ACTION_PATH). Default: the repo root. */
  actionDir?: string
  /** GITHUB_WORKSPACE (the cwd). Default: a fresh empty dir. */
  workspace?: string
  /** RUNNER_TEMP. Default: a fresh empty dir. */
  runnerTemp?: string
  /** RUNNER_TOOL_CACHE. Default: a fresh empty dir. */
  toolCache?: string
  /** HOME. Default: a fresh empty dir, so nothing from the real home (~/.pgpass...) leaks in. */
  home?: string
  /** STATE_<name> variables (what runPost passes on from the main run). */
  state?: Record<string, string>
  /** Values masked from the start, like `secrets.*` given to the step (for maskedLog). */
  secrets?: string[]
  /** Kill the tree and reject after this long. Default 50000. */
  timeoutMs?: number
  /** The runner's cancellation at a chosen moment. */
  cancel?: CancelOptions
  /** Called for each line of output. */
  onLine?: (line: string, stream: Stream, live: LiveRun) => void
  /** Also run the post step (runPost) after the main one; its result is `post` on the result. */
  post?: boolean
  /** Internal: which step this is. */
  phase?: 'main' | 'post'
}

export interface SignalSent {
  signal: NodeJS.Signals
  /** Milliseconds since the start. */
  atMs: number
  /** `process`: the node process only; `tree`: its whole process group. */
  target: 'process' | 'tree'
}

export interface ActionRun {
  phase: 'main' | 'post'
  /** The node process's pid (also its process group). */
  pid: number
  exitCode: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
  /** Every line of stdout and stderr, in the order they arrived. */
  lines: { stream: Stream; text: string }[]
  /** GITHUB_OUTPUT, parsed as the runner does. */
  outputs: Record<string, string>
  /** GITHUB_STATE, parsed as the runner does. */
  state: Record<string, string>
  /** GITHUB_ENV, parsed as the runner does. */
  exportedEnv: Record<string, string>
  /** GITHUB_PATH lines. */
  addedPaths: string[]
  /** GITHUB_STEP_SUMMARY content. */
  summary: string
  /** Every workflow command the runner would act on, in order. */
  commands: WorkflowCommand[]
  errors: WorkflowCommand[]
  warnings: WorkflowCommand[]
  notices: WorkflowCommand[]
  /** Values given by ::add-mask:: (and each line of a multi-line one). */
  masks: string[]
  /** Inputs given that action.yml does not declare (the runner warns about them). */
  unexpectedInputs: string[]
  workspace: string
  runnerTemp: string
  toolCache: string
  home: string
  /** The environment the process got. */
  env: Record<string, string>
  script: string
  node: string
  durationMs: number
  /** Signals sent by the harness (cancellation), with their times. */
  signalsSent: SignalSent[]
  /** Milliseconds from the SIGINT of a cancellation to the exit, when cancelled. */
  exitAfterCancelMs?: number
  /** True when processes of the action's process group were still alive after it exited. */
  strayProcesses: boolean
  /** Their pids (killed by the harness). */
  strayPids: number[]
  /** The post step's run, with `post: true`. */
  post?: ActionRun
  /** The options this run was made with (resolved dirs included), for runPost. */
  options: RunOptions
  /** stdout + stderr + summary + outputs + state + exported env + paths, for leak searches. */
  allText(): string
  /** The log as GitHub shows it: masks applied from the line that registers them on. */
  maskedLog(): string
}

interface ActionYml {
  inputs: Record<string, { default?: unknown }>
  main?: string
  post?: string
}

const actionYmlCache = new Map<string, ActionYml>()

/** Reads action.yml (or action.yaml) of a directory. */
export function readActionYml(actionDir: string = REPO_ROOT): ActionYml {
  const cached = actionYmlCache.get(actionDir)
  if (cached) return cached
  let file = path.join(actionDir, 'action.yml')
  if (!fs.existsSync(file)) file = path.join(actionDir, 'action.yaml')
  const doc = parseYaml(fs.readFileSync(file, 'utf8')) as {
    inputs?: Record<string, { default?: unknown } | null>
    runs?: { main?: string; post?: string }
  }
  const inputs: Record<string, { default?: unknown }> = {}
  for (const [name, spec] of Object.entries(doc.inputs ?? {})) inputs[name] = spec ?? {}
  const result = { inputs, main: doc.runs?.main, post: doc.runs?.post }
  actionYmlCache.set(actionDir, result)
  return result
}

/** The runner's variable name for an input: upper-cased, spaces to `_`, hyphens kept. */
export function inputEnvName(name: string): string {
  return `INPUT_${name.replace(/ /g, '_').toUpperCase()}`
}

/** The Node 24 binary found by the global setup, or undefined. */
export function node24(): string | undefined {
  return process.env.FABRICATE_TEST_NODE24 || undefined
}

/** The node binaries to run end-to-end tests on: the current one, and Node 24 when found. */
export function nodeBinaries(): { name: string; node: string }[] {
  const list = [{ name: `node ${process.version}`, node: process.execPath }]
  const n24 = node24()
  if (n24 && !process.version.startsWith('v24.')) list.push({ name: 'node 24', node: n24 })
  return list
}

function tmpBase(): string {
  const base = process.env.FABRICATE_TEST_TMP
  return base && fs.existsSync(base) ? base : os.tmpdir()
}

/** A new empty directory for a test, under the run's temp dir (removed by the global teardown). */
export function makeTempDir(prefix = 'tmp-'): string {
  return fs.mkdtempSync(path.join(tmpBase(), prefix))
}

const running = new Set<number>()
let exitHookInstalled = false

/** Signals the whole process group of `pid` (0 only probes whether any member is alive). */
function killGroup(pid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pid, signal)
    return true
  } catch {
    return false
  }
}

/**
 * Live (not zombie) processes of a process group. On Linux from /proc; elsewhere only whether the
 * group has any member at all ([pgid] or []).
 */
export function processGroupMembers(pgid: number): number[] {
  let entries: string[]
  try {
    entries = fs.readdirSync('/proc').filter(name => /^\d+$/.test(name))
  } catch {
    return killGroup(pgid, 0) ? [pgid] : []
  }
  const members: number[] = []
  for (const entry of entries) {
    let stat: string
    try {
      stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8')
    } catch {
      continue
    }
    // pid (comm) state ppid pgrp ...; comm may hold spaces and parentheses.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    if (Number(fields[2]) === pgid && fields[0] !== 'Z') members.push(Number(entry))
  }
  return members
}

function installExitHook(): void {
  if (exitHookInstalled) return
  exitHookInstalled = true
  process.on('exit', () => {
    for (const pid of running) killGroup(pid, 'SIGKILL')
  })
}

function evaluateDefault(value: string, context: Record<string, string>): string {
  return value.replace(/\$\{\{\s*([^}]*?)\s*\}\}/g, (_match, expression: string) => {
    if (expression in context) return context[expression]
    throw new Error(`runAction: cannot evaluate \${{ ${expression} }} in an input default`)
  })
}

/** Runs the action's main step (and with `post: true`, its post step too). */
export async function runAction(options: RunOptions = {}): Promise<ActionRun> {
  const main = await runStep({ ...options, phase: options.phase ?? 'main' })
  if (options.post) main.post = await runPost(main)
  return main
}

/**
 * Runs the post step after a main run, as the runner does at the end of the job: the same inputs,
 * env, node and dirs, action.yml's runs.post (or the same custom script), and the main run's
 * GITHUB_STATE as STATE_<name> variables.
 */
export async function runPost(main: ActionRun, overrides: RunOptions = {}): Promise<ActionRun> {
  const base = main.options
  let script = base.script
  if (script === undefined) {
    const yml = readActionYml(base.actionDir ?? REPO_ROOT)
    if (!yml.post) throw new Error('runPost: action.yml has no runs.post')
    script = path.resolve(base.actionDir ?? REPO_ROOT, yml.post)
  }
  return runStep({
    ...base,
    script,
    state: { ...main.state },
    cancel: undefined,
    onLine: undefined,
    post: false,
    ...overrides,
    phase: 'post'
  })
}

async function runStep(options: RunOptions): Promise<ActionRun> {
  installExitHook()
  const actionDir = path.resolve(options.actionDir ?? REPO_ROOT)
  const yml = readActionYml(actionDir)
  const script =
    options.script !== undefined
      ? path.resolve(REPO_ROOT, options.script)
      : path.resolve(actionDir, yml.main ?? 'dist/index.js')
  const node = options.node ?? process.execPath

  let runDir: string | undefined
  const dir = (given: string | undefined, name: string): string => {
    if (given) return path.resolve(given)
    runDir ??= makeTempDir('run-')
    const made = path.join(runDir, name)
    fs.mkdirSync(made, { recursive: true })
    return made
  }
  const workspace = dir(options.workspace, 'workspace')
  const runnerTemp = dir(options.runnerTemp, 'runner-temp')
  const toolCache = dir(options.toolCache, 'tool-cache')
  const home = dir(options.home, 'home')

  // The runner's file-command files: fresh and empty for every step.
  const commandDir = path.join(runnerTemp, '_runner_file_commands')
  fs.mkdirSync(commandDir, { recursive: true })
  const suffix = randomUUID()
  const files = {
    GITHUB_OUTPUT: path.join(commandDir, `set_output_${suffix}`),
    GITHUB_STATE: path.join(commandDir, `save_state_${suffix}`),
    GITHUB_ENV: path.join(commandDir, `set_env_${suffix}`),
    GITHUB_PATH: path.join(commandDir, `add_path_${suffix}`),
    GITHUB_STEP_SUMMARY: path.join(commandDir, `step_summary_${suffix}`)
  }
  for (const file of Object.values(files)) fs.writeFileSync(file, '')
  const eventPath = path.join(runnerTemp, '_github_workflow', 'event.json')
  fs.mkdirSync(path.dirname(eventPath), { recursive: true })
  if (!fs.existsSync(eventPath)) fs.writeFileSync(eventPath, '{}\n')

  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    LANG: 'C.UTF-8',
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    RUNNER_OS: 'Linux',
    RUNNER_ARCH: 'X64',
    RUNNER_NAME: 'GitHub Actions 1',
    RUNNER_ENVIRONMENT: 'github-hosted',
    RUNNER_TEMP: runnerTemp,
    RUNNER_TOOL_CACHE: toolCache,
    GITHUB_WORKSPACE: workspace,
    GITHUB_RUN_ID: '7000000001',
    GITHUB_RUN_NUMBER: '1',
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_JOB: 'seed',
    GITHUB_WORKFLOW: 'test',
    GITHUB_EVENT_NAME: 'push',
    GITHUB_EVENT_PATH: eventPath,
    GITHUB_REF: 'refs/heads/main',
    GITHUB_SHA: '0123456789abcdef0123456789abcdef01234567',
    GITHUB_ACTOR: 'octocat',
    GITHUB_REPOSITORY: 'octo-org/app',
    GITHUB_REPOSITORY_OWNER: 'octo-org',
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_API_URL: 'https://api.github.com',
    GITHUB_GRAPHQL_URL: 'https://api.github.com/graphql',
    GITHUB_ACTION: '__fabricate-action',
    GITHUB_ACTION_PATH: actionDir,
    GITHUB_ACTION_REPOSITORY: 'tonic/fabricate-action',
    GITHUB_ACTION_REF: 'v1',
    ...files
  }
  for (const [key, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) delete env[key]
    else env[key] = value
  }
  for (const [name, value] of Object.entries(options.state ?? {})) env[`STATE_${name}`] = value

  const context: Record<string, string> = {
    'runner.temp': runnerTemp,
    'runner.tool_cache': toolCache,
    'runner.os': 'Linux',
    'runner.arch': 'X64',
    'github.workspace': workspace,
    'github.action_path': actionDir
  }
  const declared = new Set<string>()
  for (const [name, spec] of Object.entries(yml.inputs)) {
    declared.add(name.toLowerCase())
    const value = spec.default === undefined || spec.default === null ? '' : String(spec.default)
    env[inputEnvName(name)] = evaluateDefault(value, context)
  }
  const unexpectedInputs: string[] = []
  for (const [name, value] of Object.entries(options.inputs ?? {})) {
    if (value === undefined) continue
    if (!declared.has(name.toLowerCase())) unexpectedInputs.push(name)
    env[inputEnvName(name)] = value
  }

  // `script` stays as given, so that runPost can tell a custom script from action.yml's.
  const resolved: RunOptions = {
    ...options,
    actionDir,
    node,
    workspace,
    runnerTemp,
    toolCache,
    home
  }
  const raw = await spawnAndWait(
    node,
    [...(options.nodeArgs ?? []), script],
    env,
    workspace,
    options
  )

  let outputs: Record<string, string>
  let state: Record<string, string>
  let exportedEnv: Record<string, string>
  try {
    outputs = parseFileCommands(fs.readFileSync(files.GITHUB_OUTPUT, 'utf8'), 'GITHUB_OUTPUT')
    state = parseFileCommands(fs.readFileSync(files.GITHUB_STATE, 'utf8'), 'GITHUB_STATE')
    exportedEnv = parseFileCommands(fs.readFileSync(files.GITHUB_ENV, 'utf8'), 'GITHUB_ENV')
  } catch (error) {
    throw new Error(`${(error as Error).message}\n${describeOutput(raw.stdout, raw.stderr)}`)
  }
  const addedPaths = parsePathFile(fs.readFileSync(files.GITHUB_PATH, 'utf8'))
  const summary = fs.readFileSync(files.GITHUB_STEP_SUMMARY, 'utf8')
  const commands = parseWorkflowCommands(raw.lines.map(l => l.text))
  const secrets = options.secrets ?? []

  const run: ActionRun = {
    phase: options.phase ?? 'main',
    pid: raw.pid,
    exitCode: raw.exitCode,
    signal: raw.signal,
    stdout: raw.stdout,
    stderr: raw.stderr,
    lines: raw.lines,
    outputs,
    state,
    exportedEnv,
    addedPaths,
    summary,
    commands,
    errors: commands.filter(c => c.command === 'error'),
    warnings: commands.filter(c => c.command === 'warning'),
    notices: commands.filter(c => c.command === 'notice'),
    masks: masksOf(commands),
    unexpectedInputs,
    workspace,
    runnerTemp,
    toolCache,
    home,
    env,
    script,
    node,
    durationMs: raw.durationMs,
    signalsSent: raw.signalsSent,
    exitAfterCancelMs: raw.exitAfterCancelMs,
    strayProcesses: raw.strayProcesses,
    strayPids: raw.strayPids,
    options: resolved,
    allText() {
      return [
        run.stdout,
        run.stderr,
        run.summary,
        JSON.stringify(run.outputs),
        JSON.stringify(run.state),
        JSON.stringify(run.exportedEnv),
        run.addedPaths.join('\n')
      ].join('\n')
    },
    maskedLog() {
      return maskLog(
        run.lines.map(l => l.text),
        secrets
      ).join('\n')
    }
  }
  return run
}

interface RawRun {
  pid: number
  exitCode: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
  lines: { stream: Stream; text: string }[]
  durationMs: number
  signalsSent: SignalSent[]
  exitAfterCancelMs?: number
  strayProcesses: boolean
  strayPids: number[]
}

function describeOutput(stdout: string, stderr: string): string {
  const tail = (s: string) => (s.length > 4000 ? `...${s.slice(-4000)}` : s)
  return `--- stdout ---\n${tail(stdout)}\n--- stderr ---\n${tail(stderr)}`
}

function spawnAndWait(
  node: string,
  args: string[],
  env: Record<string, string>,
  cwd: string,
  options: RunOptions
): Promise<RawRun> {
  return new Promise((resolve, reject) => {
    const started = Date.now()
    const elapsed = () => Date.now() - started
    const child = spawn(node, args, {
      cwd,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group, so that the "kill the tree" step can reach its children.
      detached: true
    })
    const pid = child.pid
    const timers: NodeJS.Timeout[] = []
    const signalsSent: SignalSent[] = []
    const lines: { stream: Stream; text: string }[] = []
    const text = { stdout: '', stderr: '' }
    let exited = false
    let cancelledAt: number | undefined
    let exitedAt: number | undefined
    let exitCode: number | null = null
    let exitSignal: NodeJS.Signals | null = null
    let settled = false

    const send = (signal: NodeJS.Signals, target: 'process' | 'tree') => {
      if (pid === undefined) return
      signalsSent.push({ signal, atMs: elapsed(), target })
      if (target === 'tree') killGroup(pid, signal)
      else if (!exited) child.kill(signal)
    }
    const later = (ms: number, fn: () => void) => timers.push(setTimeout(fn, ms))
    const cancelOptions = options.cancel ?? {}
    const live: LiveRun = {
      child,
      get stdout() {
        return text.stdout
      },
      get stderr() {
        return text.stderr
      },
      elapsedMs: elapsed,
      cancel() {
        if (cancelledAt !== undefined || exited) return
        cancelledAt = elapsed()
        send('SIGINT', 'process')
        later(cancelOptions.sigtermAfterMs ?? 7500, () => {
          if (exited) return
          send('SIGTERM', 'process')
          later(cancelOptions.killAfterMs ?? 2500, () => send('SIGKILL', 'tree'))
        })
      },
      signal(signal: NodeJS.Signals) {
        send(signal, 'process')
      }
    }

    const fail = (error: Error) => {
      if (settled) return
      settled = true
      for (const t of timers) clearTimeout(t)
      if (pid !== undefined) {
        killGroup(pid, 'SIGKILL')
        running.delete(pid)
      }
      reject(error)
    }
    child.on('error', error => fail(new Error(`runAction: cannot start ${node}: ${error.message}`)))
    if (pid === undefined) return
    running.add(pid)

    const onLine = (line: string, stream: Stream) => {
      lines.push({ stream, text: line })
      options.onLine?.(line, stream, live)
      if (cancelOptions.when && cancelledAt === undefined && cancelOptions.when(line, live)) {
        live.cancel()
      }
    }
    for (const stream of ['stdout', 'stderr'] as const) {
      const decoder = new StringDecoder('utf8')
      let partial = ''
      const source = child[stream]
      source?.on('data', (chunk: Buffer) => {
        const piece = decoder.write(chunk)
        text[stream] += piece
        partial += piece
        let nl = partial.indexOf('\n')
        while (nl >= 0) {
          onLine(partial.slice(0, nl).replace(/\r$/, ''), stream)
          partial = partial.slice(nl + 1)
          nl = partial.indexOf('\n')
        }
      })
      source?.on('end', () => {
        const rest = decoder.end()
        text[stream] += rest
        partial += rest
        if (partial !== '') onLine(partial, stream)
        partial = ''
      })
    }

    if (cancelOptions.afterMs !== undefined) later(cancelOptions.afterMs, () => live.cancel())
    const timeoutMs = options.timeoutMs ?? 50000
    later(timeoutMs, () => {
      fail(
        new Error(
          `runAction: ${path.basename(args[args.length - 1])} still running after ${timeoutMs} ms; ` +
            `killed.\n${describeOutput(text.stdout, text.stderr)}`
        )
      )
    })

    child.on('exit', (code, signal) => {
      exited = true
      exitedAt = elapsed()
      exitCode = code
      exitSignal = signal
      // Output still open 2 s after the exit means a child holds it: end it like the runner's
      // job cleanup would.
      later(2000, () => {
        killGroup(pid, 'SIGKILL')
        child.stdout?.destroy()
        child.stderr?.destroy()
      })
    })
    child.on('close', () => {
      if (settled) return
      settled = true
      for (const t of timers) clearTimeout(t)
      // Anything left in the process group outlived the action.
      const strayPids = processGroupMembers(pid)
      if (strayPids.length > 0) killGroup(pid, 'SIGKILL')
      running.delete(pid)
      resolve({
        pid,
        exitCode,
        signal: exitSignal,
        stdout: text.stdout,
        stderr: text.stderr,
        lines,
        durationMs: exitedAt ?? elapsed(),
        signalsSent,
        exitAfterCancelMs:
          cancelledAt !== undefined && exitedAt !== undefined ? exitedAt - cancelledAt : undefined,
        strayProcesses: strayPids.length > 0,
        strayPids
      })
    })
  })
}

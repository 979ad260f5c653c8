// @ts-check
// Figure 4: start-up. `node dist/index.js` with every input but INPUT_WORKSPACE (it loads, reads its inputs,
// fails, writes its summary and exits) against the smallest bundle an action can be:
// bench/reference/index.js (read one input, set one output), bundled with the same ncc into a temp
// folder. Both run on Node 24 with the runner's environment, alternating.
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { REPO_ROOT, runAction } from './runner.js'
import { jsBytes, median, progress, removeDir } from './util.js'

/**
 * @typedef {object} StartupResult
 * @property {number[]} actionMs
 * @property {number[]} referenceMs
 * @property {number} actionMedianMs
 * @property {number} referenceMedianMs
 * @property {number} ratio
 * @property {number} actionBytes dist/index.js plus its chunk files
 * @property {number} referenceBytes
 * @property {string} actionError the action's failure message (it must name the missing input)
 */

/**
 * @param {{ node: string, script: string, baseDir: string, runs: number }} context
 * @returns {Promise<StartupResult>}
 */
export async function measureStartup(context) {
  const referenceDir = fs.mkdtempSync(path.join(context.baseDir, 'reference-'))
  progress('start-up: bundling bench/reference/index.js with ncc')
  try {
    execFileSync(
      process.execPath,
      [
        path.join(REPO_ROOT, 'node_modules', '@vercel', 'ncc', 'dist', 'ncc', 'cli.js'),
        'build',
        path.join('bench', 'reference', 'index.js'),
        '-o',
        referenceDir
      ],
      { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] }
    )
  } catch (error) {
    const failed = /** @type {{ stderr?: Buffer, stdout?: Buffer }} */ (error)
    throw new Error(
      `ncc failed to bundle bench/reference/index.js:\n${failed.stdout}${failed.stderr}`
    )
  }
  const actionScript = context.script
  const referenceScript = path.join(referenceDir, 'index.js')

  /** @param {'action' | 'reference'} which */
  const once = async which => {
    const run = await runAction({
      node: context.node,
      baseDir: context.baseDir,
      script: which === 'action' ? actionScript : referenceScript,
      // Everything but the workspace, so that the failure is the missing input alone.
      inputs: {
        'api-key': 'fab_bench_key',
        'api-url': 'http://127.0.0.1:9/api/v1',
        database: 'shop',
        format: 'csv'
      },
      timeoutMs: 60_000
    })
    removeDir(run.runDir)
    if (which === 'action' && run.exitCode !== 1) {
      throw new Error(`the action without a workspace exited with ${run.exitCode}:\n${run.stdout}`)
    }
    if (which === 'reference' && (run.exitCode !== 0 || !run.outputs.greeting)) {
      throw new Error(
        `the reference action failed (exit ${run.exitCode}):\n${run.stdout}${run.stderr}`
      )
    }
    const error = run.lines.find(l => l.text.startsWith('::error'))?.text.slice(0, 200) ?? ''
    return { ms: run.wallMs, error }
  }

  // Warm-up: the page cache, and the first run of a fresh binary.
  const first = await once('action')
  await once('reference')
  /** @type {number[]} */
  const actionMs = []
  /** @type {number[]} */
  const referenceMs = []
  for (let i = 0; i < context.runs; i++) {
    const order = i % 2 === 0 ? ['action', 'reference'] : ['reference', 'action']
    for (const which of /** @type {('action' | 'reference')[]} */ (order)) {
      const { ms } = await once(which)
      ;(which === 'action' ? actionMs : referenceMs).push(ms)
    }
  }
  const actionMedianMs = median(actionMs)
  const referenceMedianMs = median(referenceMs)
  progress(
    `start-up: action ${actionMedianMs.toFixed(0)} ms, reference ${referenceMedianMs.toFixed(0)} ms`
  )
  const result = {
    actionMs,
    referenceMs,
    actionMedianMs,
    referenceMedianMs,
    ratio: actionMedianMs / referenceMedianMs,
    actionBytes: jsBytes(path.dirname(actionScript)),
    referenceBytes: jsBytes(referenceDir),
    actionError: first.error
  }
  removeDir(referenceDir)
  return result
}

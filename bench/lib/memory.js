// @ts-check
// Figure 2: the peak resident memory (VmHWM, read from /proc/<pid>/status every 10 ms) of the
// action's node process while it downloads and unpacks a result of about 0.7 GiB (no load).
import { dirBytes, recordCountOverrides } from './overhead.js'
import { groupAt } from './phases.js'
import { runAction } from './runner.js'
import { median, progress, removeDir } from './util.js'

/** About 0.70 GiB of CSV: long text columns of ~1,000 characters. */
const MEMORY_RECORDS = {
  customers: 300_000,
  products: 20_000,
  orders: 410_000,
  order_items: 1_000_000
}
export const MEMORY_TEXT_LENGTH = 1000

/**
 * @typedef {object} MemoryRun
 * @property {number} peakKiB
 * @property {number} wallMs
 * @property {string} peakDuring the log group running when the peak was first reached
 * @property {number} unpackedBytes
 * @property {number} samples
 *
 * @typedef {object} MemoryResult
 * @property {MemoryRun[]} runs
 * @property {number} peakKiB median
 * @property {number} maxPeakKiB
 * @property {number} unpackedBytes
 */

/**
 * The record counts of figure 2 times `scale` (1: about 0.7 GiB; 2: about 1.4 GiB).
 * @param {number} scale
 * @returns {Record<string, number>}
 */
export function memoryRecords(scale) {
  return Object.fromEntries(Object.entries(MEMORY_RECORDS).map(([k, v]) => [k, v * scale]))
}

/**
 * @param {{ node: string, script: string, emulator: import('../../emulator/server.js').Emulator, baseDir: string,
 *   runs: number, scale: number }} context
 * @returns {Promise<MemoryResult>}
 */
export async function measureMemory(context) {
  const { emulator } = context
  const overrides = {
    variables: { text_length: MEMORY_TEXT_LENGTH },
    entities: recordCountOverrides(memoryRecords(context.scale))
  }
  const once = async () => {
    const run = await runAction({
      node: context.node,
      script: context.script,
      baseDir: context.baseDir,
      inputs: {
        'api-key': emulator.apiKey,
        'api-url': emulator.apiUrl,
        workspace: 'acme',
        database: 'shop',
        format: 'postgres-optimized',
        overrides: JSON.stringify(overrides)
      },
      sampleMemory: true,
      timeoutMs: 900_000
    })
    try {
      if (run.exitCode !== 0) {
        throw new Error(`the action failed (exit ${run.exitCode}):\n${run.stdout}\n${run.stderr}`)
      }
      const peakKiB = run.peakKiB ?? NaN
      const first = run.samples.find(s => s.hwmKiB === peakKiB)
      return {
        peakKiB,
        wallMs: run.wallMs,
        peakDuring: first ? groupAt(run.lines, first.t) : '?',
        unpackedBytes: dirBytes(run.outputs.path),
        samples: run.samples.length
      }
    } finally {
      removeDir(run.runDir)
    }
  }
  // No warm-up: a result not yet in the cache is generated while the action waits for the task,
  // which costs time but no memory of the action's process.
  progress(
    `memory: ${context.runs} runs; the first generates the ${(0.7 * context.scale).toFixed(1)} GiB result if not cached`
  )
  /** @type {MemoryRun[]} */
  const runs = []
  for (let i = 0; i < context.runs; i++) {
    const run = await once()
    runs.push(run)
    progress(
      `memory: run ${i + 1}/${context.runs}: peak ${(run.peakKiB / 1024).toFixed(1)} MiB ` +
        `(reached ${run.peakDuring}), ${(run.wallMs / 1000).toFixed(1)} s`
    )
  }
  return {
    runs,
    peakKiB: median(runs.map(r => r.peakKiB)),
    maxPeakKiB: Math.max(...runs.map(r => r.peakKiB)),
    unpackedBytes: runs[0]?.unpackedBytes ?? NaN
  }
}

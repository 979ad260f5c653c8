#!/usr/bin/env node
// @ts-check
// Runs the Fabricate emulator until SIGINT/SIGTERM and prints one JSON line with its address:
//   node emulator/cli.js [--port N] [--duration 5s] [--cache-dir DIR] [--compression-level 1]
//                        [--progress-scale 100] [--layout nested]

import { parseArgs } from 'node:util'
import { startEmulator } from './server.js'

/**
 * "5s", "1.5m", "300ms" or a plain number of milliseconds.
 * @param {string} text
 * @returns {number}
 */
function parseDuration(text) {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text.trim())
  if (!match) throw new Error(`Invalid duration '${text}': use e.g. 500ms, 5s or 2m`)
  const unit = { ms: 1, s: 1000, m: 60_000 }[match[2] ?? 'ms'] ?? 1
  return Math.round(Number(match[1]) * unit)
}

/**
 * @param {string[]} argv
 * @returns {import('./server.js').EmulatorOptions}
 */
function optionsFrom(argv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string' },
      duration: { type: 'string' },
      'cache-dir': { type: 'string' },
      'compression-level': { type: 'string' },
      'progress-scale': { type: 'string' },
      layout: { type: 'string' }
    }
  })
  return {
    port: values.port ? Number(values.port) : undefined,
    durationMs: values.duration ? parseDuration(values.duration) : undefined,
    cacheDir: values['cache-dir'],
    compressionLevel: numberOrUndefined(values['compression-level']),
    progressScale: values['progress-scale'] === '100' ? 100 : undefined,
    layout: /** @type {import('./formats.js').Layout | undefined} */ (values.layout)
  }
}

/** @param {string | undefined} text */
function numberOrUndefined(text) {
  return text === undefined ? undefined : Number(text)
}

async function main() {
  const emulator = await startEmulator(optionsFrom(process.argv.slice(2)))
  const stop = async () => {
    await emulator.close()
    process.exit(0)
  }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
  // Printed last: whoever reads this line may signal us at once.
  const { apiUrl, apiKey, storageOrigin } = emulator
  process.stdout.write(JSON.stringify({ apiUrl, apiKey, storageOrigin }) + '\n')
}

main().catch(error => {
  process.stderr.write(`fabricate emulator: ${error instanceof Error ? error.message : error}\n`)
  process.exit(1)
})

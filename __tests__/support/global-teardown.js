// Jest globalTeardown: stops the PostgreSQL server that global-setup.js started and removes the
// run's temp dir (kept when FABRICATE_TEST_KEEP_TMP=1).
import fs from 'node:fs'
import path from 'node:path'
import { runPg } from './global-setup.js'

export default async function globalTeardown() {
  const holder = /** @type {Record<string, unknown>} */ (globalThis)
  const state = /** @type {import('./global-setup.js').SetupState | undefined} */ (
    holder.__FABRICATE_TEST_SETUP__
  )
  if (!state) return
  delete holder.__FABRICATE_TEST_SETUP__

  if (state.dataDir && state.binDir) {
    const stop = runPg(
      state,
      'pg_ctl',
      ['-D', state.dataDir, '-m', 'immediate', '-w', '-t', '30', 'stop'],
      path.dirname(state.dataDir)
    )
    if (stop.status !== 0) {
      console.warn(`global teardown: pg_ctl stop failed: ${stop.stdout}${stop.stderr}`)
    }
  }
  if (state.keepTmp) {
    console.log(`global teardown: kept ${state.root} (FABRICATE_TEST_KEEP_TMP=1)`)
  } else {
    fs.rmSync(state.root, { recursive: true, force: true, maxRetries: 3 })
  }
}

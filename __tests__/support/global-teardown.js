// Jest globalTeardown: stops the PostgreSQL servers that global-setup.js started and removes the
// run's temp dir (kept when FABRICATE_TEST_KEEP_TMP=1).
import fs from 'node:fs'

export default async function globalTeardown() {
  const holder = /** @type {Record<string, unknown>} */ (globalThis)
  const state = /** @type {import('./global-setup.js').SetupState | undefined} */ (
    holder.__FABRICATE_TEST_SETUP__
  )
  if (!state) return
  delete holder.__FABRICATE_TEST_SETUP__

  for (const stop of state.stopServers) {
    try {
      stop()
    } catch (error) {
      console.warn(`global teardown: ${error instanceof Error ? error.message : error}`)
    }
  }
  if (state.keepTmp) {
    console.log(`global teardown: kept ${state.root} (FABRICATE_TEST_KEEP_TMP=1)`)
  } else {
    fs.rmSync(state.root, { recursive: true, force: true, maxRetries: 3 })
  }
}

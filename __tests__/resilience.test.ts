// Transient failures the action recovers from, and hostile or hopeless ones it refuses, each made
// to happen on purpose by the emulator: retries with backoff and Retry-After, a POST never
// repeated when it may have created a task, downloads restarted or given a fresh URL, time limits,
// proxies, hostile archives, and the runner's cancellation.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import fs from 'node:fs'
import path from 'node:path'
import { startEmulator, type Emulator } from '../emulator/server.js'
import { startHttpProxy } from './support/http-proxy.js'
import { makeTempDir } from './support/runner.js'
import { emulatorInputs, runChecked } from './support/scenario.js'
import { startTcpForwarder } from './support/tcp-proxy.js'
import { writeZip } from './support/zip-writer.js'

let emulator: Emulator
beforeAll(async () => {
  emulator = await startEmulator()
})
afterAll(async () => {
  await emulator.close()
})
beforeEach(() => {
  emulator.reset()
})

const inputs = (extra: Record<string, string> = {}) =>
  emulatorInputs(emulator, { format: 'csv', ...extra })
/** A short time limit per request, so that a hanging server is given up on quickly. */
const quickRequests = { FABRICATE_REQUEST_TIMEOUT: '1s' }

const posts = () => emulator.requests.filter(r => r.method === 'POST')
const reads = () =>
  emulator.requests.filter(r => r.method === 'GET' && r.path.startsWith('/api/v1/generate_tasks/'))
const blobs = () => emulator.requests.filter(r => r.server === 'storage')

/** Nothing of a download or an extraction is left in RUNNER_TEMP or beside the result folder. */
function expectNoLeftovers(runnerTemp: string): void {
  const names = fs.readdirSync(runnerTemp).filter(name => name.startsWith('fabricate-'))
  for (const name of names) {
    expect(name).not.toMatch(/download|partial/)
  }
}

describe('status reads', () => {
  it.each([
    ['503', { status: 503, body: { error: 'Service unavailable' } }],
    ['a 502 HTML page', { status: 502, html: true }],
    ['408', { status: 408 }],
    ['a reset connection', { reset: true }],
    ['a request that hangs', { hang: true }]
  ])('are retried after %s', async (_, fault) => {
    emulator.inject('read', fault, 2)
    const run = await runChecked(emulator, { inputs: inputs(), env: quickRequests })
    expect(run.errors).toEqual([])
    expect(run.exitCode).toBe(0)
    expect(reads().length).toBe(3)
    expect(run.warnings.length).toBe(2)
    expect(run.warnings[0].message).toMatch(
      /Reading task .*Retrying in [\d.]+m?s \(attempt 2 of 10\)/
    )
  })

  it('honour Retry-After', async () => {
    emulator.inject('read', {
      status: 429,
      headers: { 'retry-after': '3' },
      body: { error: 'Slow down' }
    })
    const run = await runChecked(emulator, { inputs: inputs() })
    expect(run.exitCode).toBe(0)
    const [limited, next] = reads()
    expect(limited.status).toBe(429)
    expect(next.at - limited.at).toBeGreaterThanOrEqual(2900)
    expect(run.warnings[0].message).toContain('HTTP 429: Slow down. Retrying in 3s')
  })

  it('give up when Retry-After asks for more time than is left', async () => {
    emulator.inject('read', { status: 503, headers: { 'retry-after': '600' } })
    const run = await runChecked(emulator, { inputs: inputs({ timeout: '20s' }) })
    expect(run.exitCode).toBe(1)
    expect(run.errors[0].message).toContain(
      'the time limit leaves no room to retry after the 10m the server asked for'
    )
    expect(run.durationMs).toBeLessThan(10_000)
  })
})

describe('starting a task', () => {
  it('is retried after 503 and 429, which create nothing', async () => {
    emulator.inject('create', { status: 503 })
    emulator.inject('create', { status: 429, headers: { 'retry-after': '1' } })
    const run = await runChecked(emulator, { inputs: inputs() })
    expect(run.exitCode).toBe(0)
    expect(posts().map(p => p.status)).toEqual([503, 429, 201])
    expect(emulator.tasks.size).toBeGreaterThan(0)
  })

  it('is retried when the connection is refused, as nothing was sent', async () => {
    const api = new URL(emulator.apiUrl)
    const late = await startTcpForwarder({
      target: { host: api.hostname, port: Number(api.port) },
      acceptAfterMs: 1500
    })
    try {
      const url = `http://127.0.0.1:${late.port}${api.pathname}`
      const before = emulator.tasks.size
      const run = await runChecked(emulator, { inputs: inputs({ 'api-url': url }) })
      expect(run.errors).toEqual([])
      expect(run.warnings[0].message).toContain('ECONNREFUSED')
      expect(posts()).toHaveLength(1)
      expect(emulator.tasks.size).toBe(before + 1)
    } finally {
      await late.close()
    }
  })

  it.each([
    ['the answer is lost after the task was created', { reset: true, afterCreate: true }],
    ['the server hangs', { hang: true }],
    ['the server answers 500', { status: 500, body: { error: 'Internal error' } }],
    ['the server answers 502', { status: 502, html: true }]
  ])('is never repeated when %s', async (_, fault) => {
    emulator.inject('create', fault)
    const run = await runChecked(emulator, { inputs: inputs(), env: quickRequests })
    expect(run.exitCode).toBe(1)
    expect(posts()).toHaveLength(1)
    expect(run.errors[0].message).toMatch(/Starting the task failed/)
  })

  it('says it was not sent again when it may have reached Fabricate', async () => {
    emulator.inject('create', { reset: true, afterCreate: true })
    const run = await runChecked(emulator, { inputs: inputs() })
    expect(run.errors[0].message).toContain(
      'not sent again (a second task would cost generation quota)'
    )
  })
})

describe('downloads', () => {
  it('start again from scratch when the transfer breaks off short', async () => {
    emulator.inject('blob', { truncate: 100 })
    const run = await runChecked(emulator, { inputs: inputs() })
    expect(run.errors).toEqual([])
    expect(blobs().length).toBe(2)
    expect(run.warnings[0].message).toMatch(
      /Download failed: the transfer (ended|broke off) after 100 B of/
    )
    expectNoLeftovers(run.runnerTemp)
  })

  it('are retried after 5xx from the storage', async () => {
    emulator.inject('blob', { status: 503 }, 2)
    const run = await runChecked(emulator, { inputs: inputs() })
    expect(run.exitCode).toBe(0)
    expect(blobs().map(b => b.status)).toEqual([503, 503, 200])
  })

  it('ask the task again for a fresh URL when the signed one has expired', async () => {
    emulator.inject('blob', { expire: true })
    const run = await runChecked(emulator, { inputs: inputs() })
    expect(run.exitCode).toBe(0)
    expect(blobs().map(b => b.status)).toEqual([403, 200])
    expect(run.warnings[0].message).toContain('AccessDenied: Request has expired')
    expect(reads().length).toBe(2)
  })

  it('never send the Authorization header to the storage', async () => {
    const run = await runChecked(emulator, { inputs: inputs() })
    expect(run.exitCode).toBe(0)
    expect(blobs().length).toBe(1)
    expect(blobs().every(b => !b.authorization)).toBe(true)
  })

  it('fail after repeated breaks, leaving no partial file', async () => {
    emulator.inject('blob', { truncate: 10 }, 5)
    const run = await runChecked(emulator, { inputs: inputs() })
    expect(run.exitCode).toBe(1)
    expect(run.errors[0].message).toContain('Downloading the result failed 5 times')
    expectNoLeftovers(run.runnerTemp)
  }, 60_000)
})

describe('the time limit', () => {
  it('ends a long wait saying how long, which task and how far it got', async () => {
    emulator.nextTask({ durationMs: 120_000 })
    const run = await runChecked(emulator, { inputs: inputs({ timeout: '4s' }) })
    expect(run.exitCode).toBe(1)
    const task = [...emulator.tasks.values()].at(-1)!
    const message = run.errors[0].message
    expect(message).toMatch(
      new RegExp(`Timed out after waiting [\\d.]+s for task ${task.id} \\(last progress: \\d+%`)
    )
    expect(message).toContain('Raise `timeout`')
    expect(run.durationMs).toBeLessThan(9000)
  })
})

describe('proxies', () => {
  it('send every request through HTTP(S)_PROXY, and none through it for NO_PROXY hosts', async () => {
    const api = new URL(emulator.apiUrl)
    const proxy = await startHttpProxy({
      resolve: host =>
        host === 'fabricate.test' ? { host: api.hostname, port: Number(api.port) } : undefined
    })
    try {
      const viaProxy = `http://fabricate.test:${api.port}${api.pathname}`
      const proxied = await runChecked(emulator, {
        inputs: inputs({ 'api-url': viaProxy }),
        env: { HTTP_PROXY: proxy.url, HTTPS_PROXY: proxy.url }
      })
      expect(proxied.errors).toEqual([])
      expect(
        proxy.log.filter(entry => entry.host === 'fabricate.test').length
      ).toBeGreaterThanOrEqual(2)

      // With the host in NO_PROXY the action goes direct, where the name does not resolve.
      const before = proxy.log.length
      const direct = await runChecked(emulator, {
        inputs: inputs({ 'api-url': viaProxy, timeout: '3s' }),
        env: { HTTP_PROXY: proxy.url, HTTPS_PROXY: proxy.url, NO_PROXY: 'fabricate.test' }
      })
      expect(direct.exitCode).toBe(1)
      expect(direct.stdout + direct.errors[0].message).toMatch(/ENOTFOUND|EAI_AGAIN/)
      expect(proxy.log.length).toBe(before)
    } finally {
      await proxy.close()
    }
  })
})

describe('hostile archives', () => {
  const root = makeTempDir('hostile-')
  it.each([
    ['an absolute path', '/tmp/fabricate-escape.sql'],
    ['a parent segment', '../escape.sql'],
    ['a drive letter', 'C:/escape.sql'],
    ['a backslash', 'data\\..\\..\\escape.sql']
  ])('are refused whole for %s, writing nothing', async (what, name) => {
    const file = writeZip(path.join(root, `${what.replace(/\W+/g, '-')}.zip`), [
      { name: 'load.sql', data: 'SELECT 1;' },
      { name, data: 'DROP TABLE users;' }
    ])
    emulator.nextTask({ resultFile: file })
    const run = await runChecked(emulator, { inputs: inputs({ path: 'out' }) })
    expect(run.exitCode).toBe(1)
    expect(run.errors[0].message).toContain('The archive was refused and nothing was written')
    expect(fs.existsSync(path.join(run.workspace, 'out'))).toBe(false)
    expect(fs.readdirSync(run.workspace)).toEqual([])
    expect(fs.existsSync('/tmp/fabricate-escape.sql')).toBe(false)
    expectNoLeftovers(run.runnerTemp)
  })

  it('refuse a symbolic link', async () => {
    const file = writeZip(path.join(root, 'link.zip'), [
      { name: 'passwd', data: '/etc/passwd', mode: 0o120777 }
    ])
    emulator.nextTask({ resultFile: file })
    const run = await runChecked(emulator, { inputs: inputs() })
    expect(run.exitCode).toBe(1)
    expect(run.errors[0].message).toContain("'passwd' is a symbolic link")
  })

  it('refuse a zip bomb in seconds, giving both sizes', async () => {
    // 64 MiB of zeros per entry, deflated to 64 KiB each: 256 MiB declared.
    const zeros = Buffer.alloc(64 * 2 ** 20)
    const entries = Array.from({ length: 4 }, (_, i) => ({
      name: `part${i}.bin`,
      data: zeros,
      deflate: true
    }))
    const file = writeZip(path.join(root, 'bomb.zip'), entries)
    emulator.nextTask({ resultFile: file })
    const run = await runChecked(emulator, { inputs: inputs({ 'max-size': '100MiB' }) })
    expect(run.exitCode).toBe(1)
    expect(run.errors[0].message).toContain(
      'would unpack to 256 MiB, more than `max-size` (100 MiB)'
    )
    expect(run.durationMs).toBeLessThan(10_000)
    expectNoLeftovers(run.runnerTemp)
  })
})

describe('cancellation', () => {
  it('stops polling at SIGINT, prints the task id and exits well within 7.5 s', async () => {
    emulator.nextTask({ durationMs: 120_000 })
    const run = await runChecked(emulator, {
      inputs: inputs(),
      cancel: { when: line => /^Task \S+ started/.test(line) }
    })
    const task = [...emulator.tasks.values()].at(-1)!
    expect(run.exitCode).not.toBe(0)
    expect(run.exitAfterCancelMs).toBeLessThan(3000)
    expect(run.signalsSent.map(s => s.signal)).toEqual(['SIGINT'])
    expect(run.errors[0].message).toBe(
      `Cancelled while working on task ${task.id}. Partial files were removed.`
    )
    expect(run.summary).toContain(`Cancelled while generating (task \`${task.id}\`)`)
  })

  it('stops a download at SIGINT and removes the partial file', async () => {
    emulator.inject('blob', { delayMs: 30_000 })
    const run = await runChecked(emulator, {
      inputs: inputs(),
      cancel: { when: line => line.startsWith('::group::Downloading') }
    })
    expect(run.exitCode).not.toBe(0)
    expect(run.exitAfterCancelMs).toBeLessThan(3000)
    expectNoLeftovers(run.runnerTemp)
    expect(fs.readdirSync(run.runnerTemp).filter(name => name.startsWith('fabricate-'))).toEqual([])
  })
})

describe('max-size', () => {
  it('refuses a result larger than max-size before downloading it', async () => {
    const run = await runChecked(emulator, { inputs: inputs({ 'max-size': '1KiB' }) })
    expect(run.exitCode).toBe(1)
    expect(run.errors[0].message).toMatch(
      /The result is [\d.]+ KiB even compressed, more than `max-size` \(1\.0 KiB\); it was not downloaded/
    )
    expectNoLeftovers(run.runnerTemp)
  })
})

// Tests of the test harness itself: the runner's parsers, runAction on a fixture script, the
// PostgreSQL helpers against the global server, the TCP forwarder and the HTTP proxy.
import { describe, expect, test } from '@jest/globals'
import { spawn } from 'node:child_process'
import http from 'node:http'
import net from 'node:net'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { startHttpProxy, parseAuthority } from './support/http-proxy.js'
import {
  createDatabase,
  databaseUrl,
  dropDatabase,
  parseCsv,
  pgEnv,
  pgUrl,
  psqlPath,
  query,
  queryNullable,
  queryValue,
  quoteLiteral
} from './support/postgres.js'
import {
  inputEnvName,
  node24,
  processGroupMembers,
  readActionYml,
  runAction,
  runPost
} from './support/runner.js'
import {
  FileCommandError,
  escapeData,
  escapeProperty,
  maskLog,
  masksOf,
  parseFileCommandEntries,
  parseFileCommands,
  parseWorkflowCommand,
  parseWorkflowCommands,
  unescapeData,
  unescapeProperty
} from './support/runner-files.js'
import { freePort } from './support/pg-server.js'
import { startTcpForwarder } from './support/tcp-proxy.js'

const here = path.dirname(fileURLToPath(import.meta.url))
const FAKE = path.join(here, 'fixtures', 'fake-action.js')

describe('file commands (GITHUB_OUTPUT, GITHUB_STATE, GITHUB_ENV)', () => {
  test('name=value lines; empty lines skipped; = and << inside values kept', () => {
    const text = 'a=1\n\nb=x=y\nc=<<not-a-block\nempty=\n'
    expect(parseFileCommands(text)).toEqual({ a: '1', b: 'x=y', c: '<<not-a-block', empty: '' })
  })

  test('name<<DELIMITER blocks hold multi-line values exactly', () => {
    const d = 'ghadelimiter_5d3c2d0e-2f5c-4c1e-9c0b-8a9f8d7e6c5b'
    const text =
      `multi<<${d}\nline 1\n\n  line 3\t\r\n${d}\n` +
      `one<<EOF\nsingle\nEOF\n` +
      `blank<<EOF\nEOF\n` +
      `emptyline<<EOF\n\nEOF\n` +
      `after=yes\n` +
      `last<<END\nx = y\nEND`
    expect(parseFileCommandEntries(text)).toEqual([
      { name: 'multi', value: 'line 1\n\n  line 3\t\r', delimiter: d },
      { name: 'one', value: 'single', delimiter: 'EOF' },
      { name: 'blank', value: '', delimiter: 'EOF' },
      { name: 'emptyline', value: '', delimiter: 'EOF' },
      { name: 'after', value: 'yes' },
      { name: 'last', value: 'x = y', delimiter: 'END' }
    ])
  })

  test('a name given twice keeps the last value; odd names are plain keys', () => {
    expect(parseFileCommands('x=1\nx<<E\n2\nE\n__proto__=p\n')).toEqual(
      Object.defineProperty({ x: '2' }, '__proto__', { value: 'p', enumerable: true })
    )
  })

  test.each([
    ['a line that is neither form', 'just text\n', /neither/],
    ['an empty name', '=value\n', /empty name/],
    ['an empty heredoc name', '<<EOF\nx\nEOF\n', /empty name or delimiter/],
    ['an empty delimiter', 'name<<\nx\n\n', /empty name or delimiter/],
    ['a missing closing delimiter', 'name<<EOF\nx\ny\n', /not found/],
    ['a delimiter not on its own line', 'name<<EOF\nx EOF', /EOF marker missing new line/],
    ['a value holding its delimiter', 'name<<EOF\nx EOF y\nEOF\n', /contains its delimiter/]
  ])('rejects %s', (_what, text, message) => {
    expect(() => parseFileCommands(text, 'GITHUB_OUTPUT')).toThrow(FileCommandError)
    expect(() => parseFileCommands(text, 'GITHUB_OUTPUT')).toThrow(message)
  })
})

describe('workflow commands', () => {
  test('parses properties and message, un-escaping as the runner does', () => {
    const line = `::error title=${escapeProperty('A: b, c%')},file=x.ts,line=3::${escapeData('1\n2\r3 100%0A')}`
    expect(parseWorkflowCommand(line)).toEqual({
      command: 'error',
      properties: { title: 'A: b, c%', file: 'x.ts', line: '3' },
      message: '1\n2\r3 100%0A',
      line
    })
    expect(parseWorkflowCommand('  ::warning::indented')?.message).toBe('indented')
    expect(parseWorkflowCommand('::notice::')?.message).toBe('')
  })

  test('plain text and unknown commands are not commands', () => {
    expect(parseWorkflowCommand('hello ::error::x')).toBeUndefined()
    expect(parseWorkflowCommand('::error no end')).toBeUndefined()
    expect(parseWorkflowCommand('::made-up::x')).toBeUndefined()
  })

  test('escape and unescape are inverse', () => {
    for (const s of ['%', '%25', '%0A', 'a\r\nb', 'x:y,z', '100%%0D', 'é\u0000']) {
      expect(unescapeData(escapeData(s))).toBe(s)
      expect(unescapeProperty(escapeProperty(s))).toBe(s)
    }
  })

  test('stop-commands suspends processing until its token', () => {
    const commands = parseWorkflowCommands([
      '::warning::one',
      '::stop-commands::tok123',
      '::error::ignored',
      '::add-mask::ignored too',
      '::tok123::',
      '::notice::two'
    ])
    expect(commands.map(c => [c.command, c.message, c.lineIndex])).toEqual([
      ['warning', 'one', 0],
      ['notice', 'two', 5]
    ])
  })

  test('masks: each line of a multi-line value too; the log is masked from the add-mask on', () => {
    const lines = [
      'early s3cret',
      `::add-mask::${escapeData('s3cret')}`,
      'later s3cret',
      `::add-mask::${escapeData('l1\nl2')}`,
      'l1 and l2',
      'given from the start: tok'
    ]
    expect(masksOf(parseWorkflowCommands(lines))).toEqual(['s3cret', 'l1\nl2', 'l1', 'l2'])
    expect(maskLog(lines, ['tok'])).toEqual([
      'early s3cret',
      '::add-mask::***',
      'later ***',
      '::add-mask::***%0A***',
      '*** and ***',
      'given from the start: ***'
    ])
  })
})

describe('runAction', () => {
  test('sets every declared input with its default, a clean runner env and the file commands', async () => {
    process.env.FABRICATE_HARNESS_LEAK_PROBE = 'must-not-leak'
    try {
      const run = await runAction({
        script: FAKE,
        inputs: { workspace: 'acme', database: 'shop', 'max-size': '1GB', mode: '' },
        env: { JOB_LEVEL: 'from env:' }
      })
      expect(run.exitCode).toBe(0)
      expect(run.outputs.timeout).toBe('30m')
      const inputs = JSON.parse(run.outputs.inputs) as Record<string, string>
      const declared = Object.keys(readActionYml().inputs)
      expect(Object.keys(inputs).sort()).toEqual(
        [...declared.map(inputEnvName), 'INPUT_MODE'].sort()
      )
      expect(inputs).toMatchObject({
        'INPUT_API-KEY': '',
        INPUT_TIMEOUT: '30m',
        'INPUT_MAX-SIZE': '1GB',
        'INPUT_WAIT-FOR-DATABASE': '60s',
        INPUT_WORKSPACE: 'acme',
        INPUT_DATABASE: 'shop'
      })
      expect(run.unexpectedInputs).toEqual(['mode'])

      const names = run.outputs['env-names'].split('\n')
      expect(names).not.toContain('FABRICATE_HARNESS_LEAK_PROBE')
      expect(names).not.toContain('FABRICATE_TEST_PG_URL')
      expect(names).toEqual(
        expect.arrayContaining([
          'PATH',
          'HOME',
          'LANG',
          'CI',
          'GITHUB_ACTIONS',
          'RUNNER_TEMP',
          'GITHUB_WORKSPACE',
          'GITHUB_OUTPUT',
          'GITHUB_STATE',
          'GITHUB_ENV',
          'GITHUB_PATH',
          'GITHUB_STEP_SUMMARY',
          'GITHUB_ACTION_PATH',
          'JOB_LEVEL'
        ])
      )
      expect(run.env.GITHUB_ACTION_PATH).toBe(path.resolve(here, '..'))
      expect(run.outputs.cwd).toBe(run.workspace)
      expect(run.state).toEqual({ phase: 'main', token: 'first line\nsecond = line <<x' })
      expect(run.exportedEnv).toEqual({ EXPORTED: 'a\nb' })
      expect(run.addedPaths).toEqual(['/opt/fake/bin'])
      expect(run.summary).toContain('### Fake action')
      expect(run.stderr).toBe('a line on stderr\n')
      expect(run.errors).toHaveLength(1)
      expect(run.errors[0].properties).toEqual({ title: 'T: a, b' })
      expect(run.errors[0].message).toBe('line 1\nline 2 100%')
      expect(run.warnings[0].properties).toEqual({ file: 'src/a.ts', line: '3' })
      expect(run.notices.map(n => n.message)).toEqual(['fyi'])
      expect(run.durationMs).toBeGreaterThan(0)
    } finally {
      delete process.env.FABRICATE_HARNESS_LEAK_PROBE
    }
  })

  test('masks, maskedLog and allText', async () => {
    const run = await runAction({ script: FAKE, inputs: { secret: 'hunter2' } })
    expect(run.masks).toEqual(['hunter2'])
    expect(run.maskedLog()).toContain('before mask: hunter2')
    expect(run.maskedLog()).toContain('after mask: ***')
    expect(run.allText()).toContain('after mask: hunter2')
    expect(run.allText()).toContain('### Fake action')
    expect(run.allText()).toContain('second = line')
    const withSecret = await runAction({
      script: FAKE,
      inputs: { secret: 'hunter2' },
      secrets: ['hunter2']
    })
    expect(withSecret.maskedLog()).not.toContain('hunter2')
  })

  test('runPost passes the saved state as STATE_ variables, in the same workspace', async () => {
    const main = await runAction({ script: FAKE })
    const post = await runPost(main)
    expect(post.phase).toBe('post')
    expect(post.exitCode).toBe(0)
    expect(post.outputs['state-token']).toBe('first line\nsecond = line <<x')
    expect(post.outputs['post-cwd']).toBe(main.workspace)
    expect(post.runnerTemp).toBe(main.runnerTemp)
    expect(post.summary).toBe('post step ran\n')
    expect(post.env.GITHUB_OUTPUT).not.toBe(main.env.GITHUB_OUTPUT)

    const chained = await runAction({ script: FAKE, post: true })
    expect(chained.post?.outputs['state-token']).toBe('first line\nsecond = line <<x')
  })

  test('a failing step: exit code 1 and its error annotation', async () => {
    const run = await runAction({ script: FAKE, inputs: { mode: 'fail' } })
    expect(run.exitCode).toBe(1)
    expect(run.errors[0]).toMatchObject({
      properties: { title: 'Bad: input, really' },
      message: 'it failed\n100%'
    })
  })

  test('a malformed GITHUB_OUTPUT makes runAction throw', async () => {
    await expect(runAction({ script: FAKE, inputs: { mode: 'bad-output' } })).rejects.toThrow(
      /GITHUB_OUTPUT: matching delimiter 'EOF' of 'broken' not found/
    )
  })

  test('cancellation: SIGINT to the process at a chosen moment', async () => {
    const run = await runAction({
      script: FAKE,
      inputs: { mode: 'wait' },
      cancel: { when: line => line === 'waiting' }
    })
    expect(run.exitCode).toBe(130)
    expect(run.stdout).toContain('got SIGINT')
    expect(run.signalsSent.map(s => s.signal)).toEqual(['SIGINT'])
    expect(run.exitAfterCancelMs).toBeLessThan(3000)
  })

  test('cancellation: SIGTERM, then the tree is killed, when SIGINT is ignored', async () => {
    const run = await runAction({
      script: FAKE,
      inputs: { mode: 'stubborn' },
      cancel: { when: line => line === 'waiting', sigtermAfterMs: 300, killAfterMs: 300 }
    })
    expect(run.signal).toBe('SIGKILL')
    expect(run.signalsSent.map(s => [s.signal, s.target])).toEqual([
      ['SIGINT', 'process'],
      ['SIGTERM', 'process'],
      ['SIGKILL', 'tree']
    ])
    expect(run.stdout).toContain('ignoring SIGINT')
    expect(run.stdout).toContain('ignoring SIGTERM')
    expect(run.exitAfterCancelMs).toBeGreaterThanOrEqual(550)
  })

  test('cancel.afterMs, like timeout-minutes', async () => {
    const run = await runAction({
      script: FAKE,
      inputs: { mode: 'wait' },
      cancel: { afterMs: 300 }
    })
    expect(run.exitCode).toBe(130)
    expect(run.signalsSent[0].atMs).toBeGreaterThanOrEqual(300)
  })

  test('onLine gets each line and the live handle', async () => {
    const seen: string[] = []
    const run = await runAction({
      script: FAKE,
      inputs: { mode: 'wait' },
      onLine: (line, stream, live) => {
        seen.push(`${stream}:${line}`)
        if (line === 'waiting') live.signal('SIGINT')
      }
    })
    expect(run.exitCode).toBe(130)
    expect(seen).toEqual(['stdout:waiting', 'stdout:got SIGINT'])
  })

  test('timeoutMs kills a hung step and rejects with its output', async () => {
    await expect(
      runAction({ script: FAKE, inputs: { mode: 'hang' }, timeoutMs: 500 })
    ).rejects.toThrow(/still running after 500 ms[\s\S]*waiting/)
  })

  test('processes left behind are reported and killed', async () => {
    const run = await runAction({ script: FAKE, inputs: { mode: 'orphan' } })
    expect(run.exitCode).toBe(0)
    expect(run.strayProcesses).toBe(true)
    const pid = Number(/started (\d+)/.exec(run.stdout)?.[1])
    expect(run.strayPids).toEqual([pid])
    await new Promise(resolve => setTimeout(resolve, 200))
    expect(processGroupMembers(run.pid)).toEqual([])
    const clean = await runAction({ script: FAKE })
    expect(clean.strayPids).toEqual([])
  })

  const n24 = node24()
  ;(n24 ? test : test.skip)('runs on Node 24 (FABRICATE_TEST_NODE24)', async () => {
    const run = await runAction({ script: FAKE, node: n24, post: true })
    expect(run.exitCode).toBe(0)
    expect(run.stdout).toMatch(/running on v24\./)
    expect(run.node).toBe(n24)
    expect(run.post?.stdout).toMatch(/post step on v24\./)
  })
})

describe('PostgreSQL helpers', () => {
  test('a fresh database per call; tricky text round-trips exactly', async () => {
    const db = await createDatabase()
    const other = await createDatabase()
    try {
      expect(db.name).not.toBe(other.name)
      expect(await queryValue(db.url, 'select current_database()')).toBe(db.name)
      const tricky = [
        'plain',
        'line 1\nline 2\r\nline 3\r',
        'tab\there, comma, "double" and \'single\' quotes',
        'non-ASCII: é ß 日本語 🦆',
        '',
        ' leading and trailing spaces ',
        'back\\slash \\N NULL',
        '"',
        ','
      ]
      await query(db.url, 'create table t (id int primary key, v text)')
      const values = tricky.map((v, i) => `(${i}, ${quoteLiteral(v)})`).join(', ')
      await query(db.url, `insert into t values ${values}, (${tricky.length}, null)`)
      const rows = await queryNullable(db.url, 'select v, length(v) from t order by id')
      expect(rows.map(r => r[0])).toEqual([...tricky, null])
      expect(rows.map(r => r[1])).toEqual([...tricky.map(v => String([...v].length)), null])
      expect((await query(db.url, `select null, ''`))[0]).toEqual(['', ''])
      expect(await query(db.url, 'select 1 where false')).toEqual([])
      expect(
        await query(other.url, `select count(*) from pg_tables where tablename = 't'`)
      ).toEqual([['0']])
    } finally {
      await dropDatabase(db)
      await dropDatabase(other.name)
    }
    expect(
      await query(pgUrl(), `select 1 from pg_database where datname = ${quoteLiteral(db.name)}`)
    ).toEqual([])
  })

  test('names that need quoting, URLs and libpq variables', async () => {
    const db = await createDatabase('We "quote" / ü?')
    try {
      expect(db.name.startsWith('We "quote" / ü?_')).toBe(true)
      expect(databaseUrl(db.name)).toBe(db.url)
      expect(await queryValue(db.url, 'select current_database()')).toBe(db.name)
      const env = pgEnv(db.url)
      expect(env).toMatchObject({ PGHOST: '127.0.0.1', PGUSER: 'postgres', PGDATABASE: db.name })
      expect(env.PGPASSWORD?.length).toBeGreaterThan(0)
    } finally {
      await dropDatabase(db)
    }
  })

  test('errors reject with psql’s message', async () => {
    await expect(query(pgUrl(), 'select * from no_such_table')).rejects.toThrow(
      /relation "no_such_table" does not exist/
    )
    expect(psqlPath()).toMatch(/psql$/)
  })

  test('parseCsv', () => {
    expect(parseCsv('')).toEqual([])
    expect(parseCsv('\n')).toEqual([['']])
    expect(parseCsv('a,b\n"x,""y""\nz",\n')).toEqual([
      ['a', 'b'],
      ['x,"y"\nz', '']
    ])
    expect(() => parseCsv('"open')).toThrow(/unterminated/)
  })
})

/** Resolves with the error code of a connection attempt, or 'connected'. */
function tryConnect(port: number): Promise<string> {
  return new Promise(resolve => {
    const socket = net.connect(port, '127.0.0.1')
    socket.once('connect', () => {
      socket.destroy()
      resolve('connected')
    })
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message))
  })
}

describe('TCP forwarder', () => {
  test('refuses connections until acceptAfterMs, then forwards', async () => {
    const echo = net.createServer(socket => socket.pipe(socket))
    await new Promise<void>(resolve => echo.listen(0, '127.0.0.1', () => resolve()))
    const echoPort = (echo.address() as net.AddressInfo).port
    const started = Date.now()
    const forwarder = await startTcpForwarder({
      target: { host: '127.0.0.1', port: echoPort },
      acceptAfterMs: 700
    })
    try {
      expect(await tryConnect(forwarder.port)).toBe('ECONNREFUSED')
      await forwarder.ready
      expect(Date.now() - started).toBeGreaterThanOrEqual(690)
      const reply = await new Promise<string>((resolve, reject) => {
        const socket = net.connect(forwarder.port, '127.0.0.1', () => socket.end('ping'))
        let data = ''
        socket.on('data', chunk => (data += chunk.toString()))
        socket.on('end', () => resolve(data))
        socket.on('error', reject)
      })
      expect(reply).toBe('ping')
      expect(forwarder.connections()).toBe(1)
    } finally {
      await forwarder.close()
      echo.close()
    }
    expect(await tryConnect(forwarder.port)).toBe('ECONNREFUSED')
  })

  test('forwards to the real PostgreSQL', async () => {
    const url = new URL(pgUrl())
    const forwarder = await startTcpForwarder({
      target: { host: url.hostname, port: Number(url.port) }
    })
    try {
      url.port = String(forwarder.port)
      expect(await queryValue(url.toString(), 'select 40 + 2')).toBe('42')
    } finally {
      await forwarder.close()
    }
  })

  test('closing before it listens rejects ready', async () => {
    const forwarder = await startTcpForwarder({
      target: { host: '127.0.0.1', port: await freePort() },
      acceptAfterMs: 10000
    })
    await forwarder.close()
    await expect(forwarder.ready).rejects.toThrow(/closed before/)
  })
})

describe('HTTP proxy', () => {
  async function withOrigin(fn: (port: number) => Promise<void>): Promise<void> {
    const origin = http.createServer((req, res) => {
      let body = ''
      req.on('data', chunk => (body += chunk))
      req.on('end', () => {
        res.writeHead(201, { 'content-type': 'application/json' })
        res.end(JSON.stringify({ method: req.method, url: req.url, host: req.headers.host, body }))
      })
    })
    await new Promise<void>(resolve => origin.listen(0, '127.0.0.1', () => resolve()))
    try {
      await fn((origin.address() as net.AddressInfo).port)
    } finally {
      origin.close()
    }
  }

  test('plain absolute-URI requests, mapped by resolve', async () => {
    await withOrigin(async originPort => {
      const proxy = await startHttpProxy({
        resolve: host =>
          host === 'fabricate.test' ? { host: '127.0.0.1', port: originPort } : undefined
      })
      try {
        const answer = await new Promise<{ status?: number; body: string }>((resolve, reject) => {
          const req = http.request(
            {
              host: '127.0.0.1',
              port: proxy.port,
              method: 'POST',
              path: 'http://fabricate.test/api/v1/x?y=1',
              headers: { host: 'fabricate.test', 'proxy-authorization': 'Basic dTpw' }
            },
            res => {
              let body = ''
              res.on('data', chunk => (body += chunk))
              res.on('end', () => resolve({ status: res.statusCode, body }))
            }
          )
          req.on('error', reject)
          req.end('payload')
        })
        expect(answer.status).toBe(201)
        expect(JSON.parse(answer.body)).toEqual({
          method: 'POST',
          url: '/api/v1/x?y=1',
          host: 'fabricate.test',
          body: 'payload'
        })
        expect(proxy.log).toHaveLength(1)
        expect(proxy.log[0]).toMatchObject({
          method: 'POST',
          host: 'fabricate.test',
          port: 80,
          url: 'http://fabricate.test/api/v1/x?y=1',
          to: { host: '127.0.0.1', port: originPort },
          status: 201
        })
        expect(proxy.log[0].headers['proxy-authorization']).toBe('Basic dTpw')
      } finally {
        await proxy.close()
      }
    })
  })

  test('CONNECT tunnels, and 502 for what cannot be reached', async () => {
    await withOrigin(async originPort => {
      const proxy = await startHttpProxy({
        resolve: (host, port) =>
          host === 'fabricate.test' && port === 443
            ? { host: '127.0.0.1', port: originPort }
            : undefined
      })
      try {
        const socket = net.connect(proxy.port, '127.0.0.1')
        const text = await new Promise<string>((resolve, reject) => {
          let data = ''
          let sent = false
          socket.on('data', chunk => {
            data += chunk.toString()
            if (!sent && data.includes('\r\n\r\n')) {
              // The tunnel is up: speak HTTP to the origin through it.
              sent = true
              socket.write(
                'GET /tunnelled HTTP/1.1\r\nHost: fabricate.test\r\nConnection: close\r\n\r\n'
              )
            }
          })
          socket.on('end', () => resolve(data))
          socket.on('error', reject)
          socket.write('CONNECT fabricate.test:443 HTTP/1.1\r\nHost: fabricate.test:443\r\n\r\n')
        })
        expect(text).toMatch(/^HTTP\/1\.1 200 Connection Established\r\n\r\nHTTP\/1\.1 201/)
        expect(text).toContain('"url":"/tunnelled"')
        expect(proxy.log[0]).toMatchObject({
          method: 'CONNECT',
          host: 'fabricate.test',
          port: 443,
          status: 200
        })

        const closedPort = await freePort()
        const refused = await new Promise<string>((resolve, reject) => {
          const s = net.connect(proxy.port, '127.0.0.1', () =>
            s.write(`CONNECT 127.0.0.1:${closedPort} HTTP/1.1\r\n\r\n`)
          )
          let data = ''
          s.on('data', chunk => (data += chunk.toString()))
          s.on('end', () => resolve(data))
          s.on('error', reject)
        })
        expect(refused).toMatch(/^HTTP\/1\.1 502/)
        expect(proxy.log[1]).toMatchObject({ method: 'CONNECT', status: 502 })
      } finally {
        await proxy.close()
      }
    })
  })

  test('parseAuthority', () => {
    expect(parseAuthority('a.test:8443', 443)).toEqual({ host: 'a.test', port: 8443 })
    expect(parseAuthority('[::1]:5', 443)).toEqual({ host: '::1', port: 5 })
    expect(parseAuthority('a.test', 443)).toEqual({ host: 'a.test', port: 443 })
    expect(parseAuthority('a.test:99999', 443)).toBeUndefined()
  })

  const n24 = node24()
  ;(n24 ? test : test.skip)('a real client (Node 24 fetch with NODE_USE_ENV_PROXY)', async () => {
    await withOrigin(async originPort => {
      const proxy = await startHttpProxy({
        resolve: host =>
          host === 'fabricate.test' ? { host: '127.0.0.1', port: originPort } : undefined
      })
      try {
        const script =
          "fetch('http://fabricate.test/via-env').then(r => r.text()).then(t => console.log(t))"
        const out = await new Promise<string>((resolve, reject) => {
          const child = spawn(n24 as string, ['-e', script], {
            env: { PATH: process.env.PATH, NODE_USE_ENV_PROXY: '1', HTTP_PROXY: proxy.url },
            stdio: ['ignore', 'pipe', 'pipe']
          })
          let stdout = ''
          let stderr = ''
          child.stdout.on('data', chunk => (stdout += chunk))
          child.stderr.on('data', chunk => (stderr += chunk))
          child.on('error', reject)
          child.on('close', code => (code === 0 ? resolve(stdout) : reject(new Error(stderr))))
        })
        expect(JSON.parse(out)).toMatchObject({ url: '/via-env', host: 'fabricate.test' })
        // undici tunnels plain http through CONNECT too.
        expect(proxy.log).toHaveLength(1)
        expect(proxy.log[0]).toMatchObject({ host: 'fabricate.test', port: 80, status: 200 })
      } finally {
        await proxy.close()
      }
    })
  })
})

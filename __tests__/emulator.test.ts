// The Fabricate emulator itself: status codes, task lifecycle, downloads, faults, the request log.
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals'
import yauzl from 'yauzl'
import { startEmulator, type Emulator } from '../emulator/server.js'
import { findDatabase, type Database } from '../emulator/catalog.js'
import { rows, HARD_TEXT } from '../emulator/generate.js'

type Body = Record<string, unknown>
type Task = Record<string, unknown> & { id: string }

let emu: Emulator
const shop = findDatabase('acme', 'shop') as Database

beforeAll(async () => {
  emu = await startEmulator({
    restrictedKeys: { fab_globex_only: ['globex'] },
    expiredKeys: ['fab_expired']
  })
})

afterAll(async () => {
  await emu.close()
})

function headers(key: string | null = emu.apiKey): Record<string, string> {
  return {
    'content-type': 'application/json',
    ...(key === null ? {} : { authorization: `Bearer ${key}` })
  }
}

function post(body: Body | string, key: string | null = emu.apiKey): Promise<Response> {
  const text = typeof body === 'string' ? body : JSON.stringify(body)
  return fetch(`${emu.apiUrl}/generate_tasks`, {
    method: 'POST',
    headers: headers(key),
    body: text
  })
}

async function createTask(body: Body): Promise<Task> {
  const response = await post(body)
  expect(response.status).toBe(201)
  return (await response.json()) as Task
}

async function readTask(id: string): Promise<Task> {
  const response = await fetch(`${emu.apiUrl}/generate_tasks/${id}`, { headers: headers() })
  expect(response.status).toBe(200)
  return (await response.json()) as Task
}

async function download(url: string): Promise<{ response: Response; bytes: Buffer }> {
  const response = await fetch(url)
  return { response, bytes: Buffer.from(await response.arrayBuffer()) }
}

/** Creates a task, reads it once (duration 0: completed) and downloads its result. */
async function generate(body: Body): Promise<{ task: Task; bytes: Buffer; response: Response }> {
  const created = await createTask(body)
  const task = await readTask(created.id)
  expect(task.completed).toBe(true)
  return { task, ...(await download(task.data_url as string)) }
}

async function unzip(bytes: Buffer): Promise<Map<string, string>> {
  const zip = await yauzl.fromBufferPromise(bytes, { lazyEntries: true })
  const files = new Map<string, string>()
  for await (const entry of zip.eachEntry()) {
    if (entry.fileName.endsWith('/')) {
      files.set(entry.fileName, '')
      continue
    }
    const chunks: Buffer[] = []
    for await (const chunk of await zip.openReadStreamPromise(entry)) chunks.push(chunk as Buffer)
    files.set(entry.fileName, Buffer.concat(chunks).toString('utf8'))
  }
  return files
}

/** A strict CSV reader that keeps NULL (unquoted empty) apart from '' (quoted empty). */
function parseCsv(text: string): (string | null)[][] {
  const cell = /"((?:[^"]|"")*)"|([^,\n"]*)/y
  const result: (string | null)[][] = []
  let row: (string | null)[] = []
  let at = 0
  while (at < text.length) {
    cell.lastIndex = at
    const match = cell.exec(text) as RegExpExecArray
    if (match[1] !== undefined) row.push(match[1].replace(/""/g, '"'))
    else row.push(match[2] === '' ? null : match[2])
    at = cell.lastIndex
    if (text[at++] === '\n') {
      result.push(row)
      row = []
    }
  }
  return result
}

function asCsvValues(values: (string | number | boolean | null)[]): (string | null)[] {
  return values.map(v => (v === null ? null : String(v)))
}

describe('POST /generate_tasks validation', () => {
  const ok = { workspace: 'acme', database: 'shop', format: 'postgres-optimized' }
  it.each([
    ['no API key', ok, null, 401, 'Missing API key'],
    ['an unknown API key', ok, 'nope', 401, 'Invalid API key'],
    ['an expired API key', ok, 'fab_expired', 401, 'expired'],
    ['malformed JSON', '{"workspace": ', undefined, 400, 'Malformed JSON'],
    ['no workspace', { database: 'shop', format: 'csv' }, undefined, 400, 'workspace'],
    ['no database', { workspace: 'acme', format: 'csv' }, undefined, 400, 'database'],
    ['a key limited to another workspace', ok, 'fab_globex_only', 403, "workspace 'acme'"],
    ['an unknown workspace', { ...ok, workspace: 'nope' }, undefined, 404, "Workspace 'nope'"],
    [
      'an unknown database',
      { ...ok, database: 'x' },
      undefined,
      404,
      "Database 'x' not found in workspace 'acme'"
    ],
    ['format and connection', { ...ok, connection: 'staging-db' }, undefined, 422, 'not both'],
    ['neither format nor connection', { workspace: 'acme', database: 'shop' }, undefined, 422, ''],
    ['an unknown format', { ...ok, format: 'xml' }, undefined, 422, 'Unsupported format: xml.'],
    ['an unknown entity', { ...ok, entity: 'users' }, undefined, 422, "Entity 'users'"],
    ['an unknown connection', { ...ok, format: undefined, connection: 'prod' }, undefined, 422, ''],
    [
      'overrides on a Data Agent database',
      { ...ok, database: 'agent-shop', overrides: { variables: { seed: 1 } } },
      undefined,
      422,
      'Data Agent'
    ],
    [
      'a Data Agent database without a format',
      { workspace: 'acme', database: 'agent-shop', connection: 'staging-db' },
      undefined,
      422,
      'requires a format'
    ],
    [
      'a negative record_count',
      { ...ok, overrides: { entities: { orders: { record_count: -1 } } } },
      undefined,
      422,
      'record_count'
    ]
  ])('answers %s with an error', async (_name, body, key, status, message) => {
    const response = await post(body as Body | string, key === undefined ? emu.apiKey : key)
    expect(response.status).toBe(status)
    const answer = (await response.json()) as { error: string }
    expect(answer.error).toContain(message)
  })

  it('lists the supported formats when the format is unknown', async () => {
    const answer = (await (await post({ ...ok, format: 'parquet' })).json()) as { error: string }
    expect(answer.error).toMatch(/^Unsupported format: parquet\. Supported formats: .*postgres/)
  })

  it('lets a restricted key use its own workspace', async () => {
    const response = await post(
      { workspace: 'globex', database: 'crm', format: 'csv' },
      'fab_globex_only'
    )
    expect(response.status).toBe(201)
  })

  it('answers 404 for an unknown task', async () => {
    const response = await fetch(
      `${emu.apiUrl}/generate_tasks/00000000-0000-0000-0000-000000000000`,
      {
        headers: headers()
      }
    )
    expect(response.status).toBe(404)
  })
})

describe('task lifecycle', () => {
  it('reports progress while running, then completes with a download URL', async () => {
    emu.nextTask({ durationMs: 600, progressScale: 100 })
    const created = await createTask({ workspace: 'acme', database: 'shop', format: 'csv' })
    expect(created).toMatchObject({ completed: false, error: null, data_url: null })
    expect(created.id).toMatch(/^[0-9a-f-]{36}$/)
    expect(created.database_id).toBe(shop.id)
    await new Promise(resolve => setTimeout(resolve, 300))
    const running = await readTask(created.id)
    expect(running.completed).toBe(false)
    expect(running.progress).toBeGreaterThan(20)
    expect(running.progress).toBeLessThan(100)
    expect(running.phase).toBe('generating')
    expect(running.context).toMatch(/^Generating \w+ \(\d+\/\d+ rows\)$/)
    await new Promise(resolve => setTimeout(resolve, 400))
    const done = await readTask(created.id)
    expect(done).toMatchObject({ completed: true, progress: 100, content_type: 'application/zip' })
    expect(done.data_url).toMatch(
      /^http:\/\/127\.0\.0\.1:\d+\/rails\/active_storage\/blobs\/redirect\/[^/]+\/CREATED_FROM_API\.zip$/
    )
    expect(emu.tasks.get(created.id)?.completedAt).toEqual(expect.any(Number))
  })

  it('completes at once on the first read when durationMs is 0, progress 0-1', async () => {
    const created = await createTask({ workspace: 'acme', database: 'shop', format: 'jsonl' })
    const task = await readTask(created.id)
    expect(task).toMatchObject({ completed: true, progress: 1, error: null })
  })

  it('fails a task configured to fail', async () => {
    emu.nextTask({ error: 'Daily generation limit reached' })
    const created = await createTask({ workspace: 'acme', database: 'shop', format: 'csv' })
    const task = await readTask(created.id)
    expect(task).toMatchObject({ completed: false, error: 'Daily generation limit reached' })
  })

  it('names the URL download_url and leaves content_type out when told to', async () => {
    emu.nextTask({ urlField: 'download_url', omitContentType: true })
    const created = await createTask({ workspace: 'acme', database: 'shop', format: 'csv' })
    const task = await readTask(created.id)
    expect(task.download_url).toEqual(expect.any(String))
    expect(task).not.toHaveProperty('data_url')
    expect(task).not.toHaveProperty('content_type')
  })

  it('pushes to a named connection without a download', async () => {
    const created = await createTask({
      workspace: 'acme',
      database: 'shop',
      connection: 'staging-db'
    })
    const task = await readTask(created.id)
    expect(task).toMatchObject({ completed: true, data_url: null })
    expect(emu.pushes.find(p => p.taskId === created.id)).toMatchObject({
      connection: 'staging-db',
      rowCounts: { customers: 50, products: 25, orders: 100, order_items: 200 }
    })
  })
})

describe('results', () => {
  it('postgres-optimized: load.sql with \\copy lines parents first, CSVs that keep NULL apart', async () => {
    const { bytes, response } = await generate({
      workspace: 'acme',
      database: 'shop',
      format: 'postgres-optimized'
    })
    expect(response.headers.get('content-type')).toBe('application/zip')
    expect(Number(response.headers.get('content-length'))).toBe(bytes.length)
    const files = await unzip(bytes)
    expect([...files.keys()].sort()).toEqual([
      'customers.csv',
      'load.sql',
      'order_items.csv',
      'orders.csv',
      'products.csv'
    ])
    const load = files.get('load.sql') as string
    expect(load.startsWith('--')).toBe(true)
    const copies = load.split('\n').filter(line => line.startsWith('\\copy'))
    expect(copies.map(line => line.split('"')[1])).toEqual([
      'customers',
      'products',
      'orders',
      'order_items'
    ])
    expect(copies[0]).toContain("FROM 'customers.csv' WITH (FORMAT csv, HEADER true, NULL '')")

    const [header, ...data] = parseCsv(files.get('customers.csv') as string)
    expect(header).toEqual(shop.entities[0].columns.map(c => c.name))
    expect(data).toEqual([...rows(shop, 'customers', {})].map(asCsvValues))
    const cells = data.flat()
    expect(cells).toContain(null)
    expect(cells).toContain('')
  })

  it('generates the hard text cases, and foreign keys that point at existing rows', () => {
    const items = [...rows(shop, 'order_items', { seed: 3 })]
    const texts = new Set(items.map(r => r[6]))
    expect(HARD_TEXT.filter(t => texts.has(t)).length).toBeGreaterThan(5)
    for (const item of items) {
      expect(item[1]).toBeGreaterThanOrEqual(1)
      expect(item[1]).toBeLessThanOrEqual(100)
      expect(item[2]).toBeLessThanOrEqual(25)
    }
  })

  it('postgres: DELETEs children first, then INSERT batches separated by flush comments', async () => {
    const { bytes } = await generate({
      workspace: 'acme',
      database: 'shop',
      format: 'postgres',
      overrides: { entities: { order_items: { record_count: 1200 } } }
    })
    const load = (await unzip(bytes)).get('load.sql') as string
    const deletes = load.match(/^DELETE FROM "\w+";$/gm)
    expect(deletes).toEqual([
      'DELETE FROM "order_items";',
      'DELETE FROM "orders";',
      'DELETE FROM "products";',
      'DELETE FROM "customers";'
    ])
    expect(load.match(/^INSERT INTO "order_items"/gm)).toHaveLength(3)
    expect(load.match(/^-- fabricate-flush$/gm)).toHaveLength(6)
    expect(load).toContain("E'back\\\\slash'")
  })

  it('mysql: backticks and FOREIGN_KEY_CHECKS', async () => {
    const { bytes } = await generate({ workspace: 'acme', database: 'shop', format: 'mysql' })
    const load = (await unzip(bytes)).get('load.sql') as string
    expect(load).toContain('SET FOREIGN_KEY_CHECKS = 0;')
    expect(load).toContain('DELETE FROM `order_items`;')
    expect(load).toMatch(/^INSERT INTO `customers` \(`id`, /m)
  })

  it('a single entity is plain text, not a zip', async () => {
    const { task, bytes, response } = await generate({
      workspace: 'acme',
      database: 'shop',
      format: 'csv',
      entity: 'orders'
    })
    expect(task.content_type).toBe('text/csv')
    expect(task.data_url).toMatch(/CREATED_FROM_API\.csv$/)
    expect(response.headers.get('content-type')).toBe('text/csv')
    expect(parseCsv(bytes.toString('utf8'))).toHaveLength(101)
  })

  it('sqlite is a single file with the SQLite header', async () => {
    const { task, bytes } = await generate({
      workspace: 'acme',
      database: 'shop',
      format: 'sqlite'
    })
    expect(task.content_type).toBe('application/vnd.sqlite3')
    expect(bytes.subarray(0, 16).toString('latin1')).toBe('SQLite format 3\0')
  })

  it.each([
    ['nested', ['shop/customers.jsonl', 'shop/order_items.jsonl']],
    ['with-dirs', ['shop/', 'shop/customers.jsonl']]
  ] as const)('archive layout %s', async (layout, expected) => {
    emu.nextTask({ layout })
    const { bytes } = await generate({ workspace: 'acme', database: 'shop', format: 'jsonl' })
    const names = [...(await unzip(bytes)).keys()]
    expect(names).toEqual(expect.arrayContaining([...expected]))
    expect(names.every(name => name.startsWith('shop/'))).toBe(true)
  })

  it('honours record counts and the seed, and serves equal requests from the cache', async () => {
    const body = {
      workspace: 'acme',
      database: 'shop',
      format: 'jsonl',
      entity: 'customers',
      overrides: { variables: { seed: 9 }, entities: { customers: { record_count: 7 } } }
    }
    const first = await generate(body)
    const second = await generate(body)
    const other = await generate({
      ...body,
      overrides: { entities: { customers: { record_count: 7 } } }
    })
    expect(first.bytes.toString().trim().split('\n')).toHaveLength(7)
    expect(second.bytes.equals(first.bytes)).toBe(true)
    expect(other.bytes.equals(first.bytes)).toBe(false)
    const record = emu.tasks.get(first.task.id)
    expect(record).toMatchObject({ seed: 9, recordCounts: { customers: 7 } })
    expect(emu.tasks.get(second.task.id)?.filePath).toBe(record?.filePath)
  })
})

describe('download', () => {
  let task: Task

  beforeAll(async () => {
    const created = await createTask({ workspace: 'acme', database: 'shop', format: 'csv' })
    task = await readTask(created.id)
  })

  async function signedUrl(): Promise<string> {
    const response = await fetch(task.data_url as string, { redirect: 'manual' })
    expect(response.status).toBe(302)
    return response.headers.get('location') as string
  }

  it('redirects to a fresh signed URL on the storage host each time', async () => {
    const first = await signedUrl()
    const second = await signedUrl()
    expect(first.startsWith(`${emu.storageOrigin}/blobs/`)).toBe(true)
    expect(first).toMatch(/X-Amz-Expires=300&X-Amz-Signature=[0-9a-f]{64}$/)
    expect(second).not.toBe(first)
  })

  it('refuses a wrong signature with the S3 expired error', async () => {
    const url = (await signedUrl()).replace(/Signature=\w+/, `Signature=${'0'.repeat(64)}`)
    const response = await fetch(url)
    expect(response.status).toBe(403)
    expect(await response.text()).toContain(
      '<Error><Code>AccessDenied</Code><Message>Request has expired</Message>'
    )
  })

  it('refuses a request that carries an Authorization header', async () => {
    const response = await fetch(await signedUrl(), { headers: { authorization: 'Bearer x' } })
    expect(response.status).toBe(400)
  })

  it('serves byte ranges', async () => {
    const response = await fetch(await signedUrl(), { headers: { range: 'bytes=0-3' } })
    expect(response.status).toBe(206)
    expect(Buffer.from(await response.arrayBuffer())).toEqual(Buffer.from('PK\x03\x04', 'latin1'))
  })

  it('logs every request with its status and whether it carried Authorization', () => {
    const storage = emu.requests.filter(r => r.server === 'storage')
    expect(storage.length).toBeGreaterThan(0)
    expect(storage.every(r => !r.path.includes('?'))).toBe(true)
    expect(storage.filter(r => r.authorization).map(r => r.status)).toEqual([400])
    const redirects = emu.requests.filter(r => r.path.startsWith('/rails/'))
    expect(redirects.every(r => r.status === 302 && !r.authorization)).toBe(true)
  })
})

describe('faults', () => {
  const body = { workspace: 'acme', database: 'shop', format: 'csv' }

  it('answers injected statuses in order, with headers, then behaves again', async () => {
    emu.inject('create', { status: 429, headers: { 'retry-after': '2' } })
    emu.inject('create', { status: 502, html: true })
    const limited = await post(body)
    expect(limited.status).toBe(429)
    expect(limited.headers.get('retry-after')).toBe('2')
    const gateway = await post(body)
    expect(gateway.status).toBe(502)
    expect(gateway.headers.get('content-type')).toBe('text/html')
    expect(await gateway.text()).toContain('<h1>502 Bad Gateway</h1>')
    expect((await post(body)).status).toBe(201)
  })

  it('resets the connection', async () => {
    const created = await createTask(body)
    emu.inject('read', { reset: true })
    await expect(readTask(created.id)).rejects.toThrow()
    expect((await readTask(created.id)).completed).toBe(true)
  })

  it('creates the task and then loses the answer (afterCreate)', async () => {
    const before = emu.tasks.size
    emu.inject('create', { reset: true, afterCreate: true })
    await expect(post(body)).rejects.toThrow()
    expect(emu.tasks.size).toBe(before + 1)
  })

  it('hangs until the client gives up', async () => {
    emu.inject('create', { hang: true })
    const request = fetch(`${emu.apiUrl}/generate_tasks`, {
      method: 'POST',
      headers: headers(),
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(200)
    })
    await expect(request).rejects.toThrow()
  })

  it('delays an answer', async () => {
    emu.inject('read', { delayMs: 250 })
    const created = await createTask(body)
    const started = Date.now()
    await readTask(created.id)
    expect(Date.now() - started).toBeGreaterThanOrEqual(240)
  })

  it('truncates a download, expires it, or fails the redirect', async () => {
    const created = await createTask(body)
    const task = await readTask(created.id)
    emu.inject('blob', { truncate: 100 })
    const truncated = await fetch(task.data_url as string)
    expect(Number(truncated.headers.get('content-length'))).toBeGreaterThan(100)
    await expect(truncated.arrayBuffer()).rejects.toThrow()
    emu.inject('blob', { expire: true })
    expect((await fetch(task.data_url as string)).status).toBe(403)
    emu.inject('redirect', { status: 503, body: { error: 'maintenance' } })
    expect((await fetch(task.data_url as string)).status).toBe(503)
    expect((await fetch(task.data_url as string)).status).toBe(200)
  })

  it('closes cleanly with a hanging request open', async () => {
    const other = await startEmulator()
    other.inject('read', { hang: true })
    const request = fetch(`${other.apiUrl}/generate_tasks/x`, { headers: headers(other.apiKey) })
    const failed = expect(request).rejects.toThrow()
    await new Promise(resolve => setTimeout(resolve, 50))
    await other.close()
    await failed
    expect(other.requests[0]).toMatchObject({ server: 'api', status: 0, authorization: true })
  })
})

// @ts-check
// Writers that turn generated rows into Fabricate result files, streamed to disk: a zip archive
// (built with yazl) for a whole database, plain text for a single entity, a stand-in file for sqlite.
//
// NULL versus empty string: in every CSV file NULL is an unquoted empty field and an empty string is
// a quoted one (""), which is PostgreSQL's CSV default; load.sql says so explicitly with NULL ''.
// In SQL it is NULL versus ''; in JSON it is null versus "".

import { createWriteStream } from 'node:fs'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import yazl from 'yazl'
import { rows } from './generate.js'

/**
 * @typedef {import('./catalog.js').Database} Database
 * @typedef {import('./catalog.js').Column} Column
 * @typedef {import('./generate.js').Value} Value
 * @typedef {import('./generate.js').FieldOverride} FieldOverride
 * @typedef {'flat' | 'nested' | 'with-dirs'} Layout
 *
 * @typedef {object} ResultSpec
 * @property {Database} database
 * @property {string} format one of SUPPORTED_FORMATS
 * @property {string} [entity] one table only: the result is plain text
 * @property {Record<string, number>} recordCounts rows per table
 * @property {number | string} seed
 * @property {Record<string, Record<string, FieldOverride>>} [fields] per table, per column
 * @property {number} [textLength] average length of long text columns
 * @property {Layout} [layout] archive layout (default flat)
 * @property {number} [compressionLevel] deflate level of archive entries (default 6)
 *
 * @typedef {{ name: string, columns: Column[], rows: Iterable<Value[]>, count: number }} Table
 * @typedef {{ path: string, chunks?: () => Iterable<string> }} ZipEntry a directory when no chunks
 */

export const SUPPORTED_FORMATS = Object.freeze([
  'sql',
  'sqlite',
  'postgres-optimized',
  'postgres',
  'mysql',
  'csv',
  'jsonl',
  'json_array'
])

export const LAYOUTS = Object.freeze(['flat', 'nested', 'with-dirs'])

const SQLITE_HEADER = 'SQLite format 3\0'
const BATCH_ROWS = 500
const CHUNK_CHARS = 1 << 16
const FIXED_MTIME = new Date(Date.UTC(2024, 0, 1))

/** @type {Record<string, { contentType: string, extension: string }>} */
const SINGLE_FILE = {
  csv: { contentType: 'text/csv', extension: 'csv' },
  jsonl: { contentType: 'application/x-ndjson', extension: 'jsonl' },
  json_array: { contentType: 'application/json', extension: 'json' },
  sql: { contentType: 'application/sql', extension: 'sql' },
  postgres: { contentType: 'application/sql', extension: 'sql' },
  'postgres-optimized': { contentType: 'application/sql', extension: 'sql' },
  mysql: { contentType: 'application/sql', extension: 'sql' },
  sqlite: { contentType: 'application/vnd.sqlite3', extension: 'sqlite' }
}

/**
 * The media type and file extension of a result.
 * @param {{ format: string, entity?: string }} spec
 * @returns {{ contentType: string, extension: string }}
 */
export function resultInfo(spec) {
  if (spec.entity || spec.format === 'sqlite') return SINGLE_FILE[spec.format]
  return { contentType: 'application/zip', extension: 'zip' }
}

/**
 * Writes the result file of a generation to `filePath`, streaming.
 * @param {ResultSpec} spec
 * @param {string} filePath
 * @param {AbortSignal} [signal] stops the generation (the promise rejects)
 * @returns {Promise<void>}
 */
export async function writeResult(spec, filePath, signal) {
  if (spec.format === 'sqlite') return writeText(sqliteStandIn(), filePath, signal)
  const tables = tablesOf(spec)
  if (spec.entity) return writeText(singleTableText(spec, tables[0]), filePath, signal)
  return writeZip(archiveEntries(spec, tables), filePath, spec.compressionLevel ?? 6, signal)
}

/**
 * The tables of a result, parents first, each with a lazy row generator.
 * @param {ResultSpec} spec
 * @returns {Table[]}
 */
function tablesOf(spec) {
  const entities = spec.database.entities.filter(e => !spec.entity || e.name === spec.entity)
  return entities.map(e => ({
    name: e.name,
    columns: e.columns,
    count: spec.recordCounts[e.name],
    rows: {
      [Symbol.iterator]: () =>
        rows(spec.database, e.name, {
          seed: spec.seed,
          recordCounts: spec.recordCounts,
          fields: spec.fields?.[e.name],
          textLength: spec.textLength
        })
    }
  }))
}

/**
 * @param {ResultSpec} spec
 * @param {Table} table
 * @returns {Iterable<string>}
 */
function singleTableText(spec, table) {
  switch (spec.format) {
    case 'csv':
      return csvText(table)
    case 'jsonl':
      return jsonlText(table)
    case 'json_array':
      return jsonArrayText(table)
    case 'postgres-optimized':
      return copyFromStdinScript(spec, table)
    default:
      return sqlScript(spec, [table])
  }
}

/**
 * @param {ResultSpec} spec
 * @param {Table[]} tables
 * @returns {ZipEntry[]}
 */
function archiveEntries(spec, tables) {
  const layout = spec.layout ?? 'flat'
  const prefix = layout === 'flat' ? '' : `${spec.database.name}/`
  /** @type {ZipEntry[]} */
  const entries = layout === 'with-dirs' ? [{ path: prefix }] : []
  const add = (/** @type {string} */ name, /** @type {() => Iterable<string>} */ chunks) =>
    entries.push({ path: prefix + name, chunks })
  switch (spec.format) {
    case 'csv':
      for (const t of tables) add(`${t.name}.csv`, () => csvText(t))
      break
    case 'jsonl':
      for (const t of tables) add(`${t.name}.jsonl`, () => jsonlText(t))
      break
    case 'json_array':
      for (const t of tables) add(`${t.name}.json`, () => jsonArrayText(t))
      break
    case 'postgres-optimized':
      add('load.sql', () => copyScript(spec, tables))
      for (const t of tables) add(`${t.name}.csv`, () => csvText(t))
      break
    default:
      add('load.sql', () => sqlScript(spec, tables))
  }
  return entries
}

// ---------------------------------------------------------------------------------------------
// CSV and JSON

/**
 * @param {Table} table
 * @returns {Generator<string>}
 */
function* csvText(table) {
  yield table.columns.map(c => csvField(c.name)).join(',') + '\n'
  for (const row of table.rows) yield row.map(csvField).join(',') + '\n'
}

/**
 * NULL is an unquoted empty field; strings are quoted when empty or when they hold anything a CSV
 * or COPY reader could misread (quotes, separators, line breaks, backslashes, edge spaces).
 * @param {Value} value
 */
export function csvField(value) {
  if (value === null) return ''
  if (typeof value !== 'string') return String(value)
  if (value === '' || /[",\r\n\\]|^\s|\s$/.test(value)) return `"${value.replace(/"/g, '""')}"`
  return value
}

/**
 * @param {Table} table
 * @returns {Generator<string>}
 */
function* jsonlText(table) {
  for (const row of table.rows) yield jsonObject(table.columns, row) + '\n'
}

/**
 * @param {Table} table
 * @returns {Generator<string>}
 */
function* jsonArrayText(table) {
  let first = true
  for (const row of table.rows) {
    yield (first ? '[\n' : ',\n') + jsonObject(table.columns, row)
    first = false
  }
  yield first ? '[]\n' : '\n]\n'
}

/**
 * A row as a JSON object; jsonb columns are embedded as JSON, not as strings.
 * @param {Column[]} cols
 * @param {Value[]} row
 */
function jsonObject(cols, row) {
  const members = cols.map((c, i) => {
    const value = row[i]
    const json = c.type === 'jsonb' && value !== null ? String(value) : JSON.stringify(value)
    return `${JSON.stringify(c.name)}:${json}`
  })
  return `{${members.join(',')}}`
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL \copy scripts

const COPY_OPTIONS = "WITH (FORMAT csv, HEADER true, NULL '')"

/**
 * load.sql of postgres-optimized: one \copy per table, parents first. The CSV paths are relative,
 * and psql resolves them against its working directory, not the script's folder.
 * @param {ResultSpec} spec
 * @param {Table[]} tables
 * @returns {Generator<string>}
 */
function* copyScript(spec, tables) {
  yield header(spec, tables)
  yield '-- Run psql from the folder holding this file: \\copy paths are relative to it.\n'
  for (const t of tables) {
    yield `\\copy ${quoteIdent(t.name)} (${columnList(t)}) FROM '${t.name}.csv' ${COPY_OPTIONS}\n`
  }
}

/**
 * Single-entity postgres-optimized: the CSV rows inline, after \copy ... FROM STDIN.
 * @param {ResultSpec} spec
 * @param {Table} table
 * @returns {Generator<string>}
 */
function* copyFromStdinScript(spec, table) {
  yield header(spec, [table])
  yield `\\copy ${quoteIdent(table.name)} (${columnList(table)}) FROM STDIN ${COPY_OPTIONS}\n`
  yield* csvText(table)
  yield '\\.\n'
}

// ---------------------------------------------------------------------------------------------
// SQL scripts (postgres, sql, mysql): data only, the tables must exist

/**
 * @typedef {object} Dialect
 * @property {(name: string) => string} ident
 * @property {(value: Value, column: Column) => string} literal
 * @property {string} [prologue]
 * @property {string} [epilogue]
 */

/** @type {Record<string, Dialect>} */
const DIALECTS = {
  postgres: { ident: quoteIdent, literal: postgresLiteral },
  sql: { ident: quoteIdent, literal: standardLiteral },
  mysql: {
    ident: name => `\`${name.replace(/`/g, '``')}\``,
    literal: mysqlLiteral,
    prologue: 'SET FOREIGN_KEY_CHECKS = 0;\n',
    epilogue: 'SET FOREIGN_KEY_CHECKS = 1;\n'
  }
}

/**
 * A DELETE per table (children first), then INSERT batches (parents first), with a
 * `-- fabricate-flush` line after every batch.
 * @param {ResultSpec} spec
 * @param {Table[]} tables
 * @returns {Generator<string>}
 */
function* sqlScript(spec, tables) {
  const dialect = DIALECTS[spec.format]
  yield header(spec, tables)
  if (dialect.prologue) yield dialect.prologue
  for (const t of [...tables].reverse()) yield `DELETE FROM ${dialect.ident(t.name)};\n`
  for (const t of tables) yield* insertBatches(dialect, t)
  if (dialect.epilogue) yield dialect.epilogue
}

/**
 * @param {Dialect} dialect
 * @param {Table} table
 * @returns {Generator<string>}
 */
function* insertBatches(dialect, table) {
  const head = `INSERT INTO ${dialect.ident(table.name)} (${table.columns
    .map(c => dialect.ident(c.name))
    .join(', ')}) VALUES\n`
  let inBatch = 0
  for (const row of table.rows) {
    const values = row.map((v, i) => dialect.literal(v, table.columns[i])).join(', ')
    yield `${inBatch === 0 ? head : ',\n'}(${values})`
    inBatch++
    if (inBatch === BATCH_ROWS) {
      yield ';\n-- fabricate-flush\n'
      inBatch = 0
    }
  }
  if (inBatch > 0) yield ';\n-- fabricate-flush\n'
}

/* eslint-disable no-control-regex -- control characters are exactly what must be escaped */
const E_STRING_NEEDED = /[\\\x00-\x1f]/
const E_STRING_ESCAPED = /[\\'\x00-\x1f]/g
const MYSQL_ESCAPED = /[\\'"\n\r\t\0\x1a]/g
/* eslint-enable no-control-regex */

/**
 * PostgreSQL literal, correct whatever standard_conforming_strings says: strings holding a backslash
 * or a control character use the E'' escape syntax, all others are plain '' literals.
 * @param {Value} value
 */
export function postgresLiteral(value) {
  if (typeof value !== 'string') return scalarLiteral(value)
  if (!E_STRING_NEEDED.test(value)) return `'${value.replace(/'/g, "''")}'`
  return `E'${value.replace(E_STRING_ESCAPED, escapeChar)}'`
}

/** @param {string} char */
function escapeChar(char) {
  switch (char) {
    case '\\':
      return '\\\\'
    case "'":
      return "''"
    case '\n':
      return '\\n'
    case '\r':
      return '\\r'
    case '\t':
      return '\\t'
    default:
      return `\\x${char.charCodeAt(0).toString(16).padStart(2, '0')}`
  }
}

/**
 * Standard SQL literal: quotes doubled, everything else verbatim (line breaks included).
 * @param {Value} value
 */
function standardLiteral(value) {
  if (typeof value !== 'string') return scalarLiteral(value)
  return `'${value.replace(/'/g, "''")}'`
}

/**
 * MySQL literal: backslash escapes, booleans as 1/0, timestamps without the ISO 'T' and 'Z'.
 * @param {Value} value
 * @param {Column} column
 */
function mysqlLiteral(value, column) {
  if (typeof value === 'boolean') return value ? '1' : '0'
  if (typeof value !== 'string') return scalarLiteral(value)
  const text = column.type === 'timestamptz' ? value.replace('T', ' ').replace('Z', '') : value
  const escaped = text.replace(MYSQL_ESCAPED, c => MYSQL_ESCAPES[c])
  return `'${escaped}'`
}

/** @type {Record<string, string>} */
const MYSQL_ESCAPES = {
  '\\': '\\\\',
  "'": "\\'",
  '"': '\\"',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\0': '\\0',
  '\x1a': '\\Z'
}

/** @param {number | boolean | null} value */
function scalarLiteral(value) {
  if (value === null) return 'NULL'
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE'
  return String(value)
}

/** @param {string} name */
function quoteIdent(name) {
  return `"${name.replace(/"/g, '""')}"`
}

/** @param {Table} table */
function columnList(table) {
  return table.columns.map(c => quoteIdent(c.name)).join(', ')
}

/**
 * @param {ResultSpec} spec
 * @param {Table[]} tables
 */
function header(spec, tables) {
  const counts = tables.map(t => `${t.name} (${t.count} rows)`).join(', ')
  return (
    `-- Fabricate data for database "${spec.database.name}"\n` +
    `-- Format: ${spec.format}; seed: ${spec.seed}\n` +
    `-- Tables: ${counts}\n` +
    '-- Data only: the tables must already exist.\n'
  )
}

// ---------------------------------------------------------------------------------------------
// sqlite stand-in

/**
 * Not a real database: the SQLite magic header, then one zero-filled 4 KiB page.
 * @returns {Iterable<string>}
 */
function sqliteStandIn() {
  return [SQLITE_HEADER + '\0'.repeat(4096 - SQLITE_HEADER.length)]
}

// ---------------------------------------------------------------------------------------------
// Streaming to disk

/**
 * Joins small strings into ~64 KiB chunks, checking for abort between chunks.
 * @param {Iterable<string>} strings
 * @param {AbortSignal} [signal]
 * @returns {Generator<string>}
 */
function* chunked(strings, signal) {
  let parts = []
  let size = 0
  for (const s of strings) {
    parts.push(s)
    size += s.length
    if (size >= CHUNK_CHARS) {
      signal?.throwIfAborted()
      yield parts.join('')
      parts = []
      size = 0
    }
  }
  if (parts.length > 0) yield parts.join('')
}

/**
 * @param {Iterable<string>} strings
 * @param {AbortSignal} [signal]
 */
function textStream(strings, signal) {
  return Readable.from(chunked(strings, signal), { objectMode: false })
}

/**
 * @param {Iterable<string>} strings
 * @param {string} filePath
 * @param {AbortSignal} [signal]
 */
async function writeText(strings, filePath, signal) {
  await pipeline(textStream(strings, signal), createWriteStream(filePath))
}

/**
 * @param {ZipEntry[]} entries
 * @param {string} filePath
 * @param {number} compressionLevel
 * @param {AbortSignal} [signal]
 */
async function writeZip(entries, filePath, compressionLevel, signal) {
  const zip = new yazl.ZipFile()
  const output = /** @type {Readable} */ (/** @type {unknown} */ (zip.outputStream))
  const failed = new Promise((_resolve, reject) => zip.on('error', reject))
  const fail = (/** @type {Error} */ error) => {
    zip.emit('error', error)
    output.destroy(error)
  }
  for (const entry of entries) {
    const make = entry.chunks
    if (!make) {
      zip.addEmptyDirectory(entry.path, { mtime: FIXED_MTIME })
      continue
    }
    zip.addReadStreamLazy(entry.path, { mtime: FIXED_MTIME, compressionLevel }, callback => {
      const stream = textStream(make(), signal)
      stream.on('error', fail)
      callback(null, stream)
    })
  }
  zip.end()
  await Promise.race([pipeline(output, createWriteStream(filePath)), failed])
}

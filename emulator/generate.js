// @ts-check
// Deterministic row generation. Each table gets its own PRNG stream derived from (seed, table), so a
// table's rows are the same whether it is generated alone (`entity`) or as part of the database.
// Text columns regularly hold the values that break naive CSV/SQL encoders (HARD_TEXT).

/**
 * @typedef {import('./catalog.js').Database} Database
 * @typedef {import('./catalog.js').Column} Column
 * @typedef {string | number | boolean | null} Value
 * @typedef {{ min?: number, max?: number }} FieldOverride
 * @typedef {object} RowOptions
 * @property {number | string} [seed] default DEFAULT_SEED
 * @property {number} [recordCount] rows of this table (default: the catalog's)
 * @property {Record<string, number>} [recordCounts] rows of every table, for foreign keys
 * @property {Record<string, FieldOverride>} [fields] per-column overrides (min/max of numbers)
 * @property {number} [textLength] average length of long text columns
 */

export const DEFAULT_SEED = 42
export const DEFAULT_TEXT_LENGTH = 160

/** Text values that encoders get wrong. Never contains NUL or a line that is just `\.`. */
export const HARD_TEXT = Object.freeze([
  "O'Brien",
  'She said "hi"',
  'a,b,c',
  'line one\nline two',
  'windows\r\nline break',
  'tab\tseparated',
  'back\\slash',
  'C:\\new\\table',
  '  padded both sides  ',
  ' leading space',
  'trailing space ',
  '',
  'café crème',
  'Straße',
  '日本語のテキスト',
  'party 🎉 time 🦄',
  '\\N',
  'NULL',
  'null',
  'It\'s "all", at\tonce\\ \r\n done',
  '$$dollar$$ quoted',
  ':not_a_psql_var',
  '-- not a comment',
  '/* not a comment */',
  "x'); DROP TABLE customers; --",
  '"',
  "'",
  ','
])

const FIRST_NAMES = [
  'Ana',
  'José',
  'Zoë',
  'Björn',
  'Sean',
  'Mei',
  'Ødegård',
  'Amélie',
  '太郎',
  'Li'
]
const LAST_NAMES = ["O'Brien", 'Müller', 'Smith', "D'Angelo-Ruiz", 'Nguyen', '山田', 'van der Berg']
const WORDS = [
  'alpha',
  'bravo',
  'naïve',
  'straße',
  'delta',
  'echo',
  '東京',
  'fjord',
  'gamma',
  'hotel'
]
const CORPUS = buildCorpus()
const DAY_MS = 86_400_000
const FIRST_DAY = Date.UTC(2015, 0, 1) / DAY_MS
const DAY_SPAN = 4000

/**
 * A small seeded PRNG (mulberry32): returns floats in [0, 1).
 * @param {number} seed 32-bit integer
 * @returns {() => number}
 */
export function mulberry32(seed) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/**
 * FNV-1a hash of a string, as a 32-bit unsigned integer.
 * @param {string} text
 */
export function hash32(text) {
  let h = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return h >>> 0
}

/**
 * @param {Database} database
 * @param {string} entityName
 * @returns {Column[]}
 */
export function columns(database, entityName) {
  const entity = database.entities.find(e => e.name === entityName)
  if (!entity) throw new Error(`Entity '${entityName}' not found in database '${database.name}'`)
  return entity.columns
}

/**
 * Rows of one table, each an array of values in column order.
 * @param {Database} database
 * @param {string} entityName
 * @param {RowOptions} [options]
 * @returns {Generator<Value[]>}
 */
export function* rows(database, entityName, options = {}) {
  const cols = columns(database, entityName)
  const counts = { ...defaultRecordCounts(database), ...options.recordCounts }
  const count = options.recordCount ?? counts[entityName]
  const random = mulberry32(hash32(`${options.seed ?? DEFAULT_SEED}:${entityName}`))
  const makers = cols.map(c =>
    valueMaker(withOverride(c, options.fields?.[c.name]), {
      random,
      counts,
      textLength: options.textLength ?? DEFAULT_TEXT_LENGTH
    })
  )
  for (let index = 0; index < count; index++) {
    yield makers.map(make => make(index))
  }
}

/**
 * @param {Database} database
 * @returns {Record<string, number>}
 */
export function defaultRecordCounts(database) {
  return Object.fromEntries(database.entities.map(e => [e.name, e.recordCount]))
}

/**
 * @param {Column} column
 * @param {FieldOverride | undefined} override
 * @returns {Column}
 */
function withOverride(column, override) {
  if (!override) return column
  const { min, max } = override
  return {
    ...column,
    ...(typeof min === 'number' ? { min } : {}),
    ...(typeof max === 'number' ? { max } : {})
  }
}

/**
 * @typedef {{ random: () => number, counts: Record<string, number>, textLength: number }} Context
 * @param {Column} column
 * @param {Context} ctx
 * @returns {(index: number) => Value}
 */
function valueMaker(column, ctx) {
  const make = makerFor(column, ctx)
  if (!column.nullable) return make
  return index => (ctx.random() < 0.12 ? null : make(index))
}

/**
 * @param {Column} column
 * @param {Context} ctx
 * @returns {(index: number) => Value}
 */
function makerFor(column, ctx) {
  const { random } = ctx
  const pick = (/** @type {readonly string[]} */ list) => list[Math.floor(random() * list.length)]
  switch (column.gen) {
    case 'id':
      return index => index + 1
    case 'ref':
      return () => 1 + Math.floor(random() * (ctx.counts[column.ref ?? ''] ?? 1))
    case 'email':
      return index =>
        `${pick(['ana', 'Jose.Luis', 'zoe+news', 'o.brien'])}.${index + 1}@example.com`
    case 'person':
      return () => `${pick(FIRST_NAMES)} ${pick(LAST_NAMES)}`
    case 'tricky':
      return () => (random() < 0.35 ? pick(HARD_TEXT) : `${pick(WORDS)} ${pick(WORDS)}`)
    case 'prose':
      return () => (random() < 0.1 ? pick(HARD_TEXT) : prose(random, ctx.textLength))
    case 'boolean':
      return () => random() < 0.5
    case 'integer':
      return () => randomInteger(random, column.min ?? 0, column.max ?? 1000)
    case 'money':
      return () => decimal(random, column.min ?? 0, column.max ?? 1000, 2)
    case 'decimal3':
      return () => decimal(random, column.min ?? 0.05, column.max ?? 50, 3)
    case 'choice':
      return () => pick(column.choices ?? [''])
    case 'sku':
      return index => `SKU-${String(index + 1).padStart(6, '0')}`
    case 'date':
      return () => isoDate(FIRST_DAY + Math.floor(random() * DAY_SPAN))
    case 'timestamp':
      return () => new Date((FIRST_DAY + random() * DAY_SPAN) * DAY_MS).toISOString()
    case 'json':
      return () => jsonDocument(random, pick)
    default:
      throw new Error(`Unknown generator '${column.gen}' for column '${column.name}'`)
  }
}

/**
 * An integer in [min, max], with 53 bits of randomness so bigint ranges are covered evenly.
 * @param {() => number} random
 * @param {number} min
 * @param {number} max
 */
function randomInteger(random, min, max) {
  const bits = Math.floor(random() * 0x200000) * 0x100000000 + Math.floor(random() * 0x100000000)
  return min + (bits % (max - min + 1))
}

/**
 * @param {() => number} random
 * @param {number} min
 * @param {number} max
 * @param {number} digits
 */
function decimal(random, min, max, digits) {
  const scale = 10 ** digits
  return Math.round((min + random() * (max - min)) * scale) / scale
}

/** @param {number} day days since 1970-01-01 */
function isoDate(day) {
  return new Date(day * DAY_MS).toISOString().slice(0, 10)
}

/**
 * A slice of the corpus, 0.5x to 1.5x the average length.
 * @param {() => number} random
 * @param {number} average
 */
function prose(random, average) {
  const length = Math.min(Math.floor(average * (0.5 + random())), CORPUS.length)
  const start = Math.floor(random() * (CORPUS.length - length))
  return CORPUS.slice(start, start + length)
}

/**
 * @param {() => number} random
 * @param {(list: readonly string[]) => string} pick
 */
function jsonDocument(random, pick) {
  return JSON.stringify({
    newsletter: random() < 0.5,
    tags: [pick(WORDS), pick(WORDS)],
    note: pick(HARD_TEXT)
  })
}

/** Pseudo-prose long enough for any text length: BMP characters only, so slicing is safe. */
function buildCorpus() {
  const random = mulberry32(7)
  const words = [...WORDS, 'lorem', 'ipsum', 'dolor', 'sit', 'amet', 'crème', 'brûlée', 'ß']
  const parts = []
  let length = 0
  while (length < 1 << 17) {
    const word = words[Math.floor(random() * words.length)]
    const separator = random() < 0.08 ? '. ' : random() < 0.1 ? ', ' : ' '
    parts.push(word, separator)
    length += word.length + separator.length
  }
  return parts.join('')
}

import { describe, expect, it } from '@jest/globals'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import {
  cleanPsqlError,
  countStatement,
  displayName,
  readCounts,
  tablesInLoadFile
} from '../src/load.js'

function loadFile(text: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'load-file-'))
  const file = path.join(dir, 'load.sql')
  fs.writeFileSync(file, text)
  return file
}

describe('tablesInLoadFile', () => {
  it('lists the tables filled by \\copy, COPY and INSERT, once each, in order', async () => {
    const file = loadFile(
      [
        '-- generated',
        'DELETE FROM "orders";',
        '\\copy "customers" ("id", "name") FROM \'customers.csv\' WITH (FORMAT csv, HEADER true)',
        'COPY public.products (id) FROM STDIN;',
        '1',
        '\\.',
        'INSERT INTO "orders" ("id") VALUES',
        '(1),',
        "('INSERT INTO fake VALUES')",
        ';',
        '-- fabricate-flush',
        'insert into "orders" ("id") values (2);',
        'INSERT INTO "Weird ""Name""" (x) VALUES (1);',
        "\\copy (SELECT 1) TO 'out.csv'"
      ].join('\n')
    )
    expect(await tablesInLoadFile(file)).toEqual([
      '"customers"',
      'public.products',
      '"orders"',
      '"Weird ""Name"""'
    ])
  })
})

describe('displayName', () => {
  it('unquotes identifiers', () => {
    expect(displayName('"order_items"')).toBe('order_items')
    expect(displayName('public."Weird ""Name"""')).toBe('public.Weird "Name"')
    expect(displayName('plain')).toBe('plain')
  })
})

describe('cleanPsqlError', () => {
  it('keeps the error lines and drops notices', () => {
    const stderr = [
      'psql:load.sql:3: NOTICE:  truncate cascades to table "orders"',
      'psql:load.sql:12: ERROR:  duplicate key value violates unique constraint "customers_pkey"',
      'DETAIL:  Key (id)=(1) already exists.',
      ''
    ].join('\n')
    expect(cleanPsqlError(stderr)).toBe(
      'psql:load.sql:12: ERROR:  duplicate key value violates unique constraint "customers_pkey"\nDETAIL:  Key (id)=(1) already exists.'
    )
  })
})

describe('countStatement and readCounts', () => {
  it('name each table as written, quoted for SQL, and read the counts back', () => {
    const sql = countStatement(['"order_items"', 'public."it\'s"'])
    expect(sql).toContain("(0, 'order_items', '\"order_items\"')")
    expect(sql).toContain("(1, 'public.it''s', 'public.\"it''s\"')")
    expect(sql).toContain('WHERE to_regclass(rel) IS NOT NULL')
    // psql's aligned output, with what load.sql itself printed before it.
    const stdout = [
      ' setval ',
      '--------',
      '     42',
      '(1 row)',
      '',
      '                       ?column?                       ',
      '------------------------------------------------------',
      ' fabricate-action-rows { "order_items" : 200, "public.it\'s" : 0 }',
      '(1 row)',
      ''
    ].join('\n')
    expect(readCounts(stdout)).toEqual({ order_items: 200, "public.it's": 0 })
    expect(() => readCounts('(0 rows)')).toThrow('psql printed no row counts')
  })
})

import { describe, expect, it } from '@jest/globals'
import { findLoadFile, isZipResult, singleFileName } from '../src/result.js'

const zipBytes = Buffer.from('PK\x03\x04rest', 'latin1')
const sqliteBytes = Buffer.from('SQLite format 3\0', 'latin1')

describe('isZipResult', () => {
  it('trusts a content type when there is one', () => {
    expect(isZipResult('application/zip', sqliteBytes)).toBe(true)
    expect(isZipResult('text/csv; charset=utf-8', zipBytes)).toBe(false)
  })
  it('looks at the bytes when the type is missing or generic', () => {
    expect(isZipResult(undefined, zipBytes)).toBe(true)
    expect(isZipResult(undefined, sqliteBytes)).toBe(false)
    expect(isZipResult('application/octet-stream', zipBytes)).toBe(true)
    expect(isZipResult(undefined, Buffer.from('PK\x05\x06', 'latin1'))).toBe(true)
  })
})

describe('singleFileName', () => {
  it.each([
    ['customers', 'csv', undefined, 'customers.csv'],
    ['customers', 'jsonl', undefined, 'customers.jsonl'],
    ['customers', 'json_array', undefined, 'customers.json'],
    ['customers', 'postgres', undefined, 'customers.sql'],
    ['shop', 'sqlite', undefined, 'shop.sqlite'],
    ['shop', 'parquet', undefined, 'shop.parquet'],
    ['shop', 'brand-new', undefined, 'shop.brand-new'],
    ['shop', undefined, 'application/vnd.sqlite3', 'shop.sqlite'],
    ['a/b:c', 'csv', undefined, 'a_b_c.csv']
  ])('%s in %s is saved as %s', (base, format, type, name) => {
    expect(singleFileName(base, format, type)).toBe(name)
  })
})

describe('findLoadFile', () => {
  it('finds load.sql at the top or the shallowest one', () => {
    expect(findLoadFile(['customers.csv', 'load.sql'])).toBe('load.sql')
    expect(findLoadFile(['shop/customers.csv', 'shop/load.sql'])).toBe('shop/load.sql')
    expect(findLoadFile(['a/b/load.sql', 'a/LOAD.SQL'])).toBe('a/LOAD.SQL')
    expect(findLoadFile(['customers.csv'])).toBeUndefined()
  })
})

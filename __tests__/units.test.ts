import { describe, expect, it } from '@jest/globals'
import { formatBytes, formatDuration, parseDuration, parseSize } from '../src/units.js'

describe('parseDuration', () => {
  it.each([
    ['90s', 90_000],
    ['15m', 900_000],
    ['1h', 3_600_000],
    ['1h30m', 5_400_000],
    ['1h 30m', 5_400_000],
    ['500ms', 500],
    ['1.5m', 90_000],
    [' 2M ', 120_000]
  ])('reads %s', (text, ms) => {
    expect(parseDuration(text)).toBe(ms)
  })

  it.each(['', '90', 'soon', '10 minutes', '-5s', '1d', 's', '1h30'])('refuses %p', text => {
    expect(parseDuration(text)).toBeUndefined()
  })
})

describe('formatDuration', () => {
  it.each([
    [250, '250ms'],
    [1500, '1.5s'],
    [42_000, '42s'],
    [65_000, '1m 5s'],
    [600_000, '10m'],
    [3_725_000, '1h 2m']
  ])('writes %d ms as %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text)
  })
})

describe('parseSize', () => {
  it.each([
    ['500MB', 500_000_000],
    ['8GiB', 8 * 2 ** 30],
    ['1.5 GB', 1_500_000_000],
    ['10kib', 10_240],
    ['12B', 12]
  ])('reads %s', (text, bytes) => {
    expect(parseSize(text)).toBe(bytes)
  })

  it.each(['', '500', 'big', '5 XB', 'GiB'])('refuses %p', text => {
    expect(parseSize(text)).toBeUndefined()
  })
})

describe('formatBytes', () => {
  it.each([
    [0, '0 B'],
    [1023, '1023 B'],
    [1536, '1.5 KiB'],
    [734_003_200, '700 MiB'],
    [8 * 2 ** 30, '8.0 GiB']
  ])('writes %d as %s', (bytes, text) => {
    expect(formatBytes(bytes)).toBe(text)
  })
})

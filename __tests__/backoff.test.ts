import { describe, expect, it } from '@jest/globals'
import {
  FIRST_POLL_MS,
  SECOND_POLL_AT_MS,
  MAX_POLL_MS,
  MIN_POLL_MS,
  parseRetryAfter,
  pollDelay,
  retryDelay
} from '../src/backoff.js'

const low = (): number => 0
const high = (): number => 0.999999

describe('pollDelay', () => {
  it('looks a tenth of a second after the task starts, then at one second', () => {
    expect(FIRST_POLL_MS).toBe(100)
    expect(pollDelay(0, high)).toBe(FIRST_POLL_MS)
    expect(pollDelay(40, high)).toBe(60)
    expect(pollDelay(110, high)).toBe(SECOND_POLL_AT_MS - 110)
  })

  it('stays at the floor for short waits', () => {
    expect(pollDelay(5_000, high)).toBe(MIN_POLL_MS)
  })

  it('grows with the time waited, never past the cap', () => {
    expect(pollDelay(60_000, high)).toBe(6_000)
    expect(pollDelay(60_000, low)).toBe(5_100)
    expect(pollDelay(3_600_000, high)).toBe(MAX_POLL_MS)
  })

  it('notices a 60 s task within 6 s and with at most 25 reads, whatever the jitter', () => {
    for (const random of [low, high, () => 0.5]) {
      let t = 0
      let reads = 0
      while (t < 60_000) {
        t += pollDelay(t, random)
        reads++
      }
      expect(t - 60_000).toBeLessThanOrEqual(6_000)
      expect(reads).toBeLessThanOrEqual(25)
    }
  })
})

describe('retryDelay', () => {
  it('doubles per attempt between half and all of the ceiling', () => {
    expect(retryDelay(1, low)).toBe(500)
    expect(retryDelay(1, high)).toBe(1000)
    expect(retryDelay(3, low)).toBe(2000)
    expect(retryDelay(3, high)).toBe(4000)
  })

  it('is capped at 30 s', () => {
    expect(retryDelay(20, high)).toBe(30_000)
  })
})

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-12-03T12:00:00Z')
  it('reads seconds', () => {
    expect(parseRetryAfter('7', now)).toBe(7000)
  })
  it('reads an HTTP date', () => {
    expect(parseRetryAfter('Thu, 03 Dec 2026 12:00:30 GMT', now)).toBe(30_000)
  })
  it('treats a past date as now', () => {
    expect(parseRetryAfter('Thu, 03 Dec 2026 11:00:00 GMT', now)).toBe(0)
  })
  it('ignores nonsense and absence', () => {
    expect(parseRetryAfter('soon', now)).toBeUndefined()
    expect(parseRetryAfter(undefined, now)).toBeUndefined()
  })
})

import { describe, expect, it } from '@jest/globals'
import { Secrets } from '../src/secrets.js'

describe('Secrets', () => {
  it('announces and redacts a secret and its encoded forms', () => {
    const announced: string[] = []
    const secrets = new Secrets(value => announced.push(value))
    secrets.add('p@ss w/ord"x')
    expect(announced).toEqual([
      'p@ss w/ord"x',
      encodeURIComponent('p@ss w/ord"x'),
      'p@ss w/ord\\"x'
    ])
    expect(secrets.redact('a p@ss w/ord"x b p%40ss%20w%2Ford%22x c')).toBe('a *** b *** c')
  })

  it('redacts a signed URL whole, and its path and query when printed alone', () => {
    const secrets = new Secrets()
    const url =
      'https://storage.example/blobs/abc?X-Amz-Expires=300&X-Amz-Signature=0123456789abcdef'
    secrets.addUrl(url)
    expect(secrets.redact(`GET ${url} failed`)).toBe('GET *** failed')
    expect(
      secrets.redact(
        'Request timeout: /blobs/abc?X-Amz-Expires=300&X-Amz-Signature=0123456789abcdef'
      )
    ).toBe('Request timeout: ***')
    expect(secrets.redact('sig=0123456789abcdef')).toBe('sig=***')
    expect(secrets.redact(encodeURIComponent(url))).toBe('***')
  })

  it('ignores values too short to mask safely', () => {
    const announced: string[] = []
    const secrets = new Secrets(value => announced.push(value))
    secrets.add('abc')
    secrets.add(undefined)
    expect(announced).toEqual([])
    expect(secrets.redact('abc')).toBe('abc')
  })
})

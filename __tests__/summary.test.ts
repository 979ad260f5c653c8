import { describe, expect, it } from '@jest/globals'
import { newReport } from '../src/report.js'
import { renderSummary, SUMMARY_LIMIT } from '../src/summary.js'

describe('renderSummary', () => {
  it('leads with the outcome and lists the tables loaded with their rows', () => {
    const report = {
      ...newReport('acme', 'shop'),
      outcome: 'success' as const,
      format: 'postgres-optimized',
      taskId: 'task-1',
      downloadedBytes: 3 * 2 ** 20,
      phases: [
        { name: 'Generating', ms: 65_000 },
        { name: 'Loading', ms: 1_500 }
      ],
      tables: { customers: 1200, orders: 34_000 },
      files: ['load.sql', 'customers.csv', 'orders.csv'],
      loadFile: 'load.sql'
    }
    const text = renderSummary(report)
    expect(text.split('\n')[0]).toBe(
      '### ✅ Fabricate: acme / shop loaded 35,200 rows into PostgreSQL'
    )
    expect(text).toContain('| Downloaded | 3.0 MiB |')
    expect(text).toContain('| Time | 1m 7s (generating 1m 5s, loading 1.5s) |')
    expect(text).toContain('| `orders` | 34,000 |')
    expect(text).toContain('| **Total** | **35,200** |')
    expect(text).toContain('- `load.sql` (load file)')
  })

  it('says what went wrong and what to try on failure', () => {
    const report = {
      ...newReport('acme', 'shop'),
      outcome: 'failure' as const,
      error: 'HTTP 401: Invalid API key',
      advice: 'Check the API key.'
    }
    const text = renderSummary(report)
    expect(text.split('\n')[0]).toBe('### ❌ Fabricate: acme / shop failed')
    expect(text).toContain('```text\nHTTP 401: Invalid API key\n```')
    expect(text).toContain('**What to try:** Check the API key.')
  })

  it('stays within GitHub’s 1 MiB limit with huge lists', () => {
    const files = Array.from({ length: 50_000 }, (_, i) => `table_${i}.csv`)
    const tables = Object.fromEntries(files.map((f, i) => [f, i]))
    const text = renderSummary({ ...newReport('acme', 'shop'), outcome: 'success', files, tables })
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(SUMMARY_LIMIT)
    expect(text).toContain('… and 49900 more')
  })

  it('escapes table cells', () => {
    const text = renderSummary({ ...newReport('a|b', 'c<d>'), outcome: 'success' })
    expect(text).toContain('| Workspace | a\\|b |')
    expect(text).toContain('c&lt;d&gt;')
  })
})

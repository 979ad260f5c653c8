import { describe, expect, it } from '@jest/globals'
import { newReport, type RunReport } from '../src/report.js'
import { renderSummary, SUMMARY_LIMIT } from '../src/summary.js'

const loaded: RunReport = {
  ...newReport('acme', 'shop'),
  outcome: 'success',
  format: 'postgres-optimized',
  taskId: 'task-1',
  downloadedBytes: 3 * 2 ** 20,
  serverVersion: '16.4 (Debian 16.4-1.pgdg120+2)',
  phases: [
    { name: 'Generating', ms: 65_000 },
    { name: 'Loading', ms: 1_500 }
  ],
  tables: { customers: 1200, orders: 34_000 },
  files: ['load.sql', 'customers.csv', 'orders.csv'],
  loadFile: 'load.sql',
  path: '/runner/temp/fabricate-shop-task1'
}

describe('renderSummary', () => {
  it('leads with the outcome, then the facts in one row', () => {
    const lines = renderSummary(loaded).split('\n')
    expect(lines[0]).toBe('### ✅ Fabricate: acme / shop loaded 35,200 rows into PostgreSQL')
    expect(lines).toContain(
      '| Workspace | Database | Format | Task | Downloaded | PostgreSQL | Time |'
    )
    expect(lines).toContain(
      '| acme | shop | `postgres-optimized` | `task-1` | 3.0 MiB | 16.4 | 1m\u00a07s |'
    )
  })

  it('lists the tables loaded with their rows, the phases and the files', () => {
    const text = renderSummary(loaded)
    expect(text).toContain('| `orders` | 34,000 |')
    expect(text).toContain('| **Total** | **35,200** |')
    expect(text).toContain('| Generating | 1m\u00a05s |\n| Loading | 1.5s |')
    expect(text).toContain(
      '<summary>3 files in <code>/runner/temp/fabricate-shop-task1</code></summary>'
    )
    expect(text).toContain('- `load.sql` (load file)')
  })

  it('says where it failed, what went wrong and what to try', () => {
    const report: RunReport = {
      ...newReport('acme', 'shop'),
      outcome: 'failure',
      current: 'Loading',
      phases: [
        { name: 'Generating', ms: 3000 },
        { name: 'Loading', ms: 500 }
      ],
      error: 'psql:load.sql:12: ERROR:  duplicate key',
      advice: 'Check that the tables exist.'
    }
    const text = renderSummary(report)
    expect(text.split('\n')[0]).toBe('### ❌ Fabricate: acme / shop failed while loading')
    expect(text).toContain('```text\npsql:load.sql:12: ERROR:  duplicate key\n```')
    expect(text).toContain('**What to try:** Check that the tables exist.')
    expect(text).toContain('| Loading (failed) | 500ms |')
  })

  it('gives a cancel one line, without advice', () => {
    const text = renderSummary({
      ...newReport('acme', 'shop'),
      outcome: 'cancelled',
      current: 'Generating',
      taskId: 'task-9',
      advice: 'ignored'
    })
    expect(text.split('\n')[0]).toBe('### ⏹️ Fabricate: acme / shop cancelled')
    expect(text).toContain(
      'Cancelled while generating (task `task-9`). Partial files were removed.'
    )
    expect(text).not.toContain('What to try')
  })

  it('stays within GitHub’s 1 MiB limit with huge lists', () => {
    const files = Array.from({ length: 50_000 }, (_, i) => `table_${i}.csv`)
    const tables = Object.fromEntries(files.map((f, i) => [f, i]))
    const text = renderSummary({ ...newReport('acme', 'shop'), outcome: 'success', files, tables })
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(SUMMARY_LIMIT)
    expect(text).toContain('… and 49900 more')
  })

  it('stays within the limit in bytes when names are not ASCII', () => {
    // Three bytes a character in UTF-8: a cut by characters alone would be too long.
    const files = Array.from({ length: 100 }, (_, i) => `${'表'.repeat(20_000)}_${i}.csv`)
    const text = renderSummary({ ...newReport('acme', 'shop'), outcome: 'success', files })
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(SUMMARY_LIMIT)
    expect(text).toContain('summary cut to stay within')
    expect(text).not.toContain('\uFFFD')
  })

  it('escapes text cells, and only pipes in code spans', () => {
    const text = renderSummary({
      ...newReport('a|b', 'c<d>'),
      outcome: 'success',
      tables: { 'odd|<name>': 1 }
    })
    expect(text).toContain('| a\\|b | c&lt;d&gt; |')
    expect(text).toContain('| `odd\\|<name>` | 1 |')
  })

  it('leaves out what it does not know', () => {
    const text = renderSummary({ ...newReport('', ''), outcome: 'failure', error: 'bad input' })
    expect(text.split('\n')[0]).toBe('### ❌ Fabricate failed')
    expect(text).not.toContain('| Workspace')
  })
})

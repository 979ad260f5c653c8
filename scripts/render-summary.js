#!/usr/bin/env node
// @ts-check
// Renders sample job summaries through the real renderSummary (src/summary.ts) to see how they
// look on GitHub, without a run on GitHub:
//   node scripts/render-summary.js [OUT_DIR]        (default .cache/summary/)
// For each sample it writes NAME.md (what the action writes to GITHUB_STEP_SUMMARY), NAME.html (that
// Markdown converted for the subset renderSummary emits, in a GitHub-like page) and, when Chromium
// is installed, NAME.png (a headless screenshot). index.html shows them all.
// A developer tool, not part of CI. Chromium on Debian:
//   apt-get install chromium fonts-liberation fonts-noto-color-emoji
// (the emoji font for the headings, and a text font beside it: with the emoji font alone, Chromium
// draws digits and spaces from it and the page comes out spread wide). CHROMIUM=/path/to/chrome
// picks another browser.

import { spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import ts from 'typescript'

/** @typedef {import('../src/report.js').RunReport} RunReport */
/** @typedef {(report: RunReport) => string} RenderSummary */

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const WINDOW_SIZE = '1000,900'

/** @type {{ name: string, title: string, report: RunReport }[]} */
export const SAMPLES = [
  {
    name: 'success-loaded',
    title: 'Success: generated, downloaded and loaded into PostgreSQL',
    report: {
      outcome: 'success',
      workspace: 'acme',
      database: 'shop',
      format: 'postgres-optimized',
      taskId: '3f6c2a9e-8d1b-4c7e-9f0a-5b2d7e4c1a93',
      phases: [
        { name: 'Generating', ms: 74_200 },
        { name: 'Downloading', ms: 3_400 },
        { name: 'Unpacking', ms: 900 },
        { name: 'Waiting for PostgreSQL', ms: 1_200 },
        { name: 'Loading', ms: 12_700 }
      ],
      downloadedBytes: 48_612_345,
      unpackedBytes: 231_456_789,
      path: '/home/runner/work/_temp/fabricate-shop-3f6c2a9e',
      files: ['load.sql', 'customers.csv', 'products.csv', 'orders.csv', 'order_items.csv'],
      loadFile: 'load.sql',
      serverVersion: '16.4',
      tables: { customers: 50_000, products: 2_500, orders: 400_000, order_items: 1_250_000 }
    }
  },
  {
    name: 'success-download',
    title: 'Success: one table downloaded as CSV',
    report: {
      outcome: 'success',
      workspace: 'acme',
      database: 'shop',
      entity: 'customers',
      format: 'csv',
      taskId: '9b1e4d2c-0a7f-4e3d-8c6b-2f5a1d9e7c40',
      phases: [
        { name: 'Generating', ms: 8_100 },
        { name: 'Downloading', ms: 600 },
        { name: 'Unpacking', ms: 20 }
      ],
      downloadedBytes: 1_843_200,
      path: '/home/runner/work/app/app/seed-data',
      file: '/home/runner/work/app/app/seed-data/customers.csv',
      files: ['customers.csv']
    }
  },
  {
    name: 'failure-load',
    title: 'Failure: the load into PostgreSQL failed',
    report: {
      outcome: 'failure',
      workspace: 'acme',
      database: 'shop',
      format: 'postgres-optimized',
      taskId: '3f6c2a9e-8d1b-4c7e-9f0a-5b2d7e4c1a93',
      phases: [
        { name: 'Generating', ms: 74_200 },
        { name: 'Downloading', ms: 3_400 },
        { name: 'Unpacking', ms: 900 },
        { name: 'Waiting for PostgreSQL', ms: 1_200 },
        { name: 'Loading', ms: 310 }
      ],
      current: 'Loading',
      downloadedBytes: 48_612_345,
      unpackedBytes: 231_456_789,
      path: '/home/runner/work/_temp/fabricate-shop-3f6c2a9e',
      files: ['load.sql', 'customers.csv', 'products.csv', 'orders.csv', 'order_items.csv'],
      loadFile: 'load.sql',
      serverVersion: '16.4',
      error:
        'Loading failed, and nothing was committed (the load runs in one transaction). PostgreSQL said:\n' +
        'psql:load.sql:3: ERROR:  relation "customers" does not exist\n' +
        'LINE 1: COPY "customers" ("id", "email", "full_name") FROM STDIN WITH (FORMAT csv, HEADER true)',
      advice:
        'Check that the tables exist before the load (migrations, or `schema` files), and the connection settings (`postgres-url` or PG* variables).'
    }
  },
  {
    name: 'failure-api',
    title: 'Failure: the API refused the request',
    report: {
      outcome: 'failure',
      workspace: 'acme',
      database: 'shpo',
      format: 'csv',
      phases: [{ name: 'Generating', ms: 240 }],
      current: 'Generating',
      // The summary shows an ApiError without its hint, which is the advice.
      error: "Starting the task failed: HTTP 404: Database 'shpo' not found in workspace 'acme'",
      advice:
        "Check `workspace` ('acme') and `database` ('shpo'): they must match the names in Fabricate exactly."
    }
  },
  {
    name: 'cancelled',
    title: 'Cancelled while waiting for the task',
    report: {
      outcome: 'cancelled',
      workspace: 'acme',
      database: 'shop',
      format: 'postgres-optimized',
      taskId: '3f6c2a9e-8d1b-4c7e-9f0a-5b2d7e4c1a93',
      phases: [{ name: 'Generating', ms: 41_000 }],
      current: 'Generating',
      error:
        'Cancelled while working on task 3f6c2a9e-8d1b-4c7e-9f0a-5b2d7e4c1a93. Partial files were removed.'
    }
  }
]

/**
 * Compiles src/summary.ts and the modules it imports (TypeScript's transpileModule: types are
 * stripped, nothing is checked) into dir, and imports renderSummary from there.
 * @param {string} dir
 * @returns {Promise<RenderSummary>}
 */
async function loadRenderSummary(dir) {
  fs.writeFileSync(path.join(dir, 'package.json'), '{"type": "module"}\n')
  const pending = ['summary']
  const done = new Set()
  while (pending.length > 0) {
    const name = /** @type {string} */ (pending.pop())
    if (done.has(name)) continue
    done.add(name)
    const source = fs.readFileSync(path.join(root, 'src', `${name}.ts`), 'utf8')
    const { outputText } = ts.transpileModule(source, {
      compilerOptions: {
        module: ts.ModuleKind.ES2022,
        target: ts.ScriptTarget.ES2022,
        verbatimModuleSyntax: false
      },
      fileName: `${name}.ts`
    })
    fs.writeFileSync(path.join(dir, `${name}.js`), outputText)
    // Type-only imports are gone from the output; the rest are ./NAME.js modules of src/.
    for (const match of outputText.matchAll(/\bfrom\s+['"]\.\/([\w.-]+)\.js['"]/g)) {
      pending.push(match[1])
    }
  }
  const module = await import(pathToFileURL(path.join(dir, 'summary.js')).href)
  return /** @type {RenderSummary} */ (module.renderSummary)
}

// ---- Markdown to HTML, for what renderSummary writes ----

const ALLOWED_TAGS = /^<\/?(details|summary|br|b|strong|i|em|code|sub|sup|kbd)(\s[^<>]*)?>/i

/** @param {string} text */
function escapeHtml(text) {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}

/**
 * Text outside code spans: entities and the HTML tags GitHub keeps stay as they are; other `<`
 * and `&` are shown as text.
 * @param {string} text
 */
function escapeText(text) {
  let out = ''
  for (let i = 0; i < text.length; i++) {
    const rest = text.slice(i)
    const tag = ALLOWED_TAGS.exec(rest)
    if (tag) {
      out += tag[0]
      i += tag[0].length - 1
    } else if (text[i] === '&' && /^&(#\d+|#x[\da-f]+|[a-z]+\d*);/i.test(rest)) out += '&'
    else out += escapeHtml(text[i])
  }
  return out
}

/**
 * Inline Markdown: code spans, **bold**, *emphasis*, backslash escapes.
 * @param {string} text
 */
export function inline(text) {
  let out = ''
  let i = 0
  while (i < text.length) {
    const ticks = /^`+/.exec(text.slice(i))
    if (ticks) {
      const fence = ticks[0]
      const end = text.indexOf(fence, i + fence.length)
      if (end >= 0) {
        const code = text.slice(i + fence.length, end).replace(/^ (.*) $/, '$1')
        out += `<code>${escapeHtml(code)}</code>`
        i = end + fence.length
        continue
      }
    }
    const next = text.slice(i).search(/`/)
    const chunk = next < 0 ? text.slice(i) : text.slice(i, i + Math.max(next, 1))
    out += escapeText(chunk)
      .replace(/\\([\\`*_{}[\]()#+\-.!|])/g, '$1')
      .replace(/\*\*(.+?)\*\*/g, '<strong>$1</strong>')
      .replace(/(^|[^*])\*([^*\s][^*]*)\*/g, '$1<em>$2</em>')
    i += chunk.length
  }
  return out
}

/**
 * The cells of a table row: split on `|` that is not escaped; `\|` becomes `|`.
 * @param {string} line
 */
function cells(line) {
  const trimmed = line.trim().replace(/^\|/, '').replace(/\|$/, '')
  /** @type {string[]} */
  const result = []
  let cell = ''
  for (let i = 0; i < trimmed.length; i++) {
    if (trimmed[i] === '\\' && trimmed[i + 1] === '|') {
      cell += '|'
      i++
    } else if (trimmed[i] === '|') {
      result.push(cell.trim())
      cell = ''
    } else cell += trimmed[i]
  }
  result.push(cell.trim())
  return result
}

/**
 * Converts the Markdown subset renderSummary emits (headings, GFM tables, fenced code, lists,
 * paragraphs, <details>/<summary> lines, bold, inline code) to HTML.
 * @param {string} markdown
 * @returns {string}
 */
export function markdownToHtml(markdown) {
  const lines = markdown.split('\n')
  /** @type {string[]} */
  const html = []
  let i = 0
  while (i < lines.length) {
    const line = lines[i]
    if (!line.trim()) {
      i++
      continue
    }
    const fence = /^(```+|~~~+)\s*([\w-]*)\s*$/.exec(line)
    if (fence) {
      const body = []
      i++
      while (i < lines.length && !lines[i].startsWith(fence[1])) body.push(lines[i++])
      i++
      const lang = fence[2] ? ` class="language-${fence[2]}"` : ''
      html.push(`<pre><code${lang}>${escapeHtml(body.join('\n'))}</code></pre>`)
      continue
    }
    const heading = /^(#{1,6})\s+(.*?)\s*#*$/.exec(line)
    if (heading) {
      const level = heading[1].length
      html.push(`<h${level}>${inline(heading[2])}</h${level}>`)
      i++
      continue
    }
    if (/^\s*</.test(line) && ALLOWED_TAGS.test(line.trim())) {
      // An HTML block (GitHub keeps details/summary): passed through, up to a blank line.
      while (i < lines.length && lines[i].trim()) html.push(escapeText(lines[i++]))
      continue
    }
    if (
      line.trim().startsWith('|') &&
      /^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$/.test(lines[i + 1] ?? '')
    ) {
      const header = cells(line)
      const aligns = cells(lines[i + 1]).map(spec =>
        spec.startsWith(':') && spec.endsWith(':')
          ? 'center'
          : spec.endsWith(':')
            ? 'right'
            : spec.startsWith(':')
              ? 'left'
              : ''
      )
      /** @param {number} n */
      const align = n => (aligns[n] ? ` align="${aligns[n]}"` : '')
      i += 2
      const rows = []
      while (i < lines.length && lines[i].trim().startsWith('|')) rows.push(cells(lines[i++]))
      html.push(
        '<table>',
        `<thead><tr>${header.map((c, n) => `<th${align(n)}>${inline(c)}</th>`).join('')}</tr></thead>`,
        '<tbody>',
        ...rows.map(
          row =>
            `<tr>${header.map((_, n) => `<td${align(n)}>${inline(row[n] ?? '')}</td>`).join('')}</tr>`
        ),
        '</tbody>',
        '</table>'
      )
      continue
    }
    if (/^\s*[-*+]\s+/.test(line)) {
      const items = []
      while (i < lines.length && /^\s*[-*+]\s+/.test(lines[i])) {
        items.push(`<li>${inline(lines[i++].replace(/^\s*[-*+]\s+/, ''))}</li>`)
      }
      html.push('<ul>', ...items, '</ul>')
      continue
    }
    const paragraph = []
    while (
      i < lines.length &&
      lines[i].trim() &&
      !/^(#{1,6}\s|```|~~~|\s*[-*+]\s|\s*\|)/.test(lines[i]) &&
      !ALLOWED_TAGS.test(lines[i].trim())
    ) {
      paragraph.push(lines[i++].trim())
    }
    if (paragraph.length === 0) paragraph.push(lines[i++])
    html.push(`<p>${inline(paragraph.join('\n'))}</p>`)
  }
  return html.join('\n')
}

// ---- The page ----

const STYLE = `
:root { color-scheme: light; }
body { margin: 0; background: #f6f8fa; color: #1f2328;
  font: 14px/1.5 -apple-system, BlinkMacSystemFont, "Segoe UI", "Noto Sans", Helvetica, Arial,
    sans-serif, "Apple Color Emoji", "Segoe UI Emoji", "Noto Color Emoji"; }
main { max-width: 920px; margin: 24px auto; }
.caption { color: #59636e; font-size: 12px; margin: 0 0 8px; }
.summary { background: #fff; border: 1px solid #d1d9e0; border-radius: 6px; margin-bottom: 24px; }
.summary > header { padding: 12px 16px; border-bottom: 1px solid #d1d9e0; font-weight: 600; }
.summary > header span { color: #59636e; font-weight: 400; }
.markdown-body { padding: 16px 24px; word-wrap: break-word; }
.markdown-body > :first-child { margin-top: 0; }
.markdown-body > :last-child { margin-bottom: 0; }
.markdown-body h1, .markdown-body h2, .markdown-body h3, .markdown-body h4 {
  margin: 24px 0 16px; font-weight: 600; line-height: 1.25; }
.markdown-body h3 { font-size: 1.25em; }
.markdown-body p, .markdown-body ul, .markdown-body table, .markdown-body pre,
.markdown-body details { margin: 0 0 16px; }
.markdown-body ul { padding-left: 2em; }
.markdown-body li + li { margin-top: 0.25em; }
.markdown-body code { font: 85%/1.45 ui-monospace, SFMono-Regular, "SF Mono", Menlo, Consolas,
  "Liberation Mono", monospace; background: rgba(129, 139, 152, 0.12); border-radius: 6px;
  padding: 0.2em 0.4em; }
.markdown-body pre { background: #f6f8fa; border-radius: 6px; padding: 16px; overflow: auto; }
.markdown-body pre code { background: none; padding: 0; font-size: 85%; white-space: pre; }
.markdown-body table { border-spacing: 0; border-collapse: collapse; display: block;
  width: max-content; max-width: 100%; overflow: auto; }
.markdown-body th, .markdown-body td { padding: 6px 13px; border: 1px solid #d1d9e0; }
.markdown-body th { font-weight: 600; }
.markdown-body tr { background: #fff; border-top: 1px solid #d1d9e0b3; }
.markdown-body tbody tr:nth-child(2n) { background: #f6f8fa; }
.markdown-body summary { cursor: pointer; }
`

/**
 * One summary as GitHub frames it under a job.
 * @param {string} title
 * @param {string} markdown
 */
function card(title, markdown) {
  return `<p class="caption">${escapeHtml(title)}</p>
<section class="summary">
<header>seed <span>summary</span></header>
<div class="markdown-body">
${markdownToHtml(markdown)}
</div>
</section>`
}

/**
 * @param {string} title
 * @param {string} body
 */
function page(title, body) {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
${body}
</main>
</body>
</html>
`
}

/** @returns {string | undefined} */
function findChromium() {
  const candidates = [process.env.CHROMIUM, 'chromium', 'chromium-browser', 'google-chrome']
  for (const candidate of candidates) {
    if (!candidate) continue
    if (candidate.includes('/')) {
      if (fs.existsSync(candidate)) return candidate
      continue
    }
    for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
      const file = path.join(dir, candidate)
      if (dir && fs.existsSync(file)) return file
    }
  }
  return undefined
}

/**
 * Takes a screenshot of an HTML file with headless Chromium; true when the PNG was written.
 * @param {string} chromium
 * @param {string} htmlFile
 * @param {string} pngFile
 * @param {string} tempDir
 */
function screenshot(chromium, htmlFile, pngFile, tempDir) {
  const profile = fs.mkdtempSync(path.join(tempDir, 'chromium-'))
  fs.rmSync(pngFile, { force: true })
  const result = spawnSync(
    chromium,
    [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--hide-scrollbars',
      `--user-data-dir=${profile}`,
      `--screenshot=${pngFile}`,
      `--window-size=${WINDOW_SIZE}`,
      pathToFileURL(htmlFile).href
    ],
    { encoding: 'utf8', timeout: 60_000 }
  )
  if (!fs.existsSync(pngFile)) {
    process.stderr.write(
      `chromium wrote no screenshot for ${htmlFile} (exit ${result.status}):\n${result.stderr}\n`
    )
    return false
  }
  return true
}

async function main() {
  const outDir = path.resolve(process.argv[2] ?? path.join(root, '.cache', 'summary'))
  fs.mkdirSync(outDir, { recursive: true })
  const tempDir = fs.mkdtempSync(path.join(os.tmpdir(), 'fabricate-summary-'))
  try {
    const renderSummary = await loadRenderSummary(tempDir)
    const chromium = findChromium()
    /** @type {string[]} */
    const cards = []
    for (const sample of SAMPLES) {
      const markdown = renderSummary(sample.report)
      const htmlFile = path.join(outDir, `${sample.name}.html`)
      fs.writeFileSync(path.join(outDir, `${sample.name}.md`), markdown)
      fs.writeFileSync(htmlFile, page(sample.title, card(sample.title, markdown)))
      cards.push(card(sample.title, markdown))
      const png = path.join(outDir, `${sample.name}.png`)
      const shot = chromium ? screenshot(chromium, htmlFile, png, tempDir) : false
      console.log(
        `${path.relative(process.cwd(), htmlFile)}${shot ? ` and ${sample.name}.png` : ''}`
      )
    }
    fs.writeFileSync(path.join(outDir, 'index.html'), page('Job summaries', cards.join('\n')))
    if (!chromium) {
      console.log(
        'No Chromium found (apt-get install chromium, or set CHROMIUM): wrote HTML without PNGs.'
      )
    }
    console.log(`Open ${path.relative(process.cwd(), path.join(outDir, 'index.html'))}`)
  } finally {
    fs.rmSync(tempDir, { recursive: true, force: true })
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch(error => {
    console.error(error instanceof Error ? error.stack : error)
    process.exit(1)
  })
}

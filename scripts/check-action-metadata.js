#!/usr/bin/env node
// @ts-check
// Checks an action's metadata file (action.yml) against GitHub's metadata syntax for actions:
//   node scripts/check-action-metadata.js [action.yml]
// The published schema validators (SchemaStore's github-action.json, @action-validator/cli 0.6.0)
// still reject `runs.using: node24`, which GitHub's runners accept, so the rules are written out
// here: required keys, input and output ids, descriptions, string defaults, the files that `main`,
// `pre` and `post` name, and the branding icon and color GitHub's Marketplace allows.

import * as fs from 'node:fs'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'
import { isMap, isScalar, isSeq, LineCounter, parseDocument } from 'yaml'

/** @typedef {{ line: number, col: number, message: string }} Problem */
/** @typedef {import('yaml').Node} YamlNode */
/** @typedef {import('yaml').YAMLMap<unknown, unknown>} YamlMap */

export const RUNS_USING = ['node20', 'node24', 'composite', 'docker']
const RETIRED_NODE = ['node12', 'node16']
const ID = /^[_a-zA-Z][a-zA-Z0-9_-]*$/
const TOP_KEYS = ['name', 'author', 'description', 'inputs', 'outputs', 'runs', 'branding']
const INPUT_KEYS = ['description', 'required', 'default', 'deprecationMessage']
const RUNS_KEYS = {
  node: ['using', 'main', 'pre', 'pre-if', 'post', 'post-if'],
  composite: ['using', 'steps'],
  docker: [
    'using',
    'image',
    'env',
    'args',
    'entrypoint',
    'pre-entrypoint',
    'pre-if',
    'post-entrypoint',
    'post-if'
  ]
}

/** Branding colors allowed by GitHub (metadata syntax, `branding.color`). */
export const BRANDING_COLORS = [
  'white',
  'black',
  'yellow',
  'blue',
  'green',
  'orange',
  'red',
  'purple',
  'gray-dark'
]

/** The Feather icons (v4.28.0) that GitHub allows as `branding.icon`. */
export const BRANDING_ICONS =
  `activity airplay alert-circle alert-octagon alert-triangle align-center
align-justify align-left align-right anchor aperture archive arrow-down-circle arrow-down-left
arrow-down-right arrow-down arrow-left-circle arrow-left arrow-right-circle arrow-right
arrow-up-circle arrow-up-left arrow-up-right arrow-up at-sign award bar-chart-2 bar-chart
battery-charging battery bell-off bell bluetooth bold book-open book bookmark box briefcase calendar
camera-off camera cast check-circle check-square check chevron-down chevron-left chevron-right
chevron-up chevrons-down chevrons-left chevrons-right chevrons-up circle clipboard clock
cloud-drizzle cloud-lightning cloud-off cloud-rain cloud-snow cloud code command compass copy
corner-down-left corner-down-right corner-left-down corner-left-up corner-right-down
corner-right-up corner-up-left corner-up-right cpu credit-card crop crosshair database delete disc
dollar-sign download-cloud download droplet edit-2 edit-3 edit external-link eye-off eye facebook
fast-forward feather file-minus file-plus file-text file film filter flag folder-minus folder-plus
folder gift git-branch git-commit git-merge git-pull-request globe grid hard-drive hash headphones
heart help-circle home image inbox info italic layers layout life-buoy link-2 link list loader lock
log-in log-out mail map-pin map maximize-2 maximize menu message-circle message-square mic-off mic
minimize-2 minimize minus-circle minus-square minus monitor moon more-horizontal more-vertical move
music navigation-2 navigation octagon package paperclip pause-circle pause percent phone-call
phone-forwarded phone-incoming phone-missed phone-off phone-outgoing phone pie-chart play-circle
play plus-circle plus-square plus pocket power printer radio refresh-ccw refresh-cw repeat rewind
rotate-ccw rotate-cw rss save scissors search send server settings share-2 share shield-off shield
shopping-bag shopping-cart shuffle sidebar skip-back skip-forward slash sliders smartphone speaker
square star stop-circle sun sunrise sunset tablet tag target terminal thermometer thumbs-down
thumbs-up toggle-left toggle-right trash-2 trash trending-down trending-up triangle truck tv type
umbrella underline unlock upload-cloud upload user-check user-minus user-plus user-x user users
video-off video voicemail volume-1 volume-2 volume-x volume watch wifi-off wifi wind x-circle
x-square x zap-off zap zoom-in zoom-out`.split(/\s+/)

/**
 * Checks the text of an action metadata file.
 * @param {string} text the YAML text
 * @param {string} actionDir the folder holding it, against which `main`, `pre` and `post` resolve
 * @returns {Problem[]}
 */
export function checkActionMetadata(text, actionDir) {
  const lineCounter = new LineCounter()
  const doc = parseDocument(text, { lineCounter, prettyErrors: false })
  /** @type {Problem[]} */
  const problems = []
  /**
   * @param {unknown} node
   * @param {string} message
   */
  const report = (node, message) => {
    const range = /** @type {{ range?: [number, number, number] } | null} */ (node)?.range
    const { line, col } = lineCounter.linePos(range ? range[0] : 0)
    problems.push({ line, col, message })
  }
  for (const error of doc.errors) {
    const { line, col } = lineCounter.linePos(error.pos[0])
    problems.push({ line, col, message: `YAML: ${error.message.split('\n')[0]}` })
  }
  if (doc.errors.length > 0) return problems

  const root = doc.contents
  if (!isMap(root)) {
    report(root, 'the file must be a YAML mapping')
    return problems
  }
  const top = entries(root)
  for (const [key, , keyNode] of top) {
    if (!TOP_KEYS.includes(key)) report(keyNode, `unknown top-level key '${key}'`)
  }
  const get = (/** @type {string} */ key) => top.find(([k]) => k === key)?.[1]

  for (const key of ['name', 'description']) {
    const node = get(key)
    if (node === undefined) report(root, `'${key}' is required`)
    else if (!nonEmptyString(node)) report(node, `'${key}' must be a non-empty string`)
  }
  const author = get('author')
  if (author !== undefined && !nonEmptyString(author)) report(author, `'author' must be a string`)

  const runs = get('runs')
  const using = isMap(runs) ? scalarString(runs.get('using', true)) : undefined
  checkInputs(get('inputs'), report)
  checkOutputs(get('outputs'), using === 'composite', report)
  if (runs === undefined) report(root, `'runs' is required`)
  else checkRuns(runs, actionDir, report)
  checkBranding(get('branding'), report)
  return problems.sort((a, b) => a.line - b.line || a.col - b.col)
}

/**
 * @param {unknown} node
 * @param {(node: unknown, message: string) => void} report
 */
function checkInputs(node, report) {
  if (node === undefined || isEmpty(node)) return
  if (!isMap(node)) return report(node, `'inputs' must be a mapping of input ids`)
  /** @type {Map<string, string>} */
  const seen = new Map()
  for (const [id, input, keyNode] of entries(node)) {
    const where = `input '${id}'`
    if (!ID.test(id)) {
      report(
        keyNode,
        `${where}: an id starts with a letter or '_' and holds only letters, digits, '-', '_'`
      )
    }
    const lower = id.toLowerCase()
    if (seen.has(lower))
      report(keyNode, `${where}: same id as '${seen.get(lower)}' (ids are case-insensitive)`)
    seen.set(lower, id)
    if (!isMap(input)) {
      report(input ?? keyNode, `${where}: must be a mapping with a description`)
      continue
    }
    const fields = entries(input)
    for (const [key, , fieldKey] of fields) {
      if (!INPUT_KEYS.includes(key)) report(fieldKey, `${where}: unknown key '${key}'`)
    }
    const description = input.get('description', true)
    if (!nonEmptyString(description))
      report(description ?? keyNode, `${where}: needs a description`)
    const required = input.get('required', true)
    if (required !== undefined && typeof scalarValue(required) !== 'boolean') {
      report(required, `${where}: 'required' must be true or false`)
    }
    const defaultValue = input.get('default', true)
    if (defaultValue !== undefined && typeof scalarValue(defaultValue) !== 'string') {
      report(defaultValue, `${where}: 'default' must be a string (quote it)`)
    }
    const deprecation = input.get('deprecationMessage', true)
    if (deprecation !== undefined && !nonEmptyString(deprecation)) {
      report(deprecation, `${where}: 'deprecationMessage' must be a string`)
    }
  }
}

/**
 * @param {unknown} node
 * @param {boolean} composite
 * @param {(node: unknown, message: string) => void} report
 */
function checkOutputs(node, composite, report) {
  if (node === undefined || isEmpty(node)) return
  if (!isMap(node)) return report(node, `'outputs' must be a mapping of output ids`)
  for (const [id, output, keyNode] of entries(node)) {
    const where = `output '${id}'`
    if (!ID.test(id)) {
      report(
        keyNode,
        `${where}: an id starts with a letter or '_' and holds only letters, digits, '-', '_'`
      )
    }
    if (!isMap(output)) {
      report(output ?? keyNode, `${where}: must be a mapping with a description`)
      continue
    }
    const allowed = composite ? ['description', 'value'] : ['description']
    for (const [key, , fieldKey] of entries(output)) {
      if (!allowed.includes(key)) report(fieldKey, `${where}: unknown key '${key}'`)
    }
    const description = output.get('description', true)
    if (!nonEmptyString(description))
      report(description ?? keyNode, `${where}: needs a description`)
    if (composite && !nonEmptyString(output.get('value', true))) {
      report(keyNode, `${where}: a composite action's output needs a 'value'`)
    }
  }
}

/**
 * @param {unknown} runs
 * @param {string} actionDir
 * @param {(node: unknown, message: string) => void} report
 */
function checkRuns(runs, actionDir, report) {
  if (!isMap(runs)) return report(runs, `'runs' must be a mapping`)
  const usingNode = runs.get('using', true)
  const using = scalarString(usingNode)
  if (!using) return report(runs, `'runs.using' is required`)
  if (RETIRED_NODE.includes(using)) {
    return report(usingNode, `'runs.using: ${using}' is retired by GitHub; use ${RUNS_USING[1]}`)
  }
  if (!RUNS_USING.includes(using)) {
    return report(usingNode, `'runs.using' must be one of ${RUNS_USING.join(', ')}, not '${using}'`)
  }
  const kind = using.startsWith('node') ? 'node' : /** @type {'composite' | 'docker'} */ (using)
  for (const [key, , keyNode] of entries(runs)) {
    if (!RUNS_KEYS[kind].includes(key))
      report(keyNode, `'runs.${key}' is not valid with using: ${using}`)
  }
  if (kind === 'node') {
    for (const key of ['main', 'pre', 'post']) {
      const node = runs.get(key, true)
      if (node === undefined) {
        if (key === 'main') report(runs, `'runs.main' is required with using: ${using}`)
        continue
      }
      const file = scalarString(node)
      if (!file) report(node, `'runs.${key}' must be a file path`)
      else if (!isFile(path.resolve(actionDir, file)))
        report(node, `'runs.${key}': ${file} does not exist`)
    }
    for (const key of ['pre-if', 'post-if']) {
      const node = runs.get(key, true)
      if (node !== undefined && !nonEmptyString(node))
        report(node, `'runs.${key}' must be a string`)
    }
    if (runs.has('pre-if') && !runs.has('pre'))
      report(runs.get('pre-if', true), `'runs.pre-if' without 'runs.pre'`)
    if (runs.has('post-if') && !runs.has('post'))
      report(runs.get('post-if', true), `'runs.post-if' without 'runs.post'`)
  } else if (kind === 'composite') {
    const steps = runs.get('steps', true)
    if (!isSeq(steps) || steps.items.length === 0)
      report(steps ?? runs, `'runs.steps' must be a list of steps`)
  } else {
    const image = runs.get('image', true)
    const value = scalarString(image)
    if (!value) report(image ?? runs, `'runs.image' is required with using: docker`)
    else if (!value.startsWith('docker://') && !isFile(path.resolve(actionDir, value))) {
      report(image, `'runs.image': ${value} is neither docker://IMAGE nor a Dockerfile that exists`)
    }
  }
}

/**
 * @param {unknown} node
 * @param {(node: unknown, message: string) => void} report
 */
function checkBranding(node, report) {
  if (node === undefined) return
  if (!isMap(node)) return report(node, `'branding' must be a mapping with icon and color`)
  for (const [key, value, keyNode] of entries(node)) {
    const text = scalarString(value)
    if (key === 'icon') {
      if (!text || !BRANDING_ICONS.includes(text)) {
        report(
          value ?? keyNode,
          `'branding.icon' '${text ?? ''}' is not one of the Feather icons GitHub allows`
        )
      }
    } else if (key === 'color') {
      if (!text || !BRANDING_COLORS.includes(text)) {
        report(value ?? keyNode, `'branding.color' must be one of ${BRANDING_COLORS.join(', ')}`)
      }
    } else {
      report(keyNode, `unknown key 'branding.${key}'`)
    }
  }
}

/**
 * The entries of a YAML map: key text, value node, key node.
 * @param {YamlMap} map
 * @returns {[string, unknown, unknown][]}
 */
function entries(map) {
  return map.items.map(pair => [
    String(isScalar(pair.key) ? pair.key.value : pair.key),
    pair.value,
    pair.key
  ])
}

/** @param {unknown} node */
function scalarValue(node) {
  return isScalar(node) ? node.value : undefined
}

/** @param {unknown} node */
function scalarString(node) {
  const value = scalarValue(node)
  return typeof value === 'string' ? value : undefined
}

/** @param {unknown} node */
function nonEmptyString(node) {
  return Boolean(scalarString(node)?.trim())
}

/** @param {unknown} node */
function isEmpty(node) {
  return isScalar(node) && (node.value === null || node.value === '')
}

/** @param {string} file */
function isFile(file) {
  try {
    return fs.statSync(file).isFile()
  } catch {
    return false
  }
}

/**
 * Checks a metadata file on disk; prints its problems as file:line:col: message.
 * @param {string} file
 * @returns {number} the number of problems
 */
export function checkActionFile(file) {
  const problems = checkActionMetadata(
    fs.readFileSync(file, 'utf8'),
    path.dirname(path.resolve(file))
  )
  for (const p of problems)
    console.error(`${file}:${p.line}:${p.col}: ${p.message} [action-metadata]`)
  return problems.length
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const file = process.argv[2] ?? 'action.yml'
  const count = checkActionFile(file)
  if (count > 0) process.exit(1)
  console.log(`${file}: action metadata OK`)
}

// Pure parsers for what a JavaScript action hands the GitHub runner: the file commands
// (GITHUB_OUTPUT, GITHUB_STATE, GITHUB_ENV, GITHUB_PATH) and the workflow commands it prints
// (`::error title=x::message`, `::add-mask::value`, ...). They follow the runner's own parsing
// (actions/runner FileCommandManager and ActionCommand) on Linux, with one addition: a heredoc
// value that contains its delimiter is an error, as @actions/core refuses to write one.

export interface FileCommandEntry {
  name: string
  value: string
  /** The heredoc delimiter, when the entry was a `name<<DELIMITER` block. */
  delimiter?: string
}

export class FileCommandError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'FileCommandError'
  }
}

/** Splits off one line at `index` (LF only, as the runner does on Linux). */
function readLine(text: string, index: number): { line: string; next: number; newline: boolean } {
  const lf = text.indexOf('\n', index)
  if (lf < 0) return { line: text.slice(index), next: text.length, newline: false }
  return { line: text.slice(index, lf), next: lf + 1, newline: true }
}

/**
 * Parses an output, state or env file: `name=value` lines and `name<<DELIMITER` blocks whose value
 * is every line up to a line that is exactly DELIMITER. Empty lines between entries are skipped.
 * Throws FileCommandError on a line that is neither form, an empty name or delimiter, a block without
 * its closing delimiter line, or a value that contains its delimiter.
 */
export function parseFileCommandEntries(text: string, what = 'file'): FileCommandEntry[] {
  const entries: FileCommandEntry[] = []
  let index = 0
  while (index < text.length) {
    const { line, next } = readLine(text, index)
    index = next
    if (line === '') continue
    const equals = line.indexOf('=')
    const heredoc = line.indexOf('<<')
    if (equals >= 0 && (heredoc < 0 || equals < heredoc)) {
      const name = line.slice(0, equals)
      if (name === '') throw new FileCommandError(`${what}: empty name in line '${line}'`)
      entries.push({ name, value: line.slice(equals + 1) })
      continue
    }
    if (heredoc < 0) {
      throw new FileCommandError(
        `${what}: invalid line '${line}' (neither name=value nor name<<EOF)`
      )
    }
    const name = line.slice(0, heredoc)
    const delimiter = line.slice(heredoc + 2)
    if (name === '' || delimiter === '') {
      throw new FileCommandError(`${what}: empty name or delimiter in line '${line}'`)
    }
    const start = index
    let end = index
    for (;;) {
      if (index >= text.length) {
        throw new FileCommandError(
          `${what}: matching delimiter '${delimiter}' of '${name}' not found`
        )
      }
      const value = readLine(text, index)
      index = value.next
      if (value.line === delimiter) break
      if (!value.newline) {
        throw new FileCommandError(`${what}: '${name}': EOF marker missing new line`)
      }
      end = index - 1
    }
    const value = end > start ? text.slice(start, end) : ''
    if (value.includes(delimiter)) {
      throw new FileCommandError(`${what}: the value of '${name}' contains its delimiter`)
    }
    entries.push({ name, value, delimiter })
  }
  return entries
}

/** parseFileCommandEntries as an object; a name given twice keeps its last value. */
export function parseFileCommands(text: string, what = 'file'): Record<string, string> {
  const result: Record<string, string> = {}
  for (const { name, value } of parseFileCommandEntries(text, what)) {
    Object.defineProperty(result, name, {
      value,
      enumerable: true,
      writable: true,
      configurable: true
    })
  }
  return result
}

/** GITHUB_PATH: one directory per line, empty lines skipped. */
export function parsePathFile(text: string): string[] {
  return text.split('\n').filter(line => line !== '')
}

// Workflow commands ------------------------------------------------------------------------------

/** Commands the runner acts on; any other `::name::` line is plain output. */
export const RUNNER_COMMANDS: ReadonlySet<string> = new Set([
  'add-mask',
  'add-matcher',
  'remove-matcher',
  'add-path',
  'set-env',
  'set-output',
  'save-state',
  'debug',
  'notice',
  'warning',
  'error',
  'group',
  'endgroup',
  'echo',
  'stop-commands'
])

export interface WorkflowCommand {
  command: string
  /** Properties (`title`, `file`, `line`, ...), un-escaped; names as written. */
  properties: Record<string, string>
  /** The message after the second `::`, un-escaped. */
  message: string
  /** The raw line. */
  line: string
  /** Position of the line in the sequence given to parseWorkflowCommands. */
  lineIndex?: number
}

const DATA_ESCAPES: [string, string][] = [
  ['\r', '%0D'],
  ['\n', '%0A'],
  ['%', '%25']
]
const PROPERTY_ESCAPES: [string, string][] = [
  ['\r', '%0D'],
  ['\n', '%0A'],
  [':', '%3A'],
  [',', '%2C'],
  ['%', '%25']
]

function unescapeWith(value: string, mappings: [string, string][]): string {
  let result = value
  for (const [token, replacement] of mappings) result = result.split(replacement).join(token)
  return result
}

function escapeWith(value: string, mappings: [string, string][]): string {
  let result = value
  for (const [token, replacement] of [...mappings].reverse()) {
    result = result.split(token).join(replacement)
  }
  return result
}

/** The runner's un-escaping of a command's message: %0D, %0A, then %25. */
export function unescapeData(value: string): string {
  return unescapeWith(value, DATA_ESCAPES)
}

/** The runner's un-escaping of a property value: %0D, %0A, %3A, %2C, then %25. */
export function unescapeProperty(value: string): string {
  return unescapeWith(value, PROPERTY_ESCAPES)
}

/** @actions/core's escaping of a message (for building test input). */
export function escapeData(value: string): string {
  return escapeWith(value, DATA_ESCAPES)
}

/** @actions/core's escaping of a property value. */
export function escapeProperty(value: string): string {
  return escapeWith(value, PROPERTY_ESCAPES)
}

/** Parses one line as the runner does: `::command prop=v,prop=v::message`, leading space allowed. */
export function parseWorkflowCommand(line: string): WorkflowCommand | undefined {
  const message = line.replace(/^\s+/, '')
  if (!message.startsWith('::')) return undefined
  const end = message.indexOf('::', 2)
  if (end < 0) return undefined
  const info = message.slice(2, end)
  const space = info.indexOf(' ')
  const command = space < 0 ? info : info.slice(0, space)
  if (!RUNNER_COMMANDS.has(command)) return undefined
  const properties: Record<string, string> = {}
  if (space > 0) {
    for (const part of info
      .slice(space + 1)
      .trim()
      .split(',')) {
      if (part === '') continue
      const eq = part.indexOf('=')
      if (eq <= 0 || eq === part.length - 1) continue
      properties[part.slice(0, eq)] = unescapeProperty(part.slice(eq + 1))
    }
  }
  return { command, properties, message: unescapeData(message.slice(end + 2)), line }
}

/**
 * Parses every command in a sequence of output lines, honouring `::stop-commands::TOKEN` (commands
 * are ignored until a line `::TOKEN::`).
 */
export function parseWorkflowCommands(lines: Iterable<string>): WorkflowCommand[] {
  const commands: WorkflowCommand[] = []
  let stopToken: string | undefined
  let lineIndex = -1
  for (const line of lines) {
    lineIndex += 1
    if (stopToken !== undefined) {
      if (line.trim() === `::${stopToken}::`) stopToken = undefined
      continue
    }
    const command = parseWorkflowCommand(line)
    if (!command) continue
    if (command.command === 'stop-commands') {
      if (command.message !== '') stopToken = command.message
      continue
    }
    commands.push({ ...command, lineIndex })
  }
  return commands
}

/** Values registered by `::add-mask::`, in order (a multi-line value gives each line too). */
export function masksOf(commands: WorkflowCommand[]): string[] {
  const masks: string[] = []
  for (const c of commands) {
    if (c.command !== 'add-mask' || c.message.trim() === '') continue
    masks.push(c.message)
    if (/[\r\n]/.test(c.message)) {
      for (const part of c.message.split(/\r?\n/)) if (part.trim() !== '') masks.push(part)
    }
  }
  return masks
}

/** Replaces every occurrence of every mask with `***`, longest masks first. */
export function maskText(text: string, masks: Iterable<string>): string {
  const sorted = [...new Set(masks)].filter(m => m !== '').sort((a, b) => b.length - a.length)
  let result = text
  for (const mask of sorted) result = result.split(mask).join('***')
  return result
}

/**
 * The log as the runner shows it: each line masked with the secrets known from the start plus
 * every `::add-mask::` seen on an earlier line or on that line itself. A secret printed before its
 * add-mask stays visible, as on GitHub.
 */
export function maskLog(lines: string[], secrets: Iterable<string> = []): string[] {
  const masks = [...secrets]
  const byLine = new Map<number, WorkflowCommand>()
  for (const c of parseWorkflowCommands(lines)) {
    if (c.command === 'add-mask' && c.lineIndex !== undefined) byLine.set(c.lineIndex, c)
  }
  return lines.map((line, i) => {
    const command = byLine.get(i)
    if (command) masks.push(...masksOf([command]))
    return maskText(line, masks)
  })
}

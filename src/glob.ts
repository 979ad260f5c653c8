/**
 * The files a `schema` pattern names (`db/schema.sql`, `db/*.sql`, `migrations/**\/*.sql`),
 * found with tinyglobby (fdir and picomatch underneath). @actions/glob would do as well in the
 * action, but it logs through the runner's workflow commands, which the command line would print
 * among its own output. Loaded only by the runs that give `schema`.
 */
import * as path from 'node:path'

/**
 * Files (not folders) matching a pattern relative to `cwd` (or absolute), sorted, as absolute
 * paths. Hidden files and folders match only when the pattern names them; links to files count.
 */
export async function globFiles(pattern: string, cwd: string): Promise<string[]> {
  const { glob } = await import('tinyglobby')
  const files = await glob(pattern, {
    cwd,
    absolute: true,
    onlyFiles: true,
    dot: false,
    expandDirectories: false,
    followSymbolicLinks: true
  })
  return [...new Set(files.map(file => path.resolve(file)))].sort()
}

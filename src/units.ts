/**
 * Durations and sizes as people write them in a workflow file ("90s", "15m", "8GiB"), and back
 * again for the log.
 */

const DURATION_UNITS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000
}

/**
 * Parses a duration such as `90s`, `15m`, `1h`, `1h30m` or `500ms` into milliseconds.
 * Returns undefined when the text is not a duration.
 */
export function parseDuration(text: string): number | undefined {
  const compact = text.trim().toLowerCase().replace(/\s+/g, '')
  if (!/^(\d+(\.\d+)?(ms|s|m|h))+$/.test(compact)) return undefined
  let total = 0
  for (const [, amount, unit] of compact.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)) {
    total += Number(amount) * DURATION_UNITS[unit]
  }
  return Math.round(total)
}

/** `65_000` → `1m 5s`; `1_500` → `1.5s`; `250` → `250ms`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`
  if (ms < 60_000) {
    const seconds = ms / 1000
    return `${seconds < 10 ? Number(seconds.toFixed(1)) : Math.round(seconds)}s`
  }
  const totalSeconds = Math.round(ms / 1000)
  const hours = Math.floor(totalSeconds / 3600)
  const minutes = Math.floor((totalSeconds % 3600) / 60)
  const seconds = totalSeconds % 60
  const parts = hours > 0 ? [`${hours}h`, `${minutes}m`] : [`${minutes}m`]
  if (seconds > 0 && hours === 0) parts.push(`${seconds}s`)
  return parts.join(' ')
}

const SIZE_UNITS: Record<string, number> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  kib: 2 ** 10,
  mib: 2 ** 20,
  gib: 2 ** 30,
  tib: 2 ** 40
}

/** Parses `500MB`, `8GiB`, `1.5 GB` into bytes. Returns undefined when the text is not a size. */
export function parseSize(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)\s*([a-z]+)$/i.exec(text.trim())
  if (!match) return undefined
  const factor = SIZE_UNITS[match[2].toLowerCase()]
  if (factor === undefined) return undefined
  return Math.round(Number(match[1]) * factor)
}

/** `1536` → `1.5 KiB`; sizes in binary units, as `du -h` and most people read them. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB']
  let value = bytes
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit += 1
  }
  const digits = unit === 0 || value >= 100 ? 0 : 1
  return `${value.toFixed(digits)} ${units[unit]}`
}

/**
 * Every secret the action knows of, so that no message it writes can contain one. The runner masks
 * values announced with `::add-mask::`, but only those exact strings and only from then on; this
 * module also catches the encoded forms a library may print (a URL-encoded signed URL, a path and
 * query without the host) and scrubs our own messages before they reach any output.
 */

const MIN_SECRET_LENGTH = 6

export class Secrets {
  private readonly values = new Set<string>()

  constructor(private readonly announce: (value: string) => void = () => {}) {}

  /** Registers a secret and the forms in which it could appear; announces each to the runner. */
  add(value: string | undefined): void {
    if (!value || value.length < MIN_SECRET_LENGTH) return
    for (const form of new Set([
      value,
      encodeURIComponent(value),
      JSON.stringify(value).slice(1, -1)
    ])) {
      if (form.length < MIN_SECRET_LENGTH || this.values.has(form)) continue
      this.values.add(form)
      this.announce(form)
    }
  }

  /**
   * A signed URL grants access to data: mask the whole URL, its path and query (what an HTTP
   * library prints in "Request timeout: /path?query"), and every long query value (signatures,
   * tokens, credentials).
   */
  addUrl(url: string): void {
    this.add(url)
    let parsed: URL
    try {
      parsed = new URL(url)
    } catch {
      return
    }
    if (parsed.search) {
      this.add(parsed.pathname + parsed.search)
      this.add(parsed.search.slice(1))
    }
    for (const value of parsed.searchParams.values()) this.add(value)
    if (parsed.password) this.add(decodeURIComponent(parsed.password))
    this.add(parsed.pathname.length >= 24 ? parsed.pathname : undefined)
  }

  /** Replaces every known secret in text with `***`. */
  redact(text: string): string {
    let result = text
    // Longest first, so a URL is replaced whole before its parts are.
    for (const value of [...this.values].sort((a, b) => b.length - a.length)) {
      result = result.split(value).join('***')
    }
    return result
  }
}

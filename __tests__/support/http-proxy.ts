// A tiny real HTTP forward proxy on 127.0.0.1, for testing that the action honours HTTPS_PROXY,
// HTTP_PROXY and NO_PROXY. It handles `CONNECT host:port` tunnels (what clients use for https) and
// absolute-URI plain HTTP requests. `resolve` maps the requested host and port to where the proxy
// really connects, so a test can use a name such as `fabricate.test` that only the proxy can reach.
import http, { type IncomingHttpHeaders } from 'node:http'
import net from 'node:net'

export interface ProxyTarget {
  host: string
  port: number
}

export interface ProxyLogEntry {
  /** `CONNECT`, or the method of a plain request. */
  method: string
  /** Host and port the client asked for. */
  host: string
  port: number
  /** The absolute URI of a plain request. */
  url?: string
  /** Where the proxy connected, after `resolve`. */
  to: ProxyTarget
  /** 200 for an established tunnel, the upstream's status for a plain request, 502 on failure. */
  status?: number
  error?: string
  /** The request's headers as the proxy received them (Proxy-Authorization included). */
  headers: IncomingHttpHeaders
}

export interface HttpProxyOptions {
  /** Maps a requested host:port to the address to connect to; undefined keeps it. */
  resolve?: (host: string, port: number) => ProxyTarget | undefined
}

export interface HttpProxy {
  port: number
  /** `http://127.0.0.1:<port>`, for HTTPS_PROXY / HTTP_PROXY. */
  url: string
  /** Everything proxied, in order. */
  log: ProxyLogEntry[]
  close(): Promise<void>
}

const HOP_BY_HOP = new Set([
  'connection',
  'proxy-connection',
  'keep-alive',
  'proxy-authorization',
  'proxy-authenticate',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade'
])

function endToEnd(headers: IncomingHttpHeaders): http.OutgoingHttpHeaders {
  const result: http.OutgoingHttpHeaders = {}
  for (const [name, value] of Object.entries(headers)) {
    if (!HOP_BY_HOP.has(name.toLowerCase()) && value !== undefined) result[name] = value
  }
  return result
}

/** Splits `host:port` or `[v6]:port` (CONNECT's authority form). */
export function parseAuthority(authority: string, defaultPort: number): ProxyTarget | undefined {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]+))(?::(\d+))?$/.exec(authority)
  if (!match) return undefined
  const port = match[3] ? Number(match[3]) : defaultPort
  if (!(port > 0 && port < 65536)) return undefined
  return { host: match[1] ?? match[2], port }
}

export async function startHttpProxy(options: HttpProxyOptions = {}): Promise<HttpProxy> {
  const log: ProxyLogEntry[] = []
  const sockets = new Set<net.Socket>()
  const map = (host: string, port: number): ProxyTarget =>
    options.resolve?.(host, port) ?? { host, port }
  const track = (socket: net.Socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  }

  const server = http.createServer((req, res) => {
    const raw = req.url ?? ''
    let url: URL | undefined
    try {
      url = /^http:\/\//i.test(raw) ? new URL(raw) : undefined
    } catch {
      url = undefined
    }
    if (!url) {
      res.writeHead(400, { 'content-type': 'text/plain' })
      res.end(`this proxy takes absolute http:// URIs or CONNECT, not ${raw}\n`)
      return
    }
    const host = url.hostname.replace(/^\[|\]$/g, '')
    const port = url.port ? Number(url.port) : 80
    const entry: ProxyLogEntry = {
      method: req.method ?? 'GET',
      host,
      port,
      url: raw,
      to: map(host, port),
      headers: req.headers
    }
    log.push(entry)
    const headers = endToEnd(req.headers)
    headers.host = url.host
    const upstream = http.request(
      {
        host: entry.to.host,
        port: entry.to.port,
        method: req.method,
        path: `${url.pathname}${url.search}`,
        headers
      },
      answer => {
        entry.status = answer.statusCode
        res.writeHead(answer.statusCode ?? 502, answer.statusMessage, endToEnd(answer.headers))
        answer.pipe(res)
        answer.on('error', () => res.destroy())
      }
    )
    upstream.on('error', error => {
      entry.status = 502
      entry.error = error.message
      if (!res.headersSent) {
        res.writeHead(502, { 'content-type': 'text/plain' })
        res.end(`proxy: ${error.message}\n`)
      } else res.destroy()
    })
    req.pipe(upstream)
  })

  server.on('connection', track)
  server.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    const authority = parseAuthority(req.url ?? '', 443)
    if (!authority) {
      client.end('HTTP/1.1 400 Bad Request\r\n\r\n')
      return
    }
    const entry: ProxyLogEntry = {
      method: 'CONNECT',
      host: authority.host,
      port: authority.port,
      to: map(authority.host, authority.port),
      headers: req.headers
    }
    log.push(entry)
    const upstream = net.connect(entry.to.port, entry.to.host)
    track(upstream)
    upstream.once('connect', () => {
      entry.status = 200
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n')
      if (head.length > 0) upstream.write(head)
      upstream.pipe(client)
      client.pipe(upstream)
    })
    upstream.on('error', error => {
      if (entry.status === undefined) {
        entry.status = 502
        entry.error = error.message
        client.end('HTTP/1.1 502 Bad Gateway\r\n\r\n')
      } else client.destroy()
    })
    client.on('error', () => upstream.destroy())
    client.on('close', () => upstream.destroy())
    upstream.on('close', () => client.destroy())
  })

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : 0
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    log,
    close: () =>
      new Promise<void>(resolve => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      })
  }
}

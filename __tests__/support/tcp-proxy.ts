// A tiny real TCP forwarder on 127.0.0.1: closed (connection refused) for a while, then forwarding
// every connection to a target. It stands in for a PostgreSQL service container that comes up a few
// seconds after the step starts.
import net from 'node:net'
import { freePort } from './pg-server.js'

export interface TcpForwarderOptions {
  target: { host: string; port: number }
  /** Refuse connections (nothing listens on the port) for this long. Default 0. */
  acceptAfterMs?: number
}

export interface TcpForwarder {
  port: number
  /** Resolves when the port accepts connections; rejects if it could not be taken. */
  ready: Promise<void>
  /** Connections forwarded so far. */
  connections(): number
  /** Stops listening and cuts every open connection. */
  close(): Promise<void>
}

export async function startTcpForwarder(options: TcpForwarderOptions): Promise<TcpForwarder> {
  const port = await freePort()
  const sockets = new Set<net.Socket>()
  let count = 0
  let closed = false
  // Half-open allowed on both legs, so that a FIN travels through like any other byte.
  const server = net.createServer({ allowHalfOpen: true }, client => {
    count += 1
    const upstream = net.connect({
      port: options.target.port,
      host: options.target.host,
      allowHalfOpen: true
    })
    sockets.add(client)
    sockets.add(upstream)
    const end = () => {
      client.destroy()
      upstream.destroy()
      sockets.delete(client)
      sockets.delete(upstream)
    }
    client.on('error', end)
    upstream.on('error', end)
    client.on('close', end)
    upstream.on('close', end)
    client.pipe(upstream)
    upstream.pipe(client)
  })
  let timer: NodeJS.Timeout | undefined
  let rejectReady: (error: Error) => void = () => undefined
  const ready = new Promise<void>((resolve, reject) => {
    rejectReady = reject
    const listen = () => {
      timer = undefined
      if (closed) return
      server.once('error', reject)
      server.listen(port, '127.0.0.1', () => resolve())
    }
    if (options.acceptAfterMs && options.acceptAfterMs > 0) {
      timer = setTimeout(listen, options.acceptAfterMs)
    } else listen()
  })
  // A caller that never awaits `ready` must not get an unhandled rejection.
  ready.catch(() => undefined)
  if (!options.acceptAfterMs) await ready

  return {
    port,
    ready,
    connections: () => count,
    close: async () => {
      closed = true
      if (timer) {
        clearTimeout(timer)
        timer = undefined
        rejectReady(new Error('tcp forwarder closed before it started listening'))
      }
      for (const socket of sockets) socket.destroy()
      if (server.listening) await new Promise<void>(resolve => server.close(() => resolve()))
    }
  }
}

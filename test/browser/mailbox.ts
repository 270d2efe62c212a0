// A second HTTP server for the browser tests that move data between Node and a worker: the worker
// fetches what Node put here (GET) and posts what Node should see (POST), across origins, so the
// response allows any origin (a CORS response is one a page with COEP require-corp may read).
// Posts are kept in arrival order; a post received is a message the worker sent before it.

import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface Post {
  path: string
  query: URLSearchParams
  body: Buffer
}

export interface Mailbox {
  /** Base URL, ending in '/'. */
  url: string
  posts: Post[]
  /** Serves `body` at GET `path`. */
  put: (path: string, body: Buffer) => void
  /** The first post to `path` at or after index `from`, waiting up to `timeoutMs`. */
  next: (path: string, from: number, timeoutMs: number) => Promise<{ post: Post, index: number }>
  close: () => void
}

export async function openMailbox (): Promise<Mailbox> {
  const files = new Map<string, Buffer>()
  const posts: Post[] = []
  const waiters = new Set<() => void>()
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')
    const headers = { 'Access-Control-Allow-Origin': '*', 'Cache-Control': 'no-store' }
    if (req.method === 'GET') {
      const body = files.get(url.pathname)
      if (body === undefined) res.writeHead(404, headers).end()
      else res.writeHead(200, { ...headers, 'Content-Type': 'application/octet-stream' }).end(body)
      return
    }
    const parts: Buffer[] = []
    req.on('data', (b: Buffer) => parts.push(b))
    req.on('end', () => {
      posts.push({ path: url.pathname, query: url.searchParams, body: Buffer.concat(parts) })
      for (const w of waiters) w()
      res.writeHead(204, headers).end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`
  return {
    url,
    posts,
    put: (path, body) => { files.set(path, body) },
    next: async (path, from, timeoutMs) => await new Promise((resolve, reject) => {
      const check = (): void => {
        const index = posts.findIndex((p, i) => i >= from && p.path === path)
        if (index < 0) return
        waiters.delete(check)
        clearTimeout(timer)
        resolve({ post: posts[index]!, index })
      }
      const timer = setTimeout(() => { waiters.delete(check); reject(new Error(`no post to ${path} within ${timeoutMs} ms`)) }, timeoutMs)
      waiters.add(check)
      check()
    }),
    close: () => { server.closeAllConnections(); server.close() }
  }
}

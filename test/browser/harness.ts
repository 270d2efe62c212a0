// Runs compiled test code in a dedicated worker of headless Chromium (doc/opfs.md, "Tests"):
// esbuild bundles the worker script, stubbing the node: modules the engine imports but does not
// use there; a node:http server on 127.0.0.1 serves it with the COOP/COEP headers; puppeteer-core
// drives /usr/bin/chromium with a fixed profile directory, so that OPFS survives a reload or a
// restart of the browser, which is what the persistence tests need.

import { existsSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { build, type Plugin } from 'esbuild'
import puppeteer, { type Browser, type Page } from 'puppeteer-core'

const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium'

export interface WorkerResult {
  ok: boolean
  lines: string[]
  error?: string
}

/**
 * The engine's node: imports as CommonJS stubs, so that any named import resolves: a value read at
 * load time is harmless, and a call fails naming the module (nothing the worker runs calls one).
 */
const stubNodeModules: Plugin = {
  name: 'stub-node-modules',
  setup (b) {
    b.onResolve({ filter: /^node:/ }, (args) => ({ path: args.path, namespace: 'node-stub' }))
    b.onLoad({ filter: /.*/, namespace: 'node-stub' }, (args) => ({
      loader: 'js',
      contents: `
        const name = ${JSON.stringify(args.path)}
        const fail = () => { throw new Error(name + ' is not available in the browser') }
        const known = { pid: 0, env: {}, platform: 'browser', versions: {}, argv: [], isMainThread: true, parentPort: null, workerData: null,
          performance: globalThis.performance, cpus: () => [{}], availableParallelism: () => 1, memoryUsage: () => ({ rss: 0, heapUsed: 0 }) }
        const stub = new Proxy(fail, { get: (t, key) => key === '__esModule' ? false : key === 'default' ? stub : (key in known ? known[key] : fail) })
        module.exports = stub`
    }))
  }
}

/** Bundles a compiled worker script (dist/...js) into one browser module. */
export async function bundleWorker (entry: string): Promise<string> {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'error',
    plugins: [stubNodeModules]
  })
  return result.outputFiles[0]!.text
}

const PAGE = `<!doctype html><meta charset="utf-8"><title>shale browser test</title><script type="module">
  const worker = new Worker('/worker.js' + location.search, { type: 'module' })
  worker.onmessage = (e) => { window.__result = e.data }
  worker.onerror = (e) => { window.__result = { ok: false, lines: [], error: 'worker error: ' + (e.message || 'failed to load') } }
</script>`

/** Serves the page and the bundle on 127.0.0.1:`port` with the headers that give workers SharedArrayBuffer. */
export async function serve (bundle: string, port: number): Promise<Server> {
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname
    const headers = {
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Cross-Origin-Embedder-Policy': 'require-corp',
      'Cache-Control': 'no-store'
    }
    if (path === '/') {
      res.writeHead(200, { ...headers, 'Content-Type': 'text/html' }).end(PAGE)
    } else if (path === '/worker.js') {
      res.writeHead(200, { ...headers, 'Content-Type': 'text/javascript' }).end(bundle)
    } else {
      res.writeHead(404, headers).end()
    }
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, '127.0.0.1', () => { resolve() })
  })
  return server
}

export function serverUrl (server: Server): string {
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`
}

/** Starts Chromium headless on profile `userDataDir`; fails with a clear message if it is not installed. */
export async function launch (userDataDir: string): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium is not installed at ${CHROMIUM} (apt-get install -y chromium, or set CHROMIUM): the OPFS tests need it`)
  }
  const args = ['--no-first-run', '--no-default-browser-check']
  if (process.getuid?.() === 0) args.push('--no-sandbox')
  return await puppeteer.launch({ executablePath: CHROMIUM, headless: true, userDataDir, args })
}

/** Loads the page with `query` (the case and its arguments) and waits for the worker's result. */
export async function runCase (page: Page, url: string, query: Record<string, string | number>, timeoutMs = 120_000): Promise<WorkerResult> {
  const search = new URLSearchParams(Object.entries(query).map(([k, v]): [string, string] => [k, String(v)])).toString()
  await page.goto(`${url}?${search}`)
  await page.waitForFunction('window.__result !== undefined', { timeout: timeoutMs, polling: 50 })
  return await page.evaluate('window.__result') as WorkerResult
}

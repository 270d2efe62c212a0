// Runs compiled test code in a dedicated worker of headless Chromium, or on its page (doc/opfs.md,
// "Tests"): esbuild bundles the script for the browser as a user's bundler would; a node:http server on 127.0.0.1 serves it with the COOP/COEP headers; puppeteer-core
// drives /usr/bin/chromium with a fixed profile directory, so that OPFS survives a reload or a
// restart of the browser, which is what the persistence tests need.

import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { build, type Plugin } from 'esbuild'
import puppeteer, { type Browser, type Page } from 'puppeteer-core'

const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium'

export interface WorkerResult {
  ok: boolean
  lines: string[]
  error?: string
}

/**
 * What tape (abstract-level's suite runs under it) takes from Node, for a bundle that runs it in a
 * browser: `stream`'s legacy Stream (for its `through` dependency), `path.sep`, and `process` and
 * `__dirname` as free variables of its modules. Shale's own modules need none of these.
 */
const tapeShims: Plugin = {
  name: 'tape-shims',
  setup (b) {
    b.onResolve({ filter: /^(stream|path)$/ }, (args) => ({ path: args.path, namespace: 'tape-shim' }))
    b.onLoad({ filter: /.*/, namespace: 'tape-shim' }, (args) => ({
      loader: 'js',
      resolveDir: process.cwd(),
      contents: args.path === 'path'
        ? 'export const sep = "/"; export default { sep }'
        : `import { EventEmitter } from 'events'
           export class Stream extends EventEmitter {
             pipe (dest) { this.on('data', (d) => { dest.write(d) }); this.on('end', () => { dest.end() }); return dest }
           }
           export default { Stream }`
    }))
  }
}

/**
 * Bundles a compiled script (dist/...js) into one browser module, as an application's bundler
 * would: esbuild for the browser platform, so the package's `browser` field swaps the platform
 * modules, and no `node:` module can be reached (the build fails if one is). With `tape`, the
 * shims that tape needs are added.
 */
export async function bundleWorker (entry: string, options: { tape?: boolean } = {}): Promise<string> {
  const processShim = fileURLToPath(new URL('./process-shim.js', import.meta.url))
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'error',
    ...(options.tape === true ? { plugins: [tapeShims], inject: [processShim], define: { __dirname: '"/"' } } : {})
  })
  return result.outputFiles[0]!.text
}

// With `where=page` in the query, the page runs /page.js itself (it sets window.__result); otherwise
// /worker.js runs in a dedicated worker, which posts the result.
const PAGE = `<!doctype html><meta charset="utf-8"><title>shale browser test</title><script type="module">
  const fail = (error) => { window.__result ??= { ok: false, lines: [], error } }
  if (new URLSearchParams(location.search).get('where') === 'page') {
    window.addEventListener('error', (e) => { fail('page error: ' + e.message) })
    window.addEventListener('unhandledrejection', (e) => { fail('page rejection: ' + String(e.reason && e.reason.stack || e.reason)) })
    import('/page.js').catch((e) => { fail('page script: ' + String(e && e.stack || e)) })
  } else {
    const worker = new Worker('/worker.js' + location.search, { type: 'module' })
    worker.onmessage = (e) => { window.__result = e.data }
    worker.onerror = (e) => { fail('worker error: ' + (e.message || 'failed to load')) }
  }
</script>`

/**
 * Serves the page and the bundle (/worker.js) on 127.0.0.1:`port`, with the headers that make
 * the page cross-origin isolated (SharedArrayBuffer) unless `isolated` is false; `files` are more
 * scripts, by path (such as '/page.js').
 */
export async function serve (bundle: string, port: number, files: Record<string, string> = {}, isolated = true): Promise<Server> {
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname
    const headers: Record<string, string> = isolated
      ? { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp', 'Cache-Control': 'no-store' }
      : { 'Cache-Control': 'no-store' }
    if (path === '/') {
      res.writeHead(200, { ...headers, 'Content-Type': 'text/html' }).end(PAGE)
    } else if (path === '/worker.js' || files[path] !== undefined) {
      res.writeHead(200, { ...headers, 'Content-Type': 'text/javascript' }).end(path === '/worker.js' ? bundle : files[path])
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
  // A case that runs for minutes (abstract-level's suite) is one waitForFunction: one protocol call.
  return await puppeteer.launch({ executablePath: CHROMIUM, headless: true, userDataDir, args, protocolTimeout: 1_800_000 })
}

/** Loads the page with `query` (the case and its arguments) and waits for the worker's result. */
export async function runCase (page: Page, url: string, query: Record<string, string | number>, timeoutMs = 120_000): Promise<WorkerResult> {
  const search = new URLSearchParams(Object.entries(query).map(([k, v]): [string, string] => [k, String(v)])).toString()
  await page.goto(`${url}?${search}`)
  await page.waitForFunction('window.__result !== undefined', { timeout: timeoutMs, polling: 50 })
  return await page.evaluate('window.__result') as WorkerResult
}

/**
 * Serves `bundle` (and `files`) on a free port, starts Chromium on a new profile, gives `fn` the
 * browser and the server's URL, and afterwards closes both and removes the profile.
 */
export async function withChromium (bundle: string, files: Record<string, string>, fn: (browser: Browser, url: string) => Promise<void>): Promise<void> {
  const server = await serve(bundle, 0, files)
  const profile = mkdtempSync(join(tmpdir(), 'shale-chromium-'))
  try {
    const browser = await launch(profile)
    try {
      await fn(browser, serverUrl(server))
    } finally {
      await browser.close()
    }
  } finally {
    server.close()
    rmSync(profile, { recursive: true, force: true })
  }
}

/** The seed of a browser test's workload: SHALE_TEST_SEED, else drawn; named in every failure. */
export const TEST_SEED = Number(process.env.SHALE_TEST_SEED ?? Date.now() % 100000)

/** Reports a worker case's lines and fails with them, and the seed, if the case failed. */
export function assertWorkerOk (t: { diagnostic: (m: string) => void }, result: WorkerResult, what: string): void {
  t.diagnostic(result.lines.join('; '))
  assert.ok(result.ok, `${what} (seed ${TEST_SEED}) failed in the browser: ${result.error}\n${result.lines.join('\n')}`)
}

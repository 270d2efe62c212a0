// The browser benchmark: `npm run bench:browser` (doc/db-bench.md, "In the browser").
// ShaleLevel on OPFS against browser-level on IndexedDB, each in a dedicated worker and on the
// page's main thread (Shale's engine then runs in its engine worker), in headless Chromium, on the
// db_bench workloads of bench/browser/workload.ts; prints the rates, the ratios Shale ÷
// browser-level on the same thread, and the page's requestAnimationFrame gaps while each store
// writes and with nothing running at all.
//
//   node dist/bench/browser/browser-bench.js [--quick] [--n N] [--out DIR] [--cases a,b]
//   (--quick: N = 2,000 and a 1 s baseline; --cases: only the cases named store:where, e.g.
//   shale:worker,browser-level:worker, in the table's order; the others' columns show '-')

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Browser } from 'puppeteer-core'
import { bundleWorker, launch, serverUrl } from '../../test/browser/harness.js'
import { BROWSER_PHASES, ENGINE_WORKER_PATH } from './workload.js'
import type { FrameGaps, PageResult } from './bench-entry.js'

interface Case { store: 'shale' | 'browser-level' | 'none', where: 'worker' | 'page', label: string, writeBuffer?: number, idleMs?: number }
const CASES: Case[] = [
  { store: 'shale', where: 'worker', label: 'Shale (worker)' },
  { store: 'browser-level', where: 'worker', label: 'browser-level (worker)' },
  { store: 'shale', where: 'page', label: 'Shale (page)' },
  { store: 'browser-level', where: 'page', label: 'browser-level (page)' },
  // Shale's default 4 MiB write buffer holds a whole run at the usual N, so nothing is flushed or
  // compacted: these cases make both run, to see what they do to the page's frames.
  { store: 'shale', where: 'worker', label: 'Shale (worker, 64 KiB write buffer)', writeBuffer: 64 << 10 },
  { store: 'shale', where: 'page', label: 'Shale (page, 64 KiB write buffer)', writeBuffer: 64 << 10 },
  // The page with nothing running: the frame gaps the machine allows.
  { store: 'none', where: 'page', label: 'nothing (baseline)', idleMs: 10_000 }
]
/** A case's name for --cases: store:where, with the write buffer when it is not the default. */
function caseName (c: Case): string {
  return `${c.store}:${c.where}${c.writeBuffer !== undefined ? `:${c.writeBuffer}` : ''}`
}
/** The cases of the rates table (same options for every store): Shale and browser-level in a worker, then on the page. */
const RATE_CASES = 4

const PAGE = '<!doctype html><meta charset="utf-8"><title>shale browser bench</title><script type="module" src="/bench.js"></script>'

async function serveBench (bundle: string, engine: string): Promise<Server> {
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname
    const headers = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp', 'Cache-Control': 'no-store' }
    if (path === '/') res.writeHead(200, { ...headers, 'Content-Type': 'text/html' }).end(PAGE)
    else if (path === '/bench.js') res.writeHead(200, { ...headers, 'Content-Type': 'text/javascript' }).end(bundle)
    else if (path === ENGINE_WORKER_PATH) res.writeHead(200, { ...headers, 'Content-Type': 'text/javascript' }).end(engine)
    else res.writeHead(404, headers).end()
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => { resolve() })
  })
  return server
}

async function runCase (browser: Browser, url: string, c: Case, n: number, runId: string): Promise<PageResult> {
  const page = await browser.newPage()
  try {
    const query = new URLSearchParams({ store: c.store, where: c.where, n: String(n), run: runId })
    if (c.writeBuffer !== undefined) query.set('writeBuffer', String(c.writeBuffer))
    if (c.idleMs !== undefined) query.set('idle', String(c.idleMs))
    await page.goto(`${url}?${query.toString()}`)
    await page.waitForFunction('window.__result !== undefined', { timeout: 0, polling: 200 })
    return await page.evaluate('window.__result') as PageResult
  } finally {
    await page.close()
  }
}

const rate = (r: number | undefined): string => r === undefined ? '-' : Math.round(r).toLocaleString('en-US')
const ratio = (a: number | undefined, b: number | undefined): string => a === undefined || b === undefined ? '-' : (a / b).toFixed(1) + '×'
const ms = (g: FrameGaps | undefined, key: 'p50' | 'p99' | 'max'): string => g === undefined ? '-' : g[key].toFixed(1)

function table (head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)))
  const line = (cells: string[]): string => cells.map((c, i) => i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)).join('  ')
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n')
}

/** Checks the reads of every case against the counts the seeds give; returns the problems. */
function wrongResults (results: PageResult[]): string[] {
  const wrong: string[] = []
  for (const r of results) {
    if (!r.ok) wrong.push(`${r.store} (${r.where}) failed: ${r.error ?? ''}`)
    for (const p of r.phases) {
      if (p.expectedFound !== undefined && p.found !== p.expectedFound) wrong.push(`WRONG RESULT: ${r.store} (${r.where}) ${p.phase} found ${p.found ?? 0} of ${p.expectedFound}`)
    }
  }
  return wrong
}

async function main (): Promise<void> {
  const args = process.argv.slice(2)
  const option = (name: string): string | undefined => { const i = args.indexOf(name); return i < 0 ? undefined : args[i + 1] }
  const quick = args.includes('--quick')
  const n = Number(option('--n') ?? (quick ? 2000 : 20_000))
  const outDir = option('--out') ?? 'dist/bench-results'
  if (!Number.isInteger(n) || n < 1) throw new Error(`--n must be a positive integer, got ${String(option('--n'))}`)
  const only = option('--cases')?.split(',')
  const known = new Set(CASES.map(caseName))
  for (const name of only ?? []) if (!known.has(name)) throw new Error(`--cases: unknown case ${name}; known: ${[...known].join(', ')}`)

  const [bundle, engine] = await Promise.all([
    bundleWorker(fileURLToPath(new URL('./bench-entry.js', import.meta.url))),
    bundleWorker(fileURLToPath(new URL('../../src/engine-worker.js', import.meta.url)))
  ])
  const server = await serveBench(bundle, engine)
  const profile = mkdtempSync(join(tmpdir(), 'shale-bbench-'))
  const results: PageResult[] = []
  try {
    const browser = await launch(profile)
    try {
      const version = await browser.version()
      console.log(`${version}, ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), N = ${n.toLocaleString('en-US')}, 16-byte keys, 100-byte values, utf8`)
      const runId = `r${Date.now()}`
      for (const c of CASES) {
        if (only !== undefined && !only.includes(caseName(c))) {
          results.push({ store: c.store, where: c.where, ok: true, phases: [] })
          continue
        }
        const t0 = Date.now()
        // A quick run (the test's) watches the idle page for 1 s instead of 10.
        const run = quick && c.idleMs !== undefined ? { ...c, idleMs: 1000 } : c
        results.push(await runCase(browser, serverUrl(server), run, n, runId))
        console.log(`${c.label}: ${((Date.now() - t0) / 1000).toFixed(1)} s`)
      }
    } finally {
      await browser.close()
    }
  } finally {
    server.close()
    rmSync(profile, { recursive: true, force: true })
  }

  const rateOf = (r: PageResult, phase: string): number | undefined => r.phases.find((p) => p.phase === phase)?.rate
  const [shaleWorker, blWorker, shalePage, blPage] = results as [PageResult, PageResult, PageResult, PageResult]
  console.log('\nOperations per second (readseq: entries per second); ratios are Shale ÷ browser-level on the same thread\n')
  console.log(table(
    ['phase', ...CASES.slice(0, RATE_CASES).map((c) => c.label), 'worker ÷', 'page ÷'],
    BROWSER_PHASES.map((phase) => [
      phase, ...results.slice(0, RATE_CASES).map((r) => rate(rateOf(r, phase))),
      ratio(rateOf(shaleWorker, phase), rateOf(blWorker, phase)), ratio(rateOf(shalePage, phase), rateOf(blPage, phase))
    ])
  ))
  console.log('\nThe page\'s requestAnimationFrame gaps (ms) while each store writes (all write phases), and with nothing running (idle: the 2 s before the case started; the baseline: 10 s)\n')
  console.log(table(['store', 'frames', 'p50', 'p99', 'max', 'idle p99', 'idle max'], results.map((r, i) => [
    CASES[i]!.label, String(r.writeGaps?.frames ?? 0), ms(r.writeGaps, 'p50'), ms(r.writeGaps, 'p99'), ms(r.writeGaps, 'max'), ms(r.idleGaps, 'p99'), ms(r.idleGaps, 'max')
  ])))
  console.log('\nThe page\'s main-thread stalls (ms): how late a chain of 4 ms timers ran, over the same windows\n')
  console.log(table(['store', 'timers', 'p50', 'p99', 'max', 'idle p99', 'idle max'], results.map((r, i) => [
    CASES[i]!.label, String(r.writeStalls?.frames ?? 0), ms(r.writeStalls, 'p50'), ms(r.writeStalls, 'p99'), ms(r.writeStalls, 'max'), ms(r.idleStalls, 'p99'), ms(r.idleStalls, 'max')
  ])))
  for (const [i, r] of results.entries()) {
    const notes = r.phases.filter((p) => p.note !== undefined).map((p) => `  ${p.phase}: ${p.note!} (${rate(p.rate)}/s)`)
    if (notes.length > 0) console.log(`\n${CASES[i]!.label} after each write phase:\n${notes.join('\n')}`)
  }

  mkdirSync(outDir, { recursive: true })
  const file = join(outDir, `browser-bench-${new Date().toISOString().replace(/[:.]/g, '-')}.json`)
  writeFileSync(file, JSON.stringify({ n, cases: CASES, results }, null, 2))
  console.log(`\n${file}`)
  const wrong = wrongResults(results)
  if (wrong.length > 0) {
    console.error(wrong.join('\n'))
    process.exitCode = 1
  }
}

main().catch((err) => {
  console.error(err)
  process.exitCode = 1
})

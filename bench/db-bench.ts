// The db_bench-style comparison: Shale (the engine API and ShaleLevel) against classic-level,
// lmdb-js and memory-level on the same workloads, each store in a fresh process and directory.
//
//   npm run bench -- [--quick] [--n 1000000] [--reads N] [--sync-ops 10000] [--stores a,b]
//                    [--phases a,b] [--encodings utf8,buffer] [--dir /tmp] [--out dist/bench-results]
//                    [--keep] [--write-meter files]
//
// For each encoding asked for (the abstract-level stores' keyEncoding and valueEncoding), prints a
// table with Shale's ratios to classic-level and to the best peer, writes that run as JSON, and
// draws the ratios as an SVG chart (doc/db-bench.md explains every figure).

import { execFileSync, fork } from 'node:child_process'
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { cpus, release, tmpdir, totalmem } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { renderRatioChart, formatRatio, type ChartRow } from './chart.js'
import { ENCODINGS, isEncoding, isStoreName, SHALE_STORES, STORE_NAMES, type BenchEncoding, type StoreName } from './stores/store.js'
import {
  KEY_SIZE, PHASES, VALUE_SIZE, type PhaseName, type PhaseResult, type StoreResult, type WorkerConfig, type WorkerMessage
} from './db-bench-worker.js'

export interface BenchOptions {
  n: number
  reads: number
  syncOps: number
  batchSize: number
  concurrency: number
  quick: boolean
  stores: StoreName[]
  phases?: PhaseName[]
  /** One run (one table) per encoding, in this order. */
  encodings: BenchEncoding[]
  /** Where each store's fresh directory is made. */
  dir: string
  /** Where the JSON and SVG go. */
  out: string
  keep: boolean
  writeMeter: 'auto' | 'files'
  /** Where the stores' processes write CPU profiles (`node --cpu-prof`), if anywhere. */
  cpuProfDir?: string
  /** The block cache of Shale's stores and classic-level, in bytes (undefined: the default 8 MiB). */
  cacheSize?: number
}

export interface StoreError {
  store: string
  message: string
  /** The phases that finished before it failed. */
  phases: PhaseResult[]
}

export interface BenchRun {
  meta: Record<string, unknown>
  options: BenchOptions
  /** The encoding of this run's abstract-level stores. */
  encoding: BenchEncoding
  stores: StoreResult[]
  errors: StoreError[]
  summary: SummaryRow[]
}

// ---------------------------------------------------------------------------------------------
// Metrics and ratios

export interface Metric {
  key: string
  label: string
  unit: string
  better: 'higher' | 'lower'
  value: (r: StoreResult) => number | undefined
}

const MiB = 1024 * 1024
const phaseRate = (name: PhaseName) => (r: StoreResult): number | undefined => r.phases.find((p) => p.name === name)?.opsPerSec

export const METRICS: Metric[] = [
  ...PHASES.map((name): Metric => ({
    key: name,
    label: name,
    unit: name === 'readseq' || name === 'readreverse' || name === 'fillbatch' ? 'entries/s' : name === 'readwhilewriting' ? 'reads/s' : 'ops/s',
    better: 'higher',
    value: phaseRate(name)
  })),
  { key: 'disk', label: 'on-disk size', unit: 'MiB', better: 'lower', value: (r) => r.diskBytes === undefined ? undefined : r.diskBytes / MiB },
  { key: 'rss', label: 'peak RSS', unit: 'MiB', better: 'lower', value: (r) => r.peakRssBytes > 0 ? r.peakRssBytes / MiB : undefined },
  { key: 'writeAmp', label: 'write amplification', unit: '×', better: 'lower', value: (r) => r.writeAmp },
  { key: 'eldP50', label: 'event-loop delay p50', unit: 'ms', better: 'lower', value: (r) => r.eventLoopDelay?.p50 },
  { key: 'eldP99', label: 'event-loop delay p99', unit: 'ms', better: 'lower', value: (r) => r.eventLoopDelay?.p99 },
  { key: 'eldMax', label: 'event-loop delay max', unit: 'ms', better: 'lower', value: (r) => r.eventLoopDelay?.max }
]

/** The Shale stores in the order their ratios are shown: ShaleLevel first, as the targets are its. */
function shaleStoresOf (stores: string[]): string[] {
  return ['shale-level', 'shale-db'].filter((s) => stores.includes(s))
}

export interface Ratios {
  /** Shale's figure over classic-level's. */
  classic?: number
  /** Shale's figure over the best peer's (highest, or lowest where lower is better), and who that is. */
  best?: number
  bestPeer?: string
}

export interface SummaryRow {
  key: string
  label: string
  unit: string
  better: 'higher' | 'lower'
  values: Record<string, number | undefined>
  /** Keyed by Shale store name. */
  ratios: Record<string, Ratios>
}

function ratio (a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined || b === undefined || !Number.isFinite(a) || !Number.isFinite(b) || b === 0) return undefined
  return a / b
}

export function summarize (results: StoreResult[]): SummaryRow[] {
  const peers = results.filter((r) => !(SHALE_STORES as readonly string[]).includes(r.store))
  const shale = results.filter((r) => (SHALE_STORES as readonly string[]).includes(r.store))
  return METRICS.map((m) => {
    const values: Record<string, number | undefined> = {}
    for (const r of results) values[r.store] = m.value(r)
    let bestPeer: string | undefined
    for (const p of peers) {
      const v = values[p.store]
      if (v === undefined) continue
      const b = bestPeer === undefined ? undefined : values[bestPeer]!
      if (b === undefined || (m.better === 'higher' ? v > b : v < b)) bestPeer = p.store
    }
    const ratios: Record<string, Ratios> = {}
    for (const s of shale) {
      const mine = values[s.store]
      const rs: Ratios = {}
      const classic = ratio(mine, values['classic-level'])
      if (classic !== undefined) rs.classic = classic
      const best = bestPeer === undefined ? undefined : ratio(mine, values[bestPeer])
      if (best !== undefined) {
        rs.best = best
        rs.bestPeer = bestPeer
      }
      ratios[s.store] = rs
    }
    return { key: m.key, label: m.label, unit: m.unit, better: m.better, values, ratios }
  })
}

// ---------------------------------------------------------------------------------------------
// Text output

export function formatValue (v: number | undefined, unit: string): string {
  if (v === undefined || !Number.isFinite(v)) return '—'
  if (unit.endsWith('/s')) {
    if (v >= 1e6) return `${(v / 1e6).toFixed(2)}M`
    if (v >= 1e3) return `${(v / 1e3).toFixed(1)}k`
    return v.toFixed(0)
  }
  if (unit === 'MiB') return v.toFixed(1)
  return v.toFixed(2)
}

const SHORT: Record<string, string> = { 'shale-level': 'Level', 'shale-db': 'DB', 'classic-level': 'CL', lmdb: 'lmdb', 'memory-level': 'mem' }

function pad (s: string, w: number, right = true): string {
  return right ? s.padStart(w) : s.padEnd(w)
}

function renderTable (header: string[], rows: string[][], leftColumns = 1): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)))
  const line = (cells: string[]): string => cells.map((c, i) => pad(c, widths[i]!, i >= leftColumns)).join('  ').trimEnd()
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n')
}

/** The main table: one row per metric, one column per store, then Shale's ratios. */
export function formatSummary (summary: SummaryRow[], stores: string[]): string {
  const shale = shaleStoresOf(stores)
  const header = ['metric', 'unit', ...stores]
  for (const s of shale) header.push(`${SHORT[s] ?? s}/CL`, `${SHORT[s] ?? s}/best`)
  const rows = summary.map((row) => {
    const cells = [row.label, row.unit, ...stores.map((s) => formatValue(row.values[s], row.unit))]
    for (const s of shale) {
      const r = row.ratios[s] ?? {}
      cells.push(r.classic === undefined ? '—' : formatRatio(r.classic))
      cells.push(r.best === undefined ? '—' : `${formatRatio(r.best)} ${SHORT[r.bestPeer ?? ''] ?? r.bestPeer ?? ''}`)
    }
    return cells
  })
  return renderTable(header, rows, 2)
}

/** Per write phase: event-loop delay (p50/p99/max, ms) and write amplification, per store. */
export function formatWriteDetails (results: StoreResult[]): string {
  const writePhases = PHASES.filter((p) => results.some((r) => r.phases.some((x) => x.name === p && x.eventLoopDelay !== undefined)))
  const stores = results.map((r) => r.store)
  const cell = (r: StoreResult, name: PhaseName, f: (p: PhaseResult) => string): string => {
    const p = r.phases.find((x) => x.name === name)
    return p === undefined ? '—' : f(p)
  }
  const eld = renderTable(['event-loop delay, ms (p50/p99/max)', ...stores], writePhases.map((name) => [name, ...results.map((r) =>
    cell(r, name, (p) => p.eventLoopDelay === undefined ? '—' : `${p.eventLoopDelay.p50.toFixed(2)}/${p.eventLoopDelay.p99.toFixed(1)}/${p.eventLoopDelay.max.toFixed(1)}`))]))
  const wa = renderTable(['disk bytes written / user bytes', ...stores], writePhases.map((name) => [name, ...results.map((r) =>
    cell(r, name, (p) => p.writeAmp === undefined ? '—' : p.writeAmp.toFixed(2)))]))
  return `${eld}\n\n${wa}`
}

export function formatRate (v: number): string {
  return formatValue(v, 'ops/s')
}

// ---------------------------------------------------------------------------------------------
// Running the workers

/** Where runBench reports while it runs (the console by default; the CLI may pass its own). */
export interface BenchOutput {
  /** A finished line. */
  line (text: string): void
  /** The transient progress line (terminal only). */
  progress (text: string): void
}

export function consoleOutput (): BenchOutput {
  const tty = process.stdout.isTTY === true
  let shown = false
  return {
    line (text) {
      if (shown) process.stdout.write('\r\x1b[K')
      shown = false
      process.stdout.write(text + '\n')
    },
    progress (text) {
      if (!tty) return
      const cols = process.stdout.columns ?? 100
      process.stdout.write('\r\x1b[K' + text.slice(0, cols - 1))
      shown = true
    }
  }
}

const WORKER = fileURLToPath(new URL('./db-bench-worker.js', import.meta.url))

/**
 * Runs one store in a process of its own. With `cpuProfDir`, every thread of that process (its
 * workers too) writes a V8 CPU profile there.
 */
async function runWorker (config: WorkerConfig, label: string, out: BenchOutput, cpuProfDir?: string): Promise<StoreResult | StoreError> {
  const phases: PhaseResult[] = []
  return await new Promise((resolve) => {
    const execArgv = cpuProfDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${cpuProfDir}`]
    const child = fork(WORKER, [JSON.stringify(config)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv })
    let settled = false
    const finish = (r: StoreResult | StoreError): void => {
      if (settled) return
      settled = true
      resolve(r)
    }
    child.on('message', (m: WorkerMessage) => {
      switch (m.type) {
        case 'progress': {
          const pct = m.total > 0 ? Math.floor((100 * m.done) / m.total) : 0
          const rate = m.seconds > 0 ? formatRate(m.done / m.seconds) : '-'
          out.progress(`${label} ${m.phase}  ${m.done.toLocaleString('en-US')}/${m.total.toLocaleString('en-US')}  ${pct}%  ${rate}/s  ${m.seconds.toFixed(1)} s`)
          break
        }
        case 'phase': {
          phases.push(m.result)
          const p = m.result
          let text = `${label} ${pad(p.name, 18, false)} ${pad(p.ops.toLocaleString('en-US'), 10)} ops  ${pad(p.seconds.toFixed(2), 7)} s  ${pad(formatRate(p.opsPerSec), 7)}/s`
          if (p.writes !== undefined) text += `  (${formatRate(p.writesPerSec ?? 0)} writes/s alongside)`
          if (p.expectedFound !== undefined && p.found !== p.expectedFound) text += `  WRONG: found ${p.found}, expected ${p.expectedFound}`
          out.line(text)
          break
        }
        case 'done':
          finish(m.result)
          break
        case 'error':
          finish({ store: config.store, message: m.message, phases })
          break
      }
    })
    child.on('error', (err) => finish({ store: config.store, message: err.message, phases }))
    child.on('exit', (code, signal) => finish({ store: config.store, message: `worker exited (code ${code}, signal ${signal}) before reporting`, phases }))
  })
}

function gitDescribe (): { commit?: string, dirty?: boolean } {
  try {
    const cwd = fileURLToPath(new URL('../..', import.meta.url))
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()
    const dirty = execFileSync('git', ['status', '--porcelain'], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() !== ''
    return { commit, dirty }
  } catch {
    return {}
  }
}

/** One run of every store in one encoding. */
export async function runBench (options: BenchOptions, encoding: BenchEncoding, out: BenchOutput = consoleOutput()): Promise<BenchRun> {
  const started = new Date()
  const cpu = cpus()
  const meta: Record<string, unknown> = {
    date: started.toISOString(),
    node: process.version,
    platform: `${process.platform} ${release()} ${process.arch}`,
    cpus: cpu.length,
    cpuModel: cpu[0]?.model,
    memoryBytes: totalmem(),
    keySize: KEY_SIZE,
    valueSize: VALUE_SIZE,
    encoding,
    ...gitDescribe()
  }
  out.line(`db_bench, ${encoding} encoding: N=${options.n.toLocaleString('en-US')}, reads=${options.reads.toLocaleString('en-US')}, sync writes=${options.syncOps.toLocaleString('en-US')}, ` +
    `${KEY_SIZE}-byte keys, ${VALUE_SIZE}-byte half-compressible values; ${String(meta.cpus)} × ${String(meta.cpuModel)}, Node ${process.version}`)
  const stores: StoreResult[] = []
  const errors: StoreError[] = []
  mkdirSync(options.dir, { recursive: true })
  for (const [i, store] of options.stores.entries()) {
    const label = options.encodings.length > 1 ? `[${encoding} ${i + 1}/${options.stores.length} ${store}]` : `[${i + 1}/${options.stores.length} ${store}]`
    const config: WorkerConfig = {
      store,
      n: options.n,
      reads: options.reads,
      syncOps: options.syncOps,
      batchSize: options.batchSize,
      concurrency: options.concurrency,
      dir: mkdtempSync(join(options.dir, `shale-bench-${store}-`)),
      encoding,
      writeMeter: options.writeMeter,
      keep: options.keep
    }
    if (options.phases !== undefined) config.phases = options.phases
    if (options.cacheSize !== undefined) config.cacheSize = options.cacheSize
    const r = await runWorker(config, label, out, options.cpuProfDir)
    if ('message' in r) {
      errors.push(r)
      out.line(`${label} FAILED: ${r.message}`)
    } else {
      stores.push(r)
      const mb = (b: number | undefined): string => b === undefined ? '—' : (b / MiB).toFixed(1)
      out.line(`${label} done: on disk ${mb(r.diskBytes)} MiB, peak RSS ${mb(r.peakRssBytes)} MiB, write amplification ${r.writeAmp?.toFixed(2) ?? '—'} (${r.writeMeter})`)
      for (const p of r.problems) out.line(`${label} WRONG RESULT: ${p}`)
    }
  }
  return { meta, options, encoding, stores, errors, summary: summarize(stores) }
}

export function chartFor (run: BenchRun): string {
  const shale = shaleStoresOf(run.stores.map((r) => r.store))
  const series: string[] = []
  for (const s of shale) {
    const name = s === 'shale-level' ? 'ShaleLevel' : 'Shale engine'
    series.push(`${name} ÷ classic-level`, `${name} ÷ best peer`)
  }
  const rows: ChartRow[] = run.summary.map((row) => ({
    label: `${row.label} (${row.unit})`,
    better: row.better,
    ratios: shale.flatMap((s) => [row.ratios[s]?.classic, row.ratios[s]?.best])
  }))
  const n = run.options.n.toLocaleString('en-US')
  return renderRatioChart({
    title: `Shale against classic-level, lmdb-js and memory-level (N=${n}, ${run.encoding} encoding)`,
    subtitle: `${String(run.meta.date)}, Node ${String(run.meta.node)}, ${String(run.meta.cpus)} × ${String(run.meta.cpuModel)}`,
    series,
    rows
  })
}

export function writeOutputs (run: BenchRun): { json: string, svg: string } {
  mkdirSync(run.options.out, { recursive: true })
  const stamp = String(run.meta.date).replace(/[:.]/g, '-')
  const json = join(run.options.out, `db-bench-${stamp}-${run.encoding}.json`)
  const svg = join(run.options.out, `db-bench-${stamp}-${run.encoding}.svg`)
  writeFileSync(json, JSON.stringify(run, null, 2) + '\n')
  writeFileSync(svg, chartFor(run))
  return { json, svg }
}

// ---------------------------------------------------------------------------------------------
// Command line

const USAGE = `usage: node dist/bench/db-bench.js [options]
  --n N              entries per fill phase (default 1,000,000; --quick 50,000)
  --reads N          point reads and seeks per read phase (default N)
  --sync-ops N       writes per fillsync phase (default 10,000; --quick 1,000)
  --batch N          entries per batch in fillbatch (default 1,000)
  --concurrency N    operations in flight for the -64 phases (default 64)
  --quick            a small run, for trying things out
  --stores a,b       among ${STORE_NAMES.join(', ')} (default all)
  --phases a,b       among ${PHASES.join(', ')} (default all)
  --encoding E       the abstract-level stores' key and value encoding: ${ENCODINGS.join(', ')} (default utf8)
  --encodings a,b    one run and one table per encoding, in this order (e.g. utf8,buffer,view)
  --dir DIR          where each store's fresh directory is made (default the system temp directory)
  --out DIR          where the JSON and SVG go (default dist/bench-results)
  --keep             keep the databases
  --write-meter M    auto (/proc/self/io where it exists) or files (growth of the store's files)
  --cpu-prof DIR     write a CPU profile of every thread of every store's process to DIR
  --cache-size BYTES the block cache of Shale's stores and classic-level (default their 8 MiB),
                     for comparisons at equal memory`

function positiveInt (name: string, v: string | undefined, fallback: number): number {
  if (v === undefined) return fallback
  const n = Number(v.replace(/[_,]/g, ''))
  if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} must be a positive integer, got ${v}`)
  return n
}

export function parseOptions (argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      n: { type: 'string' },
      reads: { type: 'string' },
      'sync-ops': { type: 'string' },
      batch: { type: 'string' },
      concurrency: { type: 'string' },
      quick: { type: 'boolean', default: false },
      stores: { type: 'string' },
      phases: { type: 'string' },
      encoding: { type: 'string' },
      encodings: { type: 'string' },
      dir: { type: 'string' },
      out: { type: 'string' },
      keep: { type: 'boolean', default: false },
      'write-meter': { type: 'string' },
      'cpu-prof': { type: 'string' },
      'cache-size': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false }
    },
    strict: true
  })
  if (values.help === true) throw new Error(USAGE)
  const quick = values.quick === true
  const n = positiveInt('n', values.n, quick ? 50_000 : 1_000_000)
  const stores = (values.stores ?? STORE_NAMES.join(',')).split(',').map((s) => s.trim()).filter((s) => s !== '')
  for (const s of stores) if (!isStoreName(s)) throw new Error(`unknown store ${s}; known: ${STORE_NAMES.join(', ')}`)
  let phases: PhaseName[] | undefined
  if (values.phases !== undefined) {
    phases = values.phases.split(',').map((s) => s.trim()).filter((s) => s !== '') as PhaseName[]
    for (const p of phases) if (!(PHASES as readonly string[]).includes(p)) throw new Error(`unknown phase ${p}; known: ${PHASES.join(', ')}`)
  }
  if (values.encoding !== undefined && values.encodings !== undefined) throw new Error('give --encoding or --encodings, not both')
  const encodings = (values.encodings ?? values.encoding ?? 'utf8').split(',').map((s) => s.trim()).filter((s) => s !== '')
  if (encodings.length === 0) throw new Error('--encodings needs at least one encoding')
  for (const e of encodings) if (!isEncoding(e)) throw new Error(`unknown encoding ${e}; known: ${ENCODINGS.join(', ')}`)
  if (new Set(encodings).size !== encodings.length) throw new Error(`an encoding is named twice in ${encodings.join(',')}`)
  const meter = values['write-meter'] ?? 'auto'
  if (meter !== 'auto' && meter !== 'files') throw new Error('--write-meter must be auto or files')
  const options: BenchOptions = {
    n,
    reads: positiveInt('reads', values.reads, n),
    syncOps: positiveInt('sync-ops', values['sync-ops'], quick ? 1_000 : 10_000),
    batchSize: positiveInt('batch', values.batch, 1_000),
    concurrency: positiveInt('concurrency', values.concurrency, 64),
    quick,
    // Keep the table's order whatever order they were named in.
    stores: STORE_NAMES.filter((s) => stores.includes(s)),
    encodings: encodings as BenchEncoding[],
    dir: values.dir ?? tmpdir(),
    out: values.out ?? fileURLToPath(new URL('../bench-results', import.meta.url)),
    keep: values.keep === true,
    writeMeter: meter
  }
  if (values['cpu-prof'] !== undefined) options.cpuProfDir = values['cpu-prof']
  if (values['cache-size'] !== undefined) options.cacheSize = positiveInt('cache-size', values['cache-size'], 0)
  if (phases !== undefined) options.phases = phases
  return options
}

/** The whole command: parse, run, print, write the files. Returns the exit code (for `shale bench` too). */
export async function benchMain (argv: string[], out: BenchOutput = consoleOutput()): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    out.line(USAGE)
    return 0
  }
  let options: BenchOptions
  try {
    options = parseOptions(argv)
  } catch (err) {
    console.error((err as Error).message)
    return 2
  }
  let failed = false
  for (const encoding of options.encodings) {
    const run = await runBench(options, encoding, out)
    const names = run.stores.map((r) => r.store)
    out.line('')
    out.line(`${encoding} encoding (ShaleLevel, classic-level, memory-level; lmdb ${lmdbMode(encoding)}; the engine API takes bytes):`)
    out.line(formatSummary(run.summary, names))
    out.line('Level = ShaleLevel, DB = Shale engine API, CL = classic-level, best = the best peer (CL, lmdb or mem = memory-level);')
    out.line('ratios are Shale ÷ peer: above 1 is better for rates, below 1 for size, memory, write amplification and delay.')
    out.line('')
    out.line(formatWriteDetails(run.stores))
    const problems = run.stores.flatMap((r) => r.problems.map((p) => `${r.store}: ${p}`))
    for (const p of problems) out.line(`WRONG RESULT ${p}`)
    for (const e of run.errors) out.line(`FAILED ${e.store}: ${e.message.split('\n')[0] ?? ''}`)
    const files = writeOutputs(run)
    out.line('')
    out.line(`JSON: ${files.json}`)
    out.line(`SVG:  ${files.svg}`)
    if (problems.length > 0 || run.errors.length > 0) failed = true
    if (encoding !== options.encodings[options.encodings.length - 1]) out.line('')
  }
  return failed ? 1 : 0
}

/** How lmdb-js is set up for an encoding (bench/stores/lmdb.ts). */
function lmdbMode (encoding: BenchEncoding): string {
  return encoding === 'utf8' ? 'string' : encoding === 'json' ? 'json values' : 'binary'
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  void benchMain(process.argv.slice(2)).then((code) => { process.exitCode = code })
}

// One store's run of the db_bench workloads, in a process of its own (bench/db-bench.ts forks one
// per store, so no store inherits another's heap, page cache habits or native threads, and peak
// RSS is the store's own).
//
//   node dist/bench/db-bench-worker.js '<WorkerConfig as JSON>'
//
// Reports to the parent over IPC: progress while a phase runs, each phase's result when it ends,
// and the store's summary at the end (or prints the summary as JSON when run by hand).
//
// Every loop gives the event loop a turn at least every YIELD_MS, as a server does between
// requests: a store whose calls resolve in microtasks would otherwise never let timers or I/O
// callbacks run until a phase ended, its own background work included, and the event-loop delay
// measured would be the harness's, not the store's. What remains above ~YIELD_MS is the store's.

import { lstatSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { monitorEventLoopDelay, performance, type IntervalHistogram } from 'node:perf_hooks'
import { Random } from '../src/util/random.js'
import { isStoreName, loadStore, type BenchData, type BenchEncoding, type StoreAdapter } from './stores/store.js'

export const KEY_SIZE = 16
export const VALUE_SIZE = 100
/** The harness yields to the event loop at least this often (milliseconds). */
const YIELD_MS = 1
/** Sampling interval of the event-loop delay monitor (milliseconds; 1 is its finest). */
const ELD_RESOLUTION_MS = 1
const PROGRESS_MS = 250

export const PHASES = [
  'fillseq', 'fillrandom', 'overwrite', 'fillrandom-64', 'fillbatch', 'fillsync', 'fillsync-64',
  'readrandom', 'readrandom-64', 'readrandom-getsync', 'readseq', 'readreverse', 'seekrandom', 'readwhilewriting'
] as const
export type PhaseName = typeof PHASES[number]

/** The order phases run in: each fresh-database fill first, then the read database is built and read. */
const RUN_ORDER: readonly PhaseName[] = [
  'fillseq', 'fillbatch', 'fillrandom-64', 'fillsync', 'fillsync-64',
  'fillrandom', 'overwrite', 'readrandom', 'readrandom-64', 'readrandom-getsync', 'readseq', 'readreverse', 'seekrandom', 'readwhilewriting'
]
/** Phases that run on the database fillrandom + overwrite built. */
const ON_READ_DB: ReadonlySet<PhaseName> = new Set([
  'overwrite', 'readrandom', 'readrandom-64', 'readrandom-getsync', 'readseq', 'readreverse', 'seekrandom', 'readwhilewriting'
])
const WRITE_PHASES: ReadonlySet<PhaseName> = new Set([
  'fillseq', 'fillrandom', 'overwrite', 'fillrandom-64', 'fillbatch', 'fillsync', 'fillsync-64', 'readwhilewriting'
])

export interface WorkerConfig {
  store: string
  /** Entries written by each fill phase. */
  n: number
  /** Point reads (and seeks) per read phase. */
  reads: number
  /** Writes in each fillsync phase. */
  syncOps: number
  batchSize: number
  concurrency: number
  /** The store's own directory; created if missing. */
  dir: string
  /** The abstract-level stores' keyEncoding and valueEncoding (default utf8). */
  encoding?: BenchEncoding
  /** The block cache of the stores that have one, in bytes (undefined: their default). */
  cacheSize?: number
  /** Phases to run (undefined: all). The read phases bring in fillrandom and overwrite. */
  phases?: PhaseName[]
  /** Force the file-size write meter even where /proc/self/io exists. */
  writeMeter?: 'auto' | 'files'
  keep?: boolean
}

export interface DelaySummary {
  /** Milliseconds the event loop was late, beyond the monitor's own interval. */
  p50: number
  p99: number
  max: number
  samples: number
}

export interface PhaseResult {
  name: PhaseName
  ops: number
  seconds: number
  opsPerSec: number
  /** Keys and values written by the phase. */
  userBytes?: number
  /** Bytes the process wrote to disk during the phase, and that over userBytes. */
  diskWriteBytes?: number
  writeAmp?: number
  eventLoopDelay?: DelaySummary
  /** Read phases: keys found, and how many a correct store finds. */
  found?: number
  expectedFound?: number
  /** readwhilewriting: the writes done alongside the reads. */
  writes?: number
  writesPerSec?: number
  /** The process's peak RSS so far, at the end of the phase: which phase raised the peak. */
  peakRssSoFarBytes?: number
}

export interface StoreResult {
  store: string
  version: string
  configuration: string
  /** Whether the store was given keys and values as strings (else bytes). */
  strings: boolean
  phases: PhaseResult[]
  /** The fillrandom + overwrite database after its read phases: allocated (du) and apparent bytes. */
  diskBytes?: number
  diskApparentBytes?: number
  /** Bytes written to disk from fillrandom's start to seekrandom's end, over fillrandom + overwrite's user bytes. */
  writeAmp?: number
  writeMeter: 'proc-io' | 'file-sizes'
  peakRssBytes: number
  /**
   * Event-loop delay, the worst of the write phases: each figure is the highest that phase figure
   * reached in any write phase. (Per-phase histograms cannot be merged: Node's event-loop monitor
   * cannot be added to another histogram, and one monitor paused between phases would record the
   * pause itself as a delay.)
   */
  eventLoopDelay?: DelaySummary
  stats?: string
  /** Results that differ from what a correct store returns; empty when all agree. */
  problems: string[]
}

export type WorkerMessage =
  | { type: 'progress', phase: PhaseName, done: number, total: number, seconds: number }
  | { type: 'phase', result: PhaseResult }
  | { type: 'done', result: StoreResult }
  | { type: 'error', message: string }

// ---------------------------------------------------------------------------------------------
// Keys and values, as db_bench makes them

/** The key "%016d" of k, in a fresh Buffer (stores may keep the key they are given). */
export function makeKey (k: number): Buffer {
  const key = Buffer.allocUnsafe(KEY_SIZE)
  for (let i = KEY_SIZE - 1; i >= 0; i--) {
    key[i] = 48 + (k % 10)
    k = Math.floor(k / 10)
  }
  return key
}

/** The same key as a string: its 16 characters are the key's 16 bytes (ASCII digits). */
export function makeKeyString (k: number): string {
  return String(k).padStart(KEY_SIZE, '0')
}

/**
 * Values cycle through views of a 1 MiB pool of half-compressible pieces, as db_bench's generator;
 * for a store given strings, the same pieces as strings (printable ASCII: one byte a character).
 */
class ValueSource {
  private readonly values: BenchData[] = []
  private next = 0

  constructor (seed: number, strings: boolean) {
    const rnd = new Random(seed)
    const count = Math.floor((1 << 20) / VALUE_SIZE)
    const pool = Buffer.allocUnsafe(count * VALUE_SIZE)
    for (let i = 0; i < count; i++) {
      pool.set(rnd.compressibleBytes(VALUE_SIZE), i * VALUE_SIZE)
      const piece = pool.subarray(i * VALUE_SIZE, (i + 1) * VALUE_SIZE)
      this.values.push(strings ? piece.toString('latin1') : piece)
    }
  }

  value (): BenchData {
    const v = this.values[this.next]!
    this.next = this.next + 1 === this.values.length ? 0 : this.next + 1
    return v
  }
}

/** The key numbers a phase draws, one per operation, from its own seed (the same for every store). */
class KeyDraws {
  private readonly rnd: Random

  constructor (seed: number, private readonly n: number) {
    this.rnd = new Random(seed)
  }

  draw (): number {
    return this.rnd.uniform(this.n)
  }
}

const SEEDS: Record<PhaseName, number> = {
  fillseq: 0,
  fillbatch: 0,
  'fillrandom-64': 101,
  fillsync: 102,
  'fillsync-64': 103,
  fillrandom: 104,
  overwrite: 105,
  readrandom: 106,
  'readrandom-64': 107,
  'readrandom-getsync': 108,
  readseq: 0,
  readreverse: 0,
  seekrandom: 109,
  readwhilewriting: 110
}
const RWW_WRITER_SEED = 111

// ---------------------------------------------------------------------------------------------
// Measurement

/** Lets the event loop run at least every YIELD_MS, and reports progress on those turns. */
class Pacer {
  done = 0
  private last = performance.now()
  private lastReport = 0
  private pending: Promise<void> | undefined
  private weight = 0

  constructor (private readonly report: (done: number) => void) {}

  /** Undefined to go on; otherwise a promise to await first. `weight`: operations since the last call. */
  check (weight = 1): Promise<void> | undefined {
    if (this.pending !== undefined) return this.pending
    // Read the clock every 16 operations only: it costs about as much as a memtable get.
    this.weight += weight
    if (this.weight < 16) return undefined
    this.weight = 0
    const now = performance.now()
    if (now - this.last < YIELD_MS) return undefined
    this.pending = new Promise<void>((resolve) => {
      setImmediate(() => {
        this.pending = undefined
        this.last = performance.now()
        if (this.last - this.lastReport >= PROGRESS_MS) {
          this.lastReport = this.last
          this.report(this.done)
        }
        resolve()
      })
    })
    return this.pending
  }
}

function readProcWriteBytes (): number | undefined {
  try {
    const m = /^write_bytes:\s*(\d+)$/m.exec(readFileSync('/proc/self/io', 'utf8'))
    return m === null ? undefined : Number(m[1])
  } catch {
    return undefined
  }
}

/**
 * Bytes this process has written to disk. /proc/self/io's write_bytes where it exists (pages the
 * process dirtied, from every thread, native ones included, counted once per page between
 * writebacks; files deleted before writeback still count, as LevelDB's own write figures do).
 * Elsewhere, the growth of every file under the store's directory, polled: exact for files
 * written once and appended to (logs, tables, MANIFEST), an undercount for a file rewritten in
 * place (lmdb's).
 */
class WriteMeter {
  readonly source: 'proc-io' | 'file-sizes'
  private readonly sizes = new Map<string, number>()
  private grown = 0
  private readonly timer: NodeJS.Timeout | undefined

  constructor (private readonly dir: string, mode: 'auto' | 'files') {
    this.source = mode === 'auto' && readProcWriteBytes() !== undefined ? 'proc-io' : 'file-sizes'
    if (this.source === 'file-sizes') {
      this.timer = setInterval(() => this.sample(), 50)
      this.timer.unref()
    }
  }

  bytes (): number {
    if (this.source === 'proc-io') return readProcWriteBytes() ?? 0
    this.sample()
    return this.grown
  }

  stop (): void {
    if (this.timer !== undefined) clearInterval(this.timer)
  }

  private sample (): void {
    for (const { id, size } of listFiles(this.dir)) {
      const before = this.sizes.get(id) ?? 0
      if (size > before) this.grown += size - before
      this.sizes.set(id, size)
    }
  }
}

function listFiles (dir: string): Array<{ id: string, size: number, blocks: number }> {
  const out: Array<{ id: string, size: number, blocks: number }> = []
  let names: string[]
  try {
    names = readdirSync(dir)
  } catch {
    return out // removed while we looked
  }
  for (const name of names) {
    const path = join(dir, name)
    try {
      const st = lstatSync(path)
      if (st.isDirectory()) out.push(...listFiles(path))
      else if (st.isFile()) out.push({ id: `${st.dev}:${st.ino}`, size: st.size, blocks: st.blocks })
    } catch { /* deleted between readdir and stat */ }
  }
  return out
}

function delaySummary (h: IntervalHistogram): DelaySummary {
  // The monitor records the whole interval between its timer's runs; what matters is the excess.
  const late = (ns: number): number => h.count === 0 ? 0 : Math.max(0, ns / 1e6 - ELD_RESOLUTION_MS)
  return { p50: late(h.percentile(50)), p99: late(h.percentile(99)), max: late(h.max), samples: h.count }
}

function worstDelay (phases: PhaseResult[]): DelaySummary | undefined {
  let worst: DelaySummary | undefined
  for (const { eventLoopDelay: d } of phases) {
    if (d === undefined) continue
    worst = worst === undefined
      ? { ...d }
      : { p50: Math.max(worst.p50, d.p50), p99: Math.max(worst.p99, d.p99), max: Math.max(worst.max, d.max), samples: worst.samples + d.samples }
  }
  return worst
}

const settle = async (ms: number): Promise<void> => await new Promise((resolve) => setTimeout(resolve, ms))

// ---------------------------------------------------------------------------------------------
// The run

export async function runStore (config: WorkerConfig, send: (m: WorkerMessage) => void): Promise<StoreResult> {
  if (!isStoreName(config.store)) throw new Error(`unknown store ${config.store}`)
  return await runAdapter(await loadStore(config.store, config.encoding ?? 'utf8', config.cacheSize), config, send)
}

/** Runs the phases against one adapter (config.store is not consulted). */
export async function runAdapter (store: StoreAdapter, config: WorkerConfig, send: (m: WorkerMessage) => void): Promise<StoreResult> {
  mkdirSync(config.dir, { recursive: true })
  const meter = new WriteMeter(config.dir, config.writeMeter ?? 'auto')
  const values = new ValueSource(301, store.strings)
  const result: StoreResult = {
    store: store.name,
    version: store.version,
    configuration: store.configuration,
    strings: store.strings,
    phases: [],
    writeMeter: meter.source,
    peakRssBytes: 0,
    problems: []
  }

  const wanted = new Set<PhaseName>(config.phases ?? PHASES)
  if ([...wanted].some((p) => ON_READ_DB.has(p))) {
    wanted.add('fillrandom')
    wanted.add('overwrite')
  }
  const plan = RUN_ORDER.filter((p) => wanted.has(p) && (store.durable || (p !== 'fillsync' && p !== 'fillsync-64')) &&
    (store.hasGetSync || p !== 'readrandom-getsync'))

  const measureAfter = plan.filter((p) => ON_READ_DB.has(p) && p !== 'readwhilewriting').pop()
  const { n, reads } = config
  const key = store.strings ? makeKeyString : makeKey
  let openDir: string | undefined
  let readDbWriteStart = 0
  // Which keys the read database holds, replayed from the fill phases' draws, to check results.
  let present: Uint8Array | undefined

  const closeDb = async (): Promise<void> => {
    if (openDir === undefined) return
    await store.close()
    if (config.keep !== true) rmSync(openDir, { recursive: true, force: true })
    openDir = undefined
  }

  for (const phase of plan) {
    const sync = phase === 'fillsync' || phase === 'fillsync-64'
    if (!ON_READ_DB.has(phase)) {
      await closeDb()
      openDir = join(config.dir, phase)
      rmSync(openDir, { recursive: true, force: true })
      mkdirSync(openDir, { recursive: true })
      await store.open(openDir, { sync })
    }
    if (phase === 'fillrandom') readDbWriteStart = meter.bytes()

    const isWrite = WRITE_PHASES.has(phase)
    const eld = monitorEventLoopDelay({ resolution: ELD_RESOLUTION_MS })
    const writeStart = meter.bytes()
    const total = phase === 'readseq' || phase === 'readreverse'
      ? (present === undefined ? n : countPresent(present))
      : sync ? config.syncOps : phase.startsWith('fill') || phase === 'overwrite' ? n : reads
    const t0 = performance.now()
    const pacer = new Pacer((done) => send({ type: 'progress', phase, done, total, seconds: (performance.now() - t0) / 1000 }))
    if (isWrite) {
      eld.enable()
    }
    const outcome = await runPhase(phase, store, { n, reads, total, config, key, values, pacer })
    const seconds = (performance.now() - t0) / 1000
    if (isWrite) {
      // One more timer turn, so that a stall at the very end of the phase is recorded too.
      await settle(2 * ELD_RESOLUTION_MS + 1)
      eld.disable()
    }
    const r: PhaseResult = { name: phase, ops: outcome.ops, seconds, opsPerSec: outcome.ops / seconds }
    if (isWrite) {
      const writes = outcome.writes ?? outcome.ops
      r.userBytes = writes * (KEY_SIZE + VALUE_SIZE)
      if (store.durable) {
        r.diskWriteBytes = meter.bytes() - writeStart
        r.writeAmp = r.diskWriteBytes / r.userBytes
      }
      r.eventLoopDelay = delaySummary(eld)
    }
    if (outcome.writes !== undefined && phase === 'readwhilewriting') {
      r.writes = outcome.writes
      r.writesPerSec = outcome.writes / seconds
    }

    if (phase === 'overwrite') present = presentKeys(n)
    if (outcome.found !== undefined) {
      r.found = outcome.found
      if (present !== undefined && phase !== 'readwhilewriting') {
        r.expectedFound = expectedFound(phase, present, n, reads)
        if (r.found !== r.expectedFound) result.problems.push(`${phase}: found ${r.found}, expected ${r.expectedFound}`)
      }
    }
    if (outcome.badValues !== undefined && outcome.badValues > 0) {
      result.problems.push(`${phase}: ${outcome.badValues} entries with a key or value of the wrong size`)
    }
    r.peakRssSoFarBytes = process.resourceUsage().maxRSS * 1024
    result.phases.push(r)
    send({ type: 'phase', result: r })

    if (phase === measureAfter && openDir !== undefined) {
      // The read database after its fills and reads (before readwhilewriting adds to it): the
      // size and write amplification the table shows. Measured closed, at rest: an open store
      // may be mid-way through a background compaction, whose inputs and outputs would both be
      // counted. Closing waits for it (LevelDB and Shale alike); the store is then reopened for
      // the phases that follow.
      await store.close()
      measureReadDb(store, openDir, result, meter.bytes() - readDbWriteStart, 2 * n * (KEY_SIZE + VALUE_SIZE))
      if (plan.indexOf(phase) < plan.length - 1) await store.open(openDir, { sync: false })
    }
  }
  if (wanted.has('overwrite')) result.stats = store.stats()
  await closeDb()
  meter.stop()
  if (config.keep !== true) rmSync(config.dir, { recursive: true, force: true })
  result.eventLoopDelay = worstDelay(result.phases)
  result.peakRssBytes = process.resourceUsage().maxRSS * 1024
  return result
}

function measureReadDb (store: StoreAdapter, dir: string, result: StoreResult, written: number, userBytes: number): void {
  if (!store.durable) return
  let allocated = 0
  let apparent = 0
  for (const f of listFiles(dir)) {
    allocated += f.blocks * 512
    apparent += f.size
  }
  result.diskBytes = allocated
  result.diskApparentBytes = apparent
  result.writeAmp = written / userBytes
}

function presentKeys (n: number): Uint8Array {
  const present = new Uint8Array(n)
  for (const phase of ['fillrandom', 'overwrite'] as const) {
    const rnd = new KeyDraws(SEEDS[phase], n)
    for (let i = 0; i < n; i++) present[rnd.draw()] = 1
  }
  return present
}

function countPresent (present: Uint8Array): number {
  let c = 0
  for (let i = 0; i < present.length; i++) c += present[i]!
  return c
}

function expectedFound (phase: PhaseName, present: Uint8Array, n: number, reads: number): number {
  if (phase === 'readseq' || phase === 'readreverse') return countPresent(present)
  const rnd = new KeyDraws(SEEDS[phase], n)
  let c = 0
  for (let i = 0; i < reads; i++) c += present[rnd.draw()]!
  return c
}

interface PhaseContext {
  n: number
  reads: number
  total: number
  config: WorkerConfig
  /** Key number -> key, in the form the store takes. */
  key: (k: number) => BenchData
  values: ValueSource
  pacer: Pacer
}

interface PhaseOutcome {
  ops: number
  found?: number
  badValues?: number
  writes?: number
}

/** Runs op(0..total-1) with `width` operations in flight, in issue order. */
async function inFlight (total: number, width: number, pacer: Pacer, op: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0
  const lane = async (): Promise<void> => {
    while (next < total) {
      await op(next++)
      pacer.done++
      const p = pacer.check()
      if (p !== undefined) await p
    }
  }
  await Promise.all(Array.from({ length: Math.min(width, total) }, lane))
}

async function runPhase (phase: PhaseName, store: StoreAdapter, ctx: PhaseContext): Promise<PhaseOutcome> {
  const { n, reads, total, config, key: keyOf, values, pacer } = ctx
  const rnd = new KeyDraws(SEEDS[phase], n)
  let found = 0
  let badValues = 0
  const checkValue = (v: BenchData | undefined): void => {
    if (v === undefined) return
    found++
    if (v.length !== VALUE_SIZE) badValues++
  }

  switch (phase) {
    case 'fillseq':
      await inFlight(total, 1, pacer, async (i) => await store.put(keyOf(i), values.value(), false))
      return { ops: total }
    case 'fillrandom':
    case 'overwrite':
      await inFlight(total, 1, pacer, async () => await store.put(keyOf(rnd.draw()), values.value(), false))
      return { ops: total }
    case 'fillrandom-64':
      await inFlight(total, config.concurrency, pacer, async () => await store.put(keyOf(rnd.draw()), values.value(), false))
      return { ops: total }
    case 'fillsync':
      await inFlight(total, 1, pacer, async () => await store.put(keyOf(rnd.draw()), values.value(), true))
      return { ops: total }
    case 'fillsync-64':
      await inFlight(total, config.concurrency, pacer, async () => await store.put(keyOf(rnd.draw()), values.value(), true))
      return { ops: total }
    case 'fillbatch': {
      const batches = Math.ceil(total / config.batchSize)
      for (let b = 0; b < batches; b++) {
        const size = Math.min(config.batchSize, total - b * config.batchSize)
        const keys = new Array<BenchData>(size)
        const vals = new Array<BenchData>(size)
        for (let j = 0; j < size; j++) {
          keys[j] = keyOf(b * config.batchSize + j)
          vals[j] = values.value()
        }
        await store.batch(keys, vals)
        pacer.done += size
        const p = pacer.check(size)
        if (p !== undefined) await p
      }
      return { ops: total }
    }
    case 'readrandom':
      await inFlight(reads, 1, pacer, async () => checkValue(await store.get(keyOf(rnd.draw()))))
      return { ops: reads, found, badValues }
    case 'readrandom-64':
      await inFlight(reads, config.concurrency, pacer, async () => checkValue(await store.get(keyOf(rnd.draw()))))
      return { ops: reads, found, badValues }
    case 'readrandom-getsync':
      for (let i = 0; i < reads; i++) {
        checkValue(store.getSync(keyOf(rnd.draw())))
        pacer.done++
        const p = pacer.check()
        if (p !== undefined) await p
      }
      return { ops: reads, found, badValues }
    case 'readseq':
    case 'readreverse': {
      const cursor = store.cursor(phase === 'readreverse')
      let count = 0
      try {
        for (;;) {
          const got = cursor.nextv(1000)
          const entries = Array.isArray(got) ? got : await got
          if (entries.length === 0) break
          for (const [k, v] of entries) {
            if (k.length !== KEY_SIZE || v.length !== VALUE_SIZE) badValues++
          }
          count += entries.length
          pacer.done = count
          const p = pacer.check(entries.length)
          if (p !== undefined) await p
        }
      } finally {
        await cursor.close()
      }
      return { ops: count, found: count, badValues }
    }
    case 'seekrandom':
      await inFlight(reads, 1, pacer, async () => {
        const target = keyOf(rnd.draw())
        const got = store.seek(target)
        const key = got instanceof Promise ? await got : got
        if (key !== undefined && sameData(key, target)) found++
      })
      return { ops: reads, found }
    case 'readwhilewriting': {
      // db_bench runs reader threads beside one writer that writes until the readers finish; here
      // both are loops on the one event loop, sharing its turns.
      const writer = new KeyDraws(RWW_WRITER_SEED, n)
      let writes = 0
      let readsDone = false
      const writing = (async () => {
        while (!readsDone) {
          await store.put(keyOf(writer.draw()), values.value(), false)
          writes++
          const p = pacer.check()
          if (p !== undefined) await p
        }
      })()
      try {
        await inFlight(reads, 1, pacer, async () => checkValue(await store.get(keyOf(rnd.draw()))))
      } finally {
        readsDone = true
        await writing
      }
      return { ops: reads, found, badValues, writes }
    }
  }
}

function sameData (a: BenchData, b: BenchData): boolean {
  if (typeof a === 'string' || typeof b === 'string') return a === b
  return Buffer.compare(a, b) === 0
}

// ---------------------------------------------------------------------------------------------
// Entry point

async function main (): Promise<void> {
  const config = JSON.parse(process.argv[2] ?? '') as WorkerConfig
  const send = (m: WorkerMessage): void => { process.send?.(m) }
  let last: WorkerMessage
  try {
    last = { type: 'done', result: await runStore(config, send) }
  } catch (err) {
    last = { type: 'error', message: err instanceof Error ? (err.stack ?? err.message) : String(err) }
  }
  const code = last.type === 'done' ? 0 : 1
  if (process.send === undefined) {
    if (last.type === 'done') console.log(JSON.stringify(last.result, null, 2))
    else console.error(last.message)
    process.exit(code)
  }
  // Leave once the last message is out, even if a store left a handle (a native thread) open.
  process.send(last, undefined, {}, () => process.exit(code))
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  void main()
}

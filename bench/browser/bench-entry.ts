// The one script of the browser benchmark, bundled by bench/browser/browser-bench.ts. On the page
// (`?store=…&where=worker|page&n=…`) it counts requestAnimationFrame gaps while the workloads run,
// either in a dedicated worker (this same script, started as a module worker) or on the page
// itself, and leaves the outcome in `window.__result` for the driver. In the worker it runs the
// workloads and posts each phase's result back. With `store=none` nothing runs: the page only
// counts its frames for `idle` ms, the baseline of what the machine allows.

import '../../test/browser/browser-globals.js'
import { runWorkloads, WRITE_PHASES, type BenchConfig, type PhaseResult } from './workload.js'
import { BROWSER_STORES, storeMaker, type BrowserStore } from './stores.js'

/** Frame gaps: p50 (the frame interval), p99 and max, in ms; `frames` is how many gaps were seen. */
export interface FrameGaps { frames: number, p50: number, p99: number, max: number }

export interface PageResult {
  ok: boolean
  error?: string
  store: string
  where: string
  phases: Array<PhaseResult & { gaps?: FrameGaps }>
  /** The gaps over every write phase together. */
  writeGaps?: FrameGaps
  /** The gaps over IDLE_MS before the case started, with nothing running: what the machine allows. */
  idleGaps?: FrameGaps
  /** The main thread's stalls (timer lateness, TIMER_MS timers) over the write phases, and idle. */
  writeStalls?: FrameGaps
  idleStalls?: FrameGaps
}

/**
 * The period of the page's timer probe. Frame gaps come in whole frames (16.7 ms at 60 Hz); a
 * chain of short timers (4 ms: browsers clamp nested timers to that) shows at a finer grain how
 * long the main thread could not run a task: each timer's lateness beyond TIMER_MS is a stall.
 */
const TIMER_MS = 4

/** How long the page counts frames before the case starts (the `idle` parameter overrides it). */
const IDLE_MS = 2000

type Message = { type: 'phase', result: PhaseResult } | { type: 'done' } | { type: 'error', message: string }

const scope = globalThis as unknown as {
  document?: unknown
  location: { search: string }
  postMessage: (m: Message) => void
  requestAnimationFrame: (cb: (t: number) => void) => void
  Worker: new (url: string, options: { type: 'module' }) => { onmessage: ((e: { data: Message }) => void) | null, onerror: ((e: { message?: string }) => void) | null }
  __result?: PageResult
}

function params (): { store: BrowserStore | 'none', where: string, config: BenchConfig, runId: string, writeBuffer?: number, idleMs: number } {
  const q = new URLSearchParams(scope.location.search)
  const store = q.get('store') as BrowserStore | 'none'
  if (store !== 'none' && !BROWSER_STORES.includes(store)) throw new Error(`unknown store ${String(store)}`)
  return {
    store,
    idleMs: Number(q.get('idle') ?? IDLE_MS),
    where: q.get('where') ?? 'worker',
    config: { n: Number(q.get('n') ?? 1000), batch: Number(q.get('batch') ?? 1000), concurrency: Number(q.get('concurrency') ?? 64) },
    runId: q.get('run') ?? 'run',
    writeBuffer: q.get('writeBuffer') === null ? undefined : Number(q.get('writeBuffer'))
  }
}

async function runHere (send: (m: Message) => void): Promise<void> {
  const { store, config, runId, writeBuffer } = params()
  try {
    if (store === 'none') throw new Error('no store to run')
    await runWorkloads(await storeMaker(store, scope.document !== undefined, writeBuffer), config, runId, (result) => { send({ type: 'phase', result }) })
    send({ type: 'done' })
  } catch (err) {
    send({ type: 'error', message: err instanceof Error ? `${err.message}\n${err.stack ?? ''}` : String(err) })
  }
}

function summarise (gaps: number[]): FrameGaps | undefined {
  if (gaps.length === 0) return undefined
  const sorted = gaps.slice().sort((a, b) => a - b)
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!
  return { frames: sorted.length, p50: at(0.5), p99: at(0.99), max: sorted[sorted.length - 1]! }
}

function runPage (): void {
  const { store, where, idleMs } = params()
  const frames: number[] = []
  let running = true
  const frame = (t: number): void => {
    frames.push(performance.timeOrigin + t)
    if (running) scope.requestAnimationFrame(frame)
  }
  scope.requestAnimationFrame(frame)
  const ticks: number[] = []
  const tick = (): void => {
    ticks.push(performance.timeOrigin + performance.now())
    if (running) setTimeout(tick, TIMER_MS)
  }
  setTimeout(tick, TIMER_MS)
  const phases: PhaseResult[] = []
  const finish = (error?: string): void => {
    running = false
    const gapsIn = (times: number[], start: number, end: number, less: number): number[] => {
      const gaps = []
      for (let i = 1; i < times.length; i++) if (times[i]! > start && times[i]! <= end) gaps.push(Math.max(0, times[i]! - times[i - 1]! - less))
      return gaps
    }
    const writes = phases.filter((p) => WRITE_PHASES.has(p.phase))
    const out = phases.map((p) => ({ ...p, gaps: summarise(gapsIn(frames, p.start, p.end, 0)) }))
    const writeGaps = summarise(writes.flatMap((p) => gapsIn(frames, p.start, p.end, 0)))
    const idleGaps = summarise(gapsIn(frames, idleStart, idleStart + idleMs, 0))
    const writeStalls = summarise(writes.flatMap((p) => gapsIn(ticks, p.start, p.end, TIMER_MS)))
    const idleStalls = summarise(gapsIn(ticks, idleStart, idleStart + idleMs, TIMER_MS))
    scope.__result = { ok: error === undefined, error, store, where, phases: out, writeGaps, idleGaps, writeStalls, idleStalls }
  }
  const receive = (m: Message): void => {
    if (m.type === 'phase') phases.push(m.result)
    else finish(m.type === 'error' ? m.message : undefined)
  }
  const idleStart = performance.timeOrigin + performance.now()
  setTimeout(() => { if (store === 'none') finish(); else start(where, receive, finish) }, idleMs)
}

function start (where: string, receive: (m: Message) => void, finish: (error?: string) => void): void {
  if (where === 'worker') {
    const worker = new scope.Worker('/bench.js' + scope.location.search, { type: 'module' })
    worker.onmessage = (e) => { receive(e.data) }
    worker.onerror = (e) => { finish('worker error: ' + (e.message ?? 'failed to load')) }
  } else {
    void runHere(receive)
  }
}

if (scope.document !== undefined) runPage()
else void runHere((m) => { scope.postMessage(m) })

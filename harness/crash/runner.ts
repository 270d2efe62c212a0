// Runs a crash workload (harness/crash/workload.ts) on an Env. On a FaultEnv, in virtual time, it
// issues the same numbered file-system calls every time, which is what lets a crash test stop it
// right after any one of them.
//
// The counting run also records a Trace: when each write was issued and acknowledged, and when each
// operation that makes everything before it durable (flush, compactRange, open) returned, all as
// positions in the call numbering. A crash after call K can then be judged by what had been
// acknowledged before K.

import { DB } from '../../src/db/db.js'
import type { DBOptions } from '../../src/db/options.js'
import type { DBIteratorHandle, Snapshot } from '../../src/db/api.js'
import { WriteBatch } from '../../src/dbformat/write-batch.js'
import type { Env } from '../../src/env/env.js'
import { FaultEnv } from '../../src/env/fault-env.js'
import { NUM_LEVELS } from '../../src/version/version-edit.js'
import type { Write } from './model.js'
import { DIR, type Workload } from './workload.js'

export interface WriteTrace {
  sync: boolean
  /** Calls issued before the write was. A crash after call K < issuedAt precedes the write. */
  issuedAt: number
  /** Calls issued when its promise had resolved (Infinity if it never did). Acknowledged before a crash after K iff ackedAt <= K. */
  ackedAt: number
  /** The last append to a log before it was acknowledged: where its record ends. */
  logAppend?: { index: number, path: string }
}

export interface Barrier {
  /** Calls issued when the operation had returned. */
  doneAt: number
  /** Writes issued before it; all of them are durable once it has returned. */
  writesBefore: number
  kind: string
}

export interface Trace {
  writes: WriteTrace[]
  barriers: Barrier[]
  /** The deepest level that held files after some step. */
  deepestLevel: number
  reopens: number
}

/** The real setTimeout, for the harness's own guard while withVirtualTime replaces the global. */
const realSetTimeout = globalThis.setTimeout

/** Closes a database whose env may be dead, without waiting forever. */
async function closeAfterFailure (db: DB): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  const hung = new Promise<never>((_resolve, reject) => {
    timer = realSetTimeout(() => { reject(new Error('db.close() did not return within 10 s after a crash')) }, 10_000)
  })
  try {
    await Promise.race([db.close().catch(() => {}), hung])
  } finally {
    clearTimeout(timer)
  }
}

function deepestLevelWithFiles (db: DB): number {
  let deepest = -1
  for (let level = 0; level < NUM_LEVELS; level++) {
    if (db.getProperty(`shale.num-files-at-level${level}`) !== '0') deepest = level
  }
  return deepest
}

export interface RunOptions {
  /** For the counting run: `env` must then be a FaultEnv that records calls. */
  trace?: Trace
  /** Told when the database misbehaves after a crash (a close that hangs). */
  problems?: string[]
  /**
   * Run flush and compaction in worker threads. Off by default: a worker's calls interleave with
   * the main thread's as timing decides, so a rerun would not issue the same numbered calls.
   */
  workers?: boolean
}

/**
 * Runs `fn` with time taken out of the engine's decisions, so that a rerun issues the same calls
 * in the same order. The engine reads performance.now() to decide when a long compaction pauses
 * for the event loop, and waits setTimeout(1 ms) per write group while level 0 is crowded; on real
 * time both depend on the machine's speed and load. Here performance.now() counts the FaultEnv's
 * calls (50 a millisecond) and a timer fires at the next turn of the event loop (setImmediate),
 * whatever its delay. Outside a FaultEnv nothing changes.
 */
export async function withVirtualTime<T> (env: Env, fn: () => Promise<T>): Promise<T> {
  if (!(env instanceof FaultEnv)) return await fn()
  const clock = globalThis.performance
  clock.now = () => env.total / 50
  globalThis.setTimeout = ((callback: (...args: unknown[]) => void, _delay?: number, ...args: unknown[]) =>
    setImmediate(callback, ...args)) as unknown as typeof setTimeout
  try {
    return await fn()
  } finally {
    // The own property shadowed the prototype's method; removing it restores the real clock.
    delete (clock as { now?: unknown }).now
    globalThis.setTimeout = realSetTimeout
  }
}

/**
 * Runs the workload on `env` from a fresh database to the final close, filling in `trace` if
 * given. Whatever fails (in a crash run, the crash) closes the database as well as it can and is
 * rethrown. On a FaultEnv it runs in virtual time (withVirtualTime).
 */
export async function runWorkload (env: Env, workload: Workload, run: RunOptions = {}): Promise<void> {
  await withVirtualTime(env, async () => { await runSteps(env, workload, run) })
}

async function runSteps (env: Env, workload: Workload, run: RunOptions): Promise<void> {
  const trace = run.trace
  const fault = trace === undefined ? undefined : env as FaultEnv
  const now = (): number => fault?.total ?? 0
  const options: DBOptions = { ...workload.options, env, backgroundWorkers: run.workers === true }
  let db = await DB.open(DIR, options)
  let writesIssued = 0
  let held: { snapshot: Snapshot, iterator: DBIteratorHandle } | undefined

  const barrier = (kind: string): void => {
    if (trace !== undefined) trace.barriers.push({ doneAt: now(), writesBefore: writesIssued, kind })
  }
  const issue = (write: Write): Promise<void> => {
    let record: WriteTrace | undefined
    if (trace !== undefined) {
      record = { sync: write.sync, issuedAt: now(), ackedAt: Infinity }
      trace.writes[write.index] = record
    }
    writesIssued++
    let promise: Promise<void>
    if (write.batch) {
      const batch = new WriteBatch()
      for (const m of write.mutations) {
        if (m.kind === 'put') batch.put(m.key, m.value)
        else batch.del(m.key)
      }
      promise = db.write(batch, { sync: write.sync })
    } else {
      const m = write.mutations[0]!
      promise = m.kind === 'put' ? db.put(m.key, m.value, { sync: write.sync }) : db.del(m.key, { sync: write.sync })
    }
    // The same promise chain with or without a trace: one microtask more or less would let the
    // engine's background steps interleave differently, and the crashed runs (untraced) must
    // issue exactly the counting run's calls.
    return promise.then(() => {
      if (record === undefined) return
      record.ackedAt = now()
      record.logAppend = lastLogAppend(fault!)
    })
  }

  try {
    for (const step of workload.steps) {
      switch (step.kind) {
        case 'write': await issue(step.write); break
        case 'burst': await Promise.all(step.writes.map(issue)); break
        case 'flush': await db.flush(); barrier('flush'); break
        case 'compactLevel': await db.compactLevel(step.level); break
        case 'compactRange': await db.compactRange(); barrier('compactRange'); break
        case 'idle': await db.waitForIdle(); break
        case 'yield': await new Promise((resolve) => { setImmediate(resolve) }); break
        case 'hold': {
          const snapshot = db.snapshot()
          const iterator = db.iterator({ snapshot })
          iterator.next()
          held = { snapshot, iterator }
          break
        }
        case 'release':
          held?.iterator.close()
          held?.snapshot.close()
          held = undefined
          break
        case 'reopen':
          // close() closes what is held.
          held = undefined
          await db.close()
          db = await DB.open(DIR, options)
          barrier('open')
          if (trace !== undefined) trace.reopens++
          break
      }
      if (trace !== undefined) trace.deepestLevel = Math.max(trace.deepestLevel, deepestLevelWithFiles(db))
    }
    await db.close()
  } catch (err) {
    try {
      await closeAfterFailure(db)
    } catch (hung) {
      run.problems?.push(hung instanceof Error ? hung.message : String(hung))
    }
    throw err
  }
}

function lastLogAppend (fault: FaultEnv): { index: number, path: string } | undefined {
  for (let i = fault.calls.length - 1; i >= 0; i--) {
    const c = fault.calls[i]!
    if (c.op === 'append' && c.path.endsWith('.log')) return { index: c.index, path: c.path }
  }
  return undefined
}

export function newTrace (): Trace {
  return { writes: [], barriers: [], deepestLevel: -1, reopens: 0 }
}

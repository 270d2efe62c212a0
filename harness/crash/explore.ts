// Crash points over a whole-database workload, judged by contract 3.
//
// A counting run numbers the workload's file-system calls and records its Trace. Then, for every
// sync-family call (sync, syncDir, the rename over CURRENT) and a seeded sample of the others,
// exploreCrashPoints reruns the workload and stops the world right after that call. The file
// system is then crashed in each requested way (a copy per mode: a process crash first, which
// changes nothing on "disk", then power loss or one of LevelDB's two resets on the copy), the
// database is opened on what is left, and checked:
//
// 1. open succeeds (with paranoidChecks, so no damage is silently skipped);
// 2. a full scan equals the model after some prefix p of the issued writes, with
//    durable <= p <= issued, where `issued` counts the writes issued before the crash and
//    `durable` is the shortest prefix holding every write the crash must not lose (see bounds());
// 3. a point read of every key agrees with that state;
// 4. after closing, losing power again (the open must have made what it recovered durable) and
//    reopening with no writes, the contents are the same.

import { DB } from '../../src/db/db.js'
import { exploreCrashPoints, FaultEnv, type FileCall } from '../../src/env/fault-env.js'
import { MemEnv, type CrashMode } from '../../src/env/mem-env.js'
import { currentFileName } from '../../src/dbformat/filename.js'
import { Random } from '../../src/util/random.js'
import { hex, scan, str } from '../db/entries.js'
import { describeDifference, PrefixModel, sameEntries } from './model.js'
import { DIR, type Workload } from './workload.js'
import { newTrace, runWorkload, type Trace } from './runner.js'

export const ALL_MODES: readonly CrashMode[] = ['powerLoss', 'dropUnsyncedData', 'deleteUnsyncedFiles', 'processCrash']

/** sync, syncDir and the rename over CURRENT: the calls after which durability changes. */
export function isSyncFamily (call: FileCall): boolean {
  return call.op === 'sync' || call.op === 'syncDir' || (call.op === 'rename' && call.path.endsWith(` -> ${currentFileName(DIR)}`))
}

export interface CrashFailure {
  seed: number
  mode: CrashMode
  /** Position of the crash point among those explored for this workload. */
  point: number
  call: FileCall
  message: string
}

/**
 * Throws unless the run that just crashed issued exactly the counting run's calls up to `k`: the
 * trace that judges the crash was recorded on that run, so any divergence would judge the wrong
 * history. (exploreCrashPoints itself compares only call k.)
 */
export function assertSameCalls (counted: readonly FileCall[], run: FaultEnv | undefined, k: number): void {
  if (run === undefined) throw new Error('the crashed run was not captured')
  for (let i = 0; i <= k; i++) {
    const a = counted[i]
    const b = run.calls[i]
    if (a === undefined || b === undefined || a.op !== b.op || a.path !== b.path) {
      throw new Error(`workload is not deterministic: call ${i} was ${a?.op ?? '-'} ${a?.path ?? ''} in the counting run, ` +
        `${b?.op ?? '-'} ${b?.path ?? ''} in the run crashed after call ${k}`)
    }
  }
}

export function describeFailure (f: CrashFailure): string {
  return `seed ${f.seed}, ${f.mode}, crash point #${f.point} (after call ${f.call.index}: ${f.call.op} ${f.call.path}): ${f.message}`
}

export interface ExploreConfig {
  workload: Workload
  modes: readonly CrashMode[]
  /** Chance that a call outside the sync family is crashed after too. */
  sampleRate: number
  /** The empty file system each run starts from; a plain MemEnv by default. */
  newEnv?: () => MemEnv
  /** Crash only after these call indices (to replay one failure). */
  only?: readonly number[]
  /** Each failure; without it the first failure throws. */
  onFailure?: (failure: CrashFailure) => void
  /** Stop exploring once this many checks have failed. */
  stopAfterFailures?: number
  /** Each crash point checked (after all its modes). */
  onPoint?: (point: number, total: number) => void
}

export interface ExploreResult {
  /** Calls in the counting run. */
  calls: number
  /** Crash points: calls crashed after (each checked in every mode). */
  points: number
  syncPoints: number
  /** Renames over CURRENT in the counting run (each is a sync-family crash point). */
  currentRenames: number
  /** Crash points by the op of the call they crashed after. */
  pointsByOp: Record<string, number>
  /** Checks: points × modes. */
  checks: number
  failures: number
  /** MANIFESTs started because the open one passed maxManifestFileSize (not by an open). */
  manifestRotations: number
  /** How many checks recovered exactly `durable` writes, and how many more than that. */
  atLowerBound: number
  aboveLowerBound: number
  trace: Trace
}

/** Facts about the counting run's calls that bounds() needs. */
export class CallIndex {
  private readonly created = new Map<string, number>()
  private readonly syncs = new Map<string, number[]>()
  private readonly dirSyncs: number[] = []

  constructor (calls: readonly FileCall[]) {
    for (const c of calls) {
      if (c.op === 'create' && !this.created.has(c.path)) this.created.set(c.path, c.index)
      if (c.op === 'sync') {
        const list = this.syncs.get(c.path)
        if (list === undefined) this.syncs.set(c.path, [c.index])
        else list.push(c.index)
      }
      if (c.op === 'syncDir' && c.path === DIR) this.dirSyncs.push(c.index)
    }
  }

  /** The first sync of `path` after call `index`. */
  syncAfter (path: string, index: number): number {
    return this.syncs.get(path)?.find((s) => s > index) ?? Infinity
  }

  /** The first syncDir of the database directory after `path` was created: its name is durable from then on. */
  nameDurableAt (path: string): number {
    const created = this.created.get(path)
    if (created === undefined) return Infinity
    return this.dirSyncs.find((d) => d > created) ?? Infinity
  }
}

export interface Bounds {
  /** Writes [0, durable) must all be present. */
  durable: number
  /** Writes [issued, ...) cannot be present: they were issued after the crash. */
  issued: number
  /** Why `durable` is what it is, for failure messages. */
  reason: string
}

/**
 * The range of prefixes a crash right after call K may leave. A write w must survive when:
 * - it was acknowledged with sync (contract 2);
 * - a flush, compactRange or open issued after it had returned (they write everything before
 *   them to synced tables named by a synced MANIFEST);
 * - its log record was covered by a later sync of that log, and the log's name was durable (a
 *   syncDir of the directory after the log was created); with dropUnsyncedData names always
 *   survive, so the sync alone is enough;
 * - deleteUnsyncedFiles: it was acknowledged and its log's name was durable (that reset keeps
 *   unsynced data of every file whose name survives);
 * - processCrash: it was acknowledged (contract 1).
 * By the prefix property, everything before such a write must survive too.
 */
export function bounds (trace: Trace, index: CallIndex, k: number, mode: CrashMode): Bounds {
  let durable = 0
  let reason = 'nothing had to survive'
  const raise = (n: number, why: string): void => {
    if (n > durable) {
      durable = n
      reason = why
    }
  }
  for (const b of trace.barriers) {
    if (b.doneAt <= k) raise(b.writesBefore, `${b.kind} returned at call ${b.doneAt} after ${b.writesBefore} writes`)
  }
  let issued = 0
  trace.writes.forEach((w, i) => {
    if (w.issuedAt <= k) issued = i + 1
    if (w.ackedAt > k) return
    const what = `write ${i}`
    if (mode === 'processCrash' || w.sync) {
      raise(i + 1, `${what}${w.sync ? ' (sync)' : ''} acknowledged at call ${w.ackedAt}`)
      return
    }
    const log = w.logAppend
    if (log === undefined) return
    const nameAt = index.nameDurableAt(log.path)
    const syncAt = index.syncAfter(log.path, log.index)
    if (mode === 'deleteUnsyncedFiles' && nameAt <= k) raise(i + 1, `${what} acknowledged; ${log.path} durable at call ${nameAt}`)
    const coveredAt = mode === 'dropUnsyncedData' ? syncAt : Math.max(syncAt, nameAt)
    if (coveredAt <= k) raise(i + 1, `${what} synced at call ${syncAt}, ${log.path} durable at call ${nameAt}`)
  })
  return { durable, issued, reason }
}

export function errorText (err: unknown): string {
  if (!(err instanceof Error)) return String(err)
  const code = (err as { code?: unknown }).code
  return `${typeof code === 'string' ? code : err.name}: ${err.message}`
}

/** Opens the crashed copy and checks it; returns a failure message, or the prefix it recovered. */
export async function checkRecovered (workload: Workload, model: PrefixModel, env: MemEnv, b: Bounds): Promise<string | number> {
  let db: DB
  try {
    db = await DB.open(DIR, { ...workload.options, env, paranoidChecks: true })
  } catch (err) {
    return `open failed: ${errorText(err)}`
  }
  let prefix: number
  let entries: Array<[Uint8Array, Uint8Array]>
  try {
    try {
      entries = scan(db)
    } catch (err) {
      return `a full scan failed: ${errorText(err)}`
    }
    const candidates = model.candidates(entries)
    const inRange = candidates.filter((p) => p >= b.durable && p <= b.issued)
    const match = inRange.find((p) => sameEntries(entries, model.stateAfter(p)))
    if (match === undefined) {
      const elsewhere = candidates.filter((p) => sameEntries(entries, model.stateAfter(p)))
      const detail = elsewhere.length > 0
        ? `it equals the state after ${elsewhere.join(', ')} writes`
        : `it is no prefix's state; against the state after ${b.durable} writes: ${describeDifference(entries, model.stateAfter(b.durable))}`
      return `recovered contents are not a prefix in [${b.durable}, ${b.issued}] (${b.reason}): ${detail}`
    }
    prefix = match
    const state = new Map(entries.map(([k, v]) => [str(k), v]))
    for (const key of workload.keys) {
      let got: Uint8Array | undefined
      try {
        got = db.getSync(key)
      } catch (err) {
        return `get(${hex(key)}) failed: ${errorText(err)}`
      }
      const want = state.get(str(key))
      if ((got === undefined) !== (want === undefined) || (got !== undefined && Buffer.compare(got, want!) !== 0)) {
        return `get(${hex(key)}) returned ${hex(got)} but the scan says ${hex(want)}`
      }
    }
  } finally {
    await db.close()
  }
  // The open must have made its recovery durable: lose power again, reopen with no writes.
  env.powerLoss()
  let again: DB
  try {
    again = await DB.open(DIR, { ...workload.options, env, paranoidChecks: true })
  } catch (err) {
    return `second open (after a power loss with no writes) failed: ${errorText(err)}`
  }
  try {
    let second: Array<[Uint8Array, Uint8Array]>
    try {
      second = scan(again)
    } catch (err) {
      return `a full scan after the second open failed: ${errorText(err)}`
    }
    if (!sameEntries(second, entries)) return `second open (no writes) differs from the first: ${describeDifference(second, entries)}`
  } finally {
    await again.close()
  }
  return prefix
}

export interface CountingRun {
  calls: readonly FileCall[]
  trace: Trace
  index: CallIndex
  model: PrefixModel
}

/** Runs the workload once, uncrashed, to number its calls and record its trace. */
export async function countWorkload (workload: Workload, newEnv: () => MemEnv = () => new MemEnv()): Promise<CountingRun> {
  const counting = new FaultEnv(newEnv())
  const trace = newTrace()
  await runWorkload(counting, workload, { trace })
  return { calls: counting.calls, trace, index: new CallIndex(counting.calls), model: new PrefixModel(workload.writes) }
}

/** Runs the workload once to count and trace it, then crashes it at the chosen points. */
export async function exploreWorkload (config: ExploreConfig): Promise<ExploreResult> {
  const { workload, modes } = config
  const newEnv = config.newEnv ?? (() => new MemEnv())
  const counting = await countWorkload(workload, newEnv)
  const { trace, index, model } = counting

  const sample = new Random(workload.seed ^ 0x5eed)
  const chosen = new Set<number>()
  for (const c of counting.calls) {
    const pick = config.only !== undefined ? config.only.includes(c.index) : (isSyncFamily(c) || sample.uniform(1_000_000) < config.sampleRate * 1_000_000)
    if (pick) chosen.add(c.index)
  }
  const total = chosen.size
  const result: ExploreResult = {
    calls: counting.calls.length,
    // A new database writes MANIFEST-000001 and its open starts another; each reopen starts one.
    manifestRotations: counting.calls.filter((c) => c.op === 'create' && c.path.includes('/MANIFEST-')).length - 2 - trace.reopens,
    currentRenames: counting.calls.filter((c) => c.op === 'rename' && isSyncFamily(c)).length,
    points: 0, syncPoints: 0, pointsByOp: {}, checks: 0, failures: 0, atLowerBound: 0, aboveLowerBound: 0, trace
  }
  const problems: string[] = []
  let run: FaultEnv | undefined
  const fail = (mode: CrashMode, call: FileCall, message: string): void => {
    result.failures++
    const failure: CrashFailure = { seed: workload.seed, mode, point: result.points, call, message }
    if (config.onFailure === undefined) throw new Error(describeFailure(failure))
    config.onFailure(failure)
  }

  const enough = new Error('enough failures')
  await exploreCrashPoints({
    setup: newEnv,
    workload: async (env) => {
      run = env as FaultEnv
      await runWorkload(env, workload, { problems })
    },
    filter: (c) => chosen.has(c.index),
    // A process crash loses nothing; each mode is then applied to a copy.
    mode: 'processCrash',
    check: async ({ call, env }) => {
      assertSameCalls(counting.calls, run, call.index)
      if (problems.length > 0) fail('processCrash', call, problems.splice(0).join('; '))
      for (const mode of modes) {
        const copy = env.clone()
        copy.crash(mode)
        const b = bounds(trace, index, call.index, mode)
        const outcome = await checkRecovered(workload, model, copy, b).catch((err) => `checking threw ${errorText(err)}`)
        result.checks++
        if (typeof outcome === 'string') fail(mode, call, outcome)
        else if (outcome === b.durable) result.atLowerBound++
        else result.aboveLowerBound++
      }
      result.points++
      if (isSyncFamily(call)) result.syncPoints++
      result.pointsByOp[call.op] = (result.pointsByOp[call.op] ?? 0) + 1
      config.onPoint?.(result.points, total)
      if (config.stopAfterFailures !== undefined && result.failures >= config.stopAfterFailures) throw enough
    }
  }).catch((err) => { if (err !== enough) throw err })
  return result
}

export interface WorkerExploreConfig {
  workload: Workload
  modes: readonly CrashMode[]
  /** Crash points to try. */
  points: number
  newEnv?: () => MemEnv
}

export interface WorkerExploreResult {
  /** Runs that crashed (a run that issued fewer calls than the chosen point finished instead). */
  crashed: number
  checks: number
  failures: string[]
}

/**
 * Crash points with flush and compaction in worker threads. A worker's file calls reach the
 * MemEnv through the main thread, interleaved with the main thread's own as timing decides, so a
 * run cannot be replayed call for call from a counting run. Each run instead records its own
 * trace while it is crashed after its K-th call (K drawn from the counting run's length), and is
 * judged by that trace and by its own calls, with the same bounds as exploreWorkload.
 */
export async function exploreWithWorkers (config: WorkerExploreConfig): Promise<WorkerExploreResult> {
  const { workload, modes } = config
  const newEnv = config.newEnv ?? (() => new MemEnv())
  const counting = await countWorkload(workload, newEnv)
  const model = counting.model
  const sample = new Random(workload.seed ^ 0x3017)
  const result: WorkerExploreResult = { crashed: 0, checks: 0, failures: [] }
  for (let i = 0; i < config.points; i++) {
    const k = sample.uniform(counting.calls.length)
    const env = newEnv()
    const fault = new FaultEnv(env)
    fault.crashAfter(k)
    const trace = newTrace()
    const problems: string[] = []
    try {
      await runWorkload(fault, workload, { trace, problems, workers: true })
    } catch (err) {
      if (!fault.crashed) throw err
    }
    if (!fault.crashed) continue
    result.crashed++
    const call = fault.calls[k]!
    const where = `seed ${workload.seed}, workers, crash after call ${k} (${call.op} ${call.path})`
    if (problems.length > 0) result.failures.push(`${where}: ${problems.join('; ')}`)
    env.crash('processCrash')
    const index = new CallIndex(fault.calls)
    for (const mode of modes) {
      const copy = env.clone()
      copy.crash(mode)
      const b = bounds(trace, index, k, mode)
      const outcome = await checkRecovered(workload, model, copy, b).catch((err) => `checking threw ${errorText(err)}`)
      result.checks++
      if (typeof outcome === 'string') result.failures.push(`${where}, ${mode}: ${outcome}`)
    }
  }
  return result
}

// A deterministic database workload for the crash tests, generated from a seed: writes (puts,
// deletes and batches, with and without sync, some issued together so that they share one group
// commit) between flushes, compactions of levels 0 and 1, a full compactRange, waits for
// background compaction, snapshots and iterators held across all that, and a close and reopen.
// harness/crash/runner.ts runs it.

import type { DBOptions } from '../../src/db/options.js'
import { Random } from '../../src/util/random.js'
import { bytes } from '../db/entries.js'
import type { Mutation, Write } from './model.js'

export const DIR = '/db'

export type Step =
  | { kind: 'write', write: Write }
  /** Writes issued in the same tick and awaited together: they may share one log record. */
  | { kind: 'burst', writes: Write[] }
  | { kind: 'flush' }
  /** LevelDB's TEST_CompactRange(level): level's files into level + 1. */
  | { kind: 'compactLevel', level: number }
  | { kind: 'compactRange' }
  /** Waits for background flushes and compactions. */
  | { kind: 'idle' }
  /** Lets the event loop turn once (setImmediate), so background work runs between writes. */
  | { kind: 'yield' }
  /** Takes a snapshot and an iterator on it, and reads one entry: they pin a Version across what follows. */
  | { kind: 'hold' }
  /** Closes what 'hold' took; the files only it kept become obsolete. */
  | { kind: 'release' }
  | { kind: 'reopen' }

export interface Workload {
  readonly seed: number
  /** Options for every open, without the env. */
  readonly options: DBOptions
  readonly steps: readonly Step[]
  /** Every write in issue order (write.index is its position). */
  readonly writes: readonly Write[]
  /** Every key the workload may write, for point reads. */
  readonly keys: readonly Uint8Array[]
}

export interface WorkloadShape {
  /** Writes per run of writes between two structural steps. */
  writesPerPhase: number
  /** How many distinct keys. */
  keySpace: number
  /** Chance that a write waits for fdatasync. */
  syncChance: number
  /** Chance of an extra close and reopen after a write (each reopen starts a new MANIFEST). */
  reopenChance: number
  /**
   * Chance that the workload lets the event loop turn after a write. Without it, awaited writes on
   * a MemEnv resolve in microtasks and a scheduled flush or compaction only runs when a step waits
   * for it; with it, background work and writes interleave.
   */
  yieldChance: number
  /** Chance that a value is 20 to 50 KiB: its log record spans several 32 KiB blocks. */
  bigValueChance: number
}

export const DEFAULT_SHAPE: WorkloadShape = {
  writesPerPhase: 8, keySpace: 60, syncChance: 0.25, reopenChance: 0.004, yieldChance: 0.2, bigValueChance: 0.01
}

/** A shape drawn from a seed, for soaks: short and long phases, few and many keys, no sync to all sync. */
export function shapeForSeed (seed: number): WorkloadShape {
  const rnd = new Random(seed ^ 0x51a9e)
  return {
    writesPerPhase: 4 + rnd.uniform(40),
    keySpace: rnd.pick([3, 12, 60, 250, 1000]),
    syncChance: rnd.pick([0, 0.05, 0.25, 0.6, 1]),
    reopenChance: rnd.pick([0, 0.004, 0.02, 0.1]),
    yieldChance: rnd.pick([0, 0.2, 0.5, 1]),
    bigValueChance: rnd.pick([0, 0.01, 0.05])
  }
}

function keyOf (n: number): Uint8Array {
  // Shared prefixes and a few odd bytes, so that blocks use prefix compression and restarts.
  const tail = n % 7 === 0 ? '\xff' : n % 11 === 0 ? '\0z' : ''
  return bytes(`key${String(n).padStart(4, '0')}${tail}`)
}

/**
 * The structural skeleton: flushes, compactions into levels 1 and 2, waits for the automatic
 * compactions that four level-0 tables trigger, a reopen and a final compactRange. There are enough
 * edits between opens that the MANIFEST passes its 1 KiB limit and is rewritten.
 */
const SKELETON: ReadonlyArray<Step['kind'] | 'writes'> = [
  'writes', 'flush', 'writes', 'flush', 'compactLevel', 'writes', 'reopen',
  'writes', 'flush', 'writes', 'flush', 'compactLevel', 'writes', 'flush', 'writes', 'flush', 'idle',
  'writes', 'flush', 'writes', 'flush', 'compactLevel', 'writes', 'flush', 'writes', 'flush', 'idle',
  'compactLevel', 'writes', 'compactRange', 'writes'
]

/**
 * The workload for a seed. The skeleton is fixed (so every seed flushes, compacts at two levels,
 * rotates the MANIFEST and reopens); the seed picks the options, the keys, values, kinds and sync
 * flags of the writes, the bursts, the levels compacted, and where extra flushes, waits and
 * reopens go.
 */
export function generateWorkload (seed: number, shape: WorkloadShape = DEFAULT_SHAPE): Workload {
  const rnd = new Random(seed)
  const keys = Array.from({ length: shape.keySpace }, (_, i) => keyOf(i))
  const writes: Write[] = []
  const steps: Step[] = []

  const mutation = (): Mutation => {
    const key = rnd.pick(keys)
    if (rnd.oneIn(5)) return { kind: 'del', key }
    // Mostly small values; a few large enough to fill a 1 KiB write buffer in a handful of writes,
    // and in some shapes a few larger than a log block.
    const size = rnd.uniform(1000) < shape.bigValueChance * 1000
      ? 20 * 1024 + rnd.uniform(30 * 1024)
      : rnd.oneIn(10) ? 150 + rnd.uniform(250) : rnd.uniform(40)
    return { kind: 'put', key, value: rnd.bytes(size) }
  }
  const newWrite = (): Write => {
    const sync = rnd.uniform(1000) < shape.syncChance * 1000
    const index = writes.length
    let write: Write
    if (rnd.oneIn(4)) {
      // A batch, sometimes empty, sometimes touching one key twice.
      const n = rnd.oneIn(15) ? 0 : 1 + rnd.uniform(5)
      const mutations = Array.from({ length: n }, mutation)
      if (n > 1 && rnd.oneIn(3)) mutations.push({ ...mutations[0]!, ...(rnd.oneIn(2) ? { kind: 'del' as const } : {}) })
      write = { index, mutations, sync, batch: true }
    } else {
      write = { index, mutations: [mutation()], sync, batch: false }
    }
    writes.push(write)
    return write
  }

  let compactions = 0
  let holding = false
  for (const part of SKELETON) {
    if (part !== 'writes') {
      if (part === 'compactLevel') steps.push({ kind: 'compactLevel', level: compactions++ % 2 })
      else steps.push({ kind: part } as Step)
      // A reopen closes what is held; otherwise let go after a flush or compaction half the time.
      if (part === 'reopen') holding = false
      else if (holding && rnd.oneIn(2)) {
        steps.push({ kind: 'release' })
        holding = false
      }
      continue
    }
    const n = Math.max(1, shape.writesPerPhase + rnd.range(-3, 3))
    let done = 0
    while (done < n) {
      if (rnd.oneIn(8)) {
        const burst = Array.from({ length: 2 + rnd.uniform(4) }, newWrite)
        steps.push({ kind: 'burst', writes: burst })
        done += burst.length
      } else {
        steps.push({ kind: 'write', write: newWrite() })
        done++
      }
      // Extra structure in some seeds: a flush, a wait for background work, or a reopen mid-phase.
      const r = rnd.uniform(1000)
      if (r < 30) steps.push({ kind: 'flush' })
      else if (r < 50) steps.push({ kind: 'idle' })
      if (rnd.uniform(1000) < shape.yieldChance * 1000) steps.push({ kind: 'yield' })
      if (!holding && rnd.oneIn(30)) {
        steps.push({ kind: 'hold' })
        holding = true
      }
      if (rnd.uniform(1000) < shape.reopenChance * 1000) {
        steps.push({ kind: 'reopen' })
        holding = false
      }
    }
  }

  const options: DBOptions = {
    // 1 KiB to 4 KiB: the memtable switches to a new log every few writes.
    writeBufferSize: 1024 * (1 + rnd.uniform(4)),
    // The smallest MANIFEST limit: it is rewritten as a snapshot every few edits.
    maxManifestFileSize: 1024,
    // Compaction outputs split into several tables.
    maxFileSize: 1024 * (1 + rnd.uniform(2)),
    blockSize: 1024,
    blockRestartInterval: 1 + rnd.uniform(16),
    compression: rnd.oneIn(2),
    bloomBitsPerKey: rnd.oneIn(3) ? 0 : 10
  }
  return { seed, options, steps, writes, keys }
}

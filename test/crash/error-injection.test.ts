// Error injection: ENOSPC and EIO at chosen file-system calls of a log append, a
// table write (flush and compaction), a MANIFEST append and the CURRENT swap. For every fault:
//
// 1. the operation fails with LEVEL_IO_ERROR whose cause carries the injected code (and the fault
//    really fired at the call aimed at: the FaultEnv's record of calls says so);
// 2. the sticky error of contract 8 holds: later writes, deletes, batches and flushes fail with
//    that same error, while reads keep answering from what was acknowledged;
// 3. no half-written table is ever referenced: the MANIFEST that CURRENT names, read from the
//    files at the moment of the failure and again after reopening, names only tables that exist
//    at their recorded size and read completely, checksums verified, within their recorded keys;
// 4. nothing acknowledged is lost: the database is closed and reopened on the same MemEnv without
//    the fault, with paranoidChecks (so no damage is skipped silently), and holds exactly the
//    acknowledged writes, plus possibly the one write that failed (its record may have reached
//    the log before the failing sync: a prefix either way, contract 3). It then takes writes again.
//
// One difference from contract 8 found here is kept in error-injection.pending.ts: a manual
// compaction (compactRange/compactLevel) whose MANIFEST write fails reports the error but does not
// make it sticky.

import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { DB } from '../../src/db/db.js'
import type { DBOptions } from '../../src/db/options.js'
import { type Env, joinPath, systemErrorCode } from '../../src/env/env.js'
import { FaultEnv, type FaultRule, type FileCall, type InjectedCode } from '../../src/env/fault-env.js'
import { MemEnv } from '../../src/env/mem-env.js'
import { InternalKeyComparator } from '../../src/dbformat/internal-key.js'
import { parseFileName, tableFileName } from '../../src/dbformat/filename.js'
import { WriteBatch } from '../../src/dbformat/write-batch.js'
import { Table } from '../../src/table/table.js'
import { ShaleError } from '../../src/util/errors.js'
import { bytes, failure, readLiveVersion, scan, str } from '../db/helpers.js'

const DIR = '/db'
const CODES: readonly InjectedCode[] = ['EIO', 'ENOSPC']
const icmp = new InternalKeyComparator()

/** The database under test and what the test knows about it. */
class Subject {
  readonly mem = new MemEnv()
  readonly fault = new FaultEnv(this.mem)
  /** Acknowledged state: key -> value (deleted keys absent). */
  readonly model = new Map<string, string>()
  /** Writes that were refused, in order: [key, value or undefined for a delete]. */
  readonly refused: Array<[string, string | undefined]> = []
  /** The MANIFEST CURRENT named when the fault was added (a rotation creates another). */
  manifestAtStart = ''
  db!: DB

  async open (options: DBOptions): Promise<void> {
    this.db = await DB.open(DIR, { ...options, env: this.fault })
  }

  /** A put whose outcome goes into the model; returns the error if it was refused. */
  async put (k: string, v: string, sync = false): Promise<unknown> {
    try {
      await this.db.put(bytes(k), bytes(v), { sync })
    } catch (err) {
      this.refused.push([k, v])
      return err
    }
    this.model.set(k, v)
    return undefined
  }

  /** Puts a run of keys (`prefix` + number) with values of `size` bytes; stops at the first refusal. */
  async fill (prefix: string, from: number, count: number, size = 100, tag = 'v'): Promise<unknown> {
    for (let i = from; i < from + count; i++) {
      const err = await this.put(`${prefix}${String(i).padStart(4, '0')}`, `${tag}${i}-`.padEnd(size, prefix), false)
      if (err !== undefined) return err
    }
    return undefined
  }

  level (n: number): number {
    return Number(this.db.getProperty(`shale.num-files-at-level${n}`))
  }

  /** Calls after `from` that failed with an injected error. */
  injectedFailures (from: number): FileCall[] {
    return this.fault.calls.slice(from).filter((c) => c.error === 'EIO' || c.error === 'ENOSPC')
  }
}

interface Scenario {
  name: string
  options?: DBOptions
  /** Builds the state the fault hits. Writes here must all succeed. */
  prepare?: (s: Subject) => Promise<void>
  /** The fault, added after prepare. `code` and `sticky` are filled in by the runner. */
  rule: (s: Subject) => Omit<FaultRule, 'code'>
  /** What the injected call must look like. */
  aimsAt: (call: FileCall) => boolean
  /** The operation that must fail. Returns its error (undefined if it did not fail). */
  action: (s: Subject) => Promise<unknown>
  /**
   * The failure happens in background work (an automatic compaction): the action itself may
   * succeed, and the error shows up in the next write.
   */
  background?: boolean
  /** Hand this many bytes of the failing append to the file first (a torn write). */
  partialBytes?: number
}

const isLog = (c: FileCall): boolean => c.path.endsWith('.log')
const isTable = (c: FileCall): boolean => c.path.endsWith('.ldb')
const isManifest = (c: FileCall): boolean => /MANIFEST-\d+$/.test(c.path)
const isTemp = (c: FileCall): boolean => c.path.endsWith('.dbtmp')
const isCurrentRename = (c: FileCall): boolean => c.op === 'rename' && c.path.endsWith(`-> ${joinPath(DIR, 'CURRENT')}`)

/** Three overlapping level-0 tables: the next one flushed over the same keys starts a compaction. */
async function threeLevel0Tables (s: Subject): Promise<void> {
  for (let round = 0; s.level(0) < 3; round++) {
    assert.ok(round < 10, 'level 0 fills up')
    assert.equal(await s.fill('k', 0, 20, 100, `r${round}`), undefined)
    await s.db.flush()
  }
  assert.equal(s.level(0), 3)
}

/**
 * A flush of new overlapping data (which succeeds) that makes level 0 reach the compaction
 * trigger, then waits for the background compaction to end (in failure, here).
 */
async function flushAndCompact (s: Subject): Promise<unknown> {
  const err = await s.fill('k', 0, 20, 100, 'last')
  if (err !== undefined) return err
  const flushErr = await failure(() => s.db.flush())
  if (flushErr !== undefined) return flushErr
  await s.db.waitForIdle()
  return undefined
}

/** A rule that skips the first table written after it is added (the flush's) and fails the next one's call. */
function secondTable (op: FaultRule['op']): () => Omit<FaultRule, 'code'> {
  return () => {
    let first: string | undefined
    return {
      op,
      when: (c) => {
        if (!isTable(c)) return false
        first ??= c.path
        return c.path !== first
      }
    }
  }
}

/** A rule that fails the n-th MANIFEST call of `op` after it is added (from 1). */
function nthManifestCall (op: FaultRule['op'], n: number): () => Omit<FaultRule, 'code'> {
  return () => {
    let seen = 0
    return { op, when: (c) => isManifest(c) && ++seen === n }
  }
}

/** Flushes small memtables until a flush fails or `limit` flushes were made: drives MANIFEST rotation. */
async function flushUntilFailure (s: Subject, limit = 80): Promise<unknown> {
  for (let i = 0; i < limit; i++) {
    const err = await s.put(`m${String(i).padStart(4, '0')}`, `rotation-${i}`)
    if (err !== undefined) return err
    const flushErr = await failure(() => s.db.flush())
    if (flushErr !== undefined) return flushErr
  }
  return undefined
}

const SCENARIOS: Scenario[] = [
  // ---- The log
  {
    name: 'log append',
    rule: () => ({ op: 'append', when: isLog }),
    aimsAt: (c) => c.op === 'append' && isLog(c),
    action: async (s) => await s.put('failing', 'write')
  },
  {
    name: 'log append, torn (part of the record reaches the file)',
    rule: () => ({ op: 'append', when: isLog }),
    aimsAt: (c) => c.op === 'append' && isLog(c),
    partialBytes: 11,
    action: async (s) => await s.put('failing', 'write'.padEnd(300, '!'))
  },
  {
    name: 'log sync of a sync write',
    rule: () => ({ op: 'sync', when: isLog }),
    aimsAt: (c) => c.op === 'sync' && isLog(c),
    action: async (s) => await s.put('failing', 'sync-write', true)
  },
  {
    name: 'new log at a memtable switch',
    options: { writeBufferSize: 1024 },
    rule: () => ({ op: 'create', when: isLog }),
    aimsAt: (c) => c.op === 'create' && isLog(c),
    action: async (s) => await s.fill('w', 0, 100)
  },
  // ---- A table written by a flush
  {
    name: 'flush: creating the table',
    rule: () => ({ op: 'create', when: isTable }),
    aimsAt: (c) => c.op === 'create' && isTable(c),
    action: async (s) => await failure(() => s.db.flush())
  },
  {
    name: 'flush: appending to the table',
    rule: () => ({ op: 'append', when: isTable }),
    aimsAt: (c) => c.op === 'append' && isTable(c),
    action: async (s) => await failure(() => s.db.flush())
  },
  {
    name: 'flush: appending to the table, torn',
    rule: () => ({ op: 'append', when: isTable }),
    aimsAt: (c) => c.op === 'append' && isTable(c),
    partialBytes: 100,
    action: async (s) => await failure(() => s.db.flush())
  },
  {
    name: 'flush: syncing the table',
    rule: () => ({ op: 'sync', when: isTable }),
    aimsAt: (c) => c.op === 'sync' && isTable(c),
    action: async (s) => await failure(() => s.db.flush())
  },
  {
    name: 'flush: syncing the directory after the table',
    rule: () => ({ op: 'syncDir' }),
    aimsAt: (c) => c.op === 'syncDir',
    action: async (s) => await failure(() => s.db.flush())
  },
  // ---- The MANIFEST record of a flush
  {
    name: 'flush: appending to the MANIFEST',
    rule: () => ({ op: 'append', when: isManifest }),
    aimsAt: (c) => c.op === 'append' && isManifest(c),
    action: async (s) => await failure(() => s.db.flush())
  },
  {
    name: 'flush: appending to the MANIFEST, torn',
    rule: () => ({ op: 'append', when: isManifest }),
    aimsAt: (c) => c.op === 'append' && isManifest(c),
    partialBytes: 9,
    action: async (s) => await failure(() => s.db.flush())
  },
  {
    name: 'flush: syncing the MANIFEST',
    rule: () => ({ op: 'sync', when: isManifest }),
    aimsAt: (c) => c.op === 'sync' && isManifest(c),
    action: async (s) => await failure(() => s.db.flush())
  },
  // ---- A table and a MANIFEST record written by a background compaction
  {
    name: 'compaction: creating an output table',
    prepare: threeLevel0Tables,
    rule: secondTable('create'),
    aimsAt: (c) => c.op === 'create' && isTable(c),
    background: true,
    action: flushAndCompact
  },
  {
    name: 'compaction: appending to an output table',
    prepare: threeLevel0Tables,
    rule: secondTable('append'),
    aimsAt: (c) => c.op === 'append' && isTable(c),
    background: true,
    action: flushAndCompact
  },
  {
    name: 'compaction: syncing an output table',
    prepare: threeLevel0Tables,
    rule: secondTable('sync'),
    aimsAt: (c) => c.op === 'sync' && isTable(c),
    background: true,
    action: flushAndCompact
  },
  {
    name: 'compaction: appending its MANIFEST record',
    prepare: threeLevel0Tables,
    // The flush appends the first record, the compaction the second.
    rule: nthManifestCall('append', 2),
    aimsAt: (c) => c.op === 'append' && isManifest(c),
    background: true,
    action: flushAndCompact
  },
  {
    name: 'compaction: syncing its MANIFEST record',
    prepare: threeLevel0Tables,
    rule: nthManifestCall('sync', 2),
    aimsAt: (c) => c.op === 'sync' && isManifest(c),
    background: true,
    action: flushAndCompact
  },
  // ---- The CURRENT swap when the MANIFEST is rotated at run time (maxManifestFileSize)
  {
    name: 'rotation: creating the new MANIFEST',
    options: { maxManifestFileSize: 1024 },
    rule: (s) => ({ op: 'create', when: (c) => isManifest(c) && !c.path.endsWith(s.manifestAtStart) }),
    aimsAt: (c) => c.op === 'create' && isManifest(c),
    action: flushUntilFailure
  },
  {
    name: 'rotation: writing CURRENT\'s temp file',
    options: { maxManifestFileSize: 1024 },
    rule: () => ({ op: 'append', when: isTemp }),
    aimsAt: (c) => c.op === 'append' && isTemp(c),
    action: flushUntilFailure
  },
  {
    name: 'rotation: writing CURRENT\'s temp file, torn',
    options: { maxManifestFileSize: 1024 },
    rule: () => ({ op: 'append', when: isTemp }),
    aimsAt: (c) => c.op === 'append' && isTemp(c),
    partialBytes: 7,
    action: flushUntilFailure
  },
  {
    name: 'rotation: syncing CURRENT\'s temp file',
    options: { maxManifestFileSize: 1024 },
    rule: () => ({ op: 'sync', when: isTemp }),
    aimsAt: (c) => c.op === 'sync' && isTemp(c),
    action: flushUntilFailure
  },
  {
    name: 'rotation: renaming the temp file over CURRENT',
    options: { maxManifestFileSize: 1024 },
    rule: () => ({ op: 'rename', when: isCurrentRename }),
    aimsAt: isCurrentRename,
    action: flushUntilFailure
  },
  {
    name: 'rotation: syncing the directory after the rename',
    options: { maxManifestFileSize: 1024 },
    rule: (s) => ({ op: 'syncDir', when: (c) => { const prev = s.fault.calls[c.index - 1]; return prev !== undefined && isCurrentRename(prev) } }),
    aimsAt: (c) => c.op === 'syncDir',
    action: flushUntilFailure
  }
]

/**
 * Every table the MANIFEST that CURRENT names lists exists at its recorded size and reads to the
 * end with checksums verified, its first and last keys equal to the recorded smallest and largest.
 */
function assertOnlyCompleteTables (env: Env, context: string): number[] {
  const live = readLiveVersion(env, DIR)
  for (const f of live.files) {
    const path = tableFileName(DIR, f.number)
    assert.ok(env.fileExists(path), `${context}: live table ${f.number} exists`)
    assert.equal(env.getFileSize(path), f.fileSize, `${context}: live table ${f.number} has its recorded size`)
    const file = env.newRandomAccessFile(path)
    try {
      const table = Table.open(file, f.fileSize, { comparator: icmp, fileName: path, verifyChecksums: true })
      const it = table.newIterator()
      let first: Uint8Array | undefined
      let last: Uint8Array | undefined
      for (it.seekToFirst(); it.valid(); it.next()) {
        first ??= it.key().slice()
        last = it.key().slice()
      }
      it.checkError()
      it.close()
      assert.ok(first !== undefined && last !== undefined, `${context}: live table ${f.number} holds entries`)
      assert.equal(icmp.compare(first, f.smallest), 0, `${context}: table ${f.number} starts at its recorded smallest key`)
      assert.equal(icmp.compare(last, f.largest), 0, `${context}: table ${f.number} ends at its recorded largest key`)
    } finally {
      file.close()
    }
  }
  return live.files.map((f) => f.number)
}

function assertIoError (err: unknown, code: InjectedCode, context: string): asserts err is ShaleError {
  assert.ok(err instanceof ShaleError, `${context}: expected a ShaleError, got ${String(err)}`)
  assert.equal(err.code, 'LEVEL_IO_ERROR', `${context}: code (message: ${err.message})`)
  assert.equal(systemErrorCode(err), code, `${context}: the cause carries the injected code (message: ${err.message})`)
}

function entriesOf (db: DB): Array<[string, string]> {
  return scan(db).map(([k, v]) => [str(k), str(v)])
}

function sortedEntries (m: Map<string, string>): Array<[string, string]> {
  return [...m.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
}

async function runScenario (sc: Scenario, code: InjectedCode): Promise<void> {
  const s = new Subject()
  await s.open({ writeBufferSize: 64 * 1024, ...sc.options })
  // Some acknowledged state in a table and in the log before the fault.
  assert.equal(await s.fill('a', 0, 40, 120), undefined)
  await s.db.flush()
  assert.equal(await s.fill('b', 0, 25, 80), undefined)
  await s.put('synced', 'yes', true)
  await sc.prepare?.(s)
  s.manifestAtStart = readLiveVersion(s.mem, DIR).manifest
  const before = sortedEntries(s.model)
  const refusedBefore = s.refused.length

  const start = s.fault.total
  s.fault.inject({ ...sc.rule(s), code, sticky: false, partialBytes: sc.partialBytes })
  const opError = await sc.action(s)

  // 1. The fault fired once, at the call aimed at, and the operation reported it.
  const fired = s.injectedFailures(start)
  assert.equal(fired.length, 1, `the fault fired once (${fired.map((c) => `${c.op} ${c.path}`).join(', ')})`)
  assert.ok(sc.aimsAt(fired[0]!), `the fault hit the intended call, not ${fired[0]!.op} ${fired[0]!.path}`)
  let sticky: ShaleError
  if (sc.background === true) {
    // The action's own steps succeeded; the compaction failed behind it. The next write says so.
    assert.equal(opError, undefined, `the action itself succeeded (${String(opError)})`)
    const err = await failure(() => s.db.put(bytes('probe'), bytes('x')))
    assertIoError(err, code, 'the first write after a failed background compaction')
    assert.ok(err.message.includes(fired[0]!.path.split(' ')[0]!), `the error names the failed file: ${err.message}`)
    sticky = err
  } else {
    assertIoError(opError, code, `${sc.name}: the operation`)
    sticky = opError
  }

  // 2. The error is sticky for writes; reads go on.
  const later: Array<[string, () => Promise<unknown>]> = [
    ['put', () => s.db.put(bytes('later'), bytes('x'))],
    ['sync put', () => s.db.put(bytes('later'), bytes('x'), { sync: true })],
    ['del', () => s.db.del(bytes('a0000'))],
    ['write', () => { const b = new WriteBatch(); b.put(bytes('later'), bytes('y')); return s.db.write(b) }],
    ['flush', () => s.db.flush()]
  ]
  for (const [name, op] of later) {
    const err = await failure(op)
    assertIoError(err, code, `${name} after the failure`)
    assert.equal(err.message, sticky.message, `${name} after the failure fails with the same error`)
  }
  for (const [k, v] of s.model) assert.equal(str(s.db.getSync(bytes(k)) ?? bytes('<missing>')), v, `read ${k} after the failure`)
  assert.deepEqual(entriesOf(s.db), sortedEntries(s.model), 'a full scan after the failure shows exactly the acknowledged writes')

  // 3. What CURRENT names right now (as a crash would leave it) references complete tables only.
  assertOnlyCompleteTables(s.mem, 'at the failure')

  // 4. Reopen without the fault: every acknowledged write, plus possibly the refused one.
  await s.db.close()
  const db = await DB.open(DIR, { env: s.mem, paranoidChecks: true })
  try {
    const got = entriesOf(db)
    const acknowledged = sortedEntries(s.model)
    const withRefused = new Map(s.model)
    for (const [k, v] of s.refused.slice(refusedBefore, refusedBefore + 1)) {
      if (v === undefined) withRefused.delete(k)
      else withRefused.set(k, v)
    }
    const candidates = [acknowledged, sortedEntries(withRefused)]
    assert.ok(candidates.some((c) => JSON.stringify(c) === JSON.stringify(got)),
      `after reopen: ${got.length} entries; acknowledged ${acknowledged.length} (before the fault ${before.length})`)
    const live = assertOnlyCompleteTables(s.mem, 'after reopen')
    // Leftovers of the failed operation are gone: every table in the directory is live.
    const tables = s.mem.getChildren(DIR).filter((n) => parseFileName(n)?.type === 'table').map((n) => parseFileName(n)!.number)
    assert.deepEqual(tables.sort((a, b) => a - b), live.sort((a, b) => a - b), 'no table file outside the live set is left')
    await db.put(bytes('after-reopen'), bytes('ok'), { sync: true })
    assert.equal(str(db.getSync(bytes('after-reopen'))!), 'ok', 'the reopened database takes writes')
  } finally {
    await db.close()
  }
}

describe('error injection: ENOSPC and EIO at chosen calls', () => {
  for (const sc of SCENARIOS) {
    for (const code of CODES) {
      test(`${sc.name} (${code})`, async () => { await runScenario(sc, code) })
    }
  }
})

describe('error injection at open', () => {
  /** A database with acknowledged data in tables and in the log, closed. */
  async function closedDatabase (): Promise<{ mem: MemEnv, model: Map<string, string> }> {
    const s = new Subject()
    await s.open({ writeBufferSize: 64 * 1024 })
    assert.equal(await s.fill('a', 0, 40), undefined)
    await s.db.flush()
    assert.equal(await s.fill('b', 0, 20), undefined)
    await s.db.close()
    return { mem: s.mem, model: s.model }
  }

  // Opening writes the log's records to a table, a new MANIFEST, and swaps CURRENT: a fault at any
  // of those calls fails the open with LEVEL_IO_ERROR, and the next open (without it) finds
  // everything, because nothing is deleted before CURRENT durably names the new MANIFEST.
  const steps: Array<[string, (c: FileCall) => boolean, FaultRule['op']]> = [
    ['writing the recovered table', isTable, 'append'],
    ['creating the new MANIFEST', isManifest, 'create'],
    ['appending to the new MANIFEST', isManifest, 'append'],
    ['syncing the new MANIFEST', isManifest, 'sync'],
    ['writing CURRENT\'s temp file', isTemp, 'append'],
    ['syncing CURRENT\'s temp file', isTemp, 'sync'],
    ['renaming it over CURRENT', isCurrentRename, 'rename']
  ]
  for (const [name, when, op] of steps) {
    for (const code of CODES) {
      test(`${name} (${code})`, async () => {
        const { mem, model } = await closedDatabase()
        const currentBefore = str(mem.readFile(joinPath(DIR, 'CURRENT')))
        const fault = new FaultEnv(mem)
        fault.inject({ op, when, code })
        const err = await failure(() => DB.open(DIR, { env: fault }))
        assertIoError(err, code, `open with a fault ${name}`)
        assert.equal(fault.calls.filter((c) => c.error === code).length, 1, 'the fault fired once')
        if (op !== 'rename') {
          assert.equal(str(mem.readFile(joinPath(DIR, 'CURRENT'))), currentBefore, 'CURRENT is untouched when the swap did not happen')
        }
        assertOnlyCompleteTables(mem, 'after the failed open')
        const db = await DB.open(DIR, { env: mem, paranoidChecks: true })
        try {
          assert.deepEqual(entriesOf(db), sortedEntries(model), 'the next open holds every acknowledged write')
        } finally {
          await db.close()
        }
      })
    }
  }

  test('creating a new database: a fault at any call leaves either nothing or a database that opens', async () => {
    // Count the calls of a fresh open, then fail each one in turn.
    // Jobs on this thread, so that every run issues the counted calls in the same order.
    const counting = new FaultEnv(new MemEnv())
    await (await DB.open(DIR, { env: counting, backgroundWorkers: false })).close()
    const n = counting.calls.length
    const firstSwap = counting.calls.findIndex(isCurrentRename)
    for (let i = 0; i < n; i++) {
      const call = counting.calls[i]!
      // A failed close or unlock is not what this test is about.
      if (call.op === 'close' || call.op === 'lock') continue
      // Known bug, kept in error-injection.pending.ts: when the directory sync right after the
      // first rename over CURRENT fails, the new database's MANIFEST-000001 is deleted although
      // CURRENT already names it.
      if (i === firstSwap + 1 && call.op === 'syncDir') continue
      for (const code of CODES) {
        const mem = new MemEnv()
        const fault = new FaultEnv(mem)
        fault.inject({ at: i, code })
        const err = await failure(async () => { await (await DB.open(DIR, { env: fault, backgroundWorkers: false })).close() })
        const context: string = `fault at call ${i} (${call.op} ${call.path}, ${code})`
        if (err !== undefined) assertIoError(err, code, context)
        const db = await DB.open(DIR, { env: mem, paranoidChecks: true }).catch((e: unknown) => {
          throw new Error(`${context}: the next open failed: ${String(e)}`)
        })
        try {
          await db.put(bytes('k'), bytes('v'), { sync: true })
          assert.deepEqual(entriesOf(db), [['k', 'v']], `${context}: the next open gives a working, empty database`)
        } finally {
          await db.close()
        }
      }
    }
  })
})

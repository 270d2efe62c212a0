// Corruption: one damaged byte at a time in every file of a small database, and
// what open and full reads must then do. The database: tables at several levels (snappy-compressed
// and raw blocks, a bloom filter, deletions shadowing deeper values, overwrites), a write-ahead log
// of two 32 KiB blocks not yet flushed, a MANIFEST of several edits, and CURRENT.
//
// One byte at a time is XORed with a seeded non-zero mask in a copy of the file system: every
// offset of the MANIFEST, of CURRENT and of the tables' index, filter and metaindex blocks and
// footers, every fourth byte of the data blocks (and all of their trailers), and a dense seeded
// sample of the log. The database is then opened, every key (present, deleted and never written)
// is read, and both full scans are run.
// Nothing may crash, hang or throw anything but a ShaleError, and per kind of file:
//
// - table: a data block's checksum is verified on every read (contract 6), so a read fails with
//   LEVEL_CORRUPTION naming the table exactly when its path goes through the damaged block (the
//   block holding the key in the table that answers it, or the index block or footer magic of any
//   table consulted on the way). A read that never touches the damage returns the exact value.
//   Damage to the filter or metaindex block only loses the filter: every read is exact. Full scans
//   read every block: they fail on damage to a data or index block and are exact otherwise.
// - MANIFEST and CURRENT: open fails with LEVEL_CORRUPTION naming the file, or everything reads
//   exactly as the model says.
// - log: without paranoidChecks, the open succeeds and loses exactly the records the log reader
//   must drop (from the damaged record to the last one touching the damaged 32 KiB block; a
//   damaged block's trailer padding loses nothing); every other write is there, in order. With
//   paranoidChecks, the open fails with LEVEL_CORRUPTION naming the log.
//
// A damaged length field that makes a record in a log's last block run past the end of the file
// is damage like any other (LevelDB takes it for a torn tail and drops it silently); see
// corruption-regressions.test.ts. The test keeps background compaction out of the picture (reads
// are synchronous and the database is closed before any compaction can run); the regressions file
// shows that a compaction over a damaged block fails rather than turn it into wrong answers.

import { before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { DB } from '../../src/db/db.js'
import type { DBOptions } from '../../src/db/options.js'
import { joinPath, type RandomAccessFile, writeFileSynced } from '../../src/env/env.js'
import { MemEnv } from '../../src/env/mem-env.js'
import { InternalKeyComparator, parseInternalKey } from '../../src/dbformat/internal-key.js'
import { parseFileName, tableFileName } from '../../src/dbformat/filename.js'
import { WriteBatch } from '../../src/dbformat/write-batch.js'
import { BLOCK_SIZE, HEADER_SIZE, RecordType } from '../../src/log/format.js'
import { Block } from '../../src/table/block.js'
import { BLOCK_TRAILER_SIZE, blockHandleBytes, decodeBlockHandleBytes, decodeFooter, FOOTER_SIZE, readBlock } from '../../src/table/format.js'
import { bytewiseComparator } from '../../src/util/comparator.js'
import { ShaleError } from '../../src/util/errors.js'
import { Random } from '../../src/util/random.js'
import { bytes, readLiveVersion, str } from '../db/helpers.js'

const DIR = '/db'
const OPTIONS: DBOptions = { blockSize: 1024, writeBufferSize: 64 * 1024 }
const icmp = new InternalKeyComparator()
/** An async hang (a promise that never settles) fails the test instead of stalling the run. */
const LIMIT = { timeout: 240_000 }

type Write = [key: string, value: string | undefined]

function apply (state: Map<string, string>, writes: readonly Write[]): Map<string, string> {
  const out = new Map(state)
  for (const [k, v] of writes) {
    if (v === undefined) out.delete(k)
    else out.set(k, v)
  }
  return out
}

function sorted (m: Map<string, string>): Array<[string, string]> {
  return [...m.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
}

// ---- The database under test

interface Base {
  env: MemEnv
  /** The contents once everything is applied. */
  model: Map<string, string>
  /** The contents the tables hold (before the log's writes). */
  inTables: Map<string, string>
  /** The writes in the live log, in order (one log record each). */
  logWrites: Write[]
  logPath: string
  /** Every key to read: written (live or deleted) and never written. */
  probes: string[]
}

const k4 = (p: string, i: number): string => `${p}${String(i).padStart(4, '0')}`

async function buildBase (): Promise<Base> {
  const env = new MemEnv()
  const rnd = new Random(301)
  const raw = (n: number): string => str(rnd.bytes(n).map((b) => 32 + (b % 95)))
  const writes: Write[] = []
  let db = await DB.open(DIR, { ...OPTIONS, env })
  const put = async (k: string, v: string): Promise<void> => { writes.push([k, v]); await db.put(bytes(k), bytes(v)) }
  const del = async (k: string): Promise<void> => { writes.push([k, undefined]); await db.del(bytes(k)) }

  // c: compressible values, pushed two levels down; b: raw values one level down.
  for (let i = 0; i < 60; i++) await put(k4('c', i), `v1:c${i}:`.padEnd(100, String.fromCharCode(97 + (i % 26))))
  await db.flush()
  await db.compactLevel(0)
  await db.compactLevel(1)
  for (let i = 0; i < 60; i++) await put(k4('b', i), raw(40))
  await db.flush()
  await db.compactLevel(0)
  // Deletions and overwrites of c above the values they hide, and a new range a.
  for (let i = 0; i < 60; i += 3) await del(k4('c', i))
  for (let i = 1; i < 60; i += 3) await put(k4('c', i), `v2:c${i}:`.padEnd(80, 'z'))
  for (let i = 0; i < 40; i++) await put(k4('a', i), raw(40))
  await db.flush()
  await db.close()

  db = await DB.open(DIR, { ...OPTIONS, env })
  for (let i = 0; i < 30; i++) await put(k4('d', i), `v1:d${i}:`.padEnd(60, 'q'))
  await db.flush()
  const logStart = writes.length
  // The log: two blocks of records, some 1000-byte values that span fragments, deletions.
  for (let i = 0; i < 50; i++) await put(k4('e', i), i % 2 === 0 ? raw(1000) : `v1:e${i}:`.padEnd(1000, 'e'))
  for (let i = 0; i < 30; i += 2) await del(k4('d', i))
  await db.close()

  const logs = env.getChildren(DIR).filter((n) => parseFileName(n)?.type === 'log')
  assert.equal(logs.length, 1, 'one live log')
  const logWrites = writes.slice(logStart)
  const inTables = apply(new Map(), writes.slice(0, logStart))
  const model = apply(inTables, logWrites)
  const probes = new Set(writes.map(([k]) => k))
  for (const extra of ['', '0', 'a0040', 'b', 'b9999', 'c0060', 'cz', 'd0100', 'e0050', 'zzzz']) probes.add(extra)
  return { env, model, inTables, logWrites, logPath: joinPath(DIR, logs[0]!), probes: [...probes].sort() }
}

// ---- Maps of the files

/** A RandomAccessFile over bytes in memory, to take a table apart with the reader's own functions. */
function memoryFile (data: Uint8Array): RandomAccessFile {
  return { size: data.length, read: (offset, length) => data.slice(offset, offset + length), close: () => {} }
}

type RegionKind = 'data' | 'index' | 'metaindex' | 'filter' | 'footer-handles' | 'footer-padding' | 'footer-magic'
interface Region { kind: RegionKind, start: number, end: number, block: number }

interface TableMap {
  number: number
  level: number
  path: string
  smallest: string
  largest: string
  regions: Region[]
  /** User key -> index of the data block holding it. */
  keyBlock: Map<string, number>
  /** Per data block, its last user key. */
  lastKeys: string[]
}

function mapTable (data: Uint8Array, number: number, level: number, smallest: Uint8Array, largest: Uint8Array): TableMap {
  const file = memoryFile(data)
  const path = tableFileName(DIR, number)
  const footerAt = data.length - FOOTER_SIZE
  const footer = decodeFooter(data.subarray(footerAt))
  const regions: Region[] = []
  const blockRegion = (kind: RegionKind, offset: number, size: number, block = 0): void => {
    regions.push({ kind, start: offset, end: offset + size + BLOCK_TRAILER_SIZE, block })
  }
  const keyBlock = new Map<string, number>()
  const lastKeys: string[] = []
  const index = new Block(readBlock(file, footer.indexHandle, { verifyChecksums: true }))
  const it = index.newIterator(icmp)
  let n = 0
  for (it.seekToFirst(); it.valid(); it.next(), n++) {
    const handle = decodeBlockHandleBytes(it.value())
    blockRegion('data', handle.offset, handle.size, n)
    const block = new Block(readBlock(file, handle, { verifyChecksums: true }))
    const bit = block.newIterator(icmp)
    let last = ''
    for (bit.seekToFirst(); bit.valid(); bit.next()) {
      last = str(parseInternalKey(bit.key()).userKey)
      keyBlock.set(last, n)
    }
    bit.checkError()
    lastKeys.push(last)
  }
  it.checkError()
  blockRegion('index', footer.indexHandle.offset, footer.indexHandle.size)
  blockRegion('metaindex', footer.metaindexHandle.offset, footer.metaindexHandle.size)
  const meta = new Block(readBlock(file, footer.metaindexHandle, { verifyChecksums: true })).newIterator(bytewiseComparator)
  for (meta.seekToFirst(); meta.valid(); meta.next()) {
    const h = decodeBlockHandleBytes(meta.value())
    blockRegion('filter', h.offset, h.size)
  }
  const handlesLength = blockHandleBytes(footer.metaindexHandle).length + blockHandleBytes(footer.indexHandle).length
  regions.push({ kind: 'footer-handles', start: footerAt, end: footerAt + handlesLength, block: 0 })
  regions.push({ kind: 'footer-padding', start: footerAt + handlesLength, end: data.length - 8, block: 0 })
  regions.push({ kind: 'footer-magic', start: data.length - 8, end: data.length, block: 0 })
  regions.sort((a, b) => a.start - b.start)
  // The map must cover the file exactly: a byte in no region would be a byte the test knows nothing about.
  let at = 0
  for (const r of regions) {
    assert.equal(r.start, at, `table ${number}: regions are contiguous at ${at}`)
    at = r.end
  }
  assert.equal(at, data.length, `table ${number}: regions cover the file`)
  return {
    number, level, path, regions, keyBlock, lastKeys,
    smallest: str(parseInternalKey(smallest).userKey),
    largest: str(parseInternalKey(largest).userKey)
  }
}

interface Fragment { offset: number, length: number, type: number, record: number }

/** The physical records of a sound log file, each with the index of the user record it belongs to. */
function mapLog (data: Uint8Array): { fragments: Fragment[], records: number } {
  const fragments: Fragment[] = []
  let record = 0
  let pos = 0
  while (pos < data.length) {
    const left = BLOCK_SIZE - (pos % BLOCK_SIZE)
    if (left < HEADER_SIZE) {
      pos += left
      continue
    }
    const length = data[pos + 4]! | (data[pos + 5]! << 8)
    const type = data[pos + 6]!
    fragments.push({ offset: pos, length, type, record })
    if (type === RecordType.Full || type === RecordType.Last) record++
    pos += HEADER_SIZE + length
  }
  assert.equal(pos, data.length, 'the log ends on a record boundary')
  return { fragments, records: record }
}

/**
 * The user records the reader must drop when the byte at `offset` is damaged: from the record the
 * byte belongs to, to the last record with a fragment in the same 32 KiB block (the reader drops
 * the rest of a block after a bad record, and a record continuing into the next block then lacks
 * its start). A byte in a block's trailer padding belongs to no record: nothing is lost.
 */
function lostRecords (fragments: readonly Fragment[], offset: number): [number, number] | undefined {
  const hit = fragments.find((f) => offset >= f.offset && offset < f.offset + HEADER_SIZE + f.length)
  if (hit === undefined) return undefined
  const block = Math.floor(hit.offset / BLOCK_SIZE)
  let last = hit.record
  for (const f of fragments) if (Math.floor(f.offset / BLOCK_SIZE) === block) last = Math.max(last, f.record)
  return [hit.record, last]
}


// ---- Running one damaged copy

interface Reads {
  /** Per probe key: the value (undefined: not found) or the error. */
  gets: Map<string, { value?: string, error?: unknown }>
  forward: { entries?: Array<[string, string]>, error?: unknown }
  backward: { entries?: Array<[string, string]>, error?: unknown }
}

type Opened = { error: unknown } | { reads: Reads }

async function openAndRead (env: MemEnv, probes: readonly string[], options: DBOptions = {}): Promise<Opened> {
  let db: DB
  try {
    db = await DB.open(DIR, { ...OPTIONS, ...options, env })
  } catch (error) {
    return { error }
  }
  // Only synchronous reads until close: no background work (a seek-triggered compaction) can run
  // in between and change what the files hold.
  const gets = new Map<string, { value?: string, error?: unknown }>()
  for (const k of probes) {
    try {
      const v = db.getSync(bytes(k))
      gets.set(k, { value: v === undefined ? undefined : str(v) })
    } catch (error) {
      gets.set(k, { error })
    }
  }
  const scanAll = (reverse: boolean): { entries?: Array<[string, string]>, error?: unknown } => {
    try {
      return { entries: db.iterator({ reverse }).all().map(([k, v]) => [str(k!), str(v!)] as [string, string]) }
    } catch (error) {
      return { error }
    }
  }
  const forward = scanAll(false)
  const backward = scanAll(true)
  await db.close()
  return { reads: { gets, forward, backward } }
}

/** A copy of `base` with byte `offset` of `path` XORed with `mask`. */
function damaged (base: MemEnv, path: string, offset: number, mask: number): MemEnv {
  const env = base.clone()
  const data = env.readFile(path)
  data[offset] = data[offset]! ^ mask
  writeFileSynced(env, path, data)
  return env
}

/** LEVEL_CORRUPTION naming `file` (its path in err.file, or its name in the message); else a problem. */
function corruptionProblem (err: unknown, file: string): string | undefined {
  if (!(err instanceof ShaleError)) return `threw ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`
  if (err.code !== 'LEVEL_CORRUPTION') return `${err.code}: ${err.message}`
  const name = file.slice(file.lastIndexOf('/') + 1)
  if (err.file !== file && !err.message.includes(name)) return `the error does not name ${name}: ${err.message}`
  return undefined
}

/** Every read equals `state` exactly; else problems. */
function exactReads (reads: Reads, state: Map<string, string>): string[] {
  const problems: string[] = []
  for (const [k, got] of reads.gets) {
    if (got.error !== undefined) problems.push(`get ${k}: ${String(got.error)}`)
    else if (got.value !== state.get(k)) problems.push(`get ${k}: ${JSON.stringify(got.value?.slice(0, 20))}, expected ${JSON.stringify(state.get(k)?.slice(0, 20))}`)
  }
  const want = JSON.stringify(sorted(state))
  if (reads.forward.error !== undefined) problems.push(`forward scan: ${String(reads.forward.error)}`)
  else if (JSON.stringify(reads.forward.entries) !== want) problems.push(`forward scan differs (${reads.forward.entries!.length} entries, expected ${state.size})`)
  if (reads.backward.error !== undefined) problems.push(`backward scan: ${String(reads.backward.error)}`)
  else if (JSON.stringify(reads.backward.entries!.slice().reverse()) !== want) problems.push('backward scan differs')
  return problems
}

/** Seeded non-zero XOR masks, one per (file, offset). */
function maskFor (rnd: Random): number {
  return 1 + rnd.uniform(255)
}

// ---- The tests

describe('one damaged byte in each file of a small database', () => {
  let base: Base
  let tables: TableMap[]

  /**
   * The same database opened once and closed: its log is now a level-0 table, which answers the
   * log's keys exactly as the replayed log would, and the table damage runs need not replay 50 KiB
   * of log at every open. The tables under test are the same files.
   */
  let replayed: MemEnv
  /** Keys whose last write is in the log, tables in the order a read consults them, the model as text. */
  let logKeys: Set<string>
  let searchOrder: TableMap[]
  let modelText: string

  before(async () => {
    base = await buildBase()
    replayed = base.env.clone()
    await (await DB.open(DIR, { ...OPTIONS, env: replayed })).close()
    const live = readLiveVersion(base.env, DIR)
    tables = live.files.map((f) => mapTable(base.env.readFile(tableFileName(DIR, f.number)), f.number, f.level, f.smallest, f.largest))
    assert.ok(tables.length >= 4, `tables at several levels (${tables.map((t) => `L${t.level}#${t.number}`).join(' ')})`)
    assert.ok(new Set(tables.map((t) => t.level)).size >= 2, 'more than one level holds tables')
    assert.ok(live.records >= 3, 'the MANIFEST holds several edits')
    // Sanity: the undamaged database reads exactly as the model.
    const clean = await openAndRead(base.env.clone(), base.probes)
    assert.ok('reads' in clean, 'the undamaged database opens')
    assert.deepEqual(exactReads(clean.reads, base.model), [])
    logKeys = new Set(base.logWrites.map(([k]) => k))
    searchOrder = [
      ...tables.filter((x) => x.level === 0).sort((a, b) => b.number - a.number),
      ...tables.filter((x) => x.level > 0).sort((a, b) => a.level - b.level)
    ]
    modelText = JSON.stringify(sorted(base.model))
  })

  /**
   * For a read of `k` with damage in `region` of table `t`: must it fail, may it fail, or must it
   * give the exact value? Follows the read path: the log's keys are answered by the table the
   * replayed log becomes; otherwise level-0 tables newest first, then one table per deeper level,
   * until one holds the key.
   */
  function expectation (k: string, t: TableMap, region: Region): 'fail' | 'may' | 'exact' {
    if (region.kind === 'filter' || region.kind === 'metaindex' || region.kind === 'footer-padding') return 'exact'
    if (logKeys.has(k)) return 'exact'
    let verdict: 'fail' | 'may' | 'exact' = 'exact'
    for (const x of searchOrder) {
      if (k < x.smallest || k > x.largest) continue
      const holds = x.keyBlock.has(k)
      if (x === t) {
        // The table is opened: its footer and index are read.
        if (region.kind === 'index' || region.kind === 'footer-magic') return 'fail'
        if (region.kind === 'footer-handles') verdict = 'may'
        if (region.kind === 'data') {
          if (holds && x.keyBlock.get(k) === region.block) return 'fail'
          // Not in this table: the filter may still let the read into the block where k would be.
          const landing = x.lastKeys.findIndex((last) => last >= k)
          if (!holds && (region.block === landing || region.block === landing + 1)) verdict = 'may'
        }
      }
      if (holds) break
    }
    return verdict
  }

  test('tables: reads fail exactly where they meet the damage, and are exact elsewhere', LIMIT, async () => {
    const rnd = new Random(1)
    const problems: string[] = []
    const counts = { flips: 0, failedAsRequired: 0, exactReads: 0, scansFailed: 0 }
    for (const t of tables) {
      for (const region of t.regions) {
        // Every byte of the small regions; every fourth byte of data blocks (their checksum covers
        // all bytes alike), starting at a seeded phase, and always the trailer.
        const phase = rnd.uniform(4)
        for (let offset = region.start; offset < region.end; offset++) {
          const inTrailer = offset >= region.end - BLOCK_TRAILER_SIZE
          if (region.kind === 'data' && !inTrailer && (offset - region.start) % 4 !== phase) continue
          const mask = maskFor(rnd)
          counts.flips++
          const where = `${t.path} ${region.kind}${region.kind === 'data' ? ` block ${region.block}` : ''} offset ${offset}`
          const opened = await openAndRead(damaged(replayed, t.path, offset, mask), base.probes)
          if ('error' in opened) {
            problems.push(`${where}: open failed: ${String(opened.error)}`)
            continue
          }
          for (const [k, got] of opened.reads.gets) {
            const want = expectation(k, t, region)
            if (got.error !== undefined) {
              const p = corruptionProblem(got.error, t.path)
              if (p !== undefined) problems.push(`${where}: get ${k}: ${p}`)
              else if (want === 'exact') problems.push(`${where}: get ${k} failed, but its path does not touch the damage`)
              else counts.failedAsRequired++
            } else if (want === 'fail') {
              problems.push(`${where}: get ${k} returned ${JSON.stringify(got.value?.slice(0, 12))} through a damaged block`)
            } else if (got.value !== base.model.get(k)) {
              problems.push(`${where}: get ${k} returned ${JSON.stringify(got.value?.slice(0, 12))}, expected ${JSON.stringify(base.model.get(k)?.slice(0, 12))}`)
            } else {
              counts.exactReads++
            }
          }
          const scanMust = region.kind === 'data' || region.kind === 'index' || region.kind === 'footer-magic'
            ? 'fail'
            : region.kind === 'footer-handles' ? 'may' : 'exact'
          for (const [name, scan] of [['forward', opened.reads.forward], ['backward', opened.reads.backward]] as const) {
            if (scan.error !== undefined) {
              const p = corruptionProblem(scan.error, t.path)
              if (p !== undefined) problems.push(`${where}: ${name} scan: ${p}`)
              else if (scanMust === 'exact') problems.push(`${where}: ${name} scan failed on damage it never needs`)
              else counts.scansFailed++
            } else {
              const entries = name === 'forward' ? scan.entries! : scan.entries!.slice().reverse()
              if (scanMust === 'fail') problems.push(`${where}: ${name} scan succeeded over a damaged block`)
              else if (JSON.stringify(entries) !== modelText) problems.push(`${where}: ${name} scan returned wrong data`)
            }
          }
          if (problems.length > 20) break
        }
      }
    }
    assert.deepEqual(problems.slice(0, 10), [], `${problems.length} problems over ${counts.flips} damaged bytes`)
    assert.ok(counts.flips > 1500, `a dense sample (${counts.flips} damaged bytes)`)
    assert.ok(counts.failedAsRequired > 1000 && counts.scansFailed > 1000 && counts.exactReads > 100000,
      `the checks were exercised: ${JSON.stringify(counts)}`)
  })

  test('MANIFEST: open fails with LEVEL_CORRUPTION naming it, or everything is exact', LIMIT, async () => {
    const live = readLiveVersion(base.env, DIR)
    const path = joinPath(DIR, live.manifest)
    const data = base.env.readFile(path)
    const { fragments } = mapLog(data)
    const rnd = new Random(2)
    const problems: string[] = []
    let refused = 0
    for (let offset = 0; offset < data.length; offset++) {
      const mask = maskFor(rnd)
      // A damaged length field is damage too, even in the last block: the reader tells it from a
      // torn write because the bytes present still carry the record's checksum, or intact records
      // follow it (corruption-regressions.test.ts).
      const opened = await openAndRead(damaged(base.env, path, offset, mask), base.probes)
      if ('error' in opened) {
        const p = corruptionProblem(opened.error, path)
        if (p !== undefined) problems.push(`offset ${offset}: ${p}`)
        refused++
      } else {
        for (const p of exactReads(opened.reads, base.model)) problems.push(`offset ${offset}: ${p}`)
      }
    }
    assert.deepEqual(problems.slice(0, 10), [], `${problems.length} problems`)
    assert.ok(refused > data.length * 0.9, `damage is refused (${refused} of ${data.length} offsets)`)
    assert.ok(fragments.length > 0)
  })

  test('CURRENT: open fails with LEVEL_CORRUPTION that says CURRENT is bad, at every byte', LIMIT, async () => {
    const path = joinPath(DIR, 'CURRENT')
    const data = base.env.readFile(path)
    const rnd = new Random(3)
    for (let offset = 0; offset < data.length; offset++) {
      for (let i = 0; i < 4; i++) {
        const opened = await openAndRead(damaged(base.env, path, offset, maskFor(rnd)), base.probes)
        assert.ok('error' in opened, `offset ${offset}: a damaged CURRENT is refused`)
        assert.ok(opened.error instanceof ShaleError && opened.error.code === 'LEVEL_CORRUPTION', `offset ${offset}: ${String(opened.error)}`)
        assert.match(opened.error.message, /CURRENT/, `offset ${offset}: the message says CURRENT is the problem`)
      }
    }
  })

  test('log: without paranoidChecks exactly the damaged records are lost; with them, open fails', LIMIT, async () => {
    const data = base.env.readFile(base.logPath)
    const { fragments, records } = mapLog(data)
    assert.equal(records, base.logWrites.length, 'one log record per write')
    const rnd = new Random(4)
    // Every header byte of the records around the block boundary and at the end, and a seeded
    // sample of the rest. (This log has no trailer padding: its records fill the first block.)
    const offsets = new Set<number>()
    for (const f of fragments) {
      const nearBoundary = Math.abs(f.offset - BLOCK_SIZE) < 3000 || f.offset > data.length - 3000
      if (nearBoundary) for (let i = 0; i < HEADER_SIZE; i++) offsets.add(f.offset + i)
    }
    for (let i = 0; i < 300; i++) offsets.add(rnd.uniform(data.length))
    const problems: string[] = []
    const counts = { offsets: offsets.size, padding: 0, lostRecords: 0 }
    for (const offset of [...offsets].sort((a, b) => a - b)) {
      const mask = maskFor(rnd)
      const lost = lostRecords(fragments, offset)
      const survivors = lost === undefined ? base.logWrites : base.logWrites.filter((_, i) => i < lost[0] || i > lost[1])
      const expected = apply(base.inTables, survivors)
      if (lost === undefined) counts.padding++
      else counts.lostRecords += lost[1] - lost[0] + 1

      const plain = await openAndRead(damaged(base.env, base.logPath, offset, mask), base.probes)
      if ('error' in plain) problems.push(`offset ${offset}: open without paranoidChecks failed: ${String(plain.error)}`)
      else for (const p of exactReads(plain.reads, expected).slice(0, 2)) problems.push(`offset ${offset} (records ${String(lost)} lost): ${p}`)

      const paranoid = await openAndRead(damaged(base.env, base.logPath, offset, mask), base.probes, { paranoidChecks: true })
      if (lost === undefined) {
        // Padding is not data.
        if ('error' in paranoid) problems.push(`offset ${offset}: paranoid open failed on padding: ${String(paranoid.error)}`)
        else for (const p of exactReads(paranoid.reads, expected).slice(0, 2)) problems.push(`offset ${offset}, paranoid: ${p}`)
      } else if (!('error' in paranoid)) {
        problems.push(`offset ${offset}: paranoid open succeeded over a damaged record`)
      } else {
        const p = corruptionProblem(paranoid.error, base.logPath)
        if (p !== undefined) problems.push(`offset ${offset}, paranoid: ${p}`)
      }
    }
    assert.deepEqual(problems.slice(0, 10), [], `${problems.length} problems (${JSON.stringify(counts)})`)
    assert.ok(counts.lostRecords > 500, `the sample covers every case: ${JSON.stringify(counts)}`)
  })
})

// LevelDB's corruption_test "Recovery": 100 records of 1000 bytes under 16-digit keys; XOR 0x80
// into byte 19 (the first record's WriteBatch) and into a byte of the second block. Exactly the
// records whose fragments lie wholly after the two damaged blocks survive (LevelDB: 36).
test('corruption_test Recovery: a damaged log loses only the records in the damaged blocks', LIMIT, async () => {
  const env = new MemEnv()
  const db = await DB.open(DIR, { env })
  const keys: string[] = []
  const value = (i: number): string => `${i}`.padEnd(1000, 'v')
  for (let i = 0; i < 100; i++) {
    const k = String(i).padStart(16, '0')
    keys.push(k)
    const batch = new WriteBatch()
    batch.put(bytes(k), bytes(value(i)))
    await db.write(batch)
  }
  await db.close()
  const logName = env.getChildren(DIR).find((n) => parseFileName(n)?.type === 'log')!
  const logPath = joinPath(DIR, logName)
  const { fragments } = mapLog(env.readFile(logPath))
  const a = lostRecords(fragments, 19)!
  const b = lostRecords(fragments, BLOCK_SIZE + 1000)!
  const env2 = damaged(damaged(env, logPath, 19, 0x80), logPath, BLOCK_SIZE + 1000, 0x80)

  const opened = await openAndRead(env2, keys)
  assert.ok('reads' in opened, 'the damaged log opens without paranoidChecks')
  const survivors = keys.filter((_, i) => !(i >= a[0] && i <= a[1]) && !(i >= b[0] && i <= b[1]))
  assert.equal(survivors.length, 36, 'as in LevelDB, 36 records survive')
  const expected = new Map(survivors.map((k) => [k, value(Number(k))]))
  assert.deepEqual(exactReads(opened.reads, expected), [])

  const paranoid = await openAndRead(damaged(damaged(env, logPath, 19, 0x80), logPath, BLOCK_SIZE + 1000, 0x80), keys, { paranoidChecks: true })
  assert.ok('error' in paranoid, 'paranoidChecks refuses the damaged log')
  assert.equal(corruptionProblem(paranoid.error, logPath), undefined)
})


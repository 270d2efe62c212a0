// Files are untrusted input. Crafted tables, logs, MANIFESTs and CURRENT files
// (lengths that point past the end, a Snappy header that claims gigabytes, restart arrays that
// loop, a VersionEdit naming level 9, ...) and a seeded fuzzer over whole files (splices,
// truncations, zeroed ranges, random garbage under valid checksums) go through DB.open, point
// reads, both full scans, seeks, background work and a write. For every case:
//
// - nothing but a ShaleError is ever thrown (no TypeError, RangeError, out-of-memory), and its
//   code is LEVEL_CORRUPTION (LEVEL_INVALID_ARGUMENT only for a MANIFEST naming another
//   comparator, as LevelDB says); the named cases must fail with LEVEL_CORRUPTION naming a file;
// - memory stays bounded: process.memoryUsage().arrayBuffers, sampled after every step, never
//   grows by more than MEMORY_BOUND over the case's start, although the files claim gigabytes;
// - nothing hangs: the cases run in a worker thread that reports each case as it starts and ends,
//   and a watchdog in the main thread fails the test (naming the case) if one takes too long.
//   A synchronous infinite loop cannot be interrupted from inside its own thread; from outside
//   it can.
//
// Crafted files the engine does not yet handle cleanly are in untrusted-files.pending.ts: a log
// record with an out-of-range sequence number (LEVEL_INVALID_ARGUMENT fails the open; the fuzzer
// finds it too, and counts it), MANIFEST counters near 2^53 that open and then break the
// database, and a "corrupted internal key" error that names no file.

import { describe, test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads'
import { DB } from '../../src/db/db.js'
import type { DBOptions } from '../../src/db/options.js'
import { joinPath, writeFileSynced } from '../../src/env/env.js'
import { MemEnv } from '../../src/env/mem-env.js'
import { makeInternalKey, ValueType } from '../../src/dbformat/internal-key.js'
import { currentFileName, logFileName, manifestFileName, parseFileName, setCurrentFile, tableFileName } from '../../src/dbformat/filename.js'
import { WriteBatch } from '../../src/dbformat/write-batch.js'
import { BLOCK_SIZE, HEADER_SIZE, recordChecksum } from '../../src/log/format.js'
import { Block } from '../../src/table/block.js'
import {
  blockChecksum, blockHandleBytes, type BlockHandle, decodeBlockHandle, decodeBlockHandleBytes, encodeFooter, FOOTER_SIZE
} from '../../src/table/format.js'
import { ByteWriter, Cursor, encodeFixed32 } from '../../src/util/coding.js'
import { bytewiseComparator } from '../../src/util/comparator.js'
import { ShaleError } from '../../src/util/errors.js'
import { Random } from '../../src/util/random.js'
import { VersionEdit } from '../../src/version/version-edit.js'
import { logFile } from '../db/helpers.js'

const DIR = '/db'
const ROLE = 'shale-untrusted-files-worker'
/** Growth of arrayBuffers allowed per case: the files are a few KiB; they claim gigabytes. */
const MEMORY_BOUND = 24 * 1024 * 1024
/** A case (or a batch of fuzz cases) silent for this long is taken to hang. */
const WATCHDOG_MS = 30_000
/** Small buffers, so that the engine's own legitimate allocations stay far below the bound. */
const OPTIONS: DBOptions = { writeBufferSize: 64 * 1024, cacheSize: 1 << 20, blockSize: 1024 }
const FUZZ_CASES = 3000

const enc = (s: string): Uint8Array => new TextEncoder().encode(s)
const ikey = (k: string, seq = 1, type: number = ValueType.Value): Uint8Array => makeInternalKey(enc(k), seq, type as ValueType)

// ---------------------------------------------------------------------------------------------
// Building files by hand

/** A block: entries (shared, non-shared, value length as given, key suffix, value), restarts, count. */
function block (entries: ReadonlyArray<{ shared?: number, key: Uint8Array, value: Uint8Array, nonShared?: number, valueLength?: number }>,
  restarts?: readonly number[], count?: number): Uint8Array {
  const w = new ByteWriter(256)
  const offsets: number[] = []
  for (const e of entries) {
    offsets.push(w.length)
    w.varint(e.shared ?? 0)
    w.varint(e.nonShared ?? e.key.length)
    w.varint(e.valueLength ?? e.value.length)
    w.bytes(e.key)
    w.bytes(e.value)
  }
  const rs = restarts ?? offsets
  for (const r of rs) w.fixed32(r >>> 0)
  w.fixed32((count ?? rs.length) >>> 0)
  return w.finish()
}

/** Raw bytes as a block, with a trailer whose checksum is right (so the parser sees the contents). */
function withTrailer (stored: Uint8Array, type = 0): Uint8Array {
  const out = new Uint8Array(stored.length + 5)
  out.set(stored)
  out[stored.length] = type
  encodeFixed32(out, stored.length + 1, blockChecksum(stored, type))
  return out
}

/** A table file from raw data blocks (stored bytes and type), an index over them, an empty metaindex. */
function table (dataBlocks: ReadonlyArray<{ stored: Uint8Array, type?: number, lastKey: Uint8Array }>,
  tweak: { index?: (handles: BlockHandle[], at: number) => Uint8Array, footer?: Uint8Array } = {}): Uint8Array {
  const parts: Uint8Array[] = []
  let offset = 0
  const handles: BlockHandle[] = []
  for (const b of dataBlocks) {
    const bytes = withTrailer(b.stored, b.type ?? 0)
    handles.push({ offset, size: b.stored.length })
    parts.push(bytes)
    offset += bytes.length
  }
  const meta = block([], [0])
  const metaHandle = { offset, size: meta.length }
  parts.push(withTrailer(meta))
  offset += meta.length + 5
  const index = tweak.index?.(handles, offset) ??
    block(dataBlocks.map((b, i) => ({ key: b.lastKey, value: blockHandleBytes(handles[i]!) })))
  const indexHandle = { offset, size: index.length }
  parts.push(withTrailer(index))
  parts.push(tweak.footer ?? encodeFooter({ metaindexHandle: metaHandle, indexHandle }))
  const total = parts.reduce((n, p) => n + p.length, 0)
  const out = new Uint8Array(total)
  let at = 0
  for (const p of parts) { out.set(p, at); at += p.length }
  return out
}

/** A data block of internal keys k000..k(n-1) (sequence 1, values) with values "value-i". */
function plainEntries (n: number, from = 0): Array<{ key: Uint8Array, value: Uint8Array }> {
  return Array.from({ length: n }, (_, i) => ({ key: ikey(`k${String(from + i).padStart(3, '0')}`), value: enc(`value-${from + i}`) }))
}

function editBytes (fill: (e: VersionEdit) => void, counters = true): Uint8Array {
  const e = new VersionEdit()
  if (counters) {
    e.comparatorName = 'leveldb.BytewiseComparator'
    e.logNumber = 0
    e.nextFileNumber = 100
    e.lastSequence = 1000
  }
  fill(e)
  return e.encode()
}

/** One physical record with any header the test wants; the checksum is right unless told otherwise. */
function physical (payload: Uint8Array, type: number, length = payload.length, badChecksum = false): Uint8Array {
  const out = new Uint8Array(HEADER_SIZE + payload.length)
  encodeFixed32(out, 0, recordChecksum(type, payload) ^ (badChecksum ? 1 : 0))
  out[4] = length & 0xff
  out[5] = (length >> 8) & 0xff
  out[6] = type
  out.set(payload, HEADER_SIZE)
  return out
}

/** A database made only of the given files: a MANIFEST (number 4), CURRENT, tables, logs. */
function craftedDb (files: { manifest?: Uint8Array, current?: Uint8Array, tables?: Map<number, Uint8Array>, logs?: Map<number, Uint8Array> }): MemEnv {
  const env = new MemEnv()
  env.createDir(DIR)
  for (const [n, bytes] of files.tables ?? []) writeFileSynced(env, tableFileName(DIR, n), bytes)
  for (const [n, bytes] of files.logs ?? []) writeFileSynced(env, logFileName(DIR, n), bytes)
  if (files.manifest !== undefined) writeFileSynced(env, manifestFileName(DIR, 4), files.manifest)
  if (files.current !== undefined) writeFileSynced(env, currentFileName(DIR), files.current)
  else setCurrentFile(env, DIR, 4)
  return env
}

/** A database whose only table is `bytes`, named at level 1 over k000..k999 with `size` (default: its size). */
function tableDb (bytes: Uint8Array, size = bytes.length): MemEnv {
  const manifest = logFile([editBytes((e) => e.addFile(1, { number: 5, fileSize: size, smallest: ikey('k000', 1), largest: ikey('k999', 1) }))])
  return craftedDb({ manifest, tables: new Map([[5, bytes]]) })
}

/** A database with a sound MANIFEST (log number 3) and the given log 000003.log. */
function logDb (log: Uint8Array): MemEnv {
  const manifest = logFile([editBytes((e) => { e.logNumber = 3; e.nextFileNumber = 10 })])
  return craftedDb({ manifest, logs: new Map([[3, log]]) })
}

/** A WriteBatch header (sequence as a bigint, count) followed by raw record bytes. */
function batchBytes (sequence: bigint, count: number, records: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + records.length)
  const view = new DataView(out.buffer)
  view.setBigUint64(0, sequence, true)
  view.setUint32(8, count >>> 0, true)
  out.set(records, 12)
  return out
}

function rawBytes (build: (w: ByteWriter) => void): Uint8Array {
  const w = new ByteWriter(64)
  build(w)
  return w.finish()
}

// ---------------------------------------------------------------------------------------------
// The named cases

interface Case {
  name: string
  build: () => MemEnv
  /** 'corruption': some step must fail with LEVEL_CORRUPTION naming a file. 'robust': no crash, no hang, bounded memory. */
  expect: 'corruption' | 'robust'
  options?: DBOptions
}

const overlong = (n: number): Uint8Array => new Uint8Array(n).fill(0xff)

function tableCases (): Case[] {
  const good = plainEntries(20)
  const sound = block(good)
  const last = good[good.length - 1]!.key
  const snappyClaiming = (claimed: number, body: Uint8Array): Uint8Array => rawBytes((w) => { w.varint(claimed); w.bytes(body) })
  const c = (name: string, bytes: () => Uint8Array, expect: Case['expect'] = 'corruption', size?: (n: number) => number): Case =>
    ({ name: `table: ${name}`, expect, build: () => { const b = bytes(); return tableDb(b, size?.(b.length)) } })
  return [
    c('footer index handle points 1 TiB past the end', () => table([{ stored: sound, lastKey: last }], {
      footer: encodeFooter({ metaindexHandle: { offset: 0, size: 0 }, indexHandle: { offset: 2 ** 40, size: 2 ** 40 } })
    })),
    c('footer handles are overlong varints', () => {
      const t = table([{ stored: sound, lastKey: last }])
      t.set(overlong(40), t.length - FOOTER_SIZE)
      return t
    }),
    c('footer magic wrong', () => { const t = table([{ stored: sound, lastKey: last }]); t[t.length - 1] = 0; return t }),
    c('index entry points a data block 2 GiB long', () => table([{ stored: sound, lastKey: last }], {
      index: () => block([{ key: last, value: blockHandleBytes({ offset: 0, size: 2 ** 31 }) }])
    })),
    c('index entry value is not a handle', () => table([{ stored: sound, lastKey: last }], {
      index: () => block([{ key: last, value: overlong(25) }])
    })),
    c('Snappy header claims 4 GiB', () => table([{ stored: snappyClaiming(0xffffffff, new Uint8Array(30)), type: 1, lastKey: last }])),
    c('Snappy header claims 64 MiB from 12 bytes', () => table([{ stored: snappyClaiming(64 << 20, new Uint8Array(12)), type: 1, lastKey: last }])),
    c('Snappy header is an overlong varint', () => table([{ stored: overlong(12), type: 1, lastKey: last }])),
    c('Snappy copy reaches before the output start', () => table([{ stored: rawBytes((w) => { w.varint(100); w.byte(0x01 | (60 << 2)); w.byte(0xff) }), type: 1, lastKey: last }])),
    c('block type 2 (zstd, which LevelDB 1.20 cannot read)', () => table([{ stored: sound, type: 2, lastKey: last }])),
    c('block type 255', () => table([{ stored: sound, type: 255, lastKey: last }])),
    c('restart count 2^32-1', () => table([{ stored: block(good, [0], 0xffffffff), lastKey: last }])),
    c('restart points past the entries', () => table([{ stored: block(good, [0, 100000, 7], 3), lastKey: last }])),
    c('restart points all at one entry (a loop for a naive iterator)', () => table([{ stored: block(good, new Array(20).fill(0)), lastKey: last }]), 'robust'),
    c('restart points in descending order', () => table([{ stored: block(good, [300, 200, 100, 0]), lastKey: last }]), 'robust'),
    c('restart points in the middle of entries', () => table([{ stored: block(good, [0, 1, 2, 3, 5, 8, 13, 21]), lastKey: last }]), 'robust'),
    c('restart count 0 with entries present', () => table([{ stored: block(good, [], 0), lastKey: last }]), 'robust'),
    c('entry shares more bytes than the previous key has', () => table([{ stored: block([good[0]!, { ...good[1]!, shared: 200 }]), lastKey: last }])),
    c('entry value length 2^32-1', () => table([{ stored: block([good[0]!, { ...good[1]!, valueLength: 0xffffffff }]), lastKey: last }])),
    c('entry key length runs past the block', () => table([{ stored: block([{ ...good[0]!, nonShared: 60000 }]), lastKey: last }])),
    c('entry lengths are overlong varints', () => table([{ stored: rawBytes((w) => { w.bytes(overlong(16)); w.fixed32(0); w.fixed32(1) }), lastKey: last }])),
    c('block shorter than its restart count', () => table([{ stored: new Uint8Array(2), lastKey: last }])),
    c('keys that are not internal keys', () => table([{ stored: block([{ key: enc('ab'), value: enc('x') }, { key: enc('cd'), value: enc('y') }]), lastKey: last }])),
    c('keys out of order', () => table([{ stored: block([...good].reverse()), lastKey: last }]), 'robust'),
    c('index entry points at the index block itself', () => table([{ stored: sound, lastKey: last }], {
      index: (_, at) => {
        // Its one entry's handle is its own: the same length whatever the small size in it.
        const probe = block([{ key: last, value: blockHandleBytes({ offset: at, size: 0 }) }])
        return block([{ key: last, value: blockHandleBytes({ offset: at, size: probe.length }) }])
      }
    }), 'robust'),
    c('recorded size 1 TiB larger than the file', () => table([{ stored: sound, lastKey: last }]), 'corruption', (n) => n + 2 ** 40),
    c('recorded size 10 bytes short', () => table([{ stored: sound, lastKey: last }]), 'corruption', (n) => n - 10),
    c('empty file', () => new Uint8Array(0)),
    c('47 bytes', () => new Uint8Array(47)),
    c('48 zero bytes', () => new Uint8Array(48))
  ]
}

function manifestCases (): Case[] {
  const k = ikey('k000')
  const m = (name: string, records: () => Uint8Array[], expect: Case['expect'] = 'corruption'): Case =>
    ({ name: `MANIFEST: ${name}`, expect, build: () => craftedDb({ manifest: logFile(records()) }) })
  const raw = (build: (w: ByteWriter) => void): Uint8Array => rawBytes(build)
  return [
    m('a VersionEdit naming level 9', () => [editBytes(() => {}), raw((w) => { w.varint(7); w.varint(9); w.varint(5); w.varint(100); w.lengthPrefixed(k); w.lengthPrefixed(k) })]),
    m('a compaction pointer at level 200', () => [editBytes(() => {}), raw((w) => { w.varint(5); w.varint(200); w.lengthPrefixed(k) })]),
    m('a deleted file at level 7', () => [editBytes(() => {}), raw((w) => { w.varint(6); w.varint(7); w.varint(5) })]),
    m('a comparator name claiming 2 GiB', () => [raw((w) => { w.varint(1); w.varint(2 ** 31); w.bytes(enc('leveldb')) })]),
    m('a new file whose key claims 1 GiB', () => [editBytes(() => {}), raw((w) => { w.varint(7); w.varint(1); w.varint(5); w.varint(100); w.varint(2 ** 30); w.bytes(k) })]),
    m('a new file with an empty key', () => [editBytes(() => {}), raw((w) => { w.varint(7); w.varint(1); w.varint(5); w.varint(100); w.varint(0); w.lengthPrefixed(k) })]),
    m('a file number of 2^60', () => [editBytes(() => {}), raw((w) => { w.varint(7); w.varint(1); w.varintBig(2n ** 60n); w.varint(100); w.lengthPrefixed(k); w.lengthPrefixed(k) })]),
    m('a 10-byte varint that overflows 64 bits', () => [editBytes(() => {}), raw((w) => { w.varint(2); w.bytes(overlong(10)); w.byte(0x7f) })]),
    m('tag 8 (obsolete large value refs)', () => [editBytes(() => {}), raw((w) => { w.varint(8); w.varint(1) })]),
    m('tag 1000', () => [editBytes(() => {}), raw((w) => { w.varint(1000) })]),
    m('no next file number', () => [editBytes((e) => { e.nextFileNumber = undefined })]),
    m('no log number', () => [editBytes((e) => { e.logNumber = undefined })]),
    m('overlapping files in level 1', () => [editBytes((e) => {
      e.addFile(1, { number: 5, fileSize: 100, smallest: ikey('a'), largest: ikey('m') })
      e.addFile(1, { number: 6, fileSize: 100, smallest: ikey('k'), largest: ikey('z') })
    })]),
    m('a table that does not exist', () => [editBytes((e) => e.addFile(2, { number: 5, fileSize: 100, smallest: ikey('a'), largest: ikey('z') }))]),
    m('another comparator', () => [editBytes((e) => { e.comparatorName = 'rocksdb.ReverseBytewiseComparator' })], 'robust'),
    m('five thousand edits adding and removing files', () => [
      editBytes(() => {}),
      ...Array.from({ length: 5000 }, (_, i) => editBytes((e) => {
        e.addFile(3, { number: 200 + i, fileSize: 100, smallest: ikey('a'), largest: ikey('b') })
        if (i > 0) e.removeFile(3, 199 + i)
      }, false))
    ]),
    { name: 'MANIFEST: empty file', expect: 'corruption', build: () => craftedDb({ manifest: new Uint8Array(0) }) },
    { name: 'MANIFEST: a record claiming 64 KiB in a full first block', expect: 'corruption', build: () => {
      const bytes = new Uint8Array(BLOCK_SIZE + 100)
      bytes.set(physical(editBytes(() => {}), 1, 0xffff))
      return craftedDb({ manifest: bytes })
    } },
    { name: 'MANIFEST: FIRST fragments that never end', expect: 'corruption', build: () => {
      const frag = physical(new Uint8Array(1000), 2)
      const bytes = new Uint8Array(frag.length * 40)
      for (let i = 0; i < 40; i++) bytes.set(frag, i * frag.length)
      return craftedDb({ manifest: bytes })
    } },
    { name: 'CURRENT: a path out of the directory', expect: 'corruption', build: () => craftedDb({ manifest: logFile([editBytes(() => {})]), current: enc('../../etc/passwd\n') }) },
    { name: 'CURRENT: 1 MiB without a newline', expect: 'corruption', build: () => craftedDb({ manifest: logFile([editBytes(() => {})]), current: new Uint8Array(1 << 20).fill(0x41) }) },
    { name: 'CURRENT: names a MANIFEST that does not exist', expect: 'corruption', build: () => craftedDb({ manifest: logFile([editBytes(() => {})]), current: enc('MANIFEST-999999\n') }) },
    { name: 'CURRENT: two newlines', expect: 'corruption', build: () => craftedDb({ manifest: logFile([editBytes(() => {})]), current: enc('MANIFEST-000004\n\n') }) },
    { name: 'CURRENT: empty', expect: 'corruption', build: () => craftedDb({ manifest: logFile([editBytes(() => {})]), current: new Uint8Array(0) }) }
  ]
}

function logCases (): Case[] {
  const put = (key: string, value: string): Uint8Array => rawBytes((w) => { w.byte(1); w.lengthPrefixed(enc(key)); w.lengthPrefixed(enc(value)) })
  const sound = (seq: number): Uint8Array => { const b = new WriteBatch(); b.put(enc(`k${seq}`), enc('v')); b.sequence = seq; return b.contents() }
  const cases: Array<[string, () => Uint8Array, Case['expect']]> = [
    ['a batch whose count claims 2^32-1', () => logFile([sound(1001), batchBytes(1002n, 0xffffffff, put('a', 'b'))]), 'corruption'],
    ['a batch whose key claims 4 GiB', () => logFile([batchBytes(1002n, 1, rawBytes((w) => { w.byte(1); w.varint(0xffffffff); w.bytes(enc('abc')) }))]), 'corruption'],
    ['a batch with an unknown tag', () => logFile([batchBytes(1002n, 1, rawBytes((w) => { w.byte(7); w.lengthPrefixed(enc('a')) }))]), 'corruption'],
    ['a record shorter than a batch header', () => logFile([new Uint8Array(5)]), 'corruption'],
    ['a record of type 200', () => physical(sound(1002), 200), 'corruption'],
    ['a record claiming 64 KiB in a full first block', () => { const b = new Uint8Array(BLOCK_SIZE + 50); b.set(physical(sound(1002), 1, 0xffff)); return b }, 'corruption'],
    ['FIRST fragments that never end, then a sound record', () => {
      const parts = [physical(new Uint8Array(500), 2), physical(new Uint8Array(500), 2), physical(sound(1002), 1)]
      const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
      let at = 0
      for (const p of parts) { out.set(p, at); at += p.length }
      return out
    }, 'corruption'],
    ['64 KiB of 0xff', () => new Uint8Array(64 * 1024).fill(0xff), 'corruption'],
    ['1 MiB of zeros (preallocated space)', () => new Uint8Array(1 << 20), 'robust'],
    ['a torn tail: a header claiming more than the file holds', () => physical(sound(1002), 1, 2000).subarray(0, 40), 'robust']
  ]
  const out: Case[] = []
  for (const [name, bytes, expect] of cases) {
    out.push({ name: `log: ${name}`, expect: 'robust', build: () => logDb(bytes()) })
    out.push({ name: `log, paranoid: ${name}`, expect, options: { paranoidChecks: true }, build: () => logDb(bytes()) })
  }
  return out
}

// ---------------------------------------------------------------------------------------------
// Exercising a database, and judging what happened

const PROBES = ['', 'a', 'k000', 'k005', 'k010', 'k019', 'k050', 'k999', 'z'].map(enc)

interface Outcome {
  errors: unknown[]
  /** Largest growth of arrayBuffers seen, in bytes. */
  growth: number
}

async function exercise (env: MemEnv, options: DBOptions = {}): Promise<Outcome> {
  const errors: unknown[] = []
  const start = process.memoryUsage().arrayBuffers
  let growth = 0
  const sample = (): void => { growth = Math.max(growth, process.memoryUsage().arrayBuffers - start) }
  const attempt = (step: () => unknown): void => {
    try {
      step()
    } catch (err) {
      errors.push(err)
    }
    sample()
  }
  let db: DB
  try {
    db = await DB.open(DIR, { ...OPTIONS, ...options, env })
  } catch (err) {
    sample()
    return { errors: [err], growth }
  }
  sample()
  for (const k of PROBES) attempt(() => db.getSync(k))
  for (const reverse of [false, true]) attempt(() => db.iterator({ reverse }).all())
  for (const k of PROBES) {
    attempt(() => {
      const it = db.iterator()
      try {
        it.seek(k)
        it.nextv(3)
      } finally {
        it.close()
      }
    })
  }
  attempt(() => db.approximateSize(PROBES[0]!, PROBES[PROBES.length - 1]!))
  attempt(() => db.getProperty('shale.sstables'))
  // Background work over whatever the files hold (a compaction may start), then a write.
  await db.waitForIdle()
  try {
    await db.put(enc('written'), enc('after'))
    await db.flush()
  } catch (err) {
    errors.push(err)
  }
  sample()
  try {
    await db.close()
  } catch (err) {
    errors.push(err)
  }
  return { errors, growth }
}

/** Cases that hit the known sequence-number issue (reported with the results). */
let knownSequenceIssue = 0

/** Problems with an outcome: errors other than LEVEL_CORRUPTION, missing corruption, memory growth. */
function judge (c: { name: string, expect: Case['expect'] }, o: Outcome): string[] {
  const problems: string[] = []
  let corrupt = 0
  for (const err of o.errors) {
    if (!(err instanceof ShaleError)) {
      problems.push(`threw ${err instanceof Error ? `${err.name}: ${err.message}\n${err.stack?.split('\n').slice(1, 4).join('\n') ?? ''}` : String(err)}`)
    } else if (err.code === 'LEVEL_CORRUPTION') {
      corrupt++
      // Contract 6: the error names the file. One known exception (untrusted-files.pending.ts):
      // the DB iterator's "corrupted internal key" does not know which table the key came from.
      const named = err.file !== undefined || /\d{6}\.(ldb|log)|MANIFEST|CURRENT/.test(err.message)
      if (!named && !err.message.startsWith('corrupted internal key in DB iterator')) problems.push(`LEVEL_CORRUPTION that names no file: ${err.message}`)
    } else if (err.code === 'LEVEL_INVALID_ARGUMENT' && /comparator/.test(err.message)) {
      // A MANIFEST written under another comparator: LevelDB's InvalidArgument too.
    } else if (err.code === 'LEVEL_INVALID_ARGUMENT' && err.message.startsWith('sequence number out of range')) {
      // Known (untrusted-files.pending.ts): a log record whose sequence number is out of range
      // fails the open with LEVEL_INVALID_ARGUMENT instead of being damage. Counted, not hidden.
      knownSequenceIssue++
    } else {
      problems.push(`${err.code}: ${err.message}`)
    }
  }
  if (c.expect === 'corruption' && corrupt === 0) problems.push('no LEVEL_CORRUPTION: the damage went unnoticed')
  if (o.growth > MEMORY_BOUND) problems.push(`arrayBuffers grew by ${(o.growth / 2 ** 20).toFixed(1)} MiB`)
  return problems
}

// ---------------------------------------------------------------------------------------------
// The fuzzer: whole files of a sound database, mutated

/** A small sound database: tables at two levels, a log, a MANIFEST of several edits. */
async function soundDatabase (): Promise<MemEnv> {
  const env = new MemEnv()
  const rnd = new Random(7)
  let db = await DB.open(DIR, { ...OPTIONS, env })
  for (let i = 0; i < 120; i++) await db.put(enc(`k${String(i).padStart(3, '0')}`), rnd.compressibleBytes(40 + rnd.uniform(60)))
  await db.flush()
  await db.compactLevel(0)
  for (let i = 0; i < 120; i += 2) await db.put(enc(`k${String(i).padStart(3, '0')}`), rnd.bytes(30))
  for (let i = 1; i < 120; i += 7) await db.del(enc(`k${String(i).padStart(3, '0')}`))
  await db.flush()
  await db.close()
  db = await DB.open(DIR, { ...OPTIONS, env })
  for (let i = 0; i < 80; i++) await db.put(enc(`k${String(i * 3).padStart(3, '0')}`), rnd.bytes(20 + rnd.uniform(200)))
  await db.close()
  return env
}

/** Fixes every log record's checksum, so that garbage inside records reaches the decoders. */
function resealLog (data: Uint8Array): void {
  let pos = 0
  while (pos + HEADER_SIZE <= data.length) {
    const left = BLOCK_SIZE - (pos % BLOCK_SIZE)
    if (left < HEADER_SIZE) { pos += left; continue }
    const length = data[pos + 4]! | (data[pos + 5]! << 8)
    const end = pos + HEADER_SIZE + length
    if (end > data.length || length > left - HEADER_SIZE) return
    encodeFixed32(data, pos, recordChecksum(data[pos + 6]!, data, pos + HEADER_SIZE, end))
    pos = end
  }
}

/** Fixes the checksums of the blocks the footer and the index reach, as far as they can be found. */
function resealTable (data: Uint8Array): void {
  if (data.length < FOOTER_SIZE) return
  const reseal = (h: BlockHandle): boolean => {
    if (!Number.isSafeInteger(h.offset + h.size) || h.offset + h.size + 5 > data.length) return false
    encodeFixed32(data, h.offset + h.size + 1, blockChecksum(data.subarray(h.offset, h.offset + h.size), data[h.offset + h.size]!))
    return true
  }
  try {
    const cursor = new Cursor(data, data.length - FOOTER_SIZE, data.length - 8)
    const meta = decodeBlockHandle(cursor)
    const index = decodeBlockHandle(cursor)
    reseal(meta)
    if (!reseal(index) || data[index.offset + index.size] !== 0) return
    const it = new Block(data.subarray(index.offset, index.offset + index.size)).newIterator(bytewiseComparator)
    for (it.seekToFirst(); it.valid(); it.next()) reseal(decodeBlockHandleBytes(it.value()))
  } catch {
    // Past repair: leave the rest as it is.
  }
}

function mutate (rnd: Random, name: string, data: Uint8Array, others: readonly Uint8Array[]): { bytes: Uint8Array, how: string } {
  const n = data.length
  const pick = rnd.uniform(9)
  let out = data.slice()
  let how: string
  const at = n === 0 ? 0 : rnd.uniform(n)
  const len = 1 + rnd.uniform(Math.max(1, Math.min(512, n)))
  switch (pick) {
    case 0: {
      out = data.slice(0, at)
      how = `truncated to ${at}`
      break
    }
    case 1: {
      out.fill(0, at, Math.min(n, at + len))
      how = `zeroed [${at}, +${len})`
      break
    }
    case 2: {
      const src = rnd.pick([data, ...others])
      const from = src.length === 0 ? 0 : rnd.uniform(src.length)
      const piece = src.subarray(from, Math.min(src.length, from + len))
      out = new Uint8Array(n + piece.length)
      out.set(data.subarray(0, at))
      out.set(piece, at)
      out.set(data.subarray(at), at + piece.length)
      how = `spliced ${piece.length} bytes in at ${at}`
      break
    }
    case 3: {
      const end = Math.min(n, at + len)
      out = new Uint8Array(n - (end - at))
      out.set(data.subarray(0, at))
      out.set(data.subarray(end), at)
      how = `cut [${at}, ${end})`
      break
    }
    case 4: {
      for (let i = 0; i < 1 + rnd.uniform(8); i++) if (n > 0) out[rnd.uniform(n)] = rnd.uniform(256)
      how = 'random bytes set'
      break
    }
    case 5: {
      out.set(rnd.bytes(Math.min(len, n - at)), at)
      how = `garbage over [${at}, +${len})`
      break
    }
    case 6: {
      const extra = rnd.bytes(len)
      out = new Uint8Array(n + extra.length)
      out.set(data)
      out.set(extra, n)
      how = `${len} garbage bytes appended`
      break
    }
    case 7: {
      out = rnd.pick(others.length > 0 ? others : [data]).slice()
      how = 'replaced by another file'
      break
    }
    default: {
      for (let i = 0; i < 1 + rnd.uniform(4); i++) if (n > 0) out[rnd.uniform(n)] ^= 1 << rnd.uniform(8)
      how = 'bits flipped'
    }
  }
  // Half the time, make the checksums right again: the garbage then reaches the parsers.
  if (rnd.oneIn(2)) {
    const type = parseFileName(name)?.type
    if (type === 'log' || type === 'manifest') resealLog(out)
    else if (type === 'table') resealTable(out)
    how += ', checksums fixed'
  }
  return { bytes: out, how }
}

// ---------------------------------------------------------------------------------------------
// Worker side: runs a group of cases, reporting each one before and after

interface Report { kind: 'start' | 'result' | 'done', name?: string, problems?: string[], growth?: number, count?: number, known?: number }

async function runGroup (group: string, post: (r: Report) => void): Promise<void> {
  if (group === 'fuzz') {
    const base = await soundDatabase()
    const names = base.getChildren(DIR).filter((n) => n !== 'LOCK')
    const files = new Map(names.map((n) => [n, base.readFile(joinPath(DIR, n))]))
    const rnd = new Random(20260201)
    for (let i = 0; i < FUZZ_CASES; i++) {
      const env = base.clone()
      const hits = 1 + (rnd.oneIn(4) ? 1 : 0)
      const hows: string[] = []
      for (let h = 0; h < hits; h++) {
        const name = rnd.pick(names)
        const others = [...files.entries()].filter(([n]) => n !== name).map(([, b]) => b)
        const { bytes, how } = mutate(rnd, name, env.readFile(joinPath(DIR, name)), others)
        writeFileSynced(env, joinPath(DIR, name), bytes)
        hows.push(`${name} ${how}`)
      }
      const c = { name: `fuzz #${i}: ${hows.join('; ')}`, expect: 'robust' as const }
      post({ kind: 'start', name: c.name })
      const outcome = await exercise(env, { paranoidChecks: rnd.oneIn(2) })
      post({ kind: 'result', name: c.name, problems: judge(c, outcome), growth: outcome.growth })
    }
    post({ kind: 'done', count: FUZZ_CASES, known: knownSequenceIssue })
    return
  }
  const cases = group === 'tables' ? tableCases() : group === 'manifests' ? manifestCases() : logCases()
  for (const c of cases) {
    post({ kind: 'start', name: c.name })
    let outcome: Outcome
    try {
      outcome = await exercise(c.build(), c.options)
    } catch (err) {
      outcome = { errors: [err], growth: 0 }
    }
    post({ kind: 'result', name: c.name, problems: judge(c, outcome), growth: outcome.growth })
  }
  post({ kind: 'done', count: cases.length, known: knownSequenceIssue })
}

if (!isMainThread && (workerData as { role?: string } | undefined)?.role === ROLE) {
  const { group } = workerData as { group: string }
  await runGroup(group, (r) => parentPort!.postMessage(r))
}

// ---------------------------------------------------------------------------------------------
// Main side: one worker per group, a watchdog, and the verdicts

/** Runs a group in a worker; resolves with every case's problems, or rejects naming a case that hung. */
interface GroupResult { results: Array<{ name: string, problems: string[], growth: number }>, count: number, known: number }

function inWorker (group: string): Promise<GroupResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL(import.meta.url), { workerData: { role: ROLE, group } })
    const results: Array<{ name: string, problems: string[], growth: number }> = []
    let current = '(starting)'
    let timer: NodeJS.Timeout
    const arm = (): void => {
      clearTimeout(timer)
      timer = setTimeout(() => {
        void worker.terminate()
        reject(new Error(`no progress for ${WATCHDOG_MS} ms: "${current}" hangs`))
      }, WATCHDOG_MS)
    }
    arm()
    worker.on('message', (r: Report) => {
      arm()
      if (r.kind === 'start') current = r.name!
      else if (r.kind === 'result') results.push({ name: r.name!, problems: r.problems!, growth: r.growth! })
      else {
        clearTimeout(timer)
        void worker.terminate()
        resolve({ results, count: r.count!, known: r.known ?? 0 })
      }
    })
    worker.on('error', (err) => { clearTimeout(timer); reject(new Error(`the worker died in "${current}": ${String(err)}`)) })
    worker.on('exit', (code) => { clearTimeout(timer); if (code !== 0 && code !== 1) reject(new Error(`the worker exited (${code}) in "${current}"`)) })
  })
}

function verdict (t: TestContext, { results, count, known }: GroupResult): void {
  assert.equal(results.length, count, 'every case reported')
  const bad = results.filter((r) => r.problems.length > 0)
  const most = results.reduce((m, r) => (r.growth > m.growth ? r : m), results[0]!)
  t.diagnostic(`${results.length} cases; largest arrayBuffers growth ${(most.growth / 2 ** 20).toFixed(2)} MiB (${most.name})` +
    (known > 0 ? `; ${known} hit the known sequence-number issue` : ''))
  assert.deepEqual(bad.slice(0, 8).map((r) => `${r.name}: ${r.problems.join(' | ')}`), [], `${bad.length} of ${results.length} cases failed`)
}

if (isMainThread) {
  describe('files are untrusted input', () => {
    test('crafted tables', async (t) => {
      const group = await inWorker('tables')
      assert.ok(group.count >= 25)
      verdict(t, group)
    })

    test('crafted MANIFESTs and CURRENT files', async (t) => {
      verdict(t, await inWorker('manifests'))
    })

    test('crafted logs, with and without paranoidChecks', async (t) => {
      verdict(t, await inWorker('logs'))
    })

    test(`a seeded fuzzer over whole files (${FUZZ_CASES} cases: splices, truncations, zeroed ranges, garbage under fixed checksums)`, async (t) => {
      verdict(t, await inWorker('fuzz'))
    })
  })
}

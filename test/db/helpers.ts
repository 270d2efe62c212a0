// Shared pieces of the engine's black-box tests: a harness in the manner of LevelDB's db_test (a
// database in a MemEnv, string keys and values, per-level file counts), an ordered model to compare
// the engine against, and readers of the on-disk state (the live Version from the MANIFEST, the
// internal entries of the live tables) for the few scenarios whose LevelDB originals inspect
// internals. Those readers use only the file formats, never the engine's objects.

import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DB } from '../../src/db/db.js'
import { asPair, bytes, drain, hex, scan, str } from '../../harness/db/entries.js'
import type { DBOptions } from '../../src/db/options.js'
import type { IteratorOptions, Snapshot } from '../../src/db/api.js'
import { joinPath, writeFileSynced, type Env } from '../../src/env/env.js'
import { MemEnv } from '../../src/env/mem-env.js'
import { parseFileName, sstTableFileName, tableFileName } from '../../src/dbformat/filename.js'
import { InternalKeyComparator, parseInternalKey, ValueType } from '../../src/dbformat/internal-key.js'
import { LogReader } from '../../src/log/reader.js'
import { LogWriter } from '../../src/log/writer.js'
import { Table } from '../../src/table/table.js'
import { VersionEdit, NUM_LEVELS, type FileMetaData } from '../../src/version/version-edit.js'
import { ShaleError } from '../../src/util/errors.js'
import type { Random } from '../../src/util/random.js'

export { asPair, bytes, drain, hex, scan, str }

export { NUM_LEVELS }

/** Where the in-memory databases live. */
export const DIR = '/db'

// ---- Bytes and strings. Latin-1 maps every byte to one UTF-16 code unit of the same value, so
// comparing such strings with < orders them exactly as the engine orders the bytes.




/** LevelDB's test key: "key" and the number in six digits. */
export function key (i: number): string {
  return `key${String(i).padStart(6, '0')}`
}

/** Printable random characters, which Snappy cannot shrink: table sizes stay predictable. */
export function randomString (rnd: Random, length: number): string {
  const codes = new Uint8Array(length)
  for (let i = 0; i < length; i++) codes[i] = 32 + rnd.uniform(95)
  return Buffer.from(codes).toString('latin1')
}

/**
 * A random key in the manner of LevelDB's test::RandomKey: short, from a small alphabet with the
 * bytes that stress comparisons (NUL, 0x01, 0xff and neighbours), so that keys collide often.
 */
export function randomKey (rnd: Random): string {
  const alphabet = ['\0', '\x01', 'a', 'b', 'c', 'd', 'e', '\xfd', '\xfe', '\xff']
  const length = rnd.oneIn(3) ? 1 : rnd.oneIn(100) ? rnd.uniform(20) : rnd.uniform(10)
  let out = ''
  for (let i = 0; i < length; i++) out += rnd.pick(alphabet)
  return out
}

// ---- Errors

/** Awaits `op` and returns what it threw, or undefined if it succeeded. */
export async function failure (op: () => Promise<unknown>): Promise<unknown> {
  try {
    await op()
  } catch (err) {
    return err
  }
  return undefined
}

/** Awaits `action`, which must fail; returns the error. */
export async function rejection (action: () => unknown, what: string): Promise<unknown> {
  try {
    await action()
  } catch (err) {
    return err
  }
  assert.fail(`${what}: expected an error, got success`)
}

export function errorCode (err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined
  const code = (err as { code?: unknown }).code
  return typeof code === 'string' ? code : undefined
}

export function errorMessage (err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}

/** The error's code, or its cause's (the engine may wrap a lock failure). */
export function errorOrCauseCode (err: unknown): string[] {
  const codes: string[] = []
  let e: unknown = err
  for (let depth = 0; depth < 4 && typeof e === 'object' && e !== null; depth++) {
    const c = errorCode(e)
    if (c !== undefined) codes.push(c)
    e = (e as { cause?: unknown }).cause
  }
  return codes
}

export function assertCorruption (err: unknown, mustMention: string | undefined, what: string): void {
  assert.ok(err instanceof ShaleError, `${what}: expected a ShaleError, got ${String(err)}`)
  assert.equal(err.code, 'LEVEL_CORRUPTION', `${what}: code (message: ${err.message})`)
  if (mustMention !== undefined) {
    assert.ok(err.message.includes(mustMention), `${what}: message should mention "${mustMention}": ${err.message}`)
  }
}

// ---- Reading through the engine

/** Every entry an iterator yields (closing it), as [key, value] byte pairs. */



export function levelCount (db: DB, level: number): number {
  const p = db.getProperty(`shale.num-files-at-level${level}`)
  assert.ok(p !== undefined && /^\d+$/.test(p), `property shale.num-files-at-level${level} is a number, got ${String(p)}`)
  return Number(p)
}

export function levelCounts (db: DB): number[] {
  const out: number[] = []
  for (let level = 0; level < NUM_LEVELS; level++) out.push(levelCount(db, level))
  return out
}

/** LevelDB's FilesPerLevel: counts per level joined by commas, trailing empty levels left out. */
export function filesPerLevel (db: DB): string {
  const counts = levelCounts(db)
  let last = counts.length
  while (last > 0 && counts[last - 1] === 0) last--
  return counts.slice(0, last).join(',')
}

export function tableFileNames (env: Env, dir: string): string[] {
  return env.getChildren(dir).filter((name) => parseFileName(name)?.type === 'table')
}

export function filesOfType (env: Env, dir: string, type: string): string[] {
  return env.getChildren(dir).filter((name) => parseFileName(name)?.type === type)
}

/** Polls `condition` (awaiting the engine's idle state in between) until it holds or time runs out. */
export async function eventually (db: DB, condition: () => boolean, timeoutMs = 3000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    await db.waitForIdle()
    if (condition()) return true
    if (Date.now() > deadline) return false
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

// ---- The harness

/** A database in the manner of LevelDB's DBTest: string keys and values, reopen with new options. */
export class Harness {
  readonly env: Env
  readonly dir: string
  options: DBOptions
  private current: DB | undefined

  private constructor (env: Env, dir: string, options: DBOptions) {
    this.env = env
    this.dir = dir
    this.options = options
  }

  static async open (options: DBOptions = {}, dir = DIR): Promise<Harness> {
    const env = options.env ?? new MemEnv()
    const h = new Harness(env, dir, { ...options, env })
    await h.reopen()
    return h
  }

  get db (): DB {
    assert.ok(this.current !== undefined, 'the database is open')
    return this.current
  }

  /** Closes (if open) and opens again, with `options` merged over the current ones. */
  async reopen (options: DBOptions = {}): Promise<void> {
    await this.close()
    this.options = { ...this.options, ...options, env: this.env }
    this.current = await DB.open(this.dir, this.options)
  }

  async close (): Promise<void> {
    const db = this.current
    this.current = undefined
    if (db !== undefined) await db.close()
  }

  put (k: string, v: string | Uint8Array): Promise<void> {
    return this.db.put(bytes(k), typeof v === 'string' ? bytes(v) : v)
  }

  del (k: string): Promise<void> {
    return this.db.del(bytes(k))
  }

  /** The value as a string, or LevelDB's "NOT_FOUND". */
  get (k: string, snapshot?: Snapshot): string {
    const v = this.db.getSync(bytes(k), snapshot === undefined ? undefined : { snapshot })
    return v === undefined ? 'NOT_FOUND' : str(v)
  }

  /** Asynchronous read path, for the same answer. */
  async getAsync (k: string, snapshot?: Snapshot): Promise<string> {
    const v = await this.db.get(bytes(k), snapshot === undefined ? undefined : { snapshot })
    return v === undefined ? 'NOT_FOUND' : str(v)
  }

  /** Everything, as LevelDB's Contents(): "(k->v)(k->v)". Also checks that reverse agrees. */
  contents (snapshot?: Snapshot): string {
    const fwd = scan(this.db, snapshot === undefined ? {} : { snapshot })
    const rev = scan(this.db, snapshot === undefined ? { reverse: true } : { snapshot, reverse: true })
    assert.deepEqual(rev.map(([k]) => str(k)), fwd.map(([k]) => str(k)).reverse(), 'reverse iteration mirrors forward')
    return fwd.map(([k, v]) => `(${str(k)}->${str(v)})`).join('')
  }

  filesPerLevel (): string {
    return filesPerLevel(this.db)
  }

  atLevel (level: number): number {
    return levelCount(this.db, level)
  }

  totalTables (): number {
    return levelCounts(this.db).reduce((a, b) => a + b, 0)
  }

  tableFiles (): string[] {
    return tableFileNames(this.env, this.dir)
  }

  size (start: string, end: string): number {
    return this.db.approximateSize(bytes(start), bytes(end))
  }

  /** LevelDB's MakeTables: `n` flushes, each a table covering [small, large]. */
  async makeTables (n: number, small: string, large: string): Promise<void> {
    for (let i = 0; i < n; i++) {
      await this.put(small, 'begin')
      await this.put(large, 'end')
      await this.db.flush()
    }
  }

  /** LevelDB's FillLevels: tables at several levels covering [small, large]. */
  async fillLevels (small: string, large: string): Promise<void> {
    await this.makeTables(NUM_LEVELS, small, large)
  }

  /**
   * The internal entries the live tables hold for `userKey`, newest first, as LevelDB's
   * AllEntriesFor prints them ("[ v2, DEL, v1 ]"), read from the MANIFEST and the table files.
   * Unlike LevelDB's it does not see the memtable: call it after a flush.
   */
  tableEntriesFor (userKey: string, label: (v: Uint8Array) => string = str): string {
    const entries = tableEntriesFor(this.env, this.dir, bytes(userKey))
    if (entries.length === 0) return '[ ]'
    return `[ ${entries.map((e) => (e.type === ValueType.Deletion ? 'DEL' : label(e.value))).join(', ')} ]`
  }
}

// ---- An ordered model

/** The expected contents: an ordered map from keys to values, with frozen copies for snapshots. */
export class Model {
  private readonly map = new Map<string, Uint8Array>()
  private sortedKeys: string[] | undefined

  get size (): number {
    return this.map.size
  }

  put (k: Uint8Array, v: Uint8Array): void {
    const s = str(k)
    if (!this.map.has(s)) this.sortedKeys = undefined
    this.map.set(s, v.slice())
  }

  del (k: Uint8Array): void {
    if (this.map.delete(str(k))) this.sortedKeys = undefined
  }

  get (k: Uint8Array): Uint8Array | undefined {
    return this.map.get(str(k))
  }

  has (k: Uint8Array): boolean {
    return this.map.has(str(k))
  }

  keys (): string[] {
    if (this.sortedKeys === undefined) this.sortedKeys = [...this.map.keys()].sort(compareStrings)
    return this.sortedKeys
  }

  /** The entries in key order (shared values: callers must not change them). */
  entries (): Array<[Uint8Array, Uint8Array]> {
    return this.keys().map((k) => [bytes(k), this.map.get(k)!])
  }

  /** A frozen copy of the current contents. */
  freeze (): FrozenModel {
    return new FrozenModel(this.keys().map((k) => [k, this.map.get(k)!]))
  }
}

export class FrozenModel {
  /** Sorted by key (latin-1 strings). */
  readonly items: ReadonlyArray<readonly [string, Uint8Array]>
  private readonly index: Map<string, Uint8Array>

  constructor (items: Array<readonly [string, Uint8Array]>) {
    this.items = items
    this.index = new Map(items)
  }

  get (k: Uint8Array): Uint8Array | undefined {
    return this.index.get(str(k))
  }

  /** What an iterator with these options must yield (abstract-level's rules: gte wins over gt, lte over lt). */
  expected (options: IteratorOptions = {}): Array<[Uint8Array, Uint8Array]> {
    let out = this.items.filter(([k]) => inRange(k, options))
    if (options.reverse === true) out = out.slice().reverse()
    if (options.limit !== undefined && options.limit >= 0) out = out.slice(0, options.limit)
    return out.map(([k, v]) => [bytes(k), v])
  }

  /**
   * What an iterator with these options yields after seek(target): from the first key >= target
   * (<= in reverse); nothing if the target is outside the range, as abstract-level specifies.
   * The limit is left out: it counts over the iterator's whole life.
   */
  expectedAfterSeek (options: IteratorOptions, target: Uint8Array): Array<[Uint8Array, Uint8Array]> {
    const t = str(target)
    if (!inRange(t, options)) return []
    const all = this.expected({ ...options, limit: undefined })
    const reverse = options.reverse === true
    const from = all.findIndex(([k]) => (reverse ? Buffer.compare(k, target) <= 0 : Buffer.compare(k, target) >= 0))
    return from < 0 ? [] : all.slice(from)
  }
}

/** Whether a latin-1 key lies within an iterator's range options. */
export function inRange (k: string, options: IteratorOptions): boolean {
  if (options.gte !== undefined) {
    if (k < str(options.gte)) return false
  } else if (options.gt !== undefined && k <= str(options.gt)) return false
  if (options.lte !== undefined) {
    if (k > str(options.lte)) return false
  } else if (options.lt !== undefined && k >= str(options.lt)) return false
  return true
}

export function compareStrings (a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/**
 * Asserts two entry lists are equal, naming the first difference (lists of thousands of entries
 * make deepEqual's own diff unreadable).
 */
export function assertSameEntries (actual: ReadonlyArray<readonly [Uint8Array, Uint8Array]>,
  expected: ReadonlyArray<readonly [Uint8Array, Uint8Array]>, context: string): void {
  const n = Math.min(actual.length, expected.length)
  for (let i = 0; i < n; i++) {
    const [ak, av] = actual[i]!
    const [ek, ev] = expected[i]!
    if (Buffer.compare(ak, ek) !== 0) {
      assert.fail(`${context}: entry ${i}: key ${hex(ak)}, expected ${hex(ek)}` +
        ` (${actual.length} entries, expected ${expected.length})`)
    }
    if (Buffer.compare(av, ev) !== 0) {
      assert.fail(`${context}: entry ${i} (key ${hex(ek)}): value ${hex(av)}, expected ${hex(ev)}`)
    }
  }
  if (actual.length !== expected.length) {
    const extra = actual.length > expected.length ? `unexpected key ${hex(actual[n]![0])}` : `missing key ${hex(expected[n]![0])}`
    assert.fail(`${context}: ${actual.length} entries, expected ${expected.length}; first difference at ${n}: ${extra}`)
  }
}

export function assertSameValue (actual: Uint8Array | undefined, expected: Uint8Array | undefined, context: string): void {
  if (actual === undefined || expected === undefined) {
    if (actual !== expected) assert.fail(`${context}: got ${hex(actual)}, expected ${hex(expected)}`)
    return
  }
  if (Buffer.compare(actual, expected) !== 0) assert.fail(`${context}: got ${hex(actual)}, expected ${hex(expected)}`)
}

// ---- The on-disk state, read from the files alone

export interface LiveFile extends FileMetaData { level: number }

export interface LiveVersion {
  manifest: string
  logNumber: number
  prevLogNumber: number
  nextFileNumber: number
  lastSequence: number
  files: LiveFile[]
  /** Records (VersionEdits) in the MANIFEST. */
  records: number
}

export function currentManifest (env: Env, dir: string): string {
  const current = str(env.readFile(joinPath(dir, 'CURRENT')))
  assert.ok(current.endsWith('\n'), `CURRENT ends with a newline: ${JSON.stringify(current)}`)
  return current.slice(0, -1)
}

/** Replays the MANIFEST that CURRENT names: the live files per level and the counters. */
export function readLiveVersion (env: Env, dir: string): LiveVersion {
  const manifest = currentManifest(env, dir)
  const path = joinPath(dir, manifest)
  const problems: string[] = []
  const file = env.newSequentialFile(path)
  const reader = new LogReader(file, {
    fileName: path,
    reporter: { corruption: (n, reason) => { problems.push(`${n} bytes: ${reason}`) } }
  })
  const state: LiveVersion = { manifest, logNumber: -1, prevLogNumber: 0, nextFileNumber: -1, lastSequence: -1, files: [], records: 0 }
  const files = new Map<number, LiveFile>()
  try {
    for (let r = reader.readRecord(); r !== null; r = reader.readRecord()) {
      const e = VersionEdit.decode(r)
      state.records++
      if (e.logNumber !== undefined) state.logNumber = e.logNumber
      if (e.prevLogNumber !== undefined) state.prevLogNumber = e.prevLogNumber
      if (e.nextFileNumber !== undefined) state.nextFileNumber = e.nextFileNumber
      if (e.lastSequence !== undefined) state.lastSequence = e.lastSequence
      for (const d of e.deletedFiles) files.delete(d.number)
      for (const n of e.newFiles) files.set(n.file.number, { ...n.file, level: n.level })
    }
  } finally {
    file.close()
  }
  assert.deepEqual(problems, [], `${manifest} reads without damage`)
  state.files = [...files.values()].sort((a, b) => a.level - b.level || a.number - b.number)
  return state
}

export interface InternalEntry { sequence: number, type: number, value: Uint8Array }

const icmp = new InternalKeyComparator()

/** Every entry the live tables hold for `userKey`, newest (highest sequence) first. */
export function tableEntriesFor (env: Env, dir: string, userKey: Uint8Array): InternalEntry[] {
  const out: InternalEntry[] = []
  for (const f of readLiveVersion(env, dir).files) {
    let path = tableFileName(dir, f.number)
    if (!env.fileExists(path)) path = sstTableFileName(dir, f.number)
    const file = env.newRandomAccessFile(path)
    try {
      const table = Table.open(file, f.fileSize, { comparator: icmp, fileName: path })
      const it = table.newIterator()
      for (it.seekToFirst(); it.valid(); it.next()) {
        const p = parseInternalKey(it.key())
        if (Buffer.compare(p.userKey, userKey) === 0) out.push({ sequence: p.sequence, type: p.type, value: it.value().slice() })
      }
      it.checkError()
      it.close()
    } finally {
      file.close()
    }
  }
  return out.sort((a, b) => b.sequence - a.sequence)
}

/**
 * LevelDB's TEST_MaxNextLevelOverlappingBytes, from the MANIFEST: the most bytes of level L+1
 * that any one file of level L (1 <= L < 6) overlaps by user key.
 */
export function maxNextLevelOverlappingBytes (env: Env, dir: string): number {
  const files = readLiveVersion(env, dir).files
  let max = 0
  for (let level = 1; level < NUM_LEVELS - 1; level++) {
    for (const f of files.filter((x) => x.level === level)) {
      const lo = parseInternalKey(f.smallest).userKey
      const hi = parseInternalKey(f.largest).userKey
      let sum = 0
      for (const g of files.filter((x) => x.level === level + 1)) {
        const glo = parseInternalKey(g.smallest).userKey
        const ghi = parseInternalKey(g.largest).userKey
        if (Buffer.compare(ghi, lo) >= 0 && Buffer.compare(glo, hi) <= 0) sum += g.fileSize
      }
      max = Math.max(max, sum)
    }
  }
  return max
}

/** A whole file's bytes replaced by its first `length` bytes (a torn tail). */
export function truncateFile (env: Env, path: string, length: number): void {
  writeFileSynced(env, path, env.readFile(path).slice(0, length))
}

// ---- Real directories, for the runs on NodeEnv

export function tempDir (prefix: string): string {
  return mkdtempSync(join(tmpdir(), `shale-${prefix}-`))
}

/**
 * A directory on a memory file system (/dev/shm) where there is one, else as tempDir: for tests
 * that check formats rather than durability, where a disk's fsyncs would only add time.
 */
export function memoryTempDir (prefix: string): string {
  const base = existsSync('/dev/shm') ? '/dev/shm' : tmpdir()
  return mkdtempSync(join(base, `shale-${prefix}-`))
}

export function removeTempDir (dir: string): void {
  rmSync(dir, { recursive: true, force: true })
}

/**
 * Every entry of a real directory with its size and modification time: what any write would
 * change, root's included (chmod does not stop root, so tests of "nothing written" compare this).
 */
export function dirState (dir: string): string[] {
  return readdirSync(dir).sort().map((name) => {
    const s = statSync(join(dir, name))
    return `${name} ${s.size} ${s.mtimeMs}`
  })
}

/** A log-format file holding `records` (each through LogWriter, so fragments and checksums are right). */
export function logFile (records: readonly Uint8Array[]): Uint8Array {
  const scratch = new MemEnv()
  const f = scratch.newWritableFile('/f')
  const w = new LogWriter(f)
  for (const r of records) w.addRecord(r)
  f.close()
  return scratch.readFile('/f')
}

/** Opens the existing database at `dir`, reads every entry as strings, and closes it. */
export async function entriesOf (env: Env, dir: string): Promise<Array<[string, string]>> {
  const db = await DB.open(dir, { env, createIfMissing: false })
  try {
    return scan(db).map(([k, v]) => [str(k), str(v)])
  } finally {
    await db.close()
  }
}

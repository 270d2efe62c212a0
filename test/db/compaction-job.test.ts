import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { runCompactionJob, type CompactionJobInput, type CompactionJobResult } from '../../src/db/compaction-job.js'
import { TableOutput, type TableWriteOptions } from '../../src/db/table-output.js'
import { MemEnv } from '../../src/env/mem-env.js'
import { FaultEnv } from '../../src/env/fault-env.js'
import { systemErrorCode, type Env } from '../../src/env/env.js'
import {
  decodeTagSequence, encodeTag, InternalKeyComparator, internalKeyToString, makeInternalKey, TAG_SIZE, ValueType
} from '../../src/dbformat/internal-key.js'
import { tableFileName } from '../../src/dbformat/filename.js'
import { Table } from '../../src/table/table.js'
import { CompactionOutputPolicy, type CompactionSpec } from '../../src/version/compaction.js'
import { TableCache } from '../../src/version/table-cache.js'
import { NUM_LEVELS, type FileMetaData } from '../../src/version/version-edit.js'
import { compareBytes, fromUtf8, utf8 } from '../../src/util/coding.js'
import { ShaleError } from '../../src/util/errors.js'
import { Random } from '../../src/util/random.js'
import { LruCache } from '../../src/util/lru-cache.js'
import type { BlockCache } from '../../src/table/table.js'

const icmp = new InternalKeyComparator()
const DB = '/db'

const small: TableWriteOptions = { blockSize: 256, blockRestartInterval: 4, compression: 'none', bloomBitsPerKey: 10 }

// ---- Building inputs

/** An entry as the tests write it: user key, sequence, type and value. A type above 1 is malformed. */
interface E { k: string, s: number, t?: number, v?: string | Uint8Array }

function ikeyOf (e: E): Uint8Array {
  const user = utf8(e.k)
  const out = new Uint8Array(user.length + TAG_SIZE)
  out.set(user)
  encodeTag(out, user.length, e.s, e.t ?? ValueType.Value)
  return out
}

function valueOf (e: E): Uint8Array {
  if (e.v instanceof Uint8Array) return e.v
  return utf8(e.v ?? ((e.t ?? 1) === ValueType.Value ? `${e.k}@${e.s}` : ''))
}

function newEnv (): MemEnv {
  const env = new MemEnv()
  env.createDir(DB)
  env.syncDir('/')
  return env
}

/** Writes `entries` (any order) as table `number`. */
function buildTable (env: Env, number: number, entries: E[], options: TableWriteOptions = small): FileMetaData {
  const sorted = entries.map((e) => ({ key: ikeyOf(e), value: valueOf(e) })).sort((a, b) => icmp.compare(a.key, b.key))
  const out = TableOutput.create(env, DB, number, options)
  for (const { key, value } of sorted) out.add(key, value)
  return out.finish()
}

/** A file that exists only as a key range, for grandparents and deeper levels. */
function rangeFile (number: number, from: string, to: string, fileSize = 1000): FileMetaData {
  return { number, fileSize, smallest: makeInternalKey(utf8(from), 100, ValueType.Value), largest: makeInternalKey(utf8(to), 1, ValueType.Value) }
}

interface SpecParts {
  level?: number
  inputs?: [FileMetaData[], FileMetaData[]]
  grandparents?: FileMetaData[]
  /** Files of levels L+2 .. 6, in that order; missing levels are empty. */
  deeper?: FileMetaData[][]
  maxOutputFileSize?: number
  maxGrandparentOverlapBytes?: number
}

function makeSpec (parts: SpecParts): CompactionSpec {
  const level = parts.level ?? 1
  const deeper: FileMetaData[][] = []
  for (let l = level + 2; l < NUM_LEVELS; l++) deeper.push(parts.deeper?.[l - level - 2] ?? [])
  return {
    level,
    inputs: parts.inputs ?? [[], []],
    grandparents: parts.grandparents ?? deeper[0] ?? [],
    deeperLevels: deeper,
    maxOutputFileSize: parts.maxOutputFileSize ?? 2 * 1024 * 1024,
    maxGrandparentOverlapBytes: parts.maxGrandparentOverlapBytes ?? 20 * 1024 * 1024
  }
}

function newTableCache (env: Env): TableCache {
  return new TableCache(env, DB, { maxOpenFiles: 100, icmp })
}

class Numbers {
  next: number
  readonly given: number[] = []
  constructor (first = 100) { this.next = first }
  readonly take = (): number => {
    this.given.push(this.next)
    return this.next++
  }
}

async function compact (env: Env, parts: SpecParts, smallestSnapshot: number,
  extra: Partial<CompactionJobInput> = {}, numbers = new Numbers()): Promise<CompactionJobResult> {
  const input: CompactionJobInput = { location: DB, spec: makeSpec(parts), smallestSnapshot, table: small, ...extra }
  return await runCompactionJob(env, newTableCache(env), input, numbers.take)
}

/** The entries of table `meta`, as "'key' @ seq : type" strings. */
function tableEntries (env: Env, meta: FileMetaData): Array<{ key: Uint8Array, value: Uint8Array }> {
  const path = tableFileName(DB, meta.number)
  const table = Table.open(env.newRandomAccessFile(path), meta.fileSize, { comparator: icmp, fileName: path })
  const it = table.newIterator()
  const out: Array<{ key: Uint8Array, value: Uint8Array }> = []
  for (it.seekToFirst(); it.valid(); it.next()) out.push({ key: it.key().slice(), value: it.value().slice() })
  it.checkError()
  return out
}

function outputKeys (env: Env, result: CompactionJobResult): string[] {
  return result.outputs.flatMap((m) => tableEntries(env, m).map((e) => internalKeyToString(e.key)))
}

function str (e: E): string {
  return internalKeyToString(ikeyOf(e))
}

function tableFiles (env: MemEnv): string[] {
  return env.getChildren(DB).filter((n) => n.endsWith('.ldb'))
}

// ---- The drop rules

describe('drop rules', () => {
  test('entries hidden below the smallest snapshot are dropped', async () => {
    const env = newEnv()
    const a = buildTable(env, 1, [{ k: 'a', s: 3 }, { k: 'a', s: 2 }, { k: 'b', s: 1 }])
    const b = buildTable(env, 2, [{ k: 'a', s: 1 }, { k: 'b', s: 4 }, { k: 'c', s: 5 }])
    const result = await compact(env, { inputs: [[a], [b]] }, 10)
    assert.deepEqual(outputKeys(env, result), [str({ k: 'a', s: 3 }), str({ k: 'b', s: 4 }), str({ k: 'c', s: 5 })])
    assert.equal(result.entriesRead, 6)
    assert.equal(result.entriesDropped, 3)
  })

  test('a snapshot between two versions keeps the older one, and only it', async () => {
    const env = newEnv()
    const a = buildTable(env, 1, [{ k: 'a', s: 5 }, { k: 'a', s: 3 }, { k: 'a', s: 1 }])
    // Readers at 4 and above: a@3 is what the snapshot at 4 sees; a@1 is hidden from all.
    let result = await compact(env, { inputs: [[a], []] }, 4)
    assert.deepEqual(outputKeys(env, result), [str({ k: 'a', s: 5 }), str({ k: 'a', s: 3 })])
    // A snapshot at 2 still sees a@1.
    result = await compact(env, { inputs: [[a], []] }, 2)
    assert.deepEqual(outputKeys(env, result), [str({ k: 'a', s: 5 }), str({ k: 'a', s: 3 }), str({ k: 'a', s: 1 })])
    // At exactly 3: a@3 is visible to every reader, so a@1 goes.
    result = await compact(env, { inputs: [[a], []] }, 3)
    assert.deepEqual(outputKeys(env, result), [str({ k: 'a', s: 5 }), str({ k: 'a', s: 3 })])
  })

  test('a deletion marker is dropped at the base level once at or below the snapshot', async () => {
    const env = newEnv()
    const a = buildTable(env, 1, [{ k: 'a', s: 5, t: 0 }, { k: 'a', s: 3 }, { k: 'b', s: 2, t: 0 }])
    for (const snapshot of [5, 6, 100]) {
      const result = await compact(env, { inputs: [[a], []] }, snapshot)
      assert.deepEqual(result.outputs, [], `snapshot ${snapshot}`)
      assert.equal(result.entriesDropped, 3)
    }
    assert.deepEqual(tableFiles(env), ['000001.ldb'])
  })

  test('a deletion marker above the snapshot is kept, with the value it hides', async () => {
    const env = newEnv()
    const a = buildTable(env, 1, [{ k: 'a', s: 5, t: 0 }, { k: 'a', s: 3 }])
    const result = await compact(env, { inputs: [[a], []] }, 4)
    assert.deepEqual(outputKeys(env, result), [str({ k: 'a', s: 5, t: 0 }), str({ k: 'a', s: 3 })])
  })

  test('a deletion marker is kept while a deeper level may hold its key', async () => {
    const env = newEnv()
    const a = buildTable(env, 1, [{ k: 'a', s: 5, t: 0 }, { k: 'a', s: 3 }, { k: 'm', s: 6, t: 0 }, { k: 'z', s: 7, t: 0 }])
    // Level 3 (= L+2) covers 'a'; level 6 covers 'm'; nothing covers 'z'.
    const result = await compact(env, {
      inputs: [[a], []],
      deeper: [[rangeFile(50, 'a', 'c')], [], [], [rangeFile(51, 'k', 'n')]]
    }, 100)
    // a@3 is still hidden by the marker (rule A), the markers of a and m stay, z's goes.
    assert.deepEqual(outputKeys(env, result), [str({ k: 'a', s: 5, t: 0 }), str({ k: 'm', s: 6, t: 0 })])
  })

  test('deeper files next to the key but not containing it do not stop the drop', async () => {
    const env = newEnv()
    const a = buildTable(env, 1, [{ k: 'd', s: 5, t: 0 }, { k: 'f', s: 6, t: 0 }])
    const result = await compact(env, {
      inputs: [[a], []],
      deeper: [[rangeFile(50, 'a', 'c'), rangeFile(52, 'e', 'e')], [rangeFile(53, 'g', 'z')]]
    }, 100)
    assert.deepEqual(result.outputs, [])
  })

  test('a key that does not parse fails the job, naming the table, and leaves no output', async () => {
    // LevelDB keeps such a key and resets its drop tracking; Shale treats it as the damage it is,
    // like a bad block: carrying it on would hide which versions it shadows.
    const env = newEnv()
    const plain = { ...small, bloomBitsPerKey: 0 }
    const a = buildTable(env, 1, [{ k: 'a', s: 5 }, { k: 'a', s: 4, t: 2 }, { k: 'a', s: 3 }, { k: 'a', s: 2 }], plain)
    await assert.rejects(compact(env, { inputs: [[a], []] }, 100, { table: plain }), (err: unknown) => {
      assert.ok(isCode('LEVEL_CORRUPTION')(err))
      assert.match((err as Error).message, /000001\.ldb/)
      return true
    })
    assert.deepEqual(tableFiles(env), ['000001.ldb'])
  })

  test('level-0 inputs that overlap each other are merged entry by entry', async () => {
    const env = newEnv()
    const f1 = buildTable(env, 1, [{ k: 'a', s: 1 }, { k: 'c', s: 2 }, { k: 'e', s: 3 }])
    const f2 = buildTable(env, 2, [{ k: 'b', s: 4 }, { k: 'c', s: 5 }, { k: 'e', s: 6, t: 0 }])
    const f3 = buildTable(env, 3, [{ k: 'a', s: 7 }, { k: 'd', s: 8 }])
    const l1a = buildTable(env, 4, [{ k: 'a', s: 0 }, { k: 'b', s: 0 }])
    const l1b = buildTable(env, 5, [{ k: 'd', s: 0 }, { k: 'f', s: 0 }])
    const result = await compact(env, { level: 0, inputs: [[f1, f2, f3], [l1a, l1b]] }, 100)
    assert.deepEqual(outputKeys(env, result),
      [str({ k: 'a', s: 7 }), str({ k: 'b', s: 4 }), str({ k: 'c', s: 5 }), str({ k: 'd', s: 8 }), str({ k: 'f', s: 0 })])
    const values = result.outputs.flatMap((m) => tableEntries(env, m).map((e) => fromUtf8(e.value)))
    assert.deepEqual(values, ['a@7', 'b@4', 'c@5', 'd@8', 'f@0'])
    assert.equal(result.entriesRead, 12)
    assert.equal(result.bytesRead, [f1, f2, f3, l1a, l1b].reduce((n, f) => n + f.fileSize, 0))
    assert.equal(result.bytesWritten, result.outputs[0]!.fileSize)
  })
})

// ---- LevelDB's scenarios at job level

describe('LevelDB scenarios', () => {
  test('DeletionMarkers1: a newer value above the marker drops it, then the old value goes', async () => {
    const env = newEnv()
    const l2 = buildTable(env, 1, [{ k: 'foo', s: 1, v: 'v1' }])
    const l0 = buildTable(env, 2, [{ k: 'foo', s: 2, t: 0 }, { k: 'foo', s: 3, v: 'v2' }])
    const numbers = new Numbers(10)
    // L0 -> L1 while foo=v1 sits at L2: the marker is hidden by v2 (rule A).
    const first = await compact(env, { level: 0, inputs: [[l0], []], deeper: [[l2]] }, 3, {}, numbers)
    assert.deepEqual(outputKeys(env, first), [str({ k: 'foo', s: 3 })])
    // L1 -> L2: v1 is hidden by v2.
    const second = await compact(env, { level: 1, inputs: [first.outputs, [l2]] }, 3, {}, numbers)
    assert.deepEqual(outputKeys(env, second), [str({ k: 'foo', s: 3 })])
    assert.equal(fromUtf8(tableEntries(env, second.outputs[0]!)[0]!.value), 'v2')
  })

  test('DeletionMarkers2: a lone marker stays above a deeper value, then both go at the base level', async () => {
    const env = newEnv()
    const l2 = buildTable(env, 1, [{ k: 'foo', s: 1, v: 'v1' }])
    const l0 = buildTable(env, 2, [{ k: 'foo', s: 2, t: 0 }])
    const numbers = new Numbers(10)
    const first = await compact(env, { level: 0, inputs: [[l0], []], deeper: [[l2]] }, 2, {}, numbers)
    assert.deepEqual(outputKeys(env, first), [str({ k: 'foo', s: 2, t: 0 })])
    const second = await compact(env, { level: 1, inputs: [first.outputs, [l2]] }, 2, {}, numbers)
    assert.deepEqual(second.outputs, [])
    assert.equal(second.entriesDropped, 2)
    // Only the two inputs and the first output exist; the second job created nothing.
    assert.deepEqual(tableFiles(env), ['000001.ldb', '000002.ldb', '000010.ldb'])
  })

  test('HiddenValuesAreRemoved: an overwritten big value survives while a snapshot needs it', async () => {
    const env = newEnv()
    const big = new Random(1).bytes(50000)
    const f = buildTable(env, 1, [{ k: 'foo', s: 1, v: big }, { k: 'foo', s: 2, v: 'tiny' }], { ...small, blockSize: 4096 })
    const held = await compact(env, { inputs: [[f], []] }, 1)
    assert.deepEqual(outputKeys(env, held), [str({ k: 'foo', s: 2 }), str({ k: 'foo', s: 1 })])
    assert.ok(held.bytesWritten > 50000)
    const released = await compact(env, { inputs: [[f], []] }, 2)
    assert.deepEqual(outputKeys(env, released), [str({ k: 'foo', s: 2 })])
    assert.ok(released.bytesWritten <= 1000, `output of ${released.bytesWritten} bytes`)
  })
})

// ---- Output splitting

function assertOrderedDisjoint (env: Env, outputs: FileMetaData[]): void {
  for (let i = 0; i < outputs.length; i++) {
    const m = outputs[i]!
    const entries = tableEntries(env, m)
    assert.deepEqual(m.smallest, entries[0]!.key)
    assert.deepEqual(m.largest, entries[entries.length - 1]!.key)
    if (i > 0) assert.ok(icmp.compare(outputs[i - 1]!.largest, m.smallest) < 0, `outputs ${i - 1} and ${i} overlap`)
  }
}

describe('output splitting', () => {
  test('by size: several outputs, ordered, disjoint, each near the target', async () => {
    const env = newEnv()
    const rnd = new Random(9)
    const options: TableWriteOptions = { blockSize: 1024, blockRestartInterval: 16, compression: 'none', bloomBitsPerKey: 10 }
    const entries: E[] = []
    for (let i = 0; i < 3000; i++) entries.push({ k: `key${String(i).padStart(6, '0')}`, s: i + 1, v: rnd.bytes(100) })
    const a = buildTable(env, 1, entries.filter((_, i) => i % 2 === 0), options)
    const b = buildTable(env, 2, entries.filter((_, i) => i % 2 === 1), options)
    const target = 40 * 1024
    const numbers = new Numbers()
    const result = await runCompactionJob(env, newTableCache(env), {
      location: DB, spec: makeSpec({ inputs: [[a], [b]], maxOutputFileSize: target }), smallestSnapshot: 10000, table: options
    }, numbers.take)
    assert.ok(result.outputs.length >= 7, `${result.outputs.length} outputs`)
    assert.deepEqual(result.outputs.map((m) => m.number), numbers.given)
    assertOrderedDisjoint(env, result.outputs)
    for (const m of result.outputs.slice(0, -1)) {
      // The split happens at the first block boundary at or past the target: one block of
      // entries plus the filter, index and footer at most beyond it.
      assert.ok(m.fileSize >= target && m.fileSize < target + 4096, `output of ${m.fileSize} bytes`)
    }
    assert.ok(result.outputs[result.outputs.length - 1]!.fileSize <= target + 4096)
    const got = result.outputs.flatMap((m) => tableEntries(env, m))
    assert.equal(got.length, 3000)
    got.forEach((e, i) => assert.equal(internalKeyToString(e.key), str(entries[i]!)))
    assert.equal(result.bytesWritten, result.outputs.reduce((n, m) => n + m.fileSize, 0))
    for (const m of result.outputs) assert.equal(env.getFileSize(tableFileName(DB, m.number)), m.fileSize)
  })

  test('by grandparent overlap: a new output after passing too many grandparent bytes', async () => {
    const env = newEnv()
    const entries: E[] = []
    for (let i = 0; i < 1000; i++) entries.push({ k: `k${String(i).padStart(3, '0')}`, s: i + 1 })
    const a = buildTable(env, 1, entries)
    // Ten grandparents of 1000 bytes, one per hundred keys; at most 1500 bytes of overlap.
    const grandparents: FileMetaData[] = []
    for (let g = 0; g < 10; g++) grandparents.push(rangeFile(200 + g, `k${g}00`, `k${g}99`))
    const result = await compact(env, {
      inputs: [[a], []], deeper: [grandparents], maxGrandparentOverlapBytes: 1500
    }, 5000)
    assertOrderedDisjoint(env, result.outputs)
    // Crossing a second grandparent boundary passes 2000 bytes > 1500: a new output starts at
    // k200, k400, k600 and k800.
    assert.deepEqual(result.outputs.map((m) => fromUtf8(m.smallest.subarray(0, 4))), ['k000', 'k200', 'k400', 'k600', 'k800'])
    assert.deepEqual(result.outputs.map((m) => fromUtf8(m.largest.subarray(0, 4))), ['k199', 'k399', 'k599', 'k799', 'k999'])
  })

  test('dropped keys still count toward grandparent overlap', async () => {
    const env = newEnv()
    const entries: E[] = []
    // k000..k149 are deletions that the job drops (nothing deeper covers them: the grandparents
    // are given to the policy only), k150..k399 live values.
    for (let i = 0; i < 400; i++) entries.push({ k: `k${String(i).padStart(3, '0')}`, s: i + 1, t: i < 150 ? 0 : 1 })
    const a = buildTable(env, 1, entries)
    const grandparents: FileMetaData[] = []
    for (let g = 0; g < 4; g++) grandparents.push(rangeFile(200 + g, `k${g}00`, `k${g}99`))
    const result = await compact(env, {
      inputs: [[a], []], grandparents, maxGrandparentOverlapBytes: 1500
    }, 5000)
    assert.equal(result.entriesDropped, 150)
    // Passing k099 (at the dropped k100) and k199 makes 2000 bytes: the split comes before k200.
    // Had the dropped keys been skipped, the first 1000 bytes would not count and it would come
    // before k300.
    assert.deepEqual(result.outputs.map((m) => fromUtf8(m.smallest.subarray(0, 4))), ['k150', 'k200'])
  })
})

// ---- Failures

function isCode (code: string, sys?: string) {
  return (err: unknown): boolean => {
    assert.ok(err instanceof ShaleError, `expected a ShaleError, got ${String(err)}`)
    assert.equal(err.code, code)
    if (sys !== undefined) assert.equal(systemErrorCode(err), sys)
    return true
  }
}

/** Two inputs of 2000 entries, which a 16 KiB target splits into several outputs. */
function bulkInputs (env: Env): { files: FileMetaData[], parts: SpecParts } {
  const rnd = new Random(4)
  const entries: E[] = []
  for (let i = 0; i < 2000; i++) entries.push({ k: `key${String(i).padStart(5, '0')}`, s: i + 1, v: rnd.bytes(40) })
  const a = buildTable(env, 1, entries.slice(0, 1000))
  const b = buildTable(env, 2, entries.slice(1000))
  return { files: [a, b], parts: { inputs: [[a], [b]], maxOutputFileSize: 16 * 1024 } }
}

describe('failures', () => {
  test('ENOSPC while writing the second output: LEVEL_IO_ERROR and no output file remains', async () => {
    const mem = newEnv()
    const { parts } = bulkInputs(mem)
    const env = new FaultEnv(mem)
    const second = tableFileName(DB, 101)
    env.inject({ op: 'append', code: 'ENOSPC', when: (call) => call.path === second })
    await assert.rejects(compact(env, parts, 5000), isCode('LEVEL_IO_ERROR', 'ENOSPC'))
    assert.ok(env.calls.some((c) => c.op === 'create' && c.path === tableFileName(DB, 100)), 'the first output was written')
    assert.deepEqual(tableFiles(mem), ['000001.ldb', '000002.ldb'])
  })

  for (const [op, nth] of [['create', 2], ['sync', 1], ['close', 3], ['syncDir', 0]] as const) {
    test(`a failed ${op} removes every output`, async () => {
      const mem = newEnv()
      const { parts } = bulkInputs(mem)
      const env = new FaultEnv(mem)
      // Only calls on outputs (and the directory) count: the inputs are read through the same env.
      let seen = 0
      env.inject({
        op,
        code: 'EIO',
        when: (call) => !call.path.endsWith('000001.ldb') && !call.path.endsWith('000002.ldb') && seen++ === nth
      })
      await assert.rejects(compact(env, parts, 5000), isCode('LEVEL_IO_ERROR', 'EIO'))
      assert.equal(seen > nth, true, `the job reached ${op} #${nth}`)
      assert.deepEqual(tableFiles(mem), ['000001.ldb', '000002.ldb'])
    })
  }

  test('an I/O error reading an input fails the job even without paranoid checks', async () => {
    const mem = newEnv()
    const { parts } = bulkInputs(mem)
    const env = new FaultEnv(mem)
    const input = tableFileName(DB, 2)
    let reads = 0
    env.inject({ op: 'read', code: 'EIO', when: (call) => call.path === input && ++reads === 6 })
    await assert.rejects(compact(env, parts, 5000), isCode('LEVEL_IO_ERROR', 'EIO'))
    assert.deepEqual(tableFiles(mem), ['000001.ldb', '000002.ldb'])
  })

  test('outputs are synced and their directory entries durable when the job returns', async () => {
    const env = newEnv()
    const { parts } = bulkInputs(env)
    env.syncDir(DB)
    const result = await compact(env, parts, 5000)
    const before = result.outputs.map((m) => env.readFile(tableFileName(DB, m.number)))
    env.powerLoss()
    result.outputs.forEach((m, i) => assert.deepEqual(env.readFile(tableFileName(DB, m.number)), before[i]))
  })

  test('an abort signal stops the job at its next pause and removes its outputs', async () => {
    const env = newEnv()
    const rnd = new Random(8)
    const entries: E[] = []
    for (let i = 0; i < 20000; i++) entries.push({ k: `key${String(i).padStart(6, '0')}`, s: i + 1, v: rnd.bytes(100) })
    const a = buildTable(env, 1, entries, { ...small, blockSize: 4096 })
    const controller = new AbortController()
    const reason = new Error('closing')
    setImmediate(() => controller.abort(reason))
    await assert.rejects(compact(env, { inputs: [[a], []], maxOutputFileSize: 64 * 1024 }, 1e6, { abortSignal: controller.signal }),
      (err) => err === reason)
    assert.deepEqual(tableFiles(env), ['000001.ldb'])
  })
})

// ---- Damaged inputs

/** Flips a byte inside the third data block of table `meta`, in place. */
function corruptThirdBlock (env: MemEnv, meta: FileMetaData): void {
  const path = tableFileName(DB, meta.number)
  const bytes = env.readFile(path)
  // With 256-byte blocks, byte 600 lies inside the third block, away from its trailer.
  bytes[600]! ^= 0x80
  const f = env.newWritableFile(path)
  f.append(bytes)
  f.sync()
  f.close()
}

describe('damaged inputs', () => {
  function setup (): { env: MemEnv, parts: SpecParts, total: number, expected: string[] } {
    const env = newEnv()
    const entries: E[] = []
    for (let i = 0; i < 200; i++) entries.push({ k: `key${String(i).padStart(4, '0')}`, s: i + 1 })
    const a = buildTable(env, 1, entries.filter((_, i) => i < 100))
    const b = buildTable(env, 2, entries.filter((_, i) => i >= 100))
    corruptThirdBlock(env, a)
    return { env, parts: { inputs: [[a], [b]] }, total: 200, expected: entries.map(str) }
  }

  test('a damaged input block: LEVEL_CORRUPTION naming the file, no output left', async () => {
    const { env, parts } = setup()
    await assert.rejects(compact(env, parts, 5000), (err: unknown) => {
      assert.ok(isCode('LEVEL_CORRUPTION')(err))
      assert.match((err as Error).message, /000001\.ldb/)
      return true
    })
    assert.deepEqual(tableFiles(env), ['000001.ldb', '000002.ldb'])
  })

  test('without paranoid checks too: damage fails the job rather than drop the block', async () => {
    const { env, parts } = setup()
    await assert.rejects(compact(env, parts, 5000), (err: unknown) => {
      assert.ok(isCode('LEVEL_CORRUPTION')(err))
      assert.match((err as Error).message, /000001\.ldb/)
      return true
    })
    assert.deepEqual(tableFiles(env), ['000001.ldb', '000002.ldb'])
  })

  test('inputs are read without filling the block cache', async () => {
    const env = newEnv()
    const { parts } = bulkInputs(env)
    const blockCache: BlockCache = new LruCache(1 << 20)
    const cache = new TableCache(env, DB, { maxOpenFiles: 100, icmp, blockCache })
    const result = await runCompactionJob(env, cache, { location: DB, spec: makeSpec(parts), smallestSnapshot: 5000, table: small },
      new Numbers().take)
    assert.equal(result.entriesRead, 2000)
    assert.equal(blockCache.size, 0)
    // The control: an ordinary read through the same cache does fill it.
    const it = cache.newIterator(1, parts.inputs![0][0]!.fileSize)
    it.seekToFirst()
    it.close()
    assert.ok(blockCache.size > 0)
  })
})

// ---- Randomized: the job against a model of what must survive

interface ModelEntry { user: string, seq: number, del: boolean }

/** Which entries must survive, stated independently of the job's single pass. */
function survivors (entries: ModelEntry[], snapshot: number, covered: (user: string) => boolean): ModelEntry[] {
  return entries.filter((e) => {
    // Hidden from every reader: a newer entry of the key that every reader sees.
    if (entries.some((o) => o.user === e.user && o.seq > e.seq && o.seq <= snapshot)) return false
    // A marker every reader sees, with nothing below the output level for it to hide.
    if (e.del && e.seq <= snapshot && !covered(e.user)) return false
    return true
  })
}

/** What a reader at `seq` sees for `user`: a value, "absent", or "deeper" (some older level). */
function lookup (entries: ModelEntry[], user: string, seq: number, covered: (user: string) => boolean): string {
  let best: ModelEntry | undefined
  for (const e of entries) if (e.user === user && e.seq <= seq && (best === undefined || e.seq > best.seq)) best = e
  if (best === undefined) return covered(user) ? 'deeper' : 'absent'
  return best.del ? 'absent' : `value@${best.seq}`
}

describe('randomized', () => {
  test('random entries over input tables: the outputs hold exactly the model survivors', async () => {
    const userKey = fc.integer({ min: 0, max: 25 }).map((n) => `u${String(n).padStart(2, '0')}`)
    const scenario = fc.record({
      entries: fc.uniqueArray(fc.record({ user: userKey, seq: fc.integer({ min: 1, max: 400 }), del: fc.boolean() }),
        { minLength: 1, maxLength: 120, selector: (e) => e.seq }),
      level: fc.integer({ min: 0, max: 4 }),
      l0Files: fc.integer({ min: 1, max: 4 }),
      split: fc.array(fc.integer({ min: 0, max: 99 }), { minLength: 120, maxLength: 120 }),
      snapshot: fc.integer({ min: 0, max: 420 }),
      deeper: fc.array(fc.tuple(fc.integer({ min: 0, max: 25 }), fc.integer({ min: 0, max: 6 })), { maxLength: 4 }),
      maxOutputFileSize: fc.constantFrom(300, 1000, 1 << 20)
    })
    await fc.assert(fc.asyncProperty(scenario, async (sc) => {
      const env = newEnv()
      // Plain objects (fast-check's records have no prototype, which deepEqual would notice).
      const sorted = sc.entries.map((e) => ({ user: e.user, seq: e.seq, del: e.del })).sort((x, y) => compareBytes(utf8(x.user), utf8(y.user)) || y.seq - x.seq)
      const asE = (m: ModelEntry): E => ({ k: m.user, s: m.seq, t: m.del ? 0 : 1 })
      let number = 1
      // Level L: overlapping files at level 0, else disjoint chunks; level L+1: disjoint chunks.
      const upper: ModelEntry[] = []
      const lower: ModelEntry[] = []
      sorted.forEach((e, i) => ((sc.split[i]! % 2 === 0) ? upper : lower).push(e))
      const inputs: [FileMetaData[], FileMetaData[]] = [[], []]
      if (sc.level === 0) {
        const groups: ModelEntry[][] = Array.from({ length: sc.l0Files }, () => [])
        upper.forEach((e, i) => groups[sc.split[i]! % sc.l0Files]!.push(e))
        for (const g of groups) if (g.length > 0) inputs[0].push(buildTable(env, number++, g.map(asE)))
      } else {
        for (const chunk of chunks(upper, sc.l0Files)) inputs[0].push(buildTable(env, number++, chunk.map(asE)))
      }
      for (const chunk of chunks(lower, 2)) inputs[1].push(buildTable(env, number++, chunk.map(asE)))

      // Deeper levels: single-key-range files, disjoint within a level.
      const deeperLevels: FileMetaData[][] = []
      const ranges: Array<[string, string]> = []
      for (const [start, width] of sc.deeper) {
        const from = `u${String(start).padStart(2, '0')}`
        const to = `u${String(Math.min(25, start + width)).padStart(2, '0')}`
        ranges.push([from, to])
        deeperLevels.push([rangeFile(900 + deeperLevels.length, from, to)])
      }

      const numbers = new Numbers(1000)
      const result = await runCompactionJob(env, newTableCache(env), {
        location: DB,
        spec: makeSpec({ level: sc.level, inputs, deeper: deeperLevels.slice(0, NUM_LEVELS - sc.level - 2), maxOutputFileSize: sc.maxOutputFileSize }),
        smallestSnapshot: sc.snapshot,
        table: small
      }, numbers.take)

      const usedDeeper = ranges.slice(0, NUM_LEVELS - sc.level - 2)
      const coveredUsed = (user: string): boolean => usedDeeper.some(([from, to]) => from <= user && user <= to)
      const expected = survivors(sorted, sc.snapshot, coveredUsed)
      const got = result.outputs.flatMap((m) => tableEntries(env, m)).map((e) => {
        const n = e.key.length - TAG_SIZE
        return { user: fromUtf8(e.key.subarray(0, n)), seq: decodeTagSequence(e.key, n), del: e.key[n] === 0 }
      })
      assert.deepEqual(got, expected)
      assert.equal(result.entriesRead, sorted.length)
      assert.equal(result.entriesDropped, sorted.length - expected.length)
      assertOrderedDisjoint(env, result.outputs)
      assert.deepEqual(result.outputs.map((m) => m.number), numbers.given)
      // Every reader at or above the snapshot sees the same thing before and after.
      const maxSeq = Math.max(sc.snapshot, ...sorted.map((e) => e.seq))
      for (let u = 0; u <= 25; u++) {
        const user = `u${String(u).padStart(2, '0')}`
        for (let s = sc.snapshot; s <= maxSeq; s++) {
          assert.equal(lookup(got, user, s, coveredUsed), lookup(sorted, user, s, coveredUsed), `${user} at ${s}`)
        }
      }
      // No stray files: the inputs and exactly the outputs.
      const names = new Set(tableFiles(env))
      assert.equal(names.size, number - 1 + result.outputs.length)
    }), { seed: 42, numRuns: 150 })
  })
})

/** Splits `items` into up to `n` contiguous non-empty chunks. */
function chunks<T> (items: T[], n: number): T[][] {
  const out: T[][] = []
  const size = Math.ceil(items.length / n)
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size))
  return out
}

// The policy is exercised through the job; this guards the test's own assumption about it.
test('CompactionOutputPolicy reports base level from deeperLevels only', () => {
  const spec = makeSpec({ deeper: [[rangeFile(1, 'b', 'c')]] })
  const policy = new CompactionOutputPolicy(spec, icmp)
  assert.equal(policy.isBaseLevelForKey(utf8('a')), true)
  assert.equal(policy.isBaseLevelForKey(utf8('b')), false)
  assert.equal(policy.isBaseLevelForKey(utf8('d')), true)
})

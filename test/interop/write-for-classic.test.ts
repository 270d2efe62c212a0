// Writing for the real thing: a database directory assembled only from Shale's pieces — tables from
// its TableBuilder at three levels, a MANIFEST of VersionEdits written by its log writer, CURRENT,
// and a write-ahead log of WriteBatches — is opened by classic-level (LevelDB 1.20), which must read
// back exactly the model: through gets, a full scan, and again after compacting everything.
// With Snappy and without, with the bloom filter and without.

import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { ClassicLevel } from 'classic-level'
import { removeDir, sortedModel, tempDir, type Model } from './classic-fixture.js'
import { icmp, logName, manifestName, tableName, writeLog, writeManifest, writeTable } from './shale-pieces.js'
import { makeInternalKey, ValueType } from '../../src/dbformat/internal-key.js'
import { WriteBatch } from '../../src/dbformat/write-batch.js'
import { VersionEdit, type FileMetaData } from '../../src/version/version-edit.js'
import { Random } from '../../src/util/random.js'

interface Op { key: Buffer, value: Buffer | null } // null: deletion

/** Builds the directory and returns the model of what it holds. */
function buildDirectory (dir: string, seed: number, compression: 'snappy' | 'none', withFilter: boolean): Model {
  const rnd = new Random(seed)
  const model: Model = new Map()
  let sequence = 0
  const key = (i: number): Buffer => Buffer.from(`user-${String(i).padStart(6, '0')}${i % 7 === 0 ? '-long-suffix' : ''}`)
  const value = (): Buffer => Buffer.from(rnd.compressibleBytes(rnd.uniform(400)))

  // Three generations of writes: old data over the whole key space (bottom level), newer over the
  // middle (level 1), newest sparse updates and deletions (level 0).
  const generations: Op[][] = [[], [], []]
  for (let i = 0; i < 3000; i++) generations[0]!.push({ key: key(i), value: value() })
  for (let i = 1000; i < 2000; i += 2) generations[1]!.push({ key: key(i), value: rnd.oneIn(5) ? null : value() })
  for (let i = 0; i < 3000; i += 1 + rnd.uniform(20)) generations[2]!.push({ key: key(i), value: rnd.oneIn(3) ? null : value() })

  const tableEntries = (ops: Op[]): Array<[Uint8Array, Uint8Array]> => ops.map((op) => {
    const seq = ++sequence
    if (op.value === null) model.delete(op.key.toString('hex'))
    else model.set(op.key.toString('hex'), op.value)
    const ikey = makeInternalKey(op.key, seq, op.value === null ? ValueType.Deletion : ValueType.Value)
    return [ikey, op.value ?? new Uint8Array(0)] as [Uint8Array, Uint8Array]
  }).sort((a, b) => icmp.compare(a[0], b[0]))

  const files: Array<{ level: number, meta: FileMetaData }> = []
  let fileNumber = 3
  const addTable = (level: number, entries: Array<[Uint8Array, Uint8Array]>): FileMetaData => {
    const number = fileNumber++
    const fileSize = writeTable(tableName(dir, number), entries, compression, withFilter)
    const meta = { number, fileSize, smallest: entries[0]![0], largest: entries[entries.length - 1]![0] }
    files.push({ level, meta })
    return meta
  }
  // Level 2: the oldest generation, split in two tables with disjoint ranges.
  const old = tableEntries(generations[0]!)
  addTable(2, old.slice(0, 1500))
  addTable(2, old.slice(1500))
  // Level 1 and level 0: the newer generations.
  addTable(1, tableEntries(generations[1]!))
  const l0 = addTable(0, tableEntries(generations[2]!))
  const lastTableSequence = sequence

  // The newest writes stay in the write-ahead log: two batches.
  const logNumber = fileNumber++
  const batches: WriteBatch[] = []
  for (let b = 0; b < 2; b++) {
    const batch = new WriteBatch()
    batch.sequence = sequence + 1
    for (let j = 0; j < 50; j++) {
      const k = key(rnd.uniform(3200))
      if (rnd.oneIn(4)) {
        batch.del(k)
        model.delete(k.toString('hex'))
      } else {
        const v = value()
        batch.put(k, v)
        model.set(k.toString('hex'), v)
      }
      sequence++
    }
    batches.push(batch)
  }
  writeLog(logName(dir, logNumber), batches)

  // The MANIFEST: the comparator, the files (level 0's table first added at level 0, then moved
  // down and back as a delete-plus-add edit, exercising both record kinds), and the counters.
  const manifestNumber = fileNumber++
  const first = new VersionEdit()
  first.comparatorName = icmp.user.name
  const second = new VersionEdit()
  for (const f of files) second.addFile(f.level, f.meta)
  second.logNumber = logNumber
  second.prevLogNumber = 0
  second.nextFileNumber = fileNumber
  second.lastSequence = lastTableSequence
  const third = new VersionEdit()
  third.removeFile(0, l0.number)
  third.addFile(0, l0)
  third.setCompactPointer(1, makeInternalKey(key(1500), 1, ValueType.Value))
  third.nextFileNumber = fileNumber
  third.lastSequence = lastTableSequence
  writeManifest(dir, manifestNumber, [first, second, third])
  assert.equal(manifestName(manifestNumber).length, 15)
  return model
}

async function readAll (db: ClassicLevel<Buffer, Buffer>): Promise<Array<[Buffer, Buffer]>> {
  return await db.iterator().all()
}

for (const compression of ['snappy', 'none'] as const) {
  for (const withFilter of [true, false]) {
    describe(`classic-level opens a directory built by Shale (compression ${compression}, filter ${withFilter ? 'on' : 'off'})`, () => {
      const seed = (compression === 'snappy' ? 100 : 200) + (withFilter ? 1 : 2)

      test('every entry reads back, before and after compaction, forward and in reverse', async () => {
        const dir = tempDir('write-for-classic')
        try {
          const model = buildDirectory(dir, seed, compression, withFilter)
          const expected = sortedModel(model)
          const db = new ClassicLevel<Buffer, Buffer>(dir, {
            keyEncoding: 'buffer', valueEncoding: 'buffer', createIfMissing: false
          })
          await db.open()
          try {
            assert.deepEqual(await readAll(db), expected, `seed ${seed}`)
            const reversed = await db.iterator({ reverse: true }).all()
            assert.deepEqual(reversed, [...expected].reverse())
            for (const [k, v] of expected) assert.deepEqual(await db.get(k), v)
            // Keys that were deleted or never written are absent.
            for (let i = 0; i < 3200; i += 37) {
              const k = Buffer.from(`user-${String(i).padStart(6, '0')}${i % 7 === 0 ? '-long-suffix' : ''}`)
              assert.deepEqual(await db.get(k), model.get(k.toString('hex')))
            }
            // Compaction makes LevelDB read every block of every table and merge them.
            await db.compactRange(Buffer.alloc(0), Buffer.from([0xff, 0xff]))
            assert.deepEqual(await readAll(db), expected)
          } finally {
            await db.close()
          }
          // And once more after a reopen over LevelDB's own rewritten files.
          const again = new ClassicLevel<Buffer, Buffer>(dir, { keyEncoding: 'buffer', valueEncoding: 'buffer' })
          await again.open()
          assert.deepEqual(await readAll(again), expected)
          await again.close()
        } finally {
          removeDir(dir)
        }
      })
    })
  }
}

// Damage the engine once turned into wrong answers instead of LEVEL_CORRUPTION (README
// contract 6: "Corruption is never returned as data"). Each test failed before its fix.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { DB } from '../../src/db/db.js'
import { joinPath, writeFileSynced } from '../../src/env/env.js'
import { MemEnv } from '../../src/env/mem-env.js'
import { parseFileName, tableFileName } from '../../src/dbformat/filename.js'
import { ShaleError } from '../../src/util/errors.js'
import { bytes, readLiveVersion, scan, str } from '../db/helpers.js'

const DIR = '/db'
const k4 = (p: string, i: number): string => `${p}${String(i).padStart(4, '0')}`

function flip (env: MemEnv, path: string, offset: number, mask: number): void {
  const data = env.readFile(path)
  data[offset] = data[offset]! ^ mask
  writeFileSynced(env, path, data)
}

/** Either LEVEL_CORRUPTION or exactly `expected`. */
async function openAndCheck (env: MemEnv, expected: Map<string, string>, paranoidChecks = false): Promise<void> {
  let db: DB
  try {
    db = await DB.open(DIR, { env, paranoidChecks })
  } catch (err) {
    assert.ok(err instanceof ShaleError && err.code === 'LEVEL_CORRUPTION', `open fails with LEVEL_CORRUPTION, not ${String(err)}`)
    return
  }
  try {
    const got = scan(db).map(([k, v]) => [str(k), str(v)])
    const want = [...expected.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1))
    assert.deepEqual(got.map(([k]) => k), want.map(([k]) => k), 'the database opened, so it must hold exactly the acknowledged data')
  } finally {
    await db.close()
  }
}

// The MANIFEST's last record is a flush's edit (new table, new log number). XOR into its length
// field makes the length run past the end of the file, which the log reader (src/log/reader.ts,
// readPhysical: "HEADER_SIZE + length > available" with eof) takes for a torn write and ends the
// file there silently. Recovery then uses the edit before it: the flushed table is unreferenced
// (and deleted as obsolete), the log it replaced is long gone, and its keys silently vanish.
// A torn write cannot have produced this file: the bytes after the header are all there and their
// checksum matches the type and the bytes present, so the reader could tell the difference.
test('a damaged length in the MANIFEST\'s last record is LEVEL_CORRUPTION', async () => {
  const env = new MemEnv()
  const model = new Map<string, string>()
  let db = await DB.open(DIR, { env })
  for (let i = 0; i < 30; i++) { await db.put(bytes(k4('a', i)), bytes('first')); model.set(k4('a', i), 'first') }
  await db.close()
  db = await DB.open(DIR, { env })
  for (let i = 0; i < 30; i++) { await db.put(bytes(k4('d', i)), bytes('flushed')); model.set(k4('d', i), 'flushed') }
  await db.flush()
  await db.close()
  const live = readLiveVersion(env, DIR)
  const path = joinPath(DIR, live.manifest)
  // Find the last record's header.
  const data = env.readFile(path)
  let last = 0
  for (let pos = 0; pos + 7 <= data.length; pos += 7 + (data[pos + 4]! | (data[pos + 5]! << 8))) last = pos
  flip(env, path, last + 4, 0x80)
  await openAndCheck(env, model)
})

// The same in the write-ahead log: with paranoidChecks every detected damage must fail the open,
// but a damaged length in a record of the log's last block reads as a torn tail, and that record
// and every acknowledged record after it are dropped without a word.
test('paranoidChecks: a damaged length in the WAL\'s last block is LEVEL_CORRUPTION', async () => {
  const env = new MemEnv()
  const db = await DB.open(DIR, { env })
  const model = new Map<string, string>()
  for (let i = 0; i < 20; i++) { await db.put(bytes(k4('w', i)), bytes(`value-${i}`)); model.set(k4('w', i), `value-${i}`) }
  await db.close()
  const log = env.getChildren(DIR).find((n) => parseFileName(n)?.type === 'log')!
  const path = joinPath(DIR, log)
  // The fifth record's length, high byte: now far past the end of the file.
  const data = env.readFile(path)
  let pos = 0
  for (let r = 0; r < 4; r++) pos += 7 + (data[pos + 4]! | (data[pos + 5]! << 8))
  flip(env, path, pos + 5, 0x40)
  await openAndCheck(env, model, true)
})

// Reads that meet a damaged block fail with LEVEL_CORRUPTION, as they must. But reads also charge
// "seeks", and once a table has used its allowed seeks a background compaction merges it into
// the next level. Without paranoidChecks the compaction job (src/db/compaction-job.ts,
// onInputError) skips the damaged block and installs the result: the deletions and overwrites that
// block held are gone, and the same reads now return deleted keys' old values and overwritten
// keys' old values, with no error at all.
test('reads over a damaged block keep failing and never start returning older data', async () => {
  const env = new MemEnv()
  let db = await DB.open(DIR, { env, blockSize: 1024 })
  const model = new Map<string, string>()
  for (let i = 0; i < 60; i++) { await db.put(bytes(k4('c', i)), bytes(`old-${i}`.padEnd(100, 'o'))); model.set(k4('c', i), `old-${i}`.padEnd(100, 'o')) }
  await db.flush()
  await db.compactLevel(0)
  await db.compactLevel(1)
  for (let i = 0; i < 60; i++) { await db.put(bytes(k4('b', i)), bytes(`b-${i}`.padEnd(90, 'b'))); model.set(k4('b', i), `b-${i}`.padEnd(90, 'b')) }
  await db.flush()
  await db.compactLevel(0)
  for (let i = 0; i < 60; i += 3) { await db.del(bytes(k4('c', i))); model.delete(k4('c', i)) }
  for (let i = 1; i < 60; i += 3) { await db.put(bytes(k4('c', i)), bytes(`new-${i}`)); model.set(k4('c', i), `new-${i}`) }
  for (let i = 0; i < 40; i++) { await db.put(bytes(k4('a', i)), bytes(`a-${i}`)); model.set(k4('a', i), `a-${i}`) }
  await db.flush()
  await db.close()

  // Damage the last data block of the upper table holding the deletions and new values of c.
  const upper = readLiveVersion(env, DIR).files.filter((f) => f.level === 1)
  assert.equal(upper.length, 1, 'one table above the old values')
  const path = tableFileName(DIR, upper[0]!.number)
  flip(env, path, Math.floor(upper[0]!.fileSize * 0.6), 0x80)

  db = await DB.open(DIR, { env, blockSize: 1024 })
  try {
    for (let pass = 0; pass < 4; pass++) {
      for (let i = 0; i < 60; i++) {
        for (const p of ['a', 'b', 'c']) {
          const k = k4(p, i)
          let got: Uint8Array | undefined
          try {
            got = db.getSync(bytes(k))
          } catch (err) {
            assert.ok(err instanceof ShaleError && err.code === 'LEVEL_CORRUPTION', `get ${k}: ${String(err)}`)
            continue
          }
          assert.equal(got === undefined ? undefined : str(got), model.get(k), `pass ${pass}: get ${k} returns the acknowledged value or fails`)
        }
      }
      // Let background work (a seek-triggered compaction) run between passes.
      await db.waitForIdle()
    }
  } finally {
    await db.close()
  }
})

// Real process kills (doc/crash-testing.md, "Process kills"): at least 100 child
// processes writing to one database are killed with SIGKILL at random moments, and after each kill
// the database must hold exactly the generator's state after some batch N no lower than the last
// acknowledged one (contracts 1 and 3). The first test shows that the checker itself can fail.
//
// SHALE_KILL_SEED and SHALE_KILLS override the seed and the number of kills.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { rmSync } from 'node:fs'
import { DB } from '../../src/db/db.js'
import { MemEnv } from '../../src/env/mem-env.js'
import { WriteBatch } from '../../src/dbformat/write-batch.js'
import { runKillLoop } from '../../scripts/kill-loop.js'
import {
  dataKey, diffAgainstModel, generateBatch, KillModel, latin1, MARKER, readMarker, toWriteBatch, KEY_SPACE
} from '../../harness/crash/kill-shared.js'

const SEED = Number(process.env['SHALE_KILL_SEED'] ?? 20240607)
const KILLS = Number(process.env['SHALE_KILLS'] ?? 100)

async function writeBatches (db: DB, seed: number, from: number, to: number, skip?: number): Promise<void> {
  for (let n = from; n <= to; n++) {
    if (n !== skip) await db.write(toWriteBatch(generateBatch(seed, n)), { sync: false })
  }
}

test('the generator is a pure function of (seed, batch) and the model replays it', async () => {
  assert.deepEqual(generateBatch(5, 17), generateBatch(5, 17))
  assert.notDeepEqual(generateBatch(5, 17), generateBatch(6, 17))
  let syncs = 0
  let deletes = 0
  let ops = 0
  for (let n = 1; n <= 400; n++) {
    const b = generateBatch(5, n)
    if (b.sync) syncs++
    for (const op of b.ops) if (op.kind === 'del') deletes++
    ops += b.ops.length
  }
  assert.ok(syncs > 50 && syncs < 150, `about a quarter of batches sync (${syncs}/400)`)
  assert.ok(deletes > ops / 10 && deletes < ops / 3, `about a fifth of operations delete (${deletes}/${ops})`)

  const db = await DB.open('/db', { env: new MemEnv(), writeBufferSize: 16 * 1024 })
  try {
    assert.equal(readMarker(db), 0)
    await writeBatches(db, 5, 1, 400)
    const model = new KillModel(5)
    model.advanceTo(400)
    assert.equal(readMarker(db), 400)
    assert.equal(diffAgainstModel(db, model), undefined)
    assert.throws(() => model.advanceTo(399), /cannot go back/)
  } finally {
    await db.close()
  }
})

test('the checker reports a lost batch, a hole, a torn batch and a resurrected key', async () => {
  const seed = 9
  const model = new KillModel(seed)
  model.advanceTo(30)

  const check = async (fill: (db: DB) => Promise<void>): Promise<string | undefined> => {
    const db = await DB.open('/db', { env: new MemEnv() })
    try {
      await fill(db)
      return diffAgainstModel(db, model)
    } finally {
      await db.close()
    }
  }

  assert.equal(await check(async (db) => { await writeBatches(db, seed, 1, 30) }), undefined)

  // A hole: batch 29 lost while 30 (and its marker) survived.
  const hole = await check(async (db) => { await writeBatches(db, seed, 1, 30, 29) })
  assert.match(hole ?? '', /batch\.op 29\.\d/, 'the difference names a value of batch 29')

  // A torn batch: batch 30's marker without its data.
  const torn = await check(async (db) => {
    await writeBatches(db, seed, 1, 29)
    const b = new WriteBatch()
    b.put(MARKER, latin1('30'))
    await db.write(b)
  })
  assert.notEqual(torn, undefined)
  assert.match(torn ?? '', /batch\.op 30\.\d/)

  // A lost acknowledged batch: the database is at 29 while the model says 30.
  const lost = await check(async (db) => { await writeBatches(db, seed, 1, 29) })
  assert.match(lost ?? '', /!marker/)

  // A resurrected delete, found by the scan and, for a key only a point read sees, by get.
  let absent = -1
  for (let k = 0; k < KEY_SPACE && absent < 0; k++) if (model.get(dataKey(k)) === undefined) absent = k
  assert.ok(absent >= 0)
  const extra = await check(async (db) => {
    await writeBatches(db, seed, 1, 30)
    await db.put(dataKey(absent), latin1('5.0|zombie'))
  })
  assert.match(extra ?? '', /extra key k\d{5} \(value of batch\.op 5\.0/)

  // A wrong value under a key the model has.
  const present = model.sorted().find(([k]) => k[0] === 0x6b)!
  const changed = await check(async (db) => {
    await writeBatches(db, seed, 1, 30)
    await db.put(present[0], latin1('1.0|stale'))
  })
  assert.match(changed ?? '', /holds value of batch\.op 1\.0/)

  // A marker that is not a batch number.
  const db = await DB.open('/db', { env: new MemEnv() })
  try {
    await db.put(MARKER, latin1('12x'))
    assert.throws(() => readMarker(db), /not a batch number/)
  } finally {
    await db.close()
  }
})

test('the loop reports a child that acknowledges a batch it never wrote', async () => {
  const result = await runKillLoop({ seed: SEED, kills: 6, stopOnFailure: true, childFault: 'skip-one-batch' })
  try {
    assert.equal(result.failures.length, 1, 'the loop stops at the first failure it finds')
    const failure = result.failures[0]!
    assert.ok(failure.kill <= 6)
    assert.match(failure.message, /^(lost acknowledged batches|after batch \d+ \(acknowledged \d+\): )/)
  } finally {
    rmSync(result.baseDir, { recursive: true, force: true })
  }
})

test(`${KILLS} SIGKILLs of a writing child lose no acknowledged batch and leave no hole (seed ${SEED})`, { timeout: 240_000 }, async () => {
  const lines: string[] = []
  const result = await runKillLoop({
    seed: SEED,
    kills: KILLS,
    stopOnFailure: true,
    log: (line) => { lines.push(line); console.log(line) }
  })
  console.log(`kill loop, seed ${SEED}: ${result.kills} kills in ${(result.elapsedMs / 1000).toFixed(1)} s, ` +
    `${result.batchesAcknowledged} batches acknowledged, ${result.killsBeforeReady} kills during open, ` +
    `${result.killsWithUnacknowledgedBatches} with in-flight batches recovered, deepest level ${result.deepestLevel}, ` +
    `at most ${result.maxTables} tables and ${result.maxLevel0} at level 0, ` +
    `${result.parentCompactions} times the parent let compaction catch up`)
  const failure = result.failures[0]
  assert.equal(failure, undefined,
    failure === undefined ? '' : `kill #${failure.kill} (seed ${SEED}): ${failure.message}; database kept in ${failure.dir}`)
  assert.equal(result.kills, KILLS)
  // The run exercised what it claims to: many acknowledged batches, kills during recovery, and
  // enough data for flushes and compactions below level 0.
  assert.ok(result.batchesAcknowledged >= 10 * KILLS, `${result.batchesAcknowledged} batches acknowledged`)
  assert.ok(result.killsBeforeReady > 0, 'some kills landed while the child was opening the database')
  assert.ok(result.deepestLevel >= 1, `compaction moved tables below level 0 (deepest ${result.deepestLevel})`)
  rmSync(result.baseDir, { recursive: true, force: true })
})

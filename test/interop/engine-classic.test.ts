// The whole engine against the real LevelDB 1.20 (classic-level), both ways, on one randomized
// workload: classic-level writes a database with many tables at several levels and closes it;
// Shale opens that directory, reads it all (forward, backward, point reads of present and absent
// keys) and must equal the model; Shale writes more, compacts everything and closes, leaving a few
// writes in its log; classic-level opens the result and must equal the model too.
//
// Keys are 1 to 100 arbitrary bytes, values 0 to 4 KiB; puts, overwrites, deletes and batches;
// 100,000 operations split 80,000 (classic-level) + 20,000 (Shale); a 64 KiB write buffer on both
// sides so that the data flows through many tables. Run with compression on and off, in a
// directory on /dev/shm where there is one: this test is about formats, not fsync.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { ClassicLevel } from 'classic-level'
import { DB } from '../../src/db/db.js'
import { NodeEnv } from '../../src/env/node-env.js'
import { WriteBatch } from '../../src/dbformat/write-batch.js'
import { Random } from '../../src/util/random.js'
import { assertSameEntries, assertSameValue, hex, Model, memoryTempDir, removeTempDir, scan, str } from '../db/helpers.js'
import { readManifest } from './shale-pieces.js'

const KEY_SPACE = 20_000
const HOT_KEYS = 2_000
const WRITE_BUFFER = 64 * 1024

type Op = { type: 'put', key: Uint8Array, value: Uint8Array } | { type: 'del', key: Uint8Array }

/** Distinct random keys of 1 to 100 bytes, mostly short. */
function makeKeySpace (rnd: Random): Uint8Array[] {
  const seen = new Set<string>()
  const keys: Uint8Array[] = []
  while (keys.length < KEY_SPACE) {
    const r = rnd.uniform(10)
    const length = r < 2 ? rnd.range(1, 8) : r < 8 ? rnd.range(9, 30) : rnd.range(31, 100)
    const k = rnd.bytes(length)
    const s = str(k)
    if (seen.has(s)) continue
    seen.add(s)
    keys.push(k)
  }
  return keys
}

class Workload {
  readonly rnd: Random
  readonly keys: Uint8Array[]
  readonly model = new Model()

  constructor (seed: number) {
    this.rnd = new Random(seed)
    this.keys = makeKeySpace(this.rnd)
  }

  /** Half the picks from a hot subset, so that keys are overwritten and deleted often. */
  key (): Uint8Array {
    return this.rnd.oneIn(2) ? this.keys[this.rnd.uniform(HOT_KEYS)]! : this.keys[this.rnd.uniform(KEY_SPACE)]!
  }

  value (): Uint8Array {
    const r = this.rnd.uniform(10)
    const size = r < 6 ? this.rnd.uniform(65) : r < 9 ? this.rnd.range(65, 1024) : this.rnd.range(1025, 4096)
    return this.rnd.oneIn(2) ? this.rnd.compressibleBytes(size) : this.rnd.bytes(size)
  }

  /** The next operation: a put (60%), a delete (20%) or a batch of 1 to 20 (20%); the model follows. */
  next (): Op | Op[] {
    const r = this.rnd.uniform(10)
    if (r < 6) return this.put()
    if (r < 8) return this.del()
    const ops: Op[] = []
    const n = this.rnd.range(1, 20)
    for (let i = 0; i < n; i++) ops.push(this.rnd.oneIn(4) ? this.del() : this.put())
    return ops
  }

  private put (): Op {
    const op: Op = { type: 'put', key: this.key(), value: this.value() }
    this.model.put(op.key, op.value)
    return op
  }

  private del (): Op {
    const op: Op = { type: 'del', key: this.key() }
    this.model.del(op.key)
    return op
  }

  /** Present and absent keys to read back: `n` of each. */
  sample (n: number): Uint8Array[] {
    const present = this.model.keys()
    const out: Uint8Array[] = []
    for (let i = 0; i < n; i++) out.push(Buffer.from(present[this.rnd.uniform(present.length)]!, 'latin1'))
    let absent = 0
    while (absent < n) {
      const k = this.rnd.oneIn(2) ? this.keys[this.rnd.uniform(KEY_SPACE)]! : this.rnd.bytes(this.rnd.range(1, 100))
      if (this.model.has(k)) continue
      out.push(k)
      absent++
    }
    return out
  }
}

function toClassic (ops: Op[]): Array<{ type: 'put', key: Buffer, value: Buffer } | { type: 'del', key: Buffer }> {
  return ops.map((op) => op.type === 'put'
    ? { type: 'put', key: Buffer.from(op.key), value: Buffer.from(op.value) }
    : { type: 'del', key: Buffer.from(op.key) })
}

async function classicPhase (dir: string, w: Workload, operations: number, compression: boolean): Promise<void> {
  const db = new ClassicLevel<Buffer, Buffer>(dir, { keyEncoding: 'buffer', valueEncoding: 'buffer', compression, writeBufferSize: WRITE_BUFFER })
  await db.open()
  try {
    for (let i = 0; i < operations; i++) {
      const op = w.next()
      if (Array.isArray(op)) await db.batch(toClassic(op))
      else if (op.type === 'put') await db.put(Buffer.from(op.key), Buffer.from(op.value))
      else await db.del(Buffer.from(op.key))
      // Two partial compactions push part of the data to deeper levels.
      if (i === Math.floor(operations * 0.4) || i === Math.floor(operations * 0.7)) {
        await db.compactRange(Buffer.from([0x00]), Buffer.from([0x80]))
      }
    }
  } finally {
    await db.close()
  }
}

async function shaleWrites (db: DB, w: Workload, operations: number): Promise<void> {
  for (let i = 0; i < operations; i++) {
    const op = w.next()
    if (Array.isArray(op)) {
      const batch = new WriteBatch()
      for (const o of op) {
        if (o.type === 'put') batch.put(o.key, o.value)
        else batch.del(o.key)
      }
      await db.write(batch)
    } else if (op.type === 'put') {
      await db.put(op.key, op.value)
    } else {
      await db.del(op.key)
    }
  }
}

async function roundTrip (compression: boolean): Promise<void> {
  const seed = compression ? 20260101 : 20260102
  const what = (s: string): string => `seed ${seed}, compression ${compression ? 'on' : 'off'}: ${s}`
  const dir = memoryTempDir('engine-classic')
  try {
    const w = new Workload(seed)

    // 1. classic-level writes and closes.
    await classicPhase(dir, w, 80_000, compression)
    const manifest = readManifest(dir)
    const levels = new Set([...manifest.files.values()].map((f) => f.level))
    // How many tables LevelDB's own background compaction has left when it closes depends on its
    // timing (7 to 10 seen); what matters is several tables over several levels.
    assert.ok(manifest.files.size >= 5, what(`classic-level left many tables (${manifest.files.size})`))
    assert.ok(levels.size >= 2, what(`tables at several levels (${[...levels].join(',')})`))

    // 2. Shale opens it and reads everything.
    const db = await DB.open(dir, { env: new NodeEnv(), compression, writeBufferSize: WRITE_BUFFER })
    try {
      const expected = w.model.entries()
      assertSameEntries(scan(db), expected, what('Shale reads classic-level forward'))
      assertSameEntries(scan(db, { reverse: true }), expected.slice().reverse(), what('Shale reads classic-level backward'))
      const sample = w.sample(1000)
      for (let i = 0; i < sample.length; i++) {
        const k = sample[i]!
        const got = i % 2 === 0 ? db.getSync(k) : await db.get(k)
        assertSameValue(got, w.model.get(k), what(`Shale get ${hex(k)}`))
      }

      // 3. Shale writes more, compacts everything, and leaves a few writes in its log.
      await shaleWrites(db, w, 20_000)
      assertSameEntries(scan(db), w.model.entries(), what('Shale after its own writes'))
      await db.compactRange()
      await shaleWrites(db, w, 50)
    } finally {
      await db.close()
    }

    // 4. classic-level opens what Shale wrote.
    const classic = new ClassicLevel<Buffer, Buffer>(dir, { keyEncoding: 'buffer', valueEncoding: 'buffer', createIfMissing: false })
    await classic.open()
    try {
      const all = await classic.iterator().all()
      assertSameEntries(all, w.model.entries(), what('classic-level reads Shale forward'))
      const sample = w.sample(1000)
      const values = await classic.getMany(sample.map((k) => Buffer.from(k)))
      for (let i = 0; i < sample.length; i++) {
        assertSameValue(values[i], w.model.get(sample[i]!), what(`classic-level get ${hex(sample[i])}`))
      }
    } finally {
      await classic.close()
    }
  } finally {
    removeTempDir(dir)
  }
}

test('classic-level -> Shale -> classic-level on one randomized workload (compression on)', async () => {
  await roundTrip(true)
})

test('classic-level -> Shale -> classic-level on one randomized workload (compression off)', async () => {
  await roundTrip(false)
})

// The utf8 encoding's fast paths (doc/level.md, "Formats"): strings written straight into batches
// and through a reused scratch buffer, and read back as strings decoded by the engine from the
// stored bytes. Every way in and out must give what TextEncoder/TextDecoder would.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { MemEnv, ShaleLevel } from '../../src/index.js'

const SAMPLES = [
  'plain', '', 'é', '€uro', '\u{1F600} grin', 'a'.repeat(90) + '€'.repeat(10), 'x'.repeat(5000), 'z'.repeat(20000),
  'lone \uD800 surrogate'
]

async function withDb (run: (db: ShaleLevel<string, string>) => Promise<void>): Promise<void> {
  const db = new ShaleLevel<string, string>('/utf8', { env: new MemEnv(), writeBufferSize: 64 * 1024 })
  await db.open()
  try {
    await run(db)
  } finally {
    await db.close()
  }
}

// What a string reads back as: its UTF-8 encoding decoded (a lone surrogate becomes U+FFFD).
const roundTrip = (s: string): string => new TextDecoder().decode(new TextEncoder().encode(s))

test('put, batch and chained batch keep every string, however long, whatever follows it', async () => {
  await withDb(async (db) => {
    const expected = new Map<string, string>()
    for (const [i, s] of SAMPLES.entries()) {
      // Each put's key and value share one scratch buffer: the next put must not change them.
      await db.put(`put/${i}/${s}`, s + s)
      expected.set(roundTrip(`put/${i}/${s}`), roundTrip(s + s))
    }
    await db.batch(SAMPLES.map((s, i) => ({ type: 'put' as const, key: `batch/${i}/${s}`, value: s })))
    for (const [i, s] of SAMPLES.entries()) expected.set(roundTrip(`batch/${i}/${s}`), roundTrip(s))
    const chained = db.batch()
    for (const [i, s] of SAMPLES.entries()) chained.put(`chained/${i}/${s}`, s)
    chained.del(`put/0/${SAMPLES[0]!}`)
    await chained.write()
    for (const [i, s] of SAMPLES.entries()) expected.set(roundTrip(`chained/${i}/${s}`), roundTrip(s))
    expected.delete(`put/0/${SAMPLES[0]!}`)
    await db.del(`put/1/${SAMPLES[1]!}`)
    expected.delete(`put/1/${SAMPLES[1]!}`)

    for (const [k, v] of expected) {
      assert.equal(db.getSync(k), v, k.slice(0, 40))
      assert.equal(await db.get(k), v, k.slice(0, 40))
    }
    assert.deepEqual(await db.getMany([...expected.keys()]), [...expected.values()])
    const sorted = [...expected].sort((a, b) => Buffer.compare(Buffer.from(a[0]), Buffer.from(b[0])))
    // Forward and reverse, from the memtable and (after compaction) from tables.
    for (const stage of ['memtable', 'tables']) {
      if (stage === 'tables') await db.compactRange('\u0000', '\uFFFF')
      assert.deepEqual(await db.iterator().all(), sorted, stage)
      assert.deepEqual(await db.iterator({ reverse: true }).all(), [...sorted].reverse(), stage)
      assert.deepEqual(await db.keys().all(), sorted.map((e) => e[0]), stage)
      assert.deepEqual(await db.values({ reverse: true }).all(), sorted.map((e) => e[1]).reverse(), stage)
      const it = db.iterator({ gte: 'chained/' })
      assert.deepEqual(await it.nextv(2), sorted.filter((e) => e[0] >= 'chained/').slice(0, 2), stage)
      await it.close()
    }
  })
})

test('keys as utf8, values as view (and the reverse) in one iterator; bytes that are not UTF-8 read as U+FFFD', async () => {
  await withDb(async (db) => {
    await db.put('k', new Uint8Array([0x61, 0xff, 0x62]) as unknown as string, { valueEncoding: 'view' })
    assert.deepEqual(await db.iterator().all(), [['k', 'a\uFFFDb']])
    const mixed = await db.iterator<string, Uint8Array>({ valueEncoding: 'view' }).all()
    assert.deepEqual(mixed.map(([k, v]) => [k, [...v]]), [['k', [0x61, 0xff, 0x62]]])
    const keysAsBytes = await db.iterator<Uint8Array, string>({ keyEncoding: 'view' }).all()
    assert.deepEqual(keysAsBytes.map(([k, v]) => [[...k], v]), [[[0x6b], 'a\uFFFDb']])
  })
})

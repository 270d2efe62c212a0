// ShaleLevel among the Level ecosystem: level-read-stream's streams, sublevels, and a directory
// that classic-level (real LevelDB) wrote, opened in place and read, then written and handed back.

import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { EntryStream, KeyStream, ValueStream } from 'level-read-stream'
import { ClassicLevel } from 'classic-level'
import type { AbstractBatchOperation, AbstractLevel } from 'abstract-level'
import { ShaleLevel } from '../../src/index.js'
import { readWithClassic, sortedModel, writeWithClassic } from '../interop/classic-fixture.js'
import { padded, removeDir, tableFiles, tempDir } from './helpers.js'

// abstract-level's typings make no concrete database assignable to AbstractLevel<any, any, any>
// (its hooks are invariant in the database type); classic-level users cast the same way.
type AnyLevel = AbstractLevel<any, any, any>

async function collect<T> (stream: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const item of stream) out.push(item)
  return out
}

describe('level-read-stream over ShaleLevel', () => {
  test('entry, key and value streams with ranges, reverse and limit', async () => {
    const dir = tempDir('streams')
    const db = new ShaleLevel(dir, { writeBufferSize: 2048 })
    try {
      const ops = []
      for (let i = 0; i < 1000; i++) ops.push({ type: 'put' as const, key: `k${padded(i)}`, value: `v${i}` })
      for (let i = 0; i < 1000; i += 100) await db.batch(ops.slice(i, i + 100))
      assert.ok(tableFiles(dir).length > 0, 'the data sits in tables')

      const entries = await collect(new EntryStream<string, string>(db as AnyLevel, { gte: `k${padded(100)}`, lt: `k${padded(300)}` }))
      assert.equal(entries.length, 200)
      assert.deepEqual(entries[0], { key: `k${padded(100)}`, value: 'v100' })
      assert.deepEqual(entries[199], { key: `k${padded(299)}`, value: 'v299' })

      const keys = await collect(new KeyStream<string>(db as AnyLevel, { reverse: true, limit: 3 }))
      assert.deepEqual(keys, [`k${padded(999)}`, `k${padded(998)}`, `k${padded(997)}`])

      const values = await collect(new ValueStream<string, string>(db as AnyLevel, { gt: `k${padded(997)}` }))
      assert.deepEqual(values, ['v998', 'v999'])

      // Leaving a stream early closes its iterator; the database still closes cleanly.
      for await (const entry of new EntryStream(db as AnyLevel)) {
        assert.ok(entry.key !== undefined)
        break
      }
    } finally {
      await db.close()
      removeDir(dir)
    }
  })
})

describe('sublevels over ShaleLevel', () => {
  test('prefixed key spaces, encodings per sublevel, atomic batches across them', async () => {
    const dir = tempDir('sublevels')
    const db = new ShaleLevel(dir)
    try {
      const users = db.sublevel<string, { score: number }>('users', { valueEncoding: 'json' })
      const admins = users.sublevel('admins')
      const index = db.sublevel('index')

      // One atomic batch across three sublevels with their own encodings. (abstract-level types
      // every operation with the database's value type, so the array is cast.)
      await db.batch([
        { type: 'put', sublevel: users, key: 'alice', value: { score: 620 } },
        { type: 'put', sublevel: users, key: 'bob', value: { score: 10 } },
        { type: 'put', sublevel: index, key: '620!alice', value: '' },
        { type: 'put', sublevel: admins, key: 'carol', value: 'yes' }
      ] as unknown as Array<AbstractBatchOperation<typeof db, string, string>>)
      assert.deepEqual(await users.get('alice'), { score: 620 })
      assert.equal(await admins.get('carol'), 'yes')
      assert.deepEqual(await users.keys().all(), ['!admins!carol', 'alice', 'bob'], 'a sublevel sees its children')
      assert.deepEqual(await db.keys().all(), ['!index!620!alice', '!users!!admins!carol', '!users!alice', '!users!bob'])

      const snapshot = db.snapshot()
      await users.put('alice', { score: 700 })
      assert.deepEqual(await users.get('alice', { snapshot }), { score: 620 })
      await snapshot.close()

      await admins.clear()
      assert.equal(await admins.get('carol'), undefined)
      assert.deepEqual(await users.keys().all(), ['alice', 'bob'], 'clear() of a child spares its parent')
      await users.clear()
      assert.deepEqual(await users.keys().all(), [])
      assert.deepEqual(await index.keys().all(), ['620!alice'], 'and its siblings')

      const streamed = await collect(new EntryStream<string, string>(index as unknown as AnyLevel))
      assert.deepEqual(streamed, [{ key: '620!alice', value: '' }])
    } finally {
      await db.close()
      removeDir(dir)
    }
  })
})

describe('a directory classic-level wrote, opened in place', () => {
  test('ShaleLevel reads what LevelDB wrote, and LevelDB reads what ShaleLevel wrote after', async () => {
    const dir = tempDir('classic')
    try {
      const model = await writeWithClassic(dir, {
        seed: 7, operations: 3000, keySpace: 1500, maxValue: 300, compression: true, writeBufferSize: 64 * 1024
      })
      // A utf8 entry written with classic-level's default encodings.
      const classic = new ClassicLevel(dir)
      await classic.put('greeting', 'grüß dich')
      await classic.close()
      model.set(Buffer.from('greeting').toString('hex'), Buffer.from('grüß dich'))

      const db = new ShaleLevel<Buffer, Buffer>(dir, { keyEncoding: 'buffer', valueEncoding: 'buffer', createIfMissing: false })
      const expected = sortedModel(model)
      try {
        const all = await db.iterator().all()
        assert.equal(all.length, expected.length)
        assert.deepEqual(all, expected)
        const reversed = await db.iterator({ reverse: true }).all()
        assert.deepEqual(reversed, [...expected].reverse())
        const sample = expected.filter((_, i) => i % 37 === 0)
        assert.deepEqual(await db.getMany(sample.map(([k]) => k)), sample.map(([, v]) => v))
        assert.equal(await db.get<string, string>('greeting', { keyEncoding: 'utf8', valueEncoding: 'utf8' }), 'grüß dich')

        // Now Shale writes: overwrite, delete, compact; classic-level must read the result.
        const [firstKey] = expected[0]!
        await db.put(firstKey, Buffer.from('rewritten by shale'))
        await db.del(expected[1]![0])
        await db.compactRange(Buffer.from('a'), Buffer.from('z'))
        model.set(firstKey.toString('hex'), Buffer.from('rewritten by shale'))
        model.delete(expected[1]![0].toString('hex'))
      } finally {
        await db.close()
      }
      assert.deepEqual(await readWithClassic(dir), sortedModel(model))
    } finally {
      removeDir(dir)
    }
  })
})

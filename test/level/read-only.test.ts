// ShaleLevel with readOnly: the option reaches the engine from the constructor and from open();
// every read abstract-level offers works, beside another ShaleLevel that holds the database and
// writes; every write path (the direct ones, abstract-level's, the chained batch, clear, sublevels,
// a write issued while opening, compactRange) fails with LEVEL_READONLY; a missing database and
// errorIfExists fail the open; and the directory is left exactly as it was.

import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { ShaleLevel } from '../../src/index.js'
import { dirState } from '../db/helpers.js'
import { padded, rejectsWithCode, removeDir, tempDir } from './helpers.js'

async function writeDb (dir: string, n: number): Promise<void> {
  const db = new ShaleLevel<string, string>(dir, { writeBufferSize: 4096 })
  await db.open()
  for (let i = 0; i < n; i++) await db.put(`k${padded(i)}`, `v${i}`)
  await db.close()
}

describe('ShaleLevel readOnly', () => {
  test('reads: get, getSync, getMany, has, hasMany, iterators, seek, snapshots, approximateSize, getProperty', async () => {
    const dir = tempDir('ro-reads')
    try {
      await writeDb(dir, 500)
      const before = dirState(dir)
      const db = new ShaleLevel<string, string>(dir, { readOnly: true })
      await db.open()
      try {
        assert.equal(await db.get('k000007'), 'v7')
        assert.equal(db.getSync('k000499'), 'v499', 'the last writes, from the log')
        assert.equal(await db.get('nope'), undefined)
        assert.deepEqual(await db.getMany(['k000001', 'nope', 'k000002']), ['v1', undefined, 'v2'])
        assert.equal(await db.has('k000100'), true)
        assert.deepEqual(await db.hasMany(['k000100', 'x']), [true, false])
        const all = await db.iterator().all()
        assert.equal(all.length, 500)
        assert.deepEqual(all[0], ['k000000', 'v0'])
        assert.deepEqual(await db.keys({ gte: 'k000490', limit: 3 }).all(), ['k000490', 'k000491', 'k000492'])
        assert.deepEqual(await db.values({ lt: 'k000002', reverse: true }).all(), ['v1', 'v0'])
        const it = db.iterator()
        it.seek('k000250')
        assert.deepEqual(await it.nextv(2), [['k000250', 'v250'], ['k000251', 'v251']])
        await it.close()
        const snapshot = db.snapshot()
        assert.equal(await db.get('k000003', { snapshot }), 'v3')
        await snapshot.close()
        assert.ok(await db.approximateSize('k000000', 'k000499') > 0)
        assert.match(db.getProperty('leveldb.stats'), /Compactions/)
        const sub = db.sublevel<string, string>('none', { valueEncoding: 'utf8' })
        assert.deepEqual(await sub.iterator().all(), [])
      } finally {
        await db.close()
      }
      assert.deepEqual(dirState(dir), before, 'nothing written')
    } finally {
      removeDir(dir)
    }
  })

  test('every write path fails with LEVEL_READONLY', async () => {
    const dir = tempDir('ro-writes')
    try {
      await writeDb(dir, 50)
      const before = dirState(dir)
      // Given to open() this time, not to the constructor.
      const db = new ShaleLevel<string, string>(dir)
      const whileOpening = db.put('early', 'x')
      await db.open({ readOnly: true })
      await rejectsWithCode(whileOpening, 'LEVEL_READONLY')
      const writes: Array<[string, () => Promise<unknown>]> = [
        ['put (direct)', () => db.put('a', 'b')],
        ['put (abstract-level)', () => db.put('a', 'b', { keyEncoding: 'utf8', valueEncoding: 'utf8' })],
        ['put with sync', () => db.put('a', 'b', { sync: true })],
        ['del (direct)', () => db.del('k000001')],
        ['del (abstract-level)', () => db.del('k000001', { keyEncoding: 'utf8' })],
        ['batch (direct)', () => db.batch([{ type: 'put', key: 'a', value: 'b' }, { type: 'del', key: 'k000002' }])],
        ['batch (abstract-level)', () => db.batch([{ type: 'put', key: 'a', value: 'b' }], { valueEncoding: 'utf8' })],
        ['empty batch (direct)', () => db.batch([])],
        ['chained batch', () => db.batch().put('a', 'b').del('k000003').write()],
        ['clear', () => db.clear()],
        ['clear of an empty range', () => db.clear({ gt: 'zzz' })],
        ['sublevel put', () => db.sublevel('s').put('a', 'b')],
        ['sublevel batch', () => db.sublevel('s').batch([{ type: 'put', key: 'a', value: 'b' }])],
        ['compactRange', () => db.compactRange('a', 'z')]
      ]
      for (const [name, write] of writes) {
        let caught: unknown
        try { await write() } catch (err) { caught = err }
        assert.ok(caught !== undefined, `${name}: must fail`)
        const err = caught as { code?: string, message?: string }
        assert.equal(err.code, 'LEVEL_READONLY', `${name}: ${String(err.message)}`)
        assert.match(String(err.message), /opened read-only/, name)
      }
      // With a 'write' listener abstract-level's own path is taken even for a plain put.
      db.on('write', () => {})
      await rejectsWithCode(db.put('a', 'b'), 'LEVEL_READONLY')
      assert.equal(await db.get('k000001'), 'v1', 'nothing changed')
      assert.equal(await db.get('a'), undefined)
      await db.close()
      assert.deepEqual(dirState(dir), before, 'nothing written')
    } finally {
      removeDir(dir)
    }
  })

  test('another ShaleLevel holds the database and writes: the read-only one opens and keeps its view', async () => {
    const dir = tempDir('ro-held')
    try {
      const writer = new ShaleLevel<string, string>(dir, { writeBufferSize: 4096 })
      await writer.open()
      for (let i = 0; i < 300; i++) await writer.put(`k${padded(i)}`, `v${i}`)
      // A second writable open is refused (the lock), a read-only one is not.
      const second = new ShaleLevel(dir)
      await rejectsWithCode(second.open(), 'LEVEL_DATABASE_NOT_OPEN', 'LEVEL_LOCKED')
      const reader = new ShaleLevel<string, string>(dir, { readOnly: true })
      await reader.open()
      try {
        for (let i = 0; i < 300; i++) await writer.put(`k${padded(i)}`, `new${i}`)
        await writer.compactRange('k', 'l')
        assert.equal(await reader.get('k000123'), 'v123')
        assert.equal((await reader.iterator().all()).length, 300)
        assert.equal(await writer.get('k000123'), 'new123')
      } finally {
        await reader.close()
        await writer.close()
      }
    } finally {
      removeDir(dir)
    }
  })

  test('a missing database fails the open (no database, nothing created); errorIfExists too', async () => {
    const parent = tempDir('ro-missing')
    try {
      const dir = join(parent, 'db')
      const db = new ShaleLevel(dir, { readOnly: true })
      await rejectsWithCode(db.open(), 'LEVEL_DATABASE_NOT_OPEN', 'LEVEL_INVALID_ARGUMENT')
      try { await db.open() } catch (err) {
        assert.match(String((err as { cause?: Error }).cause?.message), /there is no database here/)
      }
      assert.deepEqual(readdirSync(parent), [], 'no directory created')
      await writeDb(dir, 1)
      const strict = new ShaleLevel(dir, { readOnly: true })
      await rejectsWithCode(strict.open({ errorIfExists: true }), 'LEVEL_DATABASE_NOT_OPEN', 'LEVEL_INVALID_ARGUMENT')
    } finally {
      removeDir(parent)
    }
  })
})

// `shale get` and `shale scan` open the database read-only: they work on a database this process
// holds open (seeing its writes not yet flushed), on a read-only directory, and change nothing in
// either — no claim beside LOCK, no new log or MANIFEST, no modification time moved.

import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { chmodSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { DB } from '../../src/db/db.js'
import { dirState } from '../db/helpers.js'
import { key, makeEngineDb, removeDir, shale, shaleJson, sorted, tempDir } from './helpers.js'

const enc = new TextEncoder()

describe('get and scan open read-only', () => {
  let base: string
  let dir: string
  let model: Map<string, string>

  before(async () => {
    base = tempDir('readonly')
    dir = join(base, 'db')
    model = await makeEngineDb(dir, 2000)
  })
  after(() => {
    try { chmodSync(dir, 0o755) } catch { /* never changed */ }
    removeDir(base)
  })

  test('on a database this process holds and writes to: its unflushed writes are seen, nothing changes', async () => {
    const db = await DB.open(dir)
    try {
      await db.put(enc.encode('held'), enc.encode('yes'))
      await db.del(enc.encode(key(100)))
      const expected = new Map(model)
      expected.set('held', 'yes')
      expected.delete(key(100))
      const before = dirState(dir)
      const claims = before.filter((line) => line.startsWith('LOCK.shale-'))
      assert.equal(claims.length, 1, 'the holder has its claim')

      const got = shale(['get', dir, 'held'])
      assert.equal(got.code, 0, got.stderr)
      assert.equal(got.stdout, 'yes\n')
      assert.equal(shale(['get', dir, key(100)]).code, 1, 'the holder\'s delete is seen')
      const all = shale(['scan', dir])
      assert.equal(all.code, 0, all.stderr)
      assert.deepEqual(all.stdout.trimEnd().split('\n'), sorted(expected).map(([k, v]) => `${k}\t${v}`))
      assert.deepEqual(shaleJson(['scan', dir, '--count', '--json']).json, { count: expected.size })

      assert.deepEqual(dirState(dir), before, 'no file created, changed or removed')
      // The holder is undisturbed.
      await db.put(enc.encode('after'), enc.encode('1'))
      assert.equal(new TextDecoder().decode(db.getSync(enc.encode('held'))), 'yes')
    } finally {
      await db.close()
    }
  })

  test('on a read-only directory (0555, files 0444)', () => {
    for (const name of readdirSync(dir)) chmodSync(join(dir, name), 0o444)
    chmodSync(dir, 0o555)
    try {
      const before = dirState(dir)
      const got = shale(['get', dir, key(1999)])
      assert.equal(got.code, 0, got.stderr)
      const scan = shale(['scan', dir, '--keys-only', '--limit', '3'])
      assert.equal(scan.code, 0, scan.stderr)
      assert.equal(scan.stdout.split('\n').length, 4)
      assert.deepEqual(dirState(dir), before)
    } finally {
      chmodSync(dir, 0o755)
      for (const name of readdirSync(dir)) chmodSync(join(dir, name), 0o644)
    }
  })

  test('a missing database: exit 1, nothing created', () => {
    const missing = join(base, 'missing')
    for (const args of [['get', missing, 'a'], ['scan', missing]]) {
      const r = shale(args)
      assert.equal(r.code, 1, args[0])
      assert.match(r.stderr, /not a database|no CURRENT/)
    }
    assert.deepEqual(readdirSync(base), ['db'])
  })
})

// `shale get`, `put`, `del` and `scan` against the model of what the engine wrote: point reads,
// writes in every encoding, and scans over ranges, prefixes, limits and in reverse.

import { before, after, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { DB } from '../../src/db/db.js'
import { key, makeEngineDb, removeDir, shale, shaleJson, sorted, tempDir } from './helpers.js'

describe('point operations and scans', () => {
  let dir: string
  let model: Map<string, string>

  before(async () => {
    dir = tempDir('kv')
    model = await makeEngineDb(dir, 3000)
  })
  after(() => { removeDir(dir) })

  test('get prints the value; a missing or deleted key exits 1', () => {
    const r = shale(['get', dir, key(100)])
    assert.equal(r.code, 0, r.stderr)
    assert.equal(r.stdout, model.get(key(100))! + '\n')
    const gone = shale(['get', dir, key(3)])
    assert.equal(model.has(key(3)), false)
    assert.equal(gone.code, 1)
    assert.equal(gone.stdout, '')
    assert.match(gone.stderr, /not found: key000003/)
    const j = shaleJson(['get', dir, key(3), '--json'])
    assert.equal(j.code, 1)
    assert.deepEqual(j.json, { key: key(3), found: false })
  })

  test('put then get, then del, in text and in hex', () => {
    assert.equal(shale(['put', dir, 'hello', 'world']).code, 0)
    assert.equal(shale(['get', dir, 'hello']).stdout, 'world\n')
    assert.equal(shale(['get', dir, 'hello', '--value-encoding', 'hex']).stdout, '776f726c64\n')
    assert.equal(shale(['put', dir, '0x00ff10', '0x0a0b', '--sync']).code, 0)
    assert.equal(shale(['get', dir, '00ff10', '--encoding', 'hex']).stdout, '0a0b\n')
    assert.deepEqual(shaleJson(['get', dir, '0x00ff10', '--json']).json, { key: '0x00ff10', found: true, value: '0x0a0b' })
    assert.equal(shale(['del', dir, 'hello']).code, 0)
    assert.equal(shale(['get', dir, 'hello']).code, 1)
    assert.equal(shale(['del', dir, '0x00ff10']).code, 0)
    assert.equal(shale(['put', dir, 'k', 'zz', '--encoding', 'hex']).code, 2, 'bad hex is a usage error')
  })

  test('scan: everything in key order, as key<TAB>value lines', () => {
    const r = shale(['scan', dir])
    assert.equal(r.code, 0, r.stderr)
    const lines = r.stdout.trimEnd().split('\n')
    assert.deepEqual(lines, sorted(model).map(([k, v]) => `${k}\t${v}`))
  })

  test('scan: bounds, prefix, limit, reverse, keys only and count', () => {
    const all = sorted(model).map(([k]) => k)
    const keysOf = (args: string[]): string[] => {
      const r = shaleJson(['scan', dir, '--json', ...args])
      assert.equal(r.code, 0)
      return r.json.map((e: { key: string }) => e.key)
    }
    assert.deepEqual(keysOf(['--gte', key(100), '--lt', key(200)]), all.filter((k) => k >= key(100) && k < key(200)))
    assert.deepEqual(keysOf(['--gt', key(100), '--lte', key(200)]), all.filter((k) => k > key(100) && k <= key(200)))
    assert.deepEqual(keysOf(['--start', key(2990)]), all.filter((k) => k >= key(2990)))
    assert.deepEqual(keysOf(['--prefix', 'key0012']), all.filter((k) => k.startsWith('key0012')))
    assert.deepEqual(keysOf(['--limit', '5']), all.slice(0, 5))
    assert.deepEqual(keysOf(['--reverse', '--limit', '7']), all.slice(-7).reverse())
    assert.deepEqual(keysOf(['--reverse', '--lt', key(50), '--limit', '3']), all.filter((k) => k < key(50)).slice(-3).reverse())
    const keysOnly = shale(['scan', dir, '--keys-only', '--prefix', 'key00001'])
    assert.deepEqual(keysOnly.stdout.trimEnd().split('\n'), all.filter((k) => k.startsWith('key00001')))
    assert.equal(shale(['scan', dir, '--count']).stdout, `${all.length}\n`)
    assert.deepEqual(shaleJson(['scan', dir, '--count', '--json', '--prefix', 'key001']).json, { count: all.filter((k) => k.startsWith('key001')).length })
    const values = shaleJson(['scan', dir, '--json', '--limit', '2', '--value-encoding', 'hex']).json
    assert.equal(values[0].value, Buffer.from(model.get(all[0]!)!).toString('hex'))
  })

  test('scan: conflicting bounds and a negative limit are usage errors', () => {
    assert.equal(shale(['scan', dir, '--gt', 'a', '--gte', 'b']).code, 2)
    assert.equal(shale(['scan', dir, '--prefix', 'a', '--lt', 'b']).code, 2)
    assert.equal(shale(['scan', dir, '--limit', '-1']).code, 2)
  })

  test('an open database is refused to put and del (exit 1, the lock named), not waited for', async () => {
    const db = await DB.open(dir)
    try {
      for (const args of [['put', dir, 'x', 'y'], ['del', dir, key(100)]]) {
        const r = shale(args)
        assert.equal(r.code, 1, args[0])
        assert.match(r.stderr, /LEVEL_LOCKED|lock/i)
      }
    } finally {
      await db.close()
    }
  })

  test('put --create makes a new database; without it a missing one is refused', () => {
    const parent = tempDir('kv-new')
    try {
      const fresh = `${parent}/db`
      assert.equal(shale(['put', fresh, 'a', '1']).code, 1)
      assert.equal(shale(['put', fresh, 'a', '1', '--create']).code, 0)
      assert.equal(shale(['get', fresh, 'a']).stdout, '1\n')
    } finally {
      removeDir(parent)
    }
  })
})

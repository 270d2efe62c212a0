// ShaleLevel beyond what the abstract-level suite checks: the manifest, native encodings, the
// engine options and per-write sync reaching the engine, the lock, close with live iterators and
// snapshots, pinned Versions, long reads that can be aborted, and classic-level's extra methods.

import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { existsSync, readdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { AbstractLevel } from 'abstract-level'
import { MemEnv, ShaleLevel } from '../../src/index.js'
import { padded, rejectsWithCode, removeDir, tableFiles, tempDir } from './helpers.js'

describe('ShaleLevel manifest and encodings', () => {
  test('declares what classic-level declares, and more', async () => {
    const dir = tempDir('manifest')
    const db = new ShaleLevel(dir)
    try {
      assert.ok(db instanceof AbstractLevel, 'the AbstractLevel of the ecosystem, not a bundled copy')
      const s = db.supports
      for (const flag of ['implicitSnapshots', 'explicitSnapshots', 'permanence', 'seek', 'has', 'createIfMissing',
        'errorIfExists', 'deferredOpen'] as const) {
        assert.equal(s[flag], true, flag)
      }
      assert.equal((s as unknown as { getSync: boolean }).getSync, true)
      assert.equal((s as unknown as { signals: { iterators: boolean } }).signals.iterators, true)
      for (const e of ['buffer', 'view', 'utf8', 'json']) assert.equal(s.encodings[e], true, e)
      for (const m of ['approximateSize', 'compactRange', 'getProperty']) assert.equal(s.additionalMethods[m], true, m)
      for (const e of ['opening', 'open', 'closing', 'closed', 'write', 'clear']) assert.equal(s.events[e], true, e)
      assert.equal(db.location, dir)
      assert.throws(() => new ShaleLevel(''), TypeError)
    } finally {
      await db.close()
      removeDir(dir)
    }
  })

  test('buffer, view and utf8 come back in their own types', async () => {
    const dir = tempDir('encodings')
    const db = new ShaleLevel<string, string>(dir)
    try {
      await db.put('k', 'välue')
      const asBuffer = await db.get('k', { valueEncoding: 'buffer' })
      assert.ok(Buffer.isBuffer(asBuffer))
      assert.equal((asBuffer as unknown as Buffer).toString('utf8'), 'välue')
      const asView = await db.get<string, Uint8Array>('k', { valueEncoding: 'view' })
      assert.ok(asView instanceof Uint8Array && !Buffer.isBuffer(asView), 'view is a plain Uint8Array')
      assert.deepEqual([...asView], [...Buffer.from('välue')])
      assert.equal(db.getSync('k'), 'välue')

      // Bytes that are not UTF-8 survive as bytes and read as utf8 with replacement characters.
      const raw = Uint8Array.from([0xff, 0x00, 0xfe])
      await db.put<Uint8Array, Uint8Array>(raw, raw, { keyEncoding: 'view', valueEncoding: 'view' })
      const back = await db.get<Uint8Array, Uint8Array>(raw, { keyEncoding: 'view', valueEncoding: 'view' })
      assert.deepEqual(back, raw)
      assert.equal(await db.get(Buffer.from(raw).toString('latin1')), undefined, 'a string key is its UTF-8 bytes')
      const [entry] = await db.iterator<Uint8Array, string>({ keyEncoding: 'view', gte: raw, lte: raw }).all()
      assert.equal(entry![1], '\ufffd\u0000\ufffd')

      const keys = await db.keys<Buffer>({ keyEncoding: 'buffer' }).all()
      assert.ok(keys.every((k) => Buffer.isBuffer(k)))
      assert.deepEqual(await db.values({ lt: 'l' }).all(), ['välue'])
    } finally {
      await db.close()
      removeDir(dir)
    }
  })
})

describe('ShaleLevel options reach the engine', () => {
  test('writeBufferSize and compression shape the tables', async () => {
    const sizes: number[] = []
    for (const compression of [true, false]) {
      const dir = tempDir('options')
      const db = new ShaleLevel(dir, { writeBufferSize: 4096, compression })
      try {
        const value = 'abcd'.repeat(100) // compresses well
        for (let i = 0; i < 200; i++) await db.put(`key${padded(i)}`, value)
        assert.ok(tableFiles(dir).length > 0, 'a 4 KiB write buffer flushed tables')
        await db.compactRange('key', 'kez')
        sizes.push(await db.approximateSize('key', 'kez'))
        assert.equal(await db.get(`key${padded(123)}`), value)
      } finally {
        await db.close()
        removeDir(dir)
      }
    }
    assert.ok(sizes[0]! > 0 && sizes[0]! * 4 < sizes[1]!, `compressed ${sizes[0]} vs uncompressed ${sizes[1]}`)
  })

  test('sync: true makes a write survive power loss; without it, it may not', async () => {
    const env = new MemEnv()
    const db = new ShaleLevel('/db', { env })
    await db.put('durable', '1', { sync: true })
    await db.batch([{ type: 'put', key: 'batch', value: '2' }], { sync: true })
    await db.batch().put('chained', '3').write({ sync: true })
    await db.put('volatile', '4')
    env.powerLoss()
    await db.close().catch(() => {}) // its files are gone with the power
    const reopened = new ShaleLevel('/db', { env })
    try {
      assert.deepEqual(await reopened.getMany(['durable', 'batch', 'chained', 'volatile']), ['1', '2', '3', undefined])
    } finally {
      await reopened.close()
    }
  })

  test('createIfMissing and errorIfExists', async () => {
    const dir = tempDir('create')
    try {
      const missing = new ShaleLevel(join(dir, 'nothing'), { createIfMissing: false })
      await rejectsWithCode(missing.open(), 'LEVEL_DATABASE_NOT_OPEN')
      const db = new ShaleLevel(join(dir, 'db'))
      await db.put('a', 'b')
      await db.close()
      const again = new ShaleLevel(join(dir, 'db'), { errorIfExists: true })
      await rejectsWithCode(again.open(), 'LEVEL_DATABASE_NOT_OPEN')
      const plain = new ShaleLevel(join(dir, 'db'), { createIfMissing: false })
      assert.equal(await plain.get('a'), 'b')
      await plain.close()
    } finally {
      removeDir(dir)
    }
  })
})

describe('ShaleLevel lock', () => {
  test('a second open in this process fails with LEVEL_DATABASE_NOT_OPEN caused by LEVEL_LOCKED', async () => {
    const dir = tempDir('lock')
    const first = new ShaleLevel(dir)
    try {
      await first.open()
      const second = new ShaleLevel(dir)
      await rejectsWithCode(second.open(), 'LEVEL_DATABASE_NOT_OPEN', 'LEVEL_LOCKED')
      assert.equal(second.status, 'closed')
      await first.close()
      await second.open()
      await second.close()
    } finally {
      await first.close()
      removeDir(dir)
    }
  })

  test('a second open in another process fails the same way', async () => {
    const dir = tempDir('lock-process')
    const db = new ShaleLevel(dir)
    try {
      await db.open()
      const entry = new URL('../../src/index.js', import.meta.url).href
      const script = `
        const { ShaleLevel } = await import(${JSON.stringify(entry)})
        const db = new ShaleLevel(${JSON.stringify(dir)})
        try { await db.open(); console.log(JSON.stringify({ opened: true })) }
        catch (err) { console.log(JSON.stringify({ code: err.code, cause: err.cause?.code })) }`
      const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] })
      let out = ''
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => { out += chunk })
      const code = await new Promise((resolve) => { child.on('close', resolve) })
      assert.equal(code, 0)
      assert.deepEqual(JSON.parse(out), { code: 'LEVEL_DATABASE_NOT_OPEN', cause: 'LEVEL_LOCKED' })
    } finally {
      await db.close()
      removeDir(dir)
    }
  })
})

describe('ShaleLevel close, iterators and snapshots', () => {
  test('closing the database closes its iterators and snapshots without crashing', async () => {
    const dir = tempDir('close')
    const db = new ShaleLevel(dir)
    try {
      await db.batch([{ type: 'put', key: 'a', value: '1' }, { type: 'put', key: 'b', value: '2' }])
      const it = db.iterator()
      assert.deepEqual(await it.next(), ['a', '1'])
      const snapshot = db.snapshot()
      const keys = db.keys()
      await db.close()
      await rejectsWithCode(it.next(), 'LEVEL_ITERATOR_NOT_OPEN')
      await rejectsWithCode(keys.nextv(10), 'LEVEL_ITERATOR_NOT_OPEN')
      await rejectsWithCode(db.get('a', { snapshot }), 'LEVEL_DATABASE_NOT_OPEN')
      assert.throws(() => db.getProperty('shale.stats'), { code: 'LEVEL_DATABASE_NOT_OPEN' })
      await rejectsWithCode(db.approximateSize('a', 'z'), 'LEVEL_DATABASE_NOT_OPEN')
      await it.close()
      await snapshot.close()
      // The lock was released: the same directory opens again, with the data.
      await db.open()
      assert.deepEqual(await db.iterator().all(), [['a', '1'], ['b', '2']])
    } finally {
      await db.close()
      removeDir(dir)
    }
  })

  test('an iterator reads the Version pinned at its creation, and closing it releases the files', async () => {
    const dir = tempDir('pin')
    const db = new ShaleLevel(dir, { writeBufferSize: 1024 })
    try {
      for (let i = 0; i < 300; i++) await db.put(`k${padded(i)}`, `old-${i}`)
      const it = db.iterator({ gte: 'k', lt: 'l' })
      // The files of the Version the iterator pinned, read in the same tick. (Not the directory:
      // a flush running in a worker may have written a table that no Version names yet.)
      const pinned = [...db.getProperty('shale.sstables').matchAll(/^ (\d+):/gm)].map((m) => `${m[1]!.padStart(6, '0')}.ldb`)
      const snapshot = db.snapshot()
      assert.ok(pinned.length > 0)
      assert.ok(pinned.every((f) => existsSync(join(dir, f))), 'the pinned files exist')
      for (let i = 0; i < 300; i++) await db.put(`k${padded(i)}`, `new-${i}`)
      await db.del(`k${padded(7)}`)
      await db.compactRange('k', 'l')
      assert.ok(pinned.every((f) => existsSync(join(dir, f))), 'files of a pinned Version stay')
      assert.equal(await db.get(`k${padded(7)}`, { snapshot }), 'old-7')
      const entries = await it.all() // reads everything, then closes the iterator
      assert.equal(entries.length, 300)
      assert.ok(entries.every(([k, v], i) => k === `k${padded(i)}` && v === `old-${i}`))
      await snapshot.close()
      // Deleted in the background once nothing holds the Version (doc/engine.md, "Deleting files").
      const gone = (): boolean => pinned.every((f) => !existsSync(join(dir, f)))
      const deadline = Date.now() + 5000
      while (!gone() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10))
      assert.ok(gone(), 'released files are deleted')
      assert.equal(await db.get(`k${padded(8)}`), 'new-8')
      assert.equal(await db.get(`k${padded(7)}`), undefined)
    } finally {
      await db.close()
      removeDir(dir)
    }
  })

  test('a long all() yields to the event loop and can be aborted part-way', async () => {
    const dir = tempDir('abort')
    const db = new ShaleLevel(dir)
    try {
      const ops = []
      for (let i = 0; i < 100_000; i++) ops.push({ type: 'put' as const, key: `k${padded(i)}`, value: 'v'.repeat(50) })
      await db.batch(ops)
      const ac = new AbortController()
      const it = db.iterator({ signal: ac.signal })
      setImmediate(() => { ac.abort() })
      await rejectsWithCode(it.all(), 'LEVEL_ABORTED')
      assert.equal(it.count, 0)
      await it.close()
      // Without abort the same read completes, and timers ran while it did.
      let ticks = 0
      const timer = setInterval(() => { ticks++ }, 1)
      let all
      try {
        all = await db.iterator().all()
      } finally {
        clearInterval(timer)
      }
      assert.equal(all.length, 100_000)
      assert.ok(ticks > 0, 'the event loop turned during all()')
      const it2 = db.iterator({ limit: 2500 })
      assert.equal((await it2.nextv(10_000)).length, 2500)
      await it2.close()
    } finally {
      await db.close()
      removeDir(dir)
    }
  })
})

describe('ShaleLevel additional methods', () => {
  test('getProperty, approximateSize and compactRange as classic-level has them', async () => {
    const dir = tempDir('methods')
    const db = new ShaleLevel(dir, { writeBufferSize: 2048 })
    try {
      // Deferred while opening, as classic-level does.
      const size = db.approximateSize('a', 'z')
      assert.equal(await size, 0)
      for (let i = 0; i < 500; i++) await db.put(`k${padded(i)}`, 'x'.repeat(40))
      await db.compactRange('k', 'l')
      assert.ok(await db.approximateSize('k', 'l') > 0)
      assert.equal(await db.approximateSize(Buffer.from('k'), Buffer.from('l'), { keyEncoding: 'buffer' }),
        await db.approximateSize('k', 'l'))
      await assert.rejects((db.approximateSize as (a: string) => Promise<number>)('a'), TypeError)
      await assert.rejects((db.compactRange as (a: string) => Promise<void>)('a'), TypeError)

      assert.match(db.getProperty('shale.stats'), /Level/)
      assert.match(db.getProperty('shale.sstables'), /\.ldb|level/i)
      const perLevel = Array.from({ length: 7 }, (_, l) => Number(db.getProperty(`shale.num-files-at-level${l}`)))
      assert.ok(perLevel.reduce((a, b) => a + b) > 0)
      assert.equal(db.getProperty('leveldb.num-files-at-level1'), db.getProperty('shale.num-files-at-level1'))
      await db.put('m', 'in the memtable')
      assert.ok(Number(db.getProperty('shale.approximate-memory-usage')) > 0)
      assert.equal(db.getProperty('shale.no-such-thing'), '')
      assert.throws(() => (db.getProperty as (p: unknown) => string)(1), TypeError)
    } finally {
      await db.close()
      removeDir(dir)
    }
  })

  test('repair rebuilds a database whose MANIFEST and CURRENT are gone; destroy removes it', async () => {
    const dir = tempDir('destroy')
    const location = join(dir, 'db')
    try {
      const db = new ShaleLevel(location, { writeBufferSize: 1024 })
      for (let i = 0; i < 200; i++) await db.put(`k${String(i).padStart(3, '0')}`, `v${i}`)
      await db.close()
      for (const name of readdirSync(location)) {
        if (name === 'CURRENT' || name.startsWith('MANIFEST-')) rmSync(join(location, name))
      }
      await ShaleLevel.repair(location)
      const repaired = new ShaleLevel(location)
      const entries = await repaired.iterator().all()
      assert.equal(entries.length, 200)
      assert.deepEqual(entries[199], ['k199', 'v199'])
      await repaired.close()
      // Repair archives what it replaced in lost/, which destroy leaves alone (as LevelDB's does).
      await ShaleLevel.destroy(location)
      assert.deepEqual(readdirSync(location), ['lost'])
      rmSync(location, { recursive: true })
      await assert.rejects(ShaleLevel.repair(location), (err: unknown) => (err as { code?: string }).code === 'LEVEL_IO_ERROR')
      await assert.rejects(ShaleLevel.destroy(''), TypeError)
      await assert.rejects(ShaleLevel.repair(''), TypeError)
    } finally {
      removeDir(dir)
    }
  })
})

// Bad input through the engine API: every misuse a caller can make of DB gets a
// clear ShaleError with abstract-level's code, at once, and leaves the database as it was.
//
// - keys and values that are not Uint8Arrays: LEVEL_INVALID_KEY / LEVEL_INVALID_VALUE, from every
//   method that takes a key (writes, WriteBatch, reads, iterator bounds, compactRange,
//   approximateSize);
// - options of the wrong type or out of range: LEVEL_INVALID_ARGUMENT for a wrong type, clipping
//   to LevelDB's ranges for a number out of range (as classic-level does);
// - calls after close: LEVEL_DATABASE_NOT_OPEN; iterator use after close: LEVEL_ITERATOR_NOT_OPEN;
//   a closed snapshot: an error, never a read at some other point in time.
//
// Every group ends by checking that the database still works and that a paranoid reopen finds its
// files clean: a rejected call must not have written anything. The abstract-level adapter
// (src/level/) puts its own checks in front of these; this file tests the engine underneath.
//
// Misuses the engine does not yet reject cleanly are in bad-input.pending.ts.

import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { DB } from '../../src/db/db.js'
import type { DBOptions } from '../../src/db/options.js'
import { MemEnv } from '../../src/env/mem-env.js'
import { WriteBatch } from '../../src/dbformat/write-batch.js'
import { ShaleError } from '../../src/util/errors.js'
import { bytes, rejection, scan, str } from './helpers.js'

const DIR = '/db'

/** Values that are not Uint8Arrays, including the near misses (other views, ArrayBuffer, arrays). */
const NOT_BYTES: Array<[string, unknown]> = [
  ['a string', 'key'],
  ['a number', 42],
  ['a bigint', 1n],
  ['a boolean', true],
  ['null', null],
  ['undefined', undefined],
  ['a plain object', { length: 3 }],
  ['an array of numbers', [1, 2, 3]],
  ['an ArrayBuffer', new ArrayBuffer(3)],
  ['a DataView', new DataView(new ArrayBuffer(3))],
  ['a Uint16Array', new Uint16Array(2)],
  ['an Int8Array', new Int8Array(2)],
  ['a symbol', Symbol('key')]
]

/** Awaits `action` (which may throw synchronously or reject) and checks the error it must give. */
async function expectError (action: () => unknown, code: string, what: string, mentions?: RegExp): Promise<ShaleError> {
  const err = await rejection(action, what)
  assert.ok(err instanceof ShaleError, `${what}: expected a ShaleError, got ${String(err)}`)
  assert.equal(err.code, code, `${what}: code (message: ${err.message})`)
  assert.ok(err.message.length > 0, `${what}: the error says what is wrong`)
  if (mentions !== undefined) assert.match(err.message, mentions, `${what}: message`)
  return err
}

async function openMem (env = new MemEnv(), options: DBOptions = {}): Promise<DB> {
  return await DB.open(DIR, { ...options, env })
}

/** The database still takes writes and reads, and reopens cleanly with paranoid checks. */
async function assertUnharmed (db: DB, env: MemEnv, expected: Array<[string, string]>): Promise<void> {
  await db.put(bytes('zz-probe'), bytes('ok'))
  assert.equal(str(db.getSync(bytes('zz-probe'))!), 'ok')
  await db.close()
  const again = await DB.open(DIR, { env, paranoidChecks: true })
  try {
    const got = scan(again).map(([k, v]) => [str(k), str(v)])
    assert.deepEqual(got, [...expected, ['zz-probe', 'ok']].sort((a, b) => (a[0]! < b[0]! ? -1 : 1)))
  } finally {
    await again.close()
  }
}

describe('keys and values that are not bytes', () => {
  test('writes reject them with LEVEL_INVALID_KEY / LEVEL_INVALID_VALUE and write nothing', async () => {
    const env = new MemEnv()
    const db = await openMem(env)
    await db.put(bytes('a'), bytes('1'))
    for (const [name, bad] of NOT_BYTES) {
      await expectError(() => db.put(bad as Uint8Array, bytes('v')), 'LEVEL_INVALID_KEY', `put with ${name} as key`, /key/)
      await expectError(() => db.put(bytes('k'), bad as Uint8Array), 'LEVEL_INVALID_VALUE', `put with ${name} as value`, /value/)
      await expectError(() => db.del(bad as Uint8Array), 'LEVEL_INVALID_KEY', `del with ${name}`, /key/)
      // A bad key wins over a bad value: the key is checked first, as in abstract-level.
      await expectError(() => db.put(bad as Uint8Array, bad as Uint8Array), 'LEVEL_INVALID_KEY', `put with ${name} as both`)
    }
    assert.equal(db.getSync(bytes('k')), undefined, 'no rejected put landed')
    await assertUnharmed(db, env, [['a', '1']])
  })

  test('reads reject them with LEVEL_INVALID_KEY', async () => {
    const env = new MemEnv()
    const db = await openMem(env)
    await db.put(bytes('a'), bytes('1'))
    for (const [name, bad] of NOT_BYTES) {
      await expectError(() => db.getSync(bad as Uint8Array), 'LEVEL_INVALID_KEY', `getSync with ${name}`)
      await expectError(() => db.get(bad as Uint8Array), 'LEVEL_INVALID_KEY', `get with ${name}`)
      await expectError(() => db.approximateSize(bad as Uint8Array, bytes('z')), 'LEVEL_INVALID_KEY', `approximateSize start ${name}`)
      await expectError(() => db.approximateSize(bytes('a'), bad as Uint8Array), 'LEVEL_INVALID_KEY', `approximateSize end ${name}`)
      if (bad !== undefined) {
        // undefined means "no bound" for iterator ranges and compactRange.
        for (const bound of ['gt', 'gte', 'lt', 'lte'] as const) {
          await expectError(() => db.iterator({ [bound]: bad as Uint8Array }), 'LEVEL_INVALID_KEY', `iterator with ${name} as ${bound}`)
        }
        await expectError(() => db.compactRange(bad as Uint8Array), 'LEVEL_INVALID_KEY', `compactRange start ${name}`)
        await expectError(() => db.compactRange(undefined, bad as Uint8Array), 'LEVEL_INVALID_KEY', `compactRange end ${name}`)
      }
    }
    // A rejected iterator must not have pinned anything: closing finds no stray iterator.
    await assertUnharmed(db, env, [['a', '1']])
  })

  test('WriteBatch.put and del reject them, so a bad batch never reaches write() or the log', async () => {
    const env = new MemEnv()
    const db = await openMem(env)
    await db.put(bytes('a'), bytes('1'))
    for (const [name, bad] of NOT_BYTES) {
      const batch = new WriteBatch()
      batch.put(bytes('in-batch'), bytes('x'))
      await expectError(() => batch.put(bad as Uint8Array, bytes('v')), 'LEVEL_INVALID_KEY', `batch.put with ${name} as key`, /key/)
      await expectError(() => batch.put(bytes('k'), bad as Uint8Array), 'LEVEL_INVALID_VALUE', `batch.put with ${name} as value`, /value/)
      await expectError(() => batch.del(bad as Uint8Array), 'LEVEL_INVALID_KEY', `batch.del with ${name}`, /key/)
      // The refused operations left the batch as it was: writing it applies exactly the good one.
      assert.equal(batch.count, 1, `the batch holds only its good operation after ${name}`)
    }
    const batch = new WriteBatch()
    batch.put(bytes('b'), bytes('2'))
    try {
      batch.put('c' as unknown as Uint8Array, bytes('3'))
    } catch {}
    await db.write(batch)
    // The paranoid reopen in assertUnharmed would fail on a malformed record in the log.
    await assertUnharmed(db, env, [['a', '1'], ['b', '2']])
  })

  test('unusual but valid bytes work: empty key and value, views with an offset, Buffers, large keys', async () => {
    const env = new MemEnv()
    const db = await openMem(env, { writeBufferSize: 64 * 1024 })
    const backing = bytes('xxKEYxxVALUExx')
    const keyView = backing.subarray(2, 5)
    const valueView = backing.subarray(7, 12)
    await db.put(keyView, valueView)
    await db.put(new Uint8Array(0), new Uint8Array(0))
    await db.put(Buffer.from('buf'), Buffer.from('fer'))
    await db.put(new Uint8Array([0, 0xff, 0]), new Uint8Array([0xff]))
    const bigKey = new Uint8Array(70 * 1024).fill(0x6b)
    const bigValue = new Uint8Array(1 << 20).fill(0x76)
    await db.put(bigKey, bigValue)
    // The caller may reuse its buffers as soon as the call returns: the engine copied them.
    const reused = bytes('r1')
    const pending = db.put(reused, reused)
    reused.set(bytes('XX'))
    await pending
    backing.fill(0)
    await db.flush()

    assert.equal(str(db.getSync(bytes('KEY'))!), 'VALUE', 'a view with a byte offset is read from its offset')
    assert.equal(db.getSync(new Uint8Array(0))?.length, 0, 'the empty key holds the empty value (not "not found")')
    assert.equal(str(db.getSync(bytes('buf'))!), 'fer')
    assert.deepEqual([...db.getSync(new Uint8Array([0, 0xff, 0]))!], [0xff])
    assert.equal(db.getSync(bigKey)?.length, bigValue.length, 'a 70 KiB key with a 1 MiB value round-trips through a table')
    assert.equal(str(db.getSync(bytes('r1'))!), 'r1', 'buffers changed after the call do not change what was written')
    assert.equal(db.getSync(bytes('XX')), undefined)
    await db.close()
  })
})

describe('options', () => {
  test('DB.open: a location that is not a non-empty string is LEVEL_INVALID_ARGUMENT', async () => {
    const env = new MemEnv()
    for (const location of ['', 42, undefined, null, {}]) {
      await expectError(() => DB.open(location as string, { env }), 'LEVEL_INVALID_ARGUMENT', `location ${String(location)}`, /location/)
    }
    assert.deepEqual(env.getChildren('/'), [], 'nothing was created')
  })

  test('DB.open: options of the wrong type are LEVEL_INVALID_ARGUMENT naming the option, and create nothing', async () => {
    const cases: Array<[keyof DBOptions, unknown]> = [
      ['createIfMissing', 'yes'], ['createIfMissing', 1],
      ['errorIfExists', 'no'],
      ['paranoidChecks', 1],
      ['compression', 'snappy'],
      ['writeBufferSize', '4096'], ['writeBufferSize', -1], ['writeBufferSize', Number.NaN],
      ['writeBufferSize', Number.POSITIVE_INFINITY], ['writeBufferSize', {}],
      ['cacheSize', -5], ['cacheSize', 'big'],
      ['blockSize', '4k'], ['blockSize', Number.NaN],
      ['maxOpenFiles', -1], ['maxOpenFiles', true],
      ['blockRestartInterval', 'sixteen'],
      ['maxFileSize', -1],
      ['bloomBitsPerKey', '10'],
      ['maxManifestFileSize', Number.NEGATIVE_INFINITY],
      ['maxInfoLogFileSize', -1], ['maxInfoLogFileSize', '1M']
    ]
    for (const [name, value] of cases) {
      const env = new MemEnv()
      await expectError(() => DB.open(DIR, { env, [name]: value } as DBOptions), 'LEVEL_INVALID_ARGUMENT',
        `${name}: ${String(value)}`, new RegExp(name))
      assert.equal(env.fileExists(DIR), false, `${name}: ${String(value)} is refused before the directory is touched`)
    }
  })

  test('numbers out of range are clipped to their ranges (src/db/options.ts), and the database works', async () => {
    const env = new MemEnv()
    // blockSize 1 -> 1 KiB, writeBufferSize 1 -> 1 KiB, maxOpenFiles 0 -> 74, restart interval 0 -> 1,
    // maxFileSize 0 -> 1 KiB, fractional numbers floored.
    const db = await openMem(env, {
      blockSize: 1, writeBufferSize: 1, maxOpenFiles: 0, blockRestartInterval: 0, maxFileSize: 0.5, cacheSize: 0, bloomBitsPerKey: 2.7
    })
    const expected: Array<[string, string]> = []
    for (let i = 0; i < 300; i++) {
      const k = `key${String(i).padStart(4, '0')}`
      await db.put(bytes(k), bytes(`value-${i}-`.padEnd(60, '.')))
      expected.push([k, `value-${i}-`.padEnd(60, '.')])
    }
    await db.compactRange()
    assert.deepEqual(scan(db).map(([k, v]) => [str(k), str(v)]), expected)
    await assertUnharmed(db, env, expected)
  })

  test('createIfMissing false on a missing database and errorIfExists on an existing one', async () => {
    const env = new MemEnv()
    await expectError(() => DB.open(DIR, { env, createIfMissing: false }), 'LEVEL_INVALID_ARGUMENT', 'missing database', /does not exist/)
    assert.equal(env.fileExists(`${DIR}/CURRENT`), false, 'no database was created')
    const db = await openMem(env)
    await db.put(bytes('a'), bytes('1'))
    await db.close()
    await expectError(() => DB.open(DIR, { env, errorIfExists: true }), 'LEVEL_INVALID_ARGUMENT', 'existing database', /exists/)
    const again = await openMem(env)
    assert.equal(str(again.getSync(bytes('a'))!), '1', 'the refused open left the database intact')
    await again.close()
  })

  test('a second open of an open database is LEVEL_LOCKED and does not disturb the first', async () => {
    const env = new MemEnv()
    const db = await openMem(env)
    await db.put(bytes('a'), bytes('1'))
    await expectError(() => DB.open(DIR, { env }), 'LEVEL_LOCKED', 'second open', /lock/i)
    await assertUnharmed(db, env, [['a', '1']])
  })

  test('per-call arguments: write() takes a WriteBatch, compactLevel a level that can be compacted', async () => {
    const env = new MemEnv()
    const db = await openMem(env)
    await db.put(bytes('a'), bytes('1'))
    for (const batch of [null, undefined, {}, 'batch', [['put', 'a', 'b']], { contents: () => new Uint8Array(12) }]) {
      await expectError(() => db.write(batch as unknown as WriteBatch), 'LEVEL_INVALID_ARGUMENT', `write(${JSON.stringify(batch)})`, /WriteBatch/)
    }
    for (const level of [-1, 6, 7, 1.5, Number.NaN, '0']) {
      await expectError(() => db.compactLevel(level as number), 'LEVEL_INVALID_ARGUMENT', `compactLevel(${String(level)})`, /level/)
    }
    const it = db.iterator()
    for (const size of [1.5, Number.NaN, '3']) {
      await expectError(() => it.nextv(size as number), 'LEVEL_INVALID_ARGUMENT', `nextv(${String(size)})`, /nextv/)
    }
    it.close()
    // Snapshot objects the engine did not make, with sequences no database has: refused rather
    // than read at some arbitrary point in time.
    for (const sequence of ['x', -1, 2 ** 60, Number.NaN, undefined]) {
      const snapshot = { sequence: sequence as number, close () {} }
      await expectError(() => db.getSync(bytes('a'), { snapshot }), 'LEVEL_INVALID_ARGUMENT', `snapshot sequence ${String(sequence)}`)
      await expectError(() => db.iterator({ snapshot }), 'LEVEL_INVALID_ARGUMENT', `iterator snapshot sequence ${String(sequence)}`)
    }
    assert.equal(db.getProperty('shale.no-such-property'), undefined, 'an unknown property is undefined, not an error')
    await assertUnharmed(db, env, [['a', '1']])
  })
})

describe('use after close', () => {
  test('every operation on a closed database is LEVEL_DATABASE_NOT_OPEN', async () => {
    const env = new MemEnv()
    const db = await openMem(env)
    await db.put(bytes('a'), bytes('1'))
    await db.close()
    const k = bytes('a')
    const calls: Array<[string, () => unknown]> = [
      ['put', () => db.put(k, k)],
      ['del', () => db.del(k)],
      ['write', () => db.write(new WriteBatch())],
      ['get', () => db.get(k)],
      ['getSync', () => db.getSync(k)],
      ['iterator', () => db.iterator()],
      ['snapshot', () => db.snapshot()],
      ['flush', () => db.flush()],
      ['compactRange', () => db.compactRange()],
      ['compactLevel', () => db.compactLevel(0)],
      ['getProperty', () => db.getProperty('shale.stats')],
      ['approximateSize', () => db.approximateSize(k, bytes('b'))]
    ]
    for (const [name, call] of calls) await expectError(call, 'LEVEL_DATABASE_NOT_OPEN', `${name} after close`, /not open/)
    await db.close() // idempotent
    await db.waitForIdle() // nothing to wait for, and no error
    const again = await openMem(env)
    assert.equal(str(again.getSync(k)!), '1')
    await again.close()
  })

  test('writes issued while close() is in progress: those before it finish, those after it are refused', async () => {
    const env = new MemEnv()
    const db = await openMem(env)
    const before = db.put(bytes('before'), bytes('1'))
    const closing = db.close()
    await expectError(() => db.put(bytes('after'), bytes('2')), 'LEVEL_DATABASE_NOT_OPEN', 'put while closing')
    await expectError(() => db.getSync(bytes('before')), 'LEVEL_DATABASE_NOT_OPEN', 'read while closing')
    await before
    await closing
    const again = await openMem(env)
    assert.equal(str(again.getSync(bytes('before'))!), '1', 'the write accepted before close() is durable')
    assert.equal(again.getSync(bytes('after')), undefined)
    await again.close()
  })

  test('an iterator after its close(), after all(), and after the database closed: LEVEL_ITERATOR_NOT_OPEN', async () => {
    const env = new MemEnv()
    const db = await openMem(env)
    await db.put(bytes('a'), bytes('1'))
    await db.put(bytes('b'), bytes('2'))

    const closedByCaller = db.iterator()
    assert.deepEqual(closedByCaller.next()?.map((x) => str(x!)), ['a', '1'])
    closedByCaller.close()
    closedByCaller.close() // idempotent
    assert.equal(closedByCaller.closed, true)

    const drained = db.iterator()
    assert.equal(drained.all().length, 2)
    assert.equal(drained.closed, true, 'all() closes the iterator')

    const closedByDb = db.iterator()
    const snapshot = db.snapshot()
    await db.close()
    assert.equal(closedByDb.closed, true, 'closing the database closes its iterators')

    for (const [name, it] of [['closed by its owner', closedByCaller], ['drained by all()', drained], ['closed with the database', closedByDb]] as const) {
      await expectError(() => it.next(), 'LEVEL_ITERATOR_NOT_OPEN', `next() on an iterator ${name}`)
      await expectError(() => it.nextv(5), 'LEVEL_ITERATOR_NOT_OPEN', `nextv() on an iterator ${name}`)
      await expectError(() => it.all(), 'LEVEL_ITERATOR_NOT_OPEN', `all() on an iterator ${name}`)
      // abstract-level ignores seek() on a closed iterator rather than throwing.
      it.seek(bytes('a'))
    }
    // The database is closed: using its snapshot reports that first.
    await expectError(() => db.getSync(bytes('a'), { snapshot }), 'LEVEL_DATABASE_NOT_OPEN', 'snapshot of a closed database')
    snapshot.close() // already closed with the database; idempotent
  })

  test('a closed snapshot is refused by get and iterator, and other snapshots are unaffected', async () => {
    const env = new MemEnv()
    const db = await openMem(env)
    await db.put(bytes('a'), bytes('1'))
    const closed = db.snapshot()
    const open = db.snapshot()
    await db.put(bytes('a'), bytes('2'))
    closed.close()
    closed.close() // idempotent
    for (const [name, call] of [
      ['getSync', () => db.getSync(bytes('a'), { snapshot: closed })],
      ['get', () => db.get(bytes('a'), { snapshot: closed })],
      ['iterator', () => db.iterator({ snapshot: closed })]
    ] as const) {
      const err = await rejection(call, `${name} through a closed snapshot`)
      assert.ok(err instanceof ShaleError, `${name}: a ShaleError, got ${String(err)}`)
      // abstract-level's code is LEVEL_SNAPSHOT_NOT_OPEN; the engine currently says
      // LEVEL_INVALID_ARGUMENT (see bad-input.pending.ts). Either way: refused, and said why.
      assert.ok(err.code === 'LEVEL_SNAPSHOT_NOT_OPEN', `${name}: code ${err.code}`)
      assert.match(err.message, /snapshot/, `${name}: message`)
    }
    assert.equal(str(db.getSync(bytes('a'), { snapshot: open })!), '1', 'the other snapshot still reads its point in time')
    assert.equal(str(db.getSync(bytes('a'))!), '2')
    open.close()
    await assertUnharmed(db, env, [['a', '2']])
  })
})

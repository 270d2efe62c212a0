import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { MemEnv } from '../../src/env/mem-env.js'
import { systemErrorCode } from '../../src/env/env.js'
import { ShaleError } from '../../src/util/errors.js'

const enc = new TextEncoder()
const dec = new TextDecoder()
const bytes = (s: string): Uint8Array => enc.encode(s)

/** A MemEnv with a durable, empty directory /db. */
function freshDb (): MemEnv {
  const env = new MemEnv()
  env.createDir('/db')
  env.syncDir('/')
  return env
}

function write (env: MemEnv, path: string, text: string, sync: boolean): void {
  const f = env.newWritableFile(path)
  f.append(bytes(text))
  if (sync) f.sync()
  f.close()
}

function contents (env: MemEnv): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [path, data] of env.dumpFiles()) out[path] = dec.decode(data)
  return out
}

function assertIoError (fn: () => unknown, code: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof ShaleError)
    assert.equal(err.code, 'LEVEL_IO_ERROR')
    assert.equal(systemErrorCode(err), code)
    return true
  })
}

describe('MemEnv as a plain file system', () => {
  test('write, append, read back, list, size', () => {
    const env = new MemEnv()
    env.createDir('/a/b')
    const f = env.newWritableFile('/a/b/x')
    f.append(bytes('hello '))
    f.append(bytes('world'))
    assert.equal(f.size, 11)
    f.close()
    assert.equal(dec.decode(env.readFile('/a/b/x')), 'hello world')
    assert.equal(env.getFileSize('/a/b/x'), 11)
    assert.deepEqual(env.getChildren('/a'), ['b'])
    assert.deepEqual(env.getChildren('/a/b'), ['x'])
    assert.equal(env.fileExists('/a/b/x'), true)
    assert.equal(env.fileExists('/a/b/y'), false)
    assert.equal(env.fileExists('/a/b/x/z'), false)

    const app = env.newAppendableFile('/a/b/x')
    assert.equal(app.size, 11)
    app.append(bytes('!'))
    app.close()

    const ra = env.newRandomAccessFile('/a/b/x')
    assert.equal(ra.size, 12)
    assert.equal(dec.decode(ra.read(6, 5)), 'world')
    assert.equal(dec.decode(ra.read(10, 100)), 'd!')
    assert.equal(ra.read(50, 10).length, 0)
    // A huge request is bounded by the file, not allocated.
    assert.equal(ra.read(0, 2 ** 40).length, 12)
    ra.close()

    const seq = env.newSequentialFile('a//b/./x')
    assert.equal(dec.decode(seq.read(5)), 'hello')
    seq.skip(1)
    assert.equal(dec.decode(seq.read(100)), 'world!')
    assert.equal(seq.read(10).length, 0)
    seq.close()
  })

  test('read results are copies', () => {
    const env = new MemEnv()
    write(env, '/f', 'abc', false)
    const got = env.readFile('/f')
    got[0] = 0x7a
    assert.equal(dec.decode(env.readFile('/f')), 'abc')
    const ra = env.newRandomAccessFile('/f')
    const part = ra.read(0, 3)
    env.newWritableFile('/f').append(bytes('xyz'))
    assert.equal(dec.decode(part), 'abc')
  })

  test('newWritableFile truncates an existing file', () => {
    const env = new MemEnv()
    write(env, '/f', 'long content', false)
    write(env, '/f', 'new', false)
    assert.equal(dec.decode(env.readFile('/f')), 'new')
  })

  test('rename, remove, directories and their error codes', () => {
    const env = new MemEnv()
    env.createDir('/d')
    write(env, '/d/a', 'A', false)
    write(env, '/d/b', 'B', false)
    env.renameFile('/d/a', '/d/b')
    assert.deepEqual(contents(env), { '/d/b': 'A' })
    env.renameFile('/d/b', '/d/b')
    assert.deepEqual(contents(env), { '/d/b': 'A' })
    assertIoError(() => env.renameFile('/d/missing', '/d/x'), 'ENOENT')
    assertIoError(() => env.readFile('/d/missing'), 'ENOENT')
    assertIoError(() => env.newRandomAccessFile('/d/missing'), 'ENOENT')
    assertIoError(() => env.newWritableFile('/nodir/x'), 'ENOENT')
    assertIoError(() => env.readFile('/d'), 'EISDIR')
    assertIoError(() => env.newWritableFile('/d'), 'EISDIR')
    assertIoError(() => env.removeFile('/d'), 'EISDIR')
    assertIoError(() => env.getChildren('/d/b'), 'ENOTDIR')
    assertIoError(() => env.newWritableFile('/d/b/c'), 'ENOTDIR')
    assertIoError(() => env.removeDir('/d'), 'ENOTEMPTY')
    assertIoError(() => env.removeDir('/d/b'), 'ENOTDIR')
    assertIoError(() => env.createDir('/d/b'), 'EEXIST')
    assertIoError(() => env.syncDir('/nodir'), 'ENOENT')
    env.removeFile('/d/b')
    assertIoError(() => env.removeFile('/d/b'), 'ENOENT')
    env.removeDir('/d')
    assert.deepEqual(env.getChildren('/'), [])
  })

  test('a closed handle refuses use with EBADF', () => {
    const env = new MemEnv()
    const f = env.newWritableFile('/f')
    f.close()
    f.close()
    assertIoError(() => f.append(bytes('x')), 'EBADF')
    assertIoError(() => f.sync(), 'EBADF')
  })

  test('syncAsync makes data durable like sync', async () => {
    const env = freshDb()
    const f = env.newWritableFile('/db/log')
    env.syncDir('/db')
    f.append(bytes('abc'))
    await f.syncAsync()
    f.append(bytes('def'))
    env.powerLoss()
    assert.deepEqual(contents(env), { '/db/log': 'abc' })
    await assert.rejects(f.syncAsync(), (err: unknown) => systemErrorCode(err) === 'EBADF')
  })

  test('lock: in-process exclusion, LOCK created, released by unlock and by a crash', () => {
    const env = freshDb()
    const lock = env.lockFile('/db/LOCK')
    assert.equal(env.fileExists('/db/LOCK'), true)
    assert.throws(() => env.lockFile('/db/LOCK'), (err: unknown) => err instanceof ShaleError && err.code === 'LEVEL_LOCKED')
    assert.throws(() => env.lockFile('/db/./LOCK'), (err: unknown) => err instanceof ShaleError && err.code === 'LEVEL_LOCKED')
    env.unlockFile(lock)
    assert.equal(env.fileExists('/db/LOCK'), true, 'LOCK is never deleted')
    const again = env.lockFile('/db/LOCK')
    env.processCrash()
    const afterCrash = env.lockFile('/db/LOCK')
    env.unlockFile(again) // stale: must not release the new holder
    assert.throws(() => env.lockFile('/db/LOCK'), (err: unknown) => err instanceof ShaleError && err.code === 'LEVEL_LOCKED')
    env.unlockFile(afterCrash)
    env.unlockFile(env.lockFile('/db/LOCK'))
  })
})

describe('MemEnv power loss', () => {
  test('keeps synced data, drops what was appended after the last sync', () => {
    const env = freshDb()
    const f = env.newWritableFile('/db/000003.log')
    f.append(bytes('abc'))
    f.sync()
    f.append(bytes('def'))
    env.syncDir('/db')
    assert.equal(dec.decode(env.readFile('/db/000003.log')), 'abcdef')
    env.powerLoss()
    assert.deepEqual(contents(env), { '/db/000003.log': 'abc' })
  })

  test('a file whose entry was never made durable vanishes, even with synced data', () => {
    const env = freshDb()
    write(env, '/db/synced-data', 'data', true)
    env.powerLoss()
    assert.deepEqual(contents(env), {})
  })

  test('a durable entry with unsynced data comes back empty', () => {
    const env = freshDb()
    write(env, '/db/CURRENT', 'MANIFEST-000002\n', false)
    env.syncDir('/db')
    env.powerLoss()
    assert.deepEqual(contents(env), { '/db/CURRENT': '' })
  })

  test('rename over an existing file, power lost before the syncDir: both names come back', () => {
    const env = freshDb()
    write(env, '/db/CURRENT', 'old', true)
    env.syncDir('/db')
    write(env, '/db/temp', 'new', true)
    env.syncDir('/db')
    env.renameFile('/db/temp', '/db/CURRENT')
    assert.deepEqual(contents(env), { '/db/CURRENT': 'new' })
    env.powerLoss()
    assert.deepEqual(contents(env), { '/db/CURRENT': 'old', '/db/temp': 'new' })
  })

  test('rename over an existing file, power lost after the syncDir: the new content stays', () => {
    const env = freshDb()
    write(env, '/db/CURRENT', 'old', true)
    env.syncDir('/db')
    write(env, '/db/temp', 'new', true)
    env.renameFile('/db/temp', '/db/CURRENT')
    env.syncDir('/db')
    env.powerLoss()
    assert.deepEqual(contents(env), { '/db/CURRENT': 'new' })
  })

  test('a rename not yet durable: the old name comes back with the synced content only', () => {
    const env = freshDb()
    const f = env.newWritableFile('/db/a')
    env.syncDir('/db')
    f.append(bytes('synced'))
    f.sync()
    f.append(bytes('+unsynced'))
    f.close()
    env.renameFile('/db/a', '/db/b')
    env.powerLoss()
    assert.deepEqual(contents(env), { '/db/a': 'synced' })
  })

  test('a removal is undone by a power loss, unless its directory was synced', () => {
    const env = freshDb()
    write(env, '/db/old.ldb', 'table', true)
    write(env, '/db/gone.ldb', 'table2', true)
    env.syncDir('/db')
    env.removeFile('/db/old.ldb')
    const copy = env.clone()
    env.powerLoss()
    assert.deepEqual(contents(env), { '/db/gone.ldb': 'table2', '/db/old.ldb': 'table' })
    copy.syncDir('/db')
    copy.powerLoss()
    assert.deepEqual(contents(copy), { '/db/gone.ldb': 'table2' })
  })

  test('reopening a synced file for writing: the truncation is lost with the power', () => {
    const env = freshDb()
    write(env, '/db/f', 'synced v1', true)
    env.syncDir('/db')
    write(env, '/db/f', 'v2', false)
    env.powerLoss()
    assert.deepEqual(contents(env), { '/db/f': 'synced v1' })
    write(env, '/db/f', 'v3', true)
    env.powerLoss()
    assert.deepEqual(contents(env), { '/db/f': 'v3' })
  })

  test('a new directory needs a sync of its parent', () => {
    const env = new MemEnv()
    env.createDir('/x/y')
    env.syncDir('/x')
    write(env, '/x/y/f', 'data', true)
    env.syncDir('/x/y')
    const copy = env.clone()
    env.powerLoss()
    assert.deepEqual(env.getChildren('/'), [])
    copy.syncDir('/')
    copy.powerLoss()
    assert.deepEqual(contents(copy), { '/x/y/f': 'data' })
  })

  test('handles opened before the crash refuse use; new handles work', () => {
    const env = freshDb()
    const f = env.newWritableFile('/db/log')
    env.syncDir('/db')
    const r = env.newSequentialFile('/db/log')
    env.powerLoss()
    assertIoError(() => f.append(bytes('x')), 'EBADF')
    assertIoError(() => f.sync(), 'EBADF')
    assertIoError(() => r.read(1), 'EBADF')
    assert.equal(env.newSequentialFile('/db/log').read(10).length, 0)
    const g = env.newAppendableFile('/db/log')
    g.append(bytes('after'))
    assert.equal(dec.decode(env.readFile('/db/log')), 'after')
  })

  test('a crash of the process keeps all data, and a later power loss can still drop it', () => {
    const env = freshDb()
    write(env, '/db/a', 'durable', true)
    env.syncDir('/db')
    const f = env.newAppendableFile('/db/a')
    f.append(bytes('+handed to the OS'))
    write(env, '/db/b', 'new file', false)
    env.processCrash()
    assert.deepEqual(contents(env), { '/db/a': 'durable+handed to the OS', '/db/b': 'new file' })
    assertIoError(() => f.append(bytes('x')), 'EBADF')
    env.powerLoss()
    assert.deepEqual(contents(env), { '/db/a': 'durable' })
  })

  test('clone is deep: crashing a copy leaves the original running', () => {
    const env = freshDb()
    const f = env.newWritableFile('/db/log')
    env.syncDir('/db')
    f.append(bytes('one'))
    f.sync()
    f.append(bytes('two'))
    const copy = env.clone()
    copy.powerLoss()
    assert.deepEqual(contents(copy), { '/db/log': 'one' })
    f.append(bytes('three'))
    assert.deepEqual(contents(env), { '/db/log': 'onetwothree' })
    copy.newAppendableFile('/db/log').append(bytes('X'))
    assert.deepEqual(contents(env), { '/db/log': 'onetwothree' })
    env.powerLoss()
    assert.deepEqual(contents(env), { '/db/log': 'one' })
  })
})

describe("MemEnv's LevelDB reset variants", () => {
  function scenario (): MemEnv {
    const env = freshDb()
    write(env, '/db/old', 'old-synced', true)
    env.syncDir('/db')
    const f = env.newAppendableFile('/db/old')
    f.append(bytes('+unsynced'))
    write(env, '/db/new-synced', 'new', true)
    write(env, '/db/new-unsynced', 'fresh', false)
    env.removeFile('/db/old')
    write(env, '/db/old', 'recreated', false)
    return env
  }

  test('dropUnsyncedData truncates every file to its last sync and keeps all entries', () => {
    const env = freshDb()
    write(env, '/db/a', 'synced', true)
    env.syncDir('/db')
    env.newAppendableFile('/db/a').append(bytes('+more'))
    write(env, '/db/b', 'never synced', false)
    write(env, '/db/c', 'synced, entry not', true)
    env.removeFile('/db/a')
    write(env, '/db/d', 'x', false)
    env.renameFile('/db/d', '/db/a')
    env.dropUnsyncedData()
    assert.deepEqual(contents(env), { '/db/a': '', '/db/b': '', '/db/c': 'synced, entry not' })
    // What survived is now on disk: a power loss changes nothing more.
    env.powerLoss()
    assert.deepEqual(contents(env), { '/db/a': '', '/db/b': '', '/db/c': 'synced, entry not' })
  })

  test('deleteUnsyncedFiles deletes files created since the last syncDir and keeps all data of the rest', () => {
    const env = freshDb()
    write(env, '/db/a', 'synced', true)
    env.syncDir('/db')
    env.newAppendableFile('/db/a').append(bytes('+more'))
    write(env, '/db/b', 'never synced', false)
    write(env, '/db/c', 'synced, entry not', true)
    env.deleteUnsyncedFiles()
    assert.deepEqual(contents(env), { '/db/a': 'synced+more' })
    env.powerLoss()
    assert.deepEqual(contents(env), { '/db/a': 'synced+more' })
  })

  test('the three resets differ on one scenario', () => {
    const a = scenario()
    const b = a.clone()
    const c = a.clone()
    a.powerLoss()
    b.dropUnsyncedData()
    c.deleteUnsyncedFiles()
    assert.deepEqual(contents(a), { '/db/old': 'old-synced' })
    assert.deepEqual(contents(b), { '/db/new-synced': 'new', '/db/new-unsynced': '', '/db/old': '' })
    assert.deepEqual(contents(c), { '/db/old': 'recreated' })
  })
})

// An independent oracle for one directory: names point to file ids; each file has current and
// synced bytes; the directory has current and durable name tables. Random operations run on both.
describe('MemEnv power loss against a flat model', () => {
  type Op =
    | { kind: 'create', name: number }
    | { kind: 'append', name: number, data: number[] }
    | { kind: 'sync', name: number }
    | { kind: 'rename', from: number, to: number }
    | { kind: 'remove', name: number }
    | { kind: 'syncDir' }
    | { kind: 'powerLoss' }

  const name = fc.integer({ min: 0, max: 3 })
  const op: fc.Arbitrary<Op> = fc.oneof(
    fc.record({ kind: fc.constant('create' as const), name }),
    fc.record({ kind: fc.constant('append' as const), name, data: fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 5 }) }),
    fc.record({ kind: fc.constant('sync' as const), name }),
    fc.record({ kind: fc.constant('rename' as const), from: name, to: name }),
    fc.record({ kind: fc.constant('remove' as const), name }),
    fc.constant({ kind: 'syncDir' as const }),
    fc.constant({ kind: 'powerLoss' as const })
  )

  test('random histories end in the state the model predicts', () => {
    fc.assert(fc.property(fc.array(op, { maxLength: 60, size: 'max' }), (ops) => {
      const env = freshDb()
      const files: Array<{ data: number[], synced: number[] }> = []
      let current = new Map<number, number>()
      let durable = new Map<number, number>()
      const path = (n: number): string => `/db/f${n}`
      for (const o of ops) {
        switch (o.kind) {
          case 'create': {
            const id = current.get(o.name)
            if (id === undefined) {
              files.push({ data: [], synced: [] })
              current.set(o.name, files.length - 1)
            } else {
              files[id]!.data = []
            }
            env.newWritableFile(path(o.name)).close()
            break
          }
          case 'append': {
            const id = current.get(o.name)
            if (id === undefined) break
            files[id]!.data.push(...o.data)
            env.newAppendableFile(path(o.name)).append(Uint8Array.from(o.data))
            break
          }
          case 'sync': {
            const id = current.get(o.name)
            if (id === undefined) break
            files[id]!.synced = [...files[id]!.data]
            env.newAppendableFile(path(o.name)).sync()
            break
          }
          case 'rename': {
            const id = current.get(o.from)
            if (id === undefined) break
            current.delete(o.from)
            current.set(o.to, id)
            env.renameFile(path(o.from), path(o.to))
            break
          }
          case 'remove': {
            if (!current.has(o.name)) break
            current.delete(o.name)
            env.removeFile(path(o.name))
            break
          }
          case 'syncDir':
            durable = new Map(current)
            env.syncDir('/db')
            break
          case 'powerLoss':
            current = new Map(durable)
            for (const id of new Set(current.values())) files[id]!.data = [...files[id]!.synced]
            env.powerLoss()
            break
        }
        const expected: Record<string, string> = {}
        for (const [n, id] of [...current].sort((x, y) => x[0] - y[0])) {
          expected[path(n)] = dec.decode(Uint8Array.from(files[id]!.data))
        }
        assert.deepEqual(contents(env), expected)
      }
    }), { seed: 42, numRuns: 400 })
  })
})

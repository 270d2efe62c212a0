import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { NodeEnv } from '../../src/env/node-env.js'
import { isNotFound, systemErrorCode } from '../../src/env/env.js'
import { ShaleError } from '../../src/util/errors.js'

const enc = new TextEncoder()
const dec = new TextDecoder()

function assertIoError (fn: () => unknown, code: string, path: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof ShaleError, `expected a ShaleError, got ${String(err)}`)
    assert.equal(err.code, 'LEVEL_IO_ERROR')
    assert.equal((err.cause as NodeJS.ErrnoException).code, code)
    assert.equal(systemErrorCode(err), code)
    assert.ok(err.message.includes(path), `message names the path: ${err.message}`)
    assert.ok(err.message.includes(code), `message names the code: ${err.message}`)
    return true
  })
}

describe('NodeEnv', () => {
  let dir: string
  const env = new NodeEnv()
  before(() => { dir = mkdtempSync(join(tmpdir(), 'shale-env-')) })
  after(() => { rmSync(dir, { recursive: true, force: true }) })

  test('writable, appendable, random-access and sequential files', () => {
    const path = join(dir, 'f')
    const w = env.newWritableFile(path)
    w.append(enc.encode('hello '))
    w.append(enc.encode('world'))
    assert.equal(w.size, 11)
    w.sync()
    w.close()
    assert.equal(readFileSync(path, 'utf8'), 'hello world')

    const a = env.newAppendableFile(path)
    assert.equal(a.size, 11)
    a.append(enc.encode('!'))
    a.close()

    const r = env.newRandomAccessFile(path)
    assert.equal(r.size, 12)
    assert.equal(dec.decode(r.read(6, 5)), 'world')
    assert.equal(dec.decode(r.read(10, 100)), 'd!')
    assert.equal(r.read(100, 10).length, 0)
    // A corrupt handle may ask for a terabyte: the read is bounded by the file.
    assert.equal(r.read(0, 2 ** 40).length, 12)
    r.close()

    const s = env.newSequentialFile(path)
    assert.equal(dec.decode(s.read(5)), 'hello')
    s.skip(1)
    assert.equal(dec.decode(s.read(1 << 20)), 'world!')
    assert.equal(s.read(10).length, 0)
    s.close()

    const all = env.readFile(path)
    assert.equal(Object.getPrototypeOf(all), Uint8Array.prototype, 'plain Uint8Array, not a Buffer')
    assert.equal(dec.decode(all), 'hello world!')
    assert.equal(env.getFileSize(path), 12)
  })

  test('a random-access file sees data appended after it was opened', () => {
    const path = join(dir, 'growing')
    const w = env.newWritableFile(path)
    w.append(enc.encode('abc'))
    const r = env.newRandomAccessFile(path)
    w.append(enc.encode('def'))
    assert.equal(dec.decode(r.read(0, 6)), 'abcdef')
    r.close()
    w.close()
  })

  test('newWritableFile truncates; rename replaces; remove; list; exists', () => {
    const a = join(dir, 'a')
    const b = join(dir, 'b')
    writeFileSync(a, 'long old content')
    const w = env.newWritableFile(a)
    w.append(enc.encode('A'))
    w.close()
    writeFileSync(b, 'B')
    env.renameFile(a, b)
    assert.equal(readFileSync(b, 'utf8'), 'A')
    assert.equal(env.fileExists(a), false)
    assert.equal(env.fileExists(b), true)
    assert.equal(env.fileExists(join(b, 'under-a-file')), false)
    assert.ok(env.getChildren(dir).includes('b'))
    env.removeFile(b)
    assert.equal(existsSync(b), false)
  })

  test('directories: recursive create, sync, remove', () => {
    const deep = join(dir, 'x', 'y', 'z')
    env.createDir(deep)
    env.createDir(deep)
    env.syncDir(deep)
    env.syncDir(dir)
    assert.deepEqual(env.getChildren(join(dir, 'x')), ['y'])
    env.removeDir(deep)
    env.removeDir(join(dir, 'x', 'y'))
    env.removeDir(join(dir, 'x'))
    assert.equal(existsSync(join(dir, 'x')), false)
  })

  test('errors are LEVEL_IO_ERROR naming the path and the system code', () => {
    const missing = join(dir, 'missing')
    assertIoError(() => env.newRandomAccessFile(missing), 'ENOENT', missing)
    assertIoError(() => env.newSequentialFile(missing), 'ENOENT', missing)
    assertIoError(() => env.readFile(missing), 'ENOENT', missing)
    assertIoError(() => env.getFileSize(missing), 'ENOENT', missing)
    assertIoError(() => env.removeFile(missing), 'ENOENT', missing)
    assertIoError(() => env.renameFile(missing, join(dir, 'to')), 'ENOENT', missing)
    assertIoError(() => env.getChildren(missing), 'ENOENT', missing)
    assertIoError(() => env.syncDir(missing), 'ENOENT', missing)
    assertIoError(() => env.newWritableFile(join(missing, 'f')), 'ENOENT', missing)
    assert.ok(isNotFound(catchError(() => env.readFile(missing))))

    const sub = join(dir, 'nonempty')
    env.createDir(sub)
    writeFileSync(join(sub, 'f'), '')
    assertIoError(() => env.removeDir(sub), 'ENOTEMPTY', sub)
    assertIoError(() => env.getChildren(join(sub, 'f')), 'ENOTDIR', join(sub, 'f'))
    assertIoError(() => env.newWritableFile(sub), 'EISDIR', sub)
  })

  test('ENOSPC from the device reaches the caller with its code (/dev/full)', { skip: !existsSync('/dev/full') }, () => {
    const w = env.newWritableFile('/dev/full')
    assertIoError(() => w.append(new Uint8Array(10)), 'ENOSPC', '/dev/full')
    w.close()
  })

  test('a closed handle refuses use with EBADF; closing twice is harmless', () => {
    const path = join(dir, 'closed')
    const w = env.newWritableFile(path)
    w.close()
    w.close()
    assertIoError(() => w.append(enc.encode('x')), 'EBADF', path)
    assertIoError(() => w.sync(), 'EBADF', path)
    const r = env.newRandomAccessFile(path)
    r.close()
    assertIoError(() => r.read(0, 1), 'EBADF', path)
  })

  test('syncAsync, including a close while syncs are running', async () => {
    const path = join(dir, 'async')
    const w = env.newWritableFile(path)
    w.append(enc.encode('one'))
    await w.syncAsync()
    w.append(enc.encode('two'))
    const pending = [w.syncAsync(), w.syncAsync()]
    w.close()
    await Promise.all(pending)
    await assert.rejects(w.syncAsync(), (err: unknown) => systemErrorCode(err) === 'EBADF')
    assert.equal(readFileSync(path, 'utf8'), 'onetwo')
  })

  test('bad read arguments are LEVEL_INVALID_ARGUMENT, not a RangeError', () => {
    const path = join(dir, 'args')
    writeFileSync(path, 'abc')
    const r = env.newRandomAccessFile(path)
    assert.throws(() => r.read(-1, 1), (err: unknown) => err instanceof ShaleError && err.code === 'LEVEL_INVALID_ARGUMENT')
    assert.throws(() => r.read(2 ** 64, 1), (err: unknown) => err instanceof ShaleError && err.code === 'LEVEL_INVALID_ARGUMENT')
    r.close()
  })
})

function catchError (fn: () => unknown): unknown {
  try {
    fn()
  } catch (err) {
    return err
  }
  assert.fail('expected an error')
}

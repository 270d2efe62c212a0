// MemEnv must behave as the real file system does (short of crashes): the same random sequence
// of calls on MemEnv and on NodeEnv in a temporary directory gives the same results, the same
// error codes and the same files.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import type { Env } from '../../src/env/env.js'
import { systemErrorCode } from '../../src/env/env.js'
import { MemEnv } from '../../src/env/mem-env.js'
import { NodeEnv } from '../../src/env/node-env.js'
import { ShaleError } from '../../src/util/errors.js'

// Names at the top level, and one level down under a name that may be a directory, a file or
// nothing. Renames stay within one parent (MemEnv moves directories only within their parent).
// Few names and a flat choice of kinds, so that sequences often hit the interesting collisions
// (a file where a directory is expected, a rename over a non-empty directory...).
const anyName = fc.oneof(
  { arbitrary: fc.constantFrom('a', 'b'), weight: 2 },
  { arbitrary: fc.constantFrom('a/x', 'a/y', 'b/x'), weight: 1 }
)

const KINDS = ['write', 'append', 'read', 'remove', 'mkdir', 'rmdir', 'list', 'exists', 'size', 'syncDir', 'rename'] as const

type Op =
  | { kind: 'write' | 'append', path: string, data: Uint8Array }
  | { kind: 'read' | 'remove' | 'mkdir' | 'rmdir' | 'list' | 'exists' | 'size' | 'syncDir', path: string }
  | { kind: 'rename', from: string, to: string }

const op: fc.Arbitrary<Op> = fc.record({
  kind: fc.constantFrom(...KINDS),
  path: anyName,
  other: fc.constantFrom('a', 'b', 'x', 'y'),
  data: fc.uint8Array({ minLength: 0, maxLength: 6 })
}).map(({ kind, path, other, data }): Op => {
  if (kind === 'write' || kind === 'append') return { kind, path, data }
  if (kind !== 'rename') return { kind, path }
  const slash = path.lastIndexOf('/')
  return { kind, from: path, to: slash < 0 ? other.replace('x', 'a').replace('y', 'b') : path.slice(0, slash + 1) + other.replace('a', 'x').replace('b', 'y') }
})

function apply (env: Env, root: string, o: Op): unknown {
  const p = (name: string): string => root + '/' + name
  try {
    switch (o.kind) {
      case 'write':
      case 'append': {
        const f = o.kind === 'write' ? env.newWritableFile(p(o.path)) : env.newAppendableFile(p(o.path))
        f.append(o.data)
        const size = f.size
        f.close()
        return size
      }
      case 'read': return Array.from(env.readFile(p(o.path)))
      case 'remove': env.removeFile(p(o.path)); return 'ok'
      case 'mkdir': env.createDir(p(o.path)); return 'ok'
      case 'rmdir': env.removeDir(p(o.path)); return 'ok'
      case 'list': return env.getChildren(p(o.path)).sort()
      case 'exists': return env.fileExists(p(o.path))
      // Directory sizes differ (a real directory has blocks), so only files are compared.
      case 'size': return isDir(env, p(o.path)) ? 'dir' : env.getFileSize(p(o.path))
      case 'syncDir': env.syncDir(p(o.path)); return 'ok'
      case 'rename': env.renameFile(p(o.from), p(o.to)); return 'ok'
    }
  } catch (err) {
    assert.ok(err instanceof ShaleError && err.code === 'LEVEL_IO_ERROR', `unexpected ${String(err)}`)
    return `error ${systemErrorCode(err) ?? '?'}`
  }
}

function isDir (env: Env, path: string): boolean {
  try {
    env.getChildren(path)
    return true
  } catch {
    return false
  }
}

function tree (env: Env, dir: string): unknown {
  const out: Record<string, unknown> = {}
  for (const name of env.getChildren(dir).sort()) {
    const path = dir + '/' + name
    out[name] = isDir(env, path) ? tree(env, path) : Array.from(env.readFile(path))
  }
  return out
}

test('MemEnv and NodeEnv agree on random call sequences', () => {
  const base = mkdtempSync(join(tmpdir(), 'shale-contract-'))
  let run = 0
  try {
    fc.assert(fc.property(fc.array(op, { maxLength: 40, size: 'max' }), (ops) => {
      const root = join(base, String(run++))
      const node = new NodeEnv()
      node.createDir(root)
      const mem = new MemEnv()
      mem.createDir('/r')
      for (const [i, o] of ops.entries()) {
        // syncDir of a regular file is allowed by Linux (fsync works on files); MemEnv refuses
        // it. Engines only sync directories, so that case is not compared.
        if (o.kind === 'syncDir' && !isDir(node, root + '/' + o.path)) continue
        const got = apply(mem, '/r', o)
        const want = apply(node, root, o)
        assert.deepEqual(got, want, `step ${i}: ${JSON.stringify(o)}`)
      }
      assert.deepEqual(tree(mem, '/r'), tree(node, root))
    }), { seed: 42, numRuns: 300 })
  } finally {
    rmSync(base, { recursive: true, force: true })
  }
})

test('readInto reads what read() reads, into a caller buffer, on MemEnv and NodeEnv', () => {
  const root = mkdtempSync(join(tmpdir(), 'shale-readinto-'))
  try {
    const data = Uint8Array.from({ length: 1000 }, (_, i) => (i * 7) & 255)
    for (const [env, dir] of [[new MemEnv(), '/r'], [new NodeEnv(), root]] as const) {
      env.createDir(dir)
      const w = env.newWritableFile(dir + '/f')
      w.append(data)
      w.close()
      const file = env.newRandomAccessFile(dir + '/f')
      assert.ok(file.readInto !== undefined)
      for (const [offset, length, at] of [[0, 1000, 0], [10, 100, 5], [990, 50, 3], [1000, 8, 0], [1200, 8, 0]] as const) {
        const dst = new Uint8Array(length + at + 2).fill(0xee)
        const n = file.readInto(offset, length, dst, at)
        const want = file.read(offset, length)
        assert.equal(n, want.length, `${env.constructor.name} at ${offset}`)
        assert.deepEqual(dst.subarray(at, at + n), want)
        // Bytes outside the range read are untouched.
        assert.ok(dst.subarray(0, at).every((b) => b === 0xee) && dst.subarray(at + n).every((b) => b === 0xee))
      }
      assert.throws(() => file.readInto!(0, 10, new Uint8Array(5), 0), (err: unknown) => err instanceof ShaleError && err.code === 'LEVEL_INVALID_ARGUMENT')
      file.close()
    }
  } finally {
    rmSync(root, { recursive: true, force: true })
  }
})

// ReadableEntries: the entries of a damaged table that can still be read, without the keys the
// caller refuses and without the corruption the table iterator kept; other errors still surface.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ReadableEntries } from '../../src/table/readable-entries.js'
import { corruption, ioError } from '../../src/util/errors.js'
import type { InternalIterator } from '../../src/util/iterator.js'

/** An iterator over fixed keys whose checkError() throws `error`. */
function listIterator (keys: string[], error?: unknown): InternalIterator {
  let i = keys.length
  return {
    valid: () => i >= 0 && i < keys.length,
    seekToFirst: () => { i = 0 },
    seekToLast: () => { i = keys.length - 1 },
    seek: (t) => { i = keys.findIndex((k) => k >= new TextDecoder().decode(t)); if (i < 0) i = keys.length },
    next: () => { i++ },
    prev: () => { i = i === 0 ? keys.length : i - 1 },
    key: () => new TextEncoder().encode(keys[i]),
    value: () => new TextEncoder().encode('v' + keys[i]!),
    checkError: () => { if (error !== undefined) throw error },
    close: () => {}
  }
}

const keep = (key: Uint8Array): boolean => key[0] !== 0x78 // 'x' marks a key to skip

function walk (it: InternalIterator, reverse = false): string[] {
  const out: string[] = []
  for (reverse ? it.seekToLast() : it.seekToFirst(); it.valid(); reverse ? it.prev() : it.next()) out.push(new TextDecoder().decode(it.key()))
  return out
}

test('skips refused keys in both directions and on seek', () => {
  const it = new ReadableEntries(listIterator(['a', 'xb', 'c', 'xd', 'e', 'xf']), keep)
  assert.deepEqual(walk(it), ['a', 'c', 'e'])
  assert.deepEqual(walk(it, true), ['e', 'c', 'a'])
  it.seek(new TextEncoder().encode('b'))
  assert.equal(new TextDecoder().decode(it.key()), 'c')
})

test('swallows the corruption the table kept, and only that', () => {
  new ReadableEntries(listIterator(['a'], corruption('bad block')), keep).checkError()
  assert.throws(() => { new ReadableEntries(listIterator(['a'], ioError('EIO')), keep).checkError() }, /EIO/)
})

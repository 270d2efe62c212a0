// Byte and iteration helpers shared by the crash harness and the tests: latin1 strings to bytes
// and back, hex for messages, and a database's whole contents as [key, value] pairs.

import assert from 'node:assert/strict'
import type { DB } from '../../src/db/db.js'
import type { DBIteratorHandle, Entry, IteratorOptions } from '../../src/db/api.js'

export function bytes (s: string): Uint8Array {
  return new Uint8Array(Buffer.from(s, 'latin1'))
}

export function str (b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1')
}

export function hex (b: Uint8Array | undefined): string {
  if (b === undefined) return '(undefined)'
  const h = Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex')
  return h.length > 80 ? `${h.slice(0, 80)}...(${b.length} bytes)` : h
}

export function drain (it: DBIteratorHandle): Array<[Uint8Array, Uint8Array]> {
  try {
    return it.all().map(asPair)
  } finally {
    it.close()
  }
}

export function scan (db: DB, options: IteratorOptions = {}): Array<[Uint8Array, Uint8Array]> {
  return drain(db.iterator(options))
}

export function asPair (e: Entry): [Uint8Array, Uint8Array] {
  const [k, v] = e
  assert.ok(k instanceof Uint8Array && v instanceof Uint8Array, 'iterator entries hold a key and a value')
  return [k, v]
}

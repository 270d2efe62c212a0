// Test doubles and generators shared by the table tests: an in-memory random-access file
// (independent of the engine's own in-memory Env), a comparator that orders
// keys by their reversed bytes, and key generators over the shared seeded random generator.

import { Random } from '../../src/util/random.js'
import { bytewiseComparator, type Comparator } from '../../src/util/comparator.js'
import type { RandomAccessFile } from '../../src/env/env.js'
import { TableBuilder, type TableOptions } from '../../src/table/table-builder.js'
import { Table, type TableOpenOptions } from '../../src/table/table.js'
import { MemoryWritableFile } from '../log/helpers.js'

export { MemoryWritableFile }

export class MemoryRandomAccessFile implements RandomAccessFile {
  readonly bytes: Uint8Array
  reads = 0
  bytesRead = 0

  constructor (bytes: Uint8Array) {
    this.bytes = bytes
  }

  read (offset: number, length: number): Uint8Array {
    if (offset < 0 || length < 0) throw new RangeError('negative read')
    this.reads++
    const out = this.bytes.slice(offset, Math.min(this.bytes.length, offset + length))
    this.bytesRead += out.length
    return out
  }

  get size (): number {
    return this.bytes.length
  }

  close (): void {}
}

/** Orders keys by their bytes read back to front (a comparator unlike bytewise, for the harness). */
export const reverseBytewiseComparator: Comparator = {
  name: 'shale.test.ReverseBytewiseComparator',
  compare (a, b) {
    const n = Math.min(a.length, b.length)
    for (let i = 1; i <= n; i++) {
      const d = a[a.length - i]! - b[b.length - i]!
      if (d !== 0) return d
    }
    return a.length - b.length
  },
  findShortestSeparator (start, limit) {
    return reversed(bytewiseComparator.findShortestSeparator(reversed(start), reversed(limit)))
  },
  findShortSuccessor (key) {
    return reversed(bytewiseComparator.findShortSuccessor(reversed(key)))
  }
}

function reversed (b: Uint8Array): Uint8Array {
  return b.slice().reverse()
}

/** The shared seeded generator, with the key and value shapes the table tests want. */
export class Rng extends Random {
  /** Favours small numbers: uniform in [0, 2^k) for k uniform in [0, maxLog]. */
  skewed (maxLog: number): number {
    return this.uniform(2 ** this.uniform(maxLog + 1))
  }

  /** Random printable ASCII bytes. */
  printable (length: number): Uint8Array {
    const out = new Uint8Array(length)
    for (let i = 0; i < length; i++) out[i] = 0x20 + this.uniform(95)
    return out
  }

  /** Keys over a small alphabet that includes the extreme bytes, so prefixes and 0xff runs occur. */
  key (length: number): Uint8Array {
    const alphabet = [0x00, 0x01, 0x61, 0x62, 0x63, 0x64, 0x65, 0xfd, 0xfe, 0xff]
    const out = new Uint8Array(length)
    for (let i = 0; i < length; i++) out[i] = alphabet[this.uniform(alphabet.length)]!
    return out
  }
}

/** Sorts entries by `cmp` and drops later duplicates of equal keys. */
export function sortedUnique (entries: Array<[Uint8Array, Uint8Array]>, cmp: Comparator): Array<[Uint8Array, Uint8Array]> {
  const sorted = entries.slice().sort((a, b) => cmp.compare(a[0], b[0]))
  const out: Array<[Uint8Array, Uint8Array]> = []
  for (const e of sorted) {
    if (out.length === 0 || cmp.compare(out[out.length - 1]![0], e[0]) !== 0) out.push(e)
  }
  return out
}

/** Index of the first entry whose key is >= target under `cmp`. */
export function lowerBound (entries: ReadonlyArray<[Uint8Array, Uint8Array]>, target: Uint8Array, cmp: Comparator): number {
  let lo = 0
  let hi = entries.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (cmp.compare(entries[mid]![0], target) < 0) lo = mid + 1
    else hi = mid
  }
  return lo
}

/** Builds a table from sorted entries and returns its bytes. */
export function buildTableBytes (entries: ReadonlyArray<readonly [Uint8Array, Uint8Array]>, options: Partial<TableOptions> = {}): Uint8Array {
  const file = new MemoryWritableFile()
  const builder = new TableBuilder(file, { comparator: bytewiseComparator, compression: 'none', ...options })
  for (const [k, v] of entries) builder.add(k, v)
  const size = builder.finish()
  const bytes = file.contents()
  if (size !== bytes.length) throw new Error(`finish() said ${size} bytes, file has ${bytes.length}`)
  return bytes
}

export function openTable (bytes: Uint8Array, options: Partial<TableOpenOptions> = {}): { table: Table, file: MemoryRandomAccessFile } {
  const file = new MemoryRandomAccessFile(bytes)
  const table = Table.open(file, bytes.length, { comparator: bytewiseComparator, fileName: '000005.ldb', ...options })
  return { table, file }
}

export function hex (b: Uint8Array): string {
  return Buffer.from(b).toString('hex')
}

// Builds one block: prefix-compressed entries followed by the restart array (doc/table.md,
// "Blocks"). Every `restartInterval` entries the key is stored whole, so a reader can binary-search
// the restart points and decode forward from any of them.
//
// The builder owns two growable buffers (entries and last key) that survive reset(), so a table
// builder can reuse one BlockBuilder for every data block without allocating per block.

import { ByteWriter, copyRange } from '../util/coding.js'
import { invalidArgument } from '../util/errors.js'

export class BlockBuilder {
  readonly restartInterval: number
  private readonly out = new ByteWriter(4096)
  private restarts: number[] = [0]
  /** Entries since the last restart point. */
  private counter = 0
  private finished = false
  private lastKey = new Uint8Array(64)
  private lastKeyLength = 0

  constructor (restartInterval: number) {
    if (!Number.isInteger(restartInterval) || restartInterval < 1) {
      throw invalidArgument(`block restart interval must be a positive integer, got ${restartInterval}`)
    }
    this.restartInterval = restartInterval
  }

  /** Forgets all entries, keeping the buffers. */
  reset (): void {
    this.out.reset()
    this.restarts.length = 1
    this.restarts[0] = 0
    this.counter = 0
    this.finished = false
    this.lastKeyLength = 0
  }

  isEmpty (): boolean {
    return this.out.length === 0
  }

  /** Size of the block if finished now: entries, the restart array and its count. */
  currentSizeEstimate (): number {
    return this.out.length + this.restarts.length * 4 + 4
  }

  /**
   * Appends an entry. Keys must increase in the order of whatever comparator the block will be read
   * with; the table builder checks that, this class does not.
   */
  add (key: Uint8Array, value: Uint8Array): void {
    if (this.finished) throw new Error('BlockBuilder.add after finish')
    let shared = 0
    if (this.counter < this.restartInterval) {
      const last = this.lastKey
      const max = Math.min(this.lastKeyLength, key.length)
      while (shared < max && last[shared] === key[shared]) shared++
    } else {
      this.restarts.push(this.out.length)
      this.counter = 0
    }
    const nonShared = key.length - shared
    const out = this.out
    out.ensure(15 + nonShared + value.length)
    // Three varint32s; the common case (all < 128) is a single byte each.
    const buf = out.buf
    if (shared < 128 && nonShared < 128 && value.length < 128) {
      buf[out.length] = shared
      buf[out.length + 1] = nonShared
      buf[out.length + 2] = value.length
      out.length += 3
    } else {
      out.varint(shared)
      out.varint(nonShared)
      out.varint(value.length)
    }
    copyRange(key, shared, key.length, buf, out.length)
    out.length += nonShared
    out.buf.set(value, out.length)
    out.length += value.length

    this.rememberLastKey(key, shared)
    this.counter++
  }

  /**
   * Appends the restart array and returns the block's bytes: a view into the builder's buffer,
   * valid until reset().
   */
  finish (): Uint8Array {
    if (!this.finished) {
      const out = this.out
      for (const r of this.restarts) out.fixed32(r)
      out.fixed32(this.restarts.length)
      this.finished = true
    }
    return this.out.view()
  }

  private rememberLastKey (key: Uint8Array, shared: number): void {
    if (this.lastKey.length < key.length) {
      const grown = new Uint8Array(Math.max(key.length, this.lastKey.length * 2))
      grown.set(this.lastKey.subarray(0, shared))
      this.lastKey = grown
    }
    // The first `shared` bytes are already equal.
    copyRange(key, shared, key.length, this.lastKey, shared)
    this.lastKeyLength = key.length
  }
}

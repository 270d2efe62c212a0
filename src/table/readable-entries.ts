// What can still be read from a damaged table, for repair (doc/repair.md): the intact entries,
// without the corruption errors the table iterator keeps for the blocks it skipped.

import { isCorruption } from '../util/errors.js'
import type { InternalIterator } from '../util/iterator.js'

/**
 * The entries of a damaged table that can still be read: the table iterator already skips
 * unreadable blocks; this also skips entries whose key `keep` refuses, and reports no corruption,
 * so that a flush job copies what is left. Other errors (I/O) still surface.
 */
export class ReadableEntries implements InternalIterator {
  private readonly inner: InternalIterator
  private readonly keep: (key: Uint8Array) => boolean

  constructor (inner: InternalIterator, keep: (key: Uint8Array) => boolean) {
    this.inner = inner
    this.keep = keep
  }

  valid (): boolean { return this.inner.valid() }
  key (): Uint8Array { return this.inner.key() }
  value (): Uint8Array { return this.inner.value() }

  seekToFirst (): void {
    this.inner.seekToFirst()
    this.skipForward()
  }

  seekToLast (): void {
    this.inner.seekToLast()
    this.skipBackward()
  }

  seek (target: Uint8Array): void {
    this.inner.seek(target)
    this.skipForward()
  }

  next (): void {
    this.inner.next()
    this.skipForward()
  }

  prev (): void {
    this.inner.prev()
    this.skipBackward()
  }

  checkError (): void {
    try {
      this.inner.checkError()
    } catch (err) {
      if (!isCorruption(err)) throw err
    }
  }

  close (): void {
    this.inner.close()
  }

  private skipForward (): void {
    while (this.inner.valid() && !this.keep(this.inner.key())) this.inner.next()
  }

  private skipBackward (): void {
    while (this.inner.valid() && !this.keep(this.inner.key())) this.inner.prev()
  }
}

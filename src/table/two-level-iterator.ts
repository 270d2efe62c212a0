// Iterates a table as two levels: an index iterator whose values locate data blocks, and an
// iterator over the current data block, opened on demand by a factory.
//
// A block that cannot be read or decoded is skipped, as LevelDB does: the first such error is kept
// and checkError() throws it. Entries returned are therefore always intact ones, but a caller
// that stops at valid() === false must call checkError() to learn whether anything was missed.

import { bytesEqual } from '../util/coding.js'
import type { InternalIterator } from '../util/iterator.js'

/** Opens the data block located by an index value; may throw (for example LEVEL_CORRUPTION). */
type BlockIteratorFactory = (indexValue: Uint8Array) => InternalIterator

export class TwoLevelIterator implements InternalIterator {
  private readonly index: InternalIterator
  private readonly openBlock: BlockIteratorFactory
  private data: InternalIterator | null = null
  /** The index value `data` was opened from, to avoid reopening the same block. */
  private dataHandle: Uint8Array | null = null
  private error: unknown = undefined
  private readonly onClose: (() => void) | undefined

  /** `onClose` lets the factory's owner drop what it holds for this iterator (a readahead buffer). */
  constructor (index: InternalIterator, openBlock: BlockIteratorFactory, onClose?: () => void) {
    this.index = index
    this.openBlock = openBlock
    this.onClose = onClose
  }

  valid (): boolean {
    return this.data !== null && this.data.valid()
  }

  key (): Uint8Array {
    return this.data!.key()
  }

  value (): Uint8Array {
    return this.data!.value()
  }

  seek (target: Uint8Array): void {
    this.index.seek(target)
    this.initDataBlock()
    this.data?.seek(target)
    this.skipEmptyBlocksForward()
  }

  seekToFirst (): void {
    this.index.seekToFirst()
    this.initDataBlock()
    this.data?.seekToFirst()
    this.skipEmptyBlocksForward()
  }

  seekToLast (): void {
    this.index.seekToLast()
    this.initDataBlock()
    this.data?.seekToLast()
    this.skipEmptyBlocksBackward()
  }

  next (): void {
    if (!this.valid()) return
    this.data!.next()
    this.skipEmptyBlocksForward()
  }

  prev (): void {
    if (!this.valid()) return
    this.data!.prev()
    this.skipEmptyBlocksBackward()
  }

  checkError (): void {
    this.index.checkError()
    if (this.error !== undefined) throw this.error
    this.data?.checkError()
  }

  close (): void {
    this.setData(null, null)
    this.index.close()
    this.onClose?.()
  }

  private skipEmptyBlocksForward (): void {
    // Each round moves the index forward, so this ends with the index.
    while (this.data === null || !this.data.valid()) {
      if (!this.index.valid()) {
        this.setData(null, null)
        return
      }
      this.index.next()
      this.initDataBlock()
      this.data?.seekToFirst()
    }
  }

  private skipEmptyBlocksBackward (): void {
    while (this.data === null || !this.data.valid()) {
      if (!this.index.valid()) {
        this.setData(null, null)
        return
      }
      this.index.prev()
      this.initDataBlock()
      this.data?.seekToLast()
    }
  }

  private initDataBlock (): void {
    if (!this.index.valid()) {
      this.setData(null, null)
      return
    }
    const handle = this.index.value()
    if (this.data !== null && this.dataHandle !== null && bytesEqual(handle, this.dataHandle)) return
    let it: InternalIterator | null = null
    try {
      it = this.openBlock(handle)
    } catch (err) {
      this.saveError(err)
    }
    this.setData(it, it === null ? null : handle.slice())
  }

  private setData (it: InternalIterator | null, handle: Uint8Array | null): void {
    const old = this.data
    if (old !== null) {
      try {
        old.checkError()
      } catch (err) {
        this.saveError(err)
      }
      old.close()
    }
    this.data = it
    this.dataHandle = handle
  }

  private saveError (err: unknown): void {
    if (this.error === undefined) this.error = err
  }
}

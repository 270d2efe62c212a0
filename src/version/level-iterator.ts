// Iterating a whole level of disjoint, sorted tables as one sorted sequence.
//
// Files of a level >= 1 never overlap and are sorted, so the level is itself a two-level
// structure: an "index" of files (keyed by each file's largest key) whose entries lead to table
// iterators. That is exactly the table reader's TwoLevelIterator, with a file list in place of
// the index block, and it opens each table only when the iteration reaches it. A table that
// cannot be opened is skipped and its error kept for checkError(), as for a damaged data block.

import { decodeFixed64, encodeFixed64 } from '../util/coding.js'
import type { InternalIterator } from '../util/iterator.js'
import type { InternalKeyComparator } from '../dbformat/internal-key.js'
import { TwoLevelIterator } from '../table/two-level-iterator.js'
import type { FileMetaData } from './version-edit.js'

/**
 * The index of the first file in `files` (sorted, disjoint) whose largest key is >= internalKey,
 * or files.length if there is none.
 */
export function findFile (icmp: InternalKeyComparator, files: readonly FileMetaData[], internalKey: Uint8Array): number {
  let lo = 0
  let hi = files.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (icmp.compare(files[mid]!.largest, internalKey) < 0) lo = mid + 1
    else hi = mid
  }
  return lo
}

/** Opens an iterator over one table; may throw (a missing or damaged table). */
type FileOpener = (fileNumber: number, fileSize: number) => InternalIterator

const FILE_VALUE_SIZE = 16

/** Decodes the value a FileListIterator yields: the file's number and size. */
function decodeFileValue (value: Uint8Array): { fileNumber: number, fileSize: number } {
  return { fileNumber: decodeFixed64(value, 0), fileSize: decodeFixed64(value, 8) }
}

/**
 * Iterates a sorted, disjoint file list as (largest key, number and size) entries. Its values are
 * what a TwoLevelIterator uses to open, and to recognise, the table under the current entry.
 */
class FileListIterator implements InternalIterator {
  private readonly icmp: InternalKeyComparator
  private readonly files: readonly FileMetaData[]
  /** files.length when not positioned. */
  private index: number
  private readonly valueBuf = new Uint8Array(FILE_VALUE_SIZE)

  constructor (icmp: InternalKeyComparator, files: readonly FileMetaData[]) {
    this.icmp = icmp
    this.files = files
    this.index = files.length
  }

  valid (): boolean {
    return this.index < this.files.length
  }

  seekToFirst (): void {
    this.index = 0
  }

  seekToLast (): void {
    this.index = this.files.length === 0 ? 0 : this.files.length - 1
  }

  seek (target: Uint8Array): void {
    this.index = findFile(this.icmp, this.files, target)
  }

  next (): void {
    if (this.valid()) this.index++
  }

  prev (): void {
    if (!this.valid()) return
    this.index = this.index === 0 ? this.files.length : this.index - 1
  }

  key (): Uint8Array {
    return this.files[this.index]!.largest
  }

  /** 16 bytes: fixed64 file number, fixed64 file size. Valid until the iterator moves. */
  value (): Uint8Array {
    const f = this.files[this.index]!
    encodeFixed64(this.valueBuf, 0, f.number)
    encodeFixed64(this.valueBuf, 8, f.fileSize)
    return this.valueBuf
  }

  checkError (): void {}

  close (): void {}
}

/**
 * One iterator over a sorted, disjoint list of tables (a level >= 1, or a compaction's inputs
 * from such a level). Tables are opened through `open` as the iteration reaches them and
 * released when it leaves them.
 */
export function newConcatenatingIterator (icmp: InternalKeyComparator, files: readonly FileMetaData[],
  open: FileOpener): InternalIterator {
  return new TwoLevelIterator(new FileListIterator(icmp, files), (value) => {
    const { fileNumber, fileSize } = decodeFileValue(value)
    return open(fileNumber, fileSize)
  })
}

/** An empty iterator whose checkError() throws `error`: stands in for a table that would not open. */
export class ErrorIterator implements InternalIterator {
  private readonly error: unknown

  constructor (error: unknown) {
    this.error = error
  }

  valid (): boolean { return false }
  seekToFirst (): void {}
  seekToLast (): void {}
  seek (): void {}
  next (): void {}
  prev (): void {}
  key (): Uint8Array { throw new Error('ErrorIterator has no entries') }
  value (): Uint8Array { throw new Error('ErrorIterator has no entries') }
  checkError (): void { throw this.error }
  close (): void {}
}

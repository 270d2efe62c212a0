// A VersionEdit is one MANIFEST record: the difference between two Versions (files added and
// removed per level) plus the counters that recovery needs (log numbers, next file number, last
// sequence). Its encoding is a list of (varint32 tag, fields):
//
//   1 comparator name   2 log number   9 previous log number   3 next file number
//   4 last sequence     5 compact pointer (level, internal key)
//   6 deleted file (level, number)     7 new file (level, number, size, smallest, largest)
//
// encode() emits them in that order (deleted files sorted, new files as added), which is the
// order LevelDB writes, so an edit round-trips to the same bytes LevelDB would produce.

import { ByteWriter, Cursor, fromUtf8, utf8 } from '../util/coding.js'
import { corruption, isCorruption } from '../util/errors.js'
import { internalKeyToString } from '../dbformat/internal-key.js'

export const NUM_LEVELS = 7

const enum Tag {
  Comparator = 1,
  LogNumber = 2,
  NextFileNumber = 3,
  LastSequence = 4,
  CompactPointer = 5,
  DeletedFile = 6,
  NewFile = 7,
  // 8 held "large value refs" in early versions and is no longer understood.
  PrevLogNumber = 9
}

/** A table file as the MANIFEST describes it. The VersionSet extends it with run-time state. */
export interface FileMetaData {
  number: number
  fileSize: number
  /** Smallest internal key in the table. */
  smallest: Uint8Array
  /** Largest internal key in the table. */
  largest: Uint8Array
}

export interface NewFileEntry {
  level: number
  file: FileMetaData
}

interface DeletedFileEntry {
  level: number
  number: number
}

interface CompactPointerEntry {
  level: number
  /** Internal key where the next compaction of `level` starts. */
  key: Uint8Array
}

export class VersionEdit {
  comparatorName: string | undefined = undefined
  logNumber: number | undefined = undefined
  prevLogNumber: number | undefined = undefined
  nextFileNumber: number | undefined = undefined
  lastSequence: number | undefined = undefined
  readonly compactPointers: CompactPointerEntry[] = []
  readonly newFiles: NewFileEntry[] = []
  // A set of (level, number) pairs; the string key makes duplicates collapse as in a set.
  private readonly deleted = new Map<string, DeletedFileEntry>()

  clear (): void {
    this.comparatorName = undefined
    this.logNumber = undefined
    this.prevLogNumber = undefined
    this.nextFileNumber = undefined
    this.lastSequence = undefined
    this.compactPointers.length = 0
    this.newFiles.length = 0
    this.deleted.clear()
  }

  setCompactPointer (level: number, key: Uint8Array): void {
    this.compactPointers.push({ level, key })
  }

  /** Records that file `number` leaves `level`. */
  removeFile (level: number, number: number): void {
    this.deleted.set(`${level}:${number}`, { level, number })
  }

  hasRemovedFile (level: number, number: number): boolean {
    return this.deleted.has(`${level}:${number}`)
  }

  /** Files removed by this edit, sorted by (level, number). */
  get deletedFiles (): DeletedFileEntry[] {
    return [...this.deleted.values()].sort((a, b) => a.level - b.level || a.number - b.number)
  }

  /** Records that `file` joins `level`. The keys are kept by reference, not copied. */
  addFile (level: number, file: FileMetaData): void {
    this.newFiles.push({ level, file })
  }

  encode (): Uint8Array {
    const w = new ByteWriter(64)
    if (this.comparatorName !== undefined) {
      w.varint(Tag.Comparator)
      w.lengthPrefixed(utf8(this.comparatorName))
    }
    if (this.logNumber !== undefined) {
      w.varint(Tag.LogNumber)
      w.varint(this.logNumber)
    }
    if (this.prevLogNumber !== undefined) {
      w.varint(Tag.PrevLogNumber)
      w.varint(this.prevLogNumber)
    }
    if (this.nextFileNumber !== undefined) {
      w.varint(Tag.NextFileNumber)
      w.varint(this.nextFileNumber)
    }
    if (this.lastSequence !== undefined) {
      w.varint(Tag.LastSequence)
      w.varint(this.lastSequence)
    }
    for (const { level, key } of this.compactPointers) {
      w.varint(Tag.CompactPointer)
      w.varint(level)
      w.lengthPrefixed(key)
    }
    for (const { level, number } of this.deletedFiles) {
      w.varint(Tag.DeletedFile)
      w.varint(level)
      w.varint(number)
    }
    for (const { level, file } of this.newFiles) {
      w.varint(Tag.NewFile)
      w.varint(level)
      w.varint(file.number)
      w.varint(file.fileSize)
      w.lengthPrefixed(file.smallest)
      w.lengthPrefixed(file.largest)
    }
    return w.finish()
  }

  /**
   * Parses a MANIFEST record payload. Throws LEVEL_CORRUPTION "VersionEdit: <what>" naming the
   * field that failed. The result does not refer to `bytes`.
   */
  static decode (bytes: Uint8Array): VersionEdit {
    const edit = new VersionEdit()
    const input = new Cursor(bytes)
    while (input.remaining > 0) {
      const tagStart = input.pos
      let tag: number
      try {
        tag = input.varint32()
      } catch (err) {
        // Bytes left over that do not even form a tag.
        throw rethrowAs(err, 'invalid tag', tagStart)
      }
      let field = ''
      try {
        switch (tag) {
          case Tag.Comparator:
            field = 'comparator name'
            edit.comparatorName = fromUtf8(input.lengthPrefixed())
            break
          case Tag.LogNumber:
            field = 'log number'
            edit.logNumber = readNumber(input)
            break
          case Tag.PrevLogNumber:
            field = 'previous log number'
            edit.prevLogNumber = readNumber(input)
            break
          case Tag.NextFileNumber:
            field = 'next file number'
            edit.nextFileNumber = readNumber(input)
            break
          case Tag.LastSequence:
            field = 'last sequence number'
            edit.lastSequence = readNumber(input)
            break
          case Tag.CompactPointer: {
            field = 'compaction pointer'
            const level = readLevel(input)
            edit.setCompactPointer(level, readInternalKey(input))
            break
          }
          case Tag.DeletedFile: {
            field = 'deleted file'
            const level = readLevel(input)
            edit.removeFile(level, readNumber(input))
            break
          }
          case Tag.NewFile: {
            field = 'new-file entry'
            const level = readLevel(input)
            const number = readNumber(input)
            const fileSize = readNumber(input)
            const smallest = readInternalKey(input)
            const largest = readInternalKey(input)
            edit.addFile(level, { number, fileSize, smallest, largest })
            break
          }
          default:
            throw corruption('VersionEdit: unknown tag', { offset: tagStart })
        }
      } catch (err) {
        if (field === '') throw err
        throw rethrowAs(err, field, tagStart)
      }
    }
    return edit
  }

  /** A multi-line readable form, for tools and logs. */
  toString (): string {
    const lines = ['VersionEdit {']
    if (this.comparatorName !== undefined) lines.push(`  Comparator: ${this.comparatorName}`)
    if (this.logNumber !== undefined) lines.push(`  LogNumber: ${this.logNumber}`)
    if (this.prevLogNumber !== undefined) lines.push(`  PrevLogNumber: ${this.prevLogNumber}`)
    if (this.nextFileNumber !== undefined) lines.push(`  NextFile: ${this.nextFileNumber}`)
    if (this.lastSequence !== undefined) lines.push(`  LastSeq: ${this.lastSequence}`)
    for (const { level, key } of this.compactPointers) {
      lines.push(`  CompactPointer: L${level} ${internalKeyToString(key)}`)
    }
    for (const { level, number } of this.deletedFiles) lines.push(`  DeleteFile: L${level} #${number}`)
    for (const { level, file } of this.newFiles) {
      lines.push(`  AddFile: L${level} #${file.number} ${file.fileSize} bytes ` +
        `${internalKeyToString(file.smallest)} .. ${internalKeyToString(file.largest)}`)
    }
    lines.push('}')
    return lines.join('\n')
  }
}

// Numbers are held exactly only below 2^53, and a counter must still have room to grow: a
// sequence or file number a few steps short of 2^53 would let a database open and then fail
// every write. No real database comes near 2^52 (four quadrillion writes or files), so a larger
// value is treated as damage rather than accepted or silently rounded.
const MAX_NUMBER = 2 ** 52

function readNumber (input: Cursor): number {
  const n = input.varint64()
  if (n > MAX_NUMBER) throw corruption('number out of range', { offset: input.pos })
  return n
}

function readLevel (input: Cursor): number {
  const level = input.varint32()
  if (level >= NUM_LEVELS) throw corruption('level out of range', { offset: input.pos })
  return level
}

function readInternalKey (input: Cursor): Uint8Array {
  const key = input.lengthPrefixed()
  if (key.length === 0) throw corruption('empty internal key', { offset: input.pos })
  // A copy: the record buffer a log reader hands out may be reused for the next record.
  return key.slice()
}

function rethrowAs (err: unknown, what: string, offset: number): unknown {
  return isCorruption(err) ? corruption(`VersionEdit: ${what}`, { offset, cause: err }) : err
}

// The user's view of the merged internal stream at one sequence number. The internal iterator
// yields every version of every key, newest first within a key; this iterator shows each user
// key once, with its newest version whose sequence is <= the view's sequence, and hides keys whose
// newest such version is a deletion.
//
// Moving forward, the internal iterator rests on the entry being shown, so key() and value() are
// views into it. Moving backward that cannot work: the newest visible version of a key is the
// last one met while walking back, and the walk only knows it has it when it reaches an older
// key. So in reverse the internal iterator rests just before the current key's entries and the
// shown key and value are copies held here. Switching direction first brings the internal
// iterator to the other side of the current key.
//
// Entries whose internal key cannot be parsed are skipped; the first one is reported as
// LEVEL_CORRUPTION by checkError(). Every entry read counts towards read sampling: about once per
// MiB of key and value bytes read, onSample gets the entry's internal key, so that the engine can
// charge a read to the table files that overlap it (and compact away ones read through often).

import {
  decodeTagSequence, makeInternalKey, MAX_SEQUENCE, TAG_SIZE, VALUE_TYPE_FOR_SEEK, ValueType,
  type InternalKeyComparator
} from '../dbformat/internal-key.js'
import { copyBytes } from '../util/byte-pool.js'
import { corruption, invalidArgument } from '../util/errors.js'
import type { InternalIterator } from '../util/iterator.js'
import { Random } from '../util/random.js'
import { readUtf8 } from '../util/utf8.js'
import type { Utf8Batch } from '../util/utf8-batch.js'
import { READ_BYTES_PERIOD } from '../version/policy.js'


/** Seed of the sampling PRNG when neither a Random nor a seed is given. */
const DEFAULT_SAMPLING_SEED = 0x5ea1e

export interface DBIteratorOptions {
  /**
   * Called with the internal key of an entry read, once per ~1 MiB of key and value bytes read
   * (each gap uniform in [0, 2 MiB)). The key is a view, valid only during the call. It is
   * always a well-formed internal key.
   */
  onSample?: (internalKey: Uint8Array) => void
  /** The PRNG that draws sampling gaps. Default: a new Random(seed). */
  random?: Random
  /** Seed for the default PRNG. Iterators of one database should get different seeds. */
  seed?: number
}

const FORWARD = 0
const REVERSE = 1
const EMPTY = new Uint8Array(0)
const INVISIBLE = -1
const MALFORMED = -2

export class DBIterator {
  private readonly icmp: InternalKeyComparator
  private readonly internal: InternalIterator
  private readonly sequence: number
  private direction = FORWARD
  private isValid = false
  /**
   * Forward only: the shown key is currentIKey[0, currentKeyLength), the user-key part of the
   * internal key the internal iterator rests on. A view of it is made only when key() is asked
   * for (and kept until the iterator moves): copyKey() needs none.
   */
  private currentIKey: Uint8Array = EMPTY
  private currentKeyLength = 0
  private currentKeyView: Uint8Array | undefined
  /**
   * Forward: the user key whose older versions are being skipped. Reverse: the shown key.
   */
  private readonly savedKey = new ByteHolder()
  /** Reverse only: the shown value. */
  private readonly savedValue = new ByteHolder()
  private error: unknown = undefined
  private closed = false

  private readonly onSample: ((internalKey: Uint8Array) => void) | undefined
  private readonly random: Random | undefined
  private bytesUntilSample = 0

  constructor (icmp: InternalKeyComparator, internal: InternalIterator, sequence: number, options: DBIteratorOptions = {}) {
    if (!Number.isInteger(sequence) || sequence < 0 || (sequence > Number.MAX_SAFE_INTEGER && sequence !== MAX_SEQUENCE)) {
      throw invalidArgument(`sequence number out of range: ${sequence}`)
    }
    this.icmp = icmp
    this.internal = internal
    this.sequence = sequence
    this.onSample = options.onSample
    if (this.onSample !== undefined) {
      this.random = options.random ?? new Random(options.seed ?? DEFAULT_SAMPLING_SEED)
      this.bytesUntilSample = this.samplingGap()
    }
  }

  valid (): boolean {
    return this.isValid
  }

  /** The current user key: a view, valid until the iterator moves. */
  key (): Uint8Array {
    if (!this.isValid) throw notPositioned()
    if (this.direction !== FORWARD) return this.savedKey.view()
    let view = this.currentKeyView
    if (view === undefined) view = this.currentKeyView = this.currentIKey.subarray(0, this.currentKeyLength)
    return view
  }

  /** The current value: a view, valid until the iterator moves. */
  value (): Uint8Array {
    if (!this.isValid) throw notPositioned()
    return this.direction === FORWARD ? this.internal.value() : this.savedValue.view()
  }

  /** A copy of the current key that the caller owns (util/byte-pool.ts: no view made first). */
  copyKey (): Uint8Array {
    if (!this.isValid) throw notPositioned()
    return this.direction === FORWARD ? copyBytes(this.currentIKey, 0, this.currentKeyLength) : this.savedKey.copy()
  }

  /** A copy of the current value that the caller owns. */
  copyValue (): Uint8Array {
    if (!this.isValid) throw notPositioned()
    return this.direction === FORWARD ? copyBytes(this.internal.value()) : this.savedValue.copy()
  }

  /** The current key decoded from UTF-8, read where it lies (no copy). */
  keyString (): string {
    if (!this.isValid) throw notPositioned()
    return this.direction === FORWARD ? readUtf8(this.currentIKey, 0, this.currentKeyLength) : this.savedKey.string()
  }

  /** The current value decoded from UTF-8, read where it lies (no copy). */
  valueString (): string {
    if (!this.isValid) throw notPositioned()
    if (this.direction !== FORWARD) return this.savedValue.string()
    const value = this.internal.value()
    return readUtf8(value, 0, value.length)
  }

  /** Adds the current key's bytes to `batch`, to be decoded with the others (no copy made first). */
  addKeyTo (batch: Utf8Batch): void {
    if (!this.isValid) throw notPositioned()
    if (this.direction === FORWARD) batch.add(this.currentIKey, 0, this.currentKeyLength)
    else this.savedKey.addTo(batch)
  }

  /** Adds the current value's bytes to `batch`. */
  addValueTo (batch: Utf8Batch): void {
    if (!this.isValid) throw notPositioned()
    if (this.direction !== FORWARD) return this.savedValue.addTo(batch)
    const value = this.internal.value()
    batch.add(value, 0, value.length)
  }

  seekToFirst (): void {
    this.direction = FORWARD
    this.savedValue.clear()
    this.internal.seekToFirst()
    if (this.internal.valid()) this.findNextUserEntry(false)
    else this.isValid = false
  }

  seekToLast (): void {
    this.direction = REVERSE
    this.savedValue.clear()
    this.internal.seekToLast()
    this.findPrevUserEntry()
  }

  /** Positions at the first user key >= target that has a visible value. */
  seek (userKey: Uint8Array): void {
    this.direction = FORWARD
    this.savedValue.clear()
    this.savedKey.clear()
    this.internal.seek(makeInternalKey(userKey, this.sequence, VALUE_TYPE_FOR_SEEK))
    if (this.internal.valid()) this.findNextUserEntry(false)
    else this.isValid = false
  }

  next (): void {
    if (!this.isValid) return
    const it = this.internal
    if (this.direction === REVERSE) {
      // The internal iterator is just before the shown key's entries (or before everything);
      // step into them, and let the skip below pass over them. savedKey already holds the key.
      this.direction = FORWARD
      if (it.valid()) it.next()
      else it.seekToFirst()
    } else {
      this.savedKey.setPrefix(this.currentIKey, this.currentKeyLength)
      it.next()
    }
    if (!it.valid()) {
      this.isValid = false
      this.savedKey.clear()
      return
    }
    this.findNextUserEntry(true)
  }

  prev (): void {
    if (!this.isValid) return
    if (this.direction === FORWARD) {
      // The internal iterator is on the shown entry: walk back past every version of its key so
      // that it rests where a reverse scan expects it.
      const it = this.internal
      this.savedKey.setPrefix(this.currentIKey, this.currentKeyLength)
      for (;;) {
        it.prev()
        if (!it.valid()) {
          this.isValid = false
          this.savedKey.clear()
          this.savedValue.clear()
          return
        }
        const ikey = it.key()
        if (ikey.length < TAG_SIZE) {
          this.recordCorruption()
          continue
        }
        if (this.savedKey.compareUser(this.icmp, ikey, ikey.length - TAG_SIZE) > 0) break
      }
      this.direction = REVERSE
    }
    this.findPrevUserEntry()
  }

  /** Throws the first corruption this iterator skipped, or the internal iterator's error. */
  checkError (): void {
    // The sources' errors first: they know which file a bad entry came from.
    this.internal.checkError()
    if (this.error !== undefined) throw this.error
  }

  close (): void {
    if (this.closed) return
    this.closed = true
    this.isValid = false
    this.internal.close()
  }

  // Forward scan from the internal iterator's entry (which must be valid) to the first visible
  // value. With `skipping`, user keys <= savedKey are passed over: they were shown already or
  // are older versions of a shown or deleted key.
  private findNextUserEntry (skipping: boolean): void {
    const it = this.internal
    do {
      const ikey = it.key()
      const n = this.classify(ikey)
      this.account(ikey, n)
      if (n >= 0) {
        if (ikey[n] === ValueType.Deletion) {
          // Everything older for this key is hidden by the deletion.
          this.savedKey.setPrefix(ikey, n)
          skipping = true
        } else if (!skipping || this.savedKey.compareUser(this.icmp, ikey, n) < 0) {
          this.currentIKey = ikey
          this.currentKeyLength = n
          this.currentKeyView = undefined
          this.isValid = true
          return
        }
      }
      it.next()
    } while (it.valid())
    this.savedKey.clear()
    this.isValid = false
  }

  // Backward scan: collects the newest visible version of the key just before the internal
  // iterator's position, leaving the iterator before that key's entries. The walk meets versions
  // oldest first, so each visible one replaces the last; a visible entry of a smaller key ends it.
  private findPrevUserEntry (): void {
    const it = this.internal
    let type: number = ValueType.Deletion
    while (it.valid()) {
      const ikey = it.key()
      const n = this.classify(ikey)
      // The entry that ends the walk is not accounted here: the next step backwards starts on
      // it and accounts it then, so a reverse scan reads each entry once, as a forward one does.
      if (n >= 0 && type !== ValueType.Deletion && this.savedKey.compareUser(this.icmp, ikey, n) > 0) break
      this.account(ikey, n)
      if (n >= 0) {
        type = ikey[n]!
        if (type === ValueType.Deletion) {
          this.savedKey.clear()
          this.savedValue.clear()
        } else {
          this.savedKey.setPrefix(ikey, n)
          this.savedValue.set(it.value())
        }
      }
      it.prev()
    }
    if (type === ValueType.Deletion) {
      this.isValid = false
      this.savedKey.clear()
      this.savedValue.clear()
      this.direction = FORWARD
    } else {
      this.isValid = true
    }
  }

  // The user key length of an entry whose sequence is visible, INVISIBLE for a newer one, or
  // MALFORMED when the internal key does not parse.
  private classify (ikey: Uint8Array): number {
    const n = ikey.length - TAG_SIZE
    if (n < 0 || ikey[n]! > ValueType.Value) return MALFORMED
    return decodeTagSequence(ikey, n) <= this.sequence ? n : INVISIBLE
  }

  // Every entry read once counts towards read sampling; a malformed one is also recorded.
  private account (ikey: Uint8Array, classified: number): void {
    if (this.onSample !== undefined) this.countRead(ikey, classified !== MALFORMED)
    if (classified === MALFORMED) this.recordCorruption()
  }

  private countRead (ikey: Uint8Array, wellFormed: boolean): void {
    this.bytesUntilSample -= ikey.length + this.internal.value().length
    while (this.bytesUntilSample < 0) {
      this.bytesUntilSample += this.samplingGap()
      // A damaged key names no file range worth charging; the gap is still consumed.
      if (wellFormed) this.onSample!(ikey)
    }
  }

  private samplingGap (): number {
    return this.random!.uniform(2 * READ_BYTES_PERIOD)
  }

  private recordCorruption (): void {
    if (this.error === undefined) this.error = corruption('corrupted internal key in DB iterator')
  }
}

function notPositioned (): Error {
  return invalidArgument('DB iterator is not positioned on an entry')
}

/**
 * A reusable byte buffer for the keys and values this iterator must own. It grows as needed and
 * gives back a large buffer once it holds much less, so that one huge value does not stay pinned.
 */
class ByteHolder {
  private buf: Uint8Array = EMPTY
  private length = 0
  private cachedView: Uint8Array | undefined

  view (): Uint8Array {
    let v = this.cachedView
    if (v === undefined || v.length !== this.length || v.buffer !== this.buf.buffer) {
      v = this.buf.subarray(0, this.length)
      this.cachedView = v
    }
    return v
  }

  set (src: Uint8Array): void {
    this.setPrefix(src, src.length)
  }

  /** Holds src[0, n). */
  setPrefix (src: Uint8Array, n: number): void {
    const cap = this.buf.length
    if (n > cap) this.buf = new Uint8Array(Math.max(n, cap * 2, 16))
    else if (cap - n > SHRINK_SLACK) this.buf = new Uint8Array(n)
    const buf = this.buf
    // Keys are mostly short: a plain loop beats making a view for set().
    if (n <= 64) for (let i = 0; i < n; i++) buf[i] = src[i]!
    else if (n === src.length) buf.set(src, 0)
    else buf.set(src.subarray(0, n), 0)
    this.length = n
  }

  /** A copy of the held bytes that the caller owns. */
  copy (): Uint8Array {
    return copyBytes(this.buf, 0, this.length)
  }

  /** The held bytes decoded from UTF-8. */
  string (): string {
    return readUtf8(this.buf, 0, this.length)
  }

  addTo (batch: Utf8Batch): void {
    batch.add(this.buf, 0, this.length)
  }

  clear (): void {
    this.length = 0
    if (this.buf.length > SHRINK_SLACK) this.buf = EMPTY
  }

  /** Compares the user key ikey[0, n) with the held one, under the user comparator. */
  compareUser (icmp: InternalKeyComparator, ikey: Uint8Array, n: number): number {
    return icmp.compareUserAt(this.buf, 0, this.length, ikey, 0, n)
  }
}

const SHRINK_SLACK = 1024 * 1024

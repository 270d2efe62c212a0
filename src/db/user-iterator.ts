// The iterator users hold (DBIteratorHandle): a DBIterator narrowed to a key range, walked in one
// direction, capped by a limit, handing out copies. It follows abstract-level's rules, which
// classic-level users already know:
// - gte wins over gt and lte over lt when both are given; a range with lower > upper is empty;
// - the limit counts entries over the iterator's whole life: seek() repositions but does not
//   reset the count;
// - seek() to a target outside the range leaves the iterator at its end (until another seek);
// - all() reads what remains and then closes the iterator;
// - after close(), next(), nextv() and all() throw LEVEL_ITERATOR_NOT_OPEN; seek() is ignored.
//
// The DBIterator is moved lazily: it is positioned on the first read (so a seek() before it costs
// nothing extra) and stepped past an entry only when the next one is asked for, so no read
// happens beyond what the caller consumed.
//
// For the abstract-level layer's utf8 encoding, keys or values can be handed out as strings
// decoded straight from the bytes where they lie (TextIteratorOptions), instead of copies that are
// then decoded: one pass and no allocation per entry besides the string.

import type { DBIteratorHandle, Entry, IteratorOptions } from './api.js'
import type { DBIterator } from './db-iterator.js'
import type { Comparator } from '../util/comparator.js'
import { invalidArgument, ShaleError } from '../util/errors.js'
import { Utf8Batch } from '../util/utf8-batch.js'

/**
 * Iterator options of the layers above the engine: 'utf8' makes the key (or value) slots of the
 * entries hold strings, decoded from the stored bytes (invalid UTF-8 gives U+FFFD), although
 * Entry's type still says bytes; only a caller that asked for them reads them as strings.
 * Default 'bytes': copies the caller owns.
 */
export interface TextIteratorOptions extends IteratorOptions {
  keyFormat?: 'bytes' | 'utf8'
  valueFormat?: 'bytes' | 'utf8'
}

/** The DBIterator has not been positioned since creation. */
const UNPOSITIONED = 0
/** It rests on the next entry to return (if that is in range). */
const AT_CANDIDATE = 1
/** It rests on the entry returned last: step before reading. */
const AFTER_RETURNED = 2
/** The range (or the data) is exhausted until the next seek. */
const ENDED = 3

export class UserIterator implements DBIteratorHandle {
  private readonly iter: DBIterator
  private readonly cmp: Comparator
  private readonly onClose: () => void
  private readonly reverse: boolean
  private readonly lower: Uint8Array | undefined
  private readonly lowerInclusive: boolean
  private readonly upper: Uint8Array | undefined
  private readonly upperInclusive: boolean
  private readonly limit: number
  private readonly wantKeys: boolean
  private readonly wantValues: boolean
  private readonly keyStrings: boolean
  private readonly valueStrings: boolean
  private count = 0
  private state = UNPOSITIONED
  /** For strings read several at a time; made on the first such read. */
  private textBatch: Utf8Batch | undefined
  private isClosed = false

  constructor (iter: DBIterator, cmp: Comparator, options: IteratorOptions, onClose: () => void) {
    this.iter = iter
    this.cmp = cmp
    this.onClose = onClose
    this.reverse = options.reverse === true
    // Bounds are copied: the caller may reuse its buffers while the iterator lives.
    if (options.gte !== undefined) {
      this.lower = options.gte.slice()
      this.lowerInclusive = true
    } else {
      this.lower = options.gt?.slice()
      this.lowerInclusive = false
    }
    if (options.lte !== undefined) {
      this.upper = options.lte.slice()
      this.upperInclusive = true
    } else {
      this.upper = options.lt?.slice()
      this.upperInclusive = false
    }
    const limit = options.limit
    this.limit = limit !== undefined && Number.isInteger(limit) && limit >= 0 ? limit : Infinity
    this.wantKeys = options.keys !== false
    this.wantValues = options.values !== false
    this.keyStrings = (options as TextIteratorOptions).keyFormat === 'utf8'
    this.valueStrings = (options as TextIteratorOptions).valueFormat === 'utf8'
  }

  get closed (): boolean {
    return this.isClosed
  }

  next (): Entry | undefined {
    this.assertOpen()
    if (this.count >= this.limit) return undefined
    const entry = this.read()
    this.iter.checkError()
    if (entry !== undefined) this.count++
    return entry
  }

  nextv (size: number): Entry[] {
    this.assertOpen()
    if (!Number.isInteger(size)) throw invalidArgument(`nextv size must be an integer, got ${size}`)
    const want = Math.min(Math.max(size, 1), this.limit - this.count)
    const out = this.readMany(want)
    this.iter.checkError()
    this.count += out.length
    return out
  }

  /**
   * Like nextv(size), but gathers the entries' bytes into `batch` instead of making arrays: per
   * entry its key, then its value, each only if the iterator was asked for it. Returns how many
   * entries were read. For sending a batch of entries to another thread in one buffer.
   */
  nextvInto (size: number, batch: Utf8Batch): number {
    this.assertOpen()
    if (!Number.isInteger(size)) throw invalidArgument(`nextv size must be an integer, got ${size}`)
    const want = Math.min(Math.max(size, 1), this.limit - this.count)
    const it = this.iter
    let n = 0
    while (n < want && this.advance()) {
      if (this.wantKeys) it.addKeyTo(batch)
      if (this.wantValues) it.addValueTo(batch)
      n++
    }
    this.iter.checkError()
    this.count += n
    return n
  }

  all (): Entry[] {
    this.assertOpen()
    let out: Entry[]
    try {
      out = this.readMany(this.limit - this.count)
      this.iter.checkError()
      this.count += out.length
    } catch (err) {
      // The read error is what the caller needs to see, not a later one from closing.
      try {
        this.close()
      } catch {}
      throw err
    }
    this.close()
    return out
  }

  seek (target: Uint8Array): void {
    if (this.isClosed) return
    if (!(target instanceof Uint8Array)) throw new ShaleError('LEVEL_INVALID_KEY', 'seek target must be a Uint8Array')
    if (this.outOfRange(target)) {
      this.state = ENDED
      return
    }
    const it = this.iter
    it.seek(target)
    if (this.reverse) {
      // The last key <= target: the first key >= target, or the one before it.
      if (!it.valid()) it.seekToLast()
      else if (this.cmp.compare(it.key(), target) > 0) it.prev()
    }
    this.state = AT_CANDIDATE
  }

  close (): void {
    if (this.isClosed) return
    this.isClosed = true
    try {
      this.iter.close()
    } finally {
      this.onClose()
    }
  }

  // The next entry in range, copied, or undefined at the end. Does not count it. The copies come
  // from util/byte-pool.ts: views of shared chunks, never rewritten, so they stay valid and
  // never alias engine memory, at a fraction of the cost of a fresh buffer each.
  private read (): Entry | undefined {
    if (!this.advance()) return undefined
    const it = this.iter
    // Strings travel in the bytes' slots (TextIteratorOptions).
    return [
      this.wantKeys ? (this.keyStrings ? it.keyString() as unknown as Uint8Array : it.copyKey()) : undefined,
      this.wantValues ? (this.valueStrings ? it.valueString() as unknown as Uint8Array : it.copyValue()) : undefined
    ]
  }

  // Up to `max` entries (Infinity: to the end), not counted. Strings wanted for several entries
  // are decoded together (util/utf8-batch.ts): their bytes are gathered as the iterator moves, and
  // the strings put in their slots at the end, in the order gathered.
  private readMany (max: number): Entry[] {
    const out: Entry[] = []
    const textKeys = this.wantKeys && this.keyStrings
    const textValues = this.wantValues && this.valueStrings
    if (!textKeys && !textValues) {
      while (out.length < max) {
        const entry = this.read()
        if (entry === undefined) break
        out.push(entry)
      }
      return out
    }
    const batch = this.textBatch ??= new Utf8Batch()
    const it = this.iter
    try {
      while (out.length < max && this.advance()) {
        if (textKeys) it.addKeyTo(batch)
        if (textValues) it.addValueTo(batch)
        out.push([
          this.wantKeys && !textKeys ? it.copyKey() : undefined,
          this.wantValues && !textValues ? it.copyValue() : undefined
        ])
      }
    } finally {
      // On an error the gathered bytes are dropped with the entries, so the batch starts empty.
      const strings = batch.take()
      let j = 0
      for (const entry of out) {
        if (textKeys) entry[0] = strings[j++] as unknown as Uint8Array
        if (textValues) entry[1] = strings[j++] as unknown as Uint8Array
      }
    }
    return out
  }

  // Moves to the next entry in range; false at the end (until the next seek).
  private advance (): boolean {
    const it = this.iter
    switch (this.state) {
      case ENDED: return false
      case UNPOSITIONED: this.seekToRange(); break
      case AFTER_RETURNED: if (this.reverse) it.prev(); else it.next(); break
    }
    if (!it.valid() || this.beyondFarBound(it)) {
      this.state = ENDED
      return false
    }
    this.state = AFTER_RETURNED
    return true
  }

  // Positions at the first entry of the range in the direction of travel; the near bound is
  // then satisfied and only the far one needs checking as the iterator moves.
  private seekToRange (): void {
    const it = this.iter
    if (!this.reverse) {
      const lower = this.lower
      if (lower === undefined) {
        it.seekToFirst()
      } else {
        it.seek(lower)
        if (!this.lowerInclusive && it.valid() && this.cmp.compare(it.key(), lower) === 0) it.next()
      }
    } else {
      const upper = this.upper
      if (upper === undefined) {
        it.seekToLast()
      } else {
        it.seek(upper)
        if (!it.valid()) {
          it.seekToLast()
        } else {
          const c = this.cmp.compare(it.key(), upper)
          if (c > 0 || (c === 0 && !this.upperInclusive)) it.prev()
        }
      }
    }
  }

  /** True when key lies past the bound the iterator is moving towards. */
  // The key is asked for only when there is a bound to compare it with: key() makes a view.
  private beyondFarBound (it: DBIterator): boolean {
    if (this.reverse) {
      if (this.lower === undefined) return false
      const c = this.cmp.compare(it.key(), this.lower)
      return this.lowerInclusive ? c < 0 : c <= 0
    }
    if (this.upper === undefined) return false
    const c = this.cmp.compare(it.key(), this.upper)
    return this.upperInclusive ? c > 0 : c >= 0
  }

  private outOfRange (key: Uint8Array): boolean {
    if (this.lower !== undefined) {
      const c = this.cmp.compare(key, this.lower)
      if (this.lowerInclusive ? c < 0 : c <= 0) return true
    }
    if (this.upper !== undefined) {
      const c = this.cmp.compare(key, this.upper)
      if (this.upperInclusive ? c > 0 : c >= 0) return true
    }
    return false
  }

  private assertOpen (): void {
    if (this.isClosed) throw new ShaleError('LEVEL_ITERATOR_NOT_OPEN', 'iterator is not open')
  }
}

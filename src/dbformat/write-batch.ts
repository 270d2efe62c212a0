// A WriteBatch is kept in its encoded form, which is exactly the payload of one WAL record:
//
//   fixed64 sequence | fixed32 count | records
//   record = 0x01 varint32 len, key, varint32 len, value    (put)
//          | 0x00 varint32 len, key                         (delete)
//
// Keeping the bytes rather than a list of operations means that logging a batch is one write of
// contents(), group commit is a byte append, and recovery replays a log record without
// re-encoding. Operation i of the batch gets sequence number `sequence + i`.

import { ByteWriter, Cursor, decodeFixed32, decodeFixed64, encodeFixed32, encodeFixed64, encodeVarint, varintLength } from '../util/coding.js'
import { corruption, isCorruption, ShaleError } from '../util/errors.js'
import { maxUtf8Length, writeUtf8 } from '../util/utf8.js'
import { ValueType } from './internal-key.js'

export const WRITE_BATCH_HEADER_SIZE = 12

// Worst-case bytes of a varint32 length prefix.
const MAX_VARINT32 = 5

/** The most bytes a batch holding one put of `key` and `value` can take (strings as their UTF-8). */
export function singlePutSize (key: BytesOrString, value: BytesOrString): number {
  return WRITE_BATCH_HEADER_SIZE + 1 + MAX_VARINT32 + maxLength(key) + MAX_VARINT32 + maxLength(value)
}

// TypedArray.set accepts any array-like, so a string key would silently become zero bytes: every
// key and value is checked to be bytes before it is written anywhere.

/** Throws LEVEL_INVALID_KEY unless `key` is a Uint8Array. */
export function checkKey (key: unknown): asserts key is Uint8Array {
  if (!(key instanceof Uint8Array)) throw new ShaleError('LEVEL_INVALID_KEY', 'key must be a Uint8Array')
}

/** Throws LEVEL_INVALID_VALUE unless `value` is a Uint8Array. */
export function checkValue (value: unknown): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array)) throw new ShaleError('LEVEL_INVALID_VALUE', 'value must be a Uint8Array')
}

/** A key or value for putUtf8/delUtf8: bytes, or a string that stands for its UTF-8 bytes. */
export type BytesOrString = Uint8Array | string

export interface WriteBatchHandler {
  put (key: Uint8Array, value: Uint8Array): void
  del (key: Uint8Array): void
}

export class WriteBatch {
  private readonly rep: ByteWriter

  /**
   * `capacity`: bytes to allocate up front, header included. A caller that knows the batch's size
   * (a single put, a group of batches) saves the growth steps, each an allocation and a copy.
   */
  constructor (capacity = 64) {
    this.rep = new ByteWriter(Number.isSafeInteger(capacity) && capacity > WRITE_BATCH_HEADER_SIZE ? capacity : 64)
    this.rep.ensure(WRITE_BATCH_HEADER_SIZE)
    this.rep.buf.fill(0, 0, WRITE_BATCH_HEADER_SIZE)
    this.rep.length = WRITE_BATCH_HEADER_SIZE
  }

  /**
   * A batch holding a copy of `bytes` (a WAL record payload). Only the header is checked here;
   * iterate() validates the records.
   */
  static fromContents (bytes: Uint8Array): WriteBatch {
    if (bytes.length < WRITE_BATCH_HEADER_SIZE) throw corruption('malformed WriteBatch (too small)')
    const batch = new WriteBatch()
    batch.rep.reset()
    batch.rep.bytes(bytes)
    return batch
  }

  put (key: Uint8Array, value: Uint8Array): void {
    checkKey(key)
    checkValue(value)
    const w = this.rep
    // One capacity check per operation; then the record is written in place.
    w.ensure(1 + MAX_VARINT32 + key.length + MAX_VARINT32 + value.length)
    const buf = w.buf
    let pos = w.length
    buf[pos++] = ValueType.Value
    pos = encodeVarint(buf, pos, key.length)
    buf.set(key, pos)
    pos += key.length
    pos = encodeVarint(buf, pos, value.length)
    buf.set(value, pos)
    w.length = pos + value.length
    this.setCount(this.count + 1)
  }

  del (key: Uint8Array): void {
    checkKey(key)
    const w = this.rep
    w.ensure(1 + MAX_VARINT32 + key.length)
    const buf = w.buf
    let pos = w.length
    buf[pos++] = ValueType.Deletion
    pos = encodeVarint(buf, pos, key.length)
    buf.set(key, pos)
    w.length = pos + key.length
    this.setCount(this.count + 1)
  }

  /**
   * As put(), where the key or the value may be a string, written as its UTF-8 bytes straight into
   * the batch (no intermediate Uint8Array).
   */
  putUtf8 (key: BytesOrString, value: BytesOrString): void {
    if (typeof key !== 'string') checkKey(key)
    if (typeof value !== 'string') checkValue(value)
    const w = this.rep
    w.ensure(1 + MAX_VARINT32 + maxLength(key) + MAX_VARINT32 + maxLength(value))
    const buf = w.buf
    buf[w.length] = ValueType.Value
    w.length = writeData(buf, writeData(buf, w.length + 1, key), value)
    this.setCount(this.count + 1)
  }

  /** As del(), where the key may be a string, written as its UTF-8 bytes. */
  delUtf8 (key: BytesOrString): void {
    if (typeof key !== 'string') checkKey(key)
    const w = this.rep
    w.ensure(1 + MAX_VARINT32 + maxLength(key))
    const buf = w.buf
    buf[w.length] = ValueType.Deletion
    w.length = writeData(buf, w.length + 1, key)
    this.setCount(this.count + 1)
  }

  /** Empties the batch (sequence 0, count 0) and keeps its buffer for reuse. */
  clear (): void {
    this.rep.buf.fill(0, 0, WRITE_BATCH_HEADER_SIZE)
    this.rep.length = WRITE_BATCH_HEADER_SIZE
  }

  /** Number of operations, from the header. */
  get count (): number {
    return decodeFixed32(this.rep.buf, 8)
  }

  private setCount (n: number): void {
    encodeFixed32(this.rep.buf, 8, n)
  }

  /** Sequence number of the first operation. */
  get sequence (): number {
    return decodeFixed64(this.rep.buf, 0)
  }

  set sequence (seq: number) {
    encodeFixed64(this.rep.buf, 0, seq)
  }

  /** Encoded size in bytes, header included (what the WAL record will hold). */
  get byteSize (): number {
    return this.rep.length
  }

  /** Appends the operations of `other` (group commit); this batch's sequence is kept. */
  append (other: WriteBatch): void {
    this.setCount(this.count + other.count)
    this.rep.bytes(other.rep.buf.subarray(WRITE_BATCH_HEADER_SIZE, other.rep.length))
  }

  /** The encoded batch, as a view valid until the batch is next changed. */
  contents (): Uint8Array {
    return this.rep.view()
  }

  /**
   * Calls handler.put / handler.del for each record, in order, with views into the batch.
   * Throws LEVEL_CORRUPTION on a malformed batch, possibly after some handler calls.
   */
  iterate (handler: WriteBatchHandler): void {
    this.iterateRaw((type, buf, keyStart, keyLength, valueStart, valueLength) => {
      const key = buf.subarray(keyStart, keyStart + keyLength)
      if (type === ValueType.Value) handler.put(key, buf.subarray(valueStart, valueStart + valueLength))
      else handler.del(key)
    })
  }

  /**
   * As iterate(), with positions in the batch's buffer instead of views: the memtable copies
   * each record straight into its arena, and two views per record would be two allocations on
   * the hottest write path. A deletion has valueLength 0.
   */
  iterateRaw (handler: RawRecordHandler): void {
    const buf = this.rep.buf
    if (this.rep.length < WRITE_BATCH_HEADER_SIZE) throw corruption('malformed WriteBatch (too small)')
    const input = new Cursor(buf, WRITE_BATCH_HEADER_SIZE, this.rep.length)
    let found = 0
    while (input.pos < input.end) {
      const recordStart = input.pos
      const tag = buf[input.pos++]!
      if (tag !== ValueType.Value && tag !== ValueType.Deletion) throw corruption('unknown WriteBatch tag', { offset: recordStart })
      let keyStart: number
      let keyLength: number
      let valueStart = 0
      let valueLength = 0
      try {
        keyLength = input.varint32()
        keyStart = input.pos
        input.skip(keyLength)
        if (tag === ValueType.Value) {
          valueLength = input.varint32()
          valueStart = input.pos
          input.skip(valueLength)
        }
      } catch (err) {
        throw rethrowAs(err, tag === ValueType.Value ? 'bad WriteBatch Put' : 'bad WriteBatch Delete', recordStart)
      }
      handler(tag, buf, keyStart, keyLength, valueStart, valueLength)
      found++
    }
    if (found !== this.count) throw corruption('WriteBatch has wrong count')
  }
}

function maxLength (data: BytesOrString): number {
  return typeof data === 'string' ? maxUtf8Length(data) : data.length
}

/**
 * Writes varint32 length + bytes of `data` at `pos` (room for maxLength checked by the caller) and
 * returns the offset after them. A string's bytes are written where an ASCII string's would go,
 * after a length prefix as long as its character count needs; in the rare case that its UTF-8
 * length needs a longer prefix, the bytes are moved up to make room.
 */
function writeData (buf: Uint8Array, pos: number, data: BytesOrString): number {
  if (typeof data !== 'string') {
    pos = encodeVarint(buf, pos, data.length)
    buf.set(data, pos)
    return pos + data.length
  }
  const guess = varintLength(data.length)
  const written = writeUtf8(data, buf, pos + guess)
  const prefix = varintLength(written)
  if (prefix !== guess) buf.copyWithin(pos + prefix, pos + guess, pos + guess + written)
  return encodeVarint(buf, pos, written) + written
}

/** One record of a batch as positions in `buf` (see WriteBatch.iterateRaw). */
type RawRecordHandler = (type: ValueType, buf: Uint8Array, keyStart: number, keyLength: number,
  valueStart: number, valueLength: number) => void

// A slice that runs past the batch becomes the record-level message LevelDB reports.
function rethrowAs (err: unknown, message: string, offset: number): unknown {
  return isCorruption(err) ? corruption(message, { offset, cause: err }) : err
}

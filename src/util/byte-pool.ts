// Copies of engine bytes handed to callers (iterator entries, get results), carved out of shared
// chunks instead of one fresh ArrayBuffer each.
//
// A Uint8Array longer than 64 bytes has its memory outside V8's heap: creating one costs a
// malloc, zeroing and GC bookkeeping, about 250 ns for a 100-byte value against about 35 ns for a
// view into an existing buffer, and a high rate of such allocations makes the collector run
// more often (doc/performance.md, "Read path"). A pool hands out views of the unused tail of its
// current chunk, the way Node's Buffer pool serves Buffer.allocUnsafe. Bytes of a chunk are
// handed out once and never again, so what a caller holds stays valid and unchanged however long
// it is kept, and never aliases memory the engine reuses.
//
// The price is retention: keeping one copy keeps its whole chunk alive, as with Node's pooled
// Buffers. Copies larger than a pool's maxPooled get a buffer of their own, which bounds what a
// small copy can pin to one chunk. A caller that transfers or detaches a copy's ArrayBuffer
// detaches the chunk; the pool then starts a new chunk rather than write into a detached one.
// (Pooling decoded data blocks the same way was tried and dropped: blocks that stay in the
// block cache pinned their chunks and doubled its real memory; doc/performance.md.)

/**
 * Copies up to this long get an array of their own: V8 keeps typed arrays of at most 64 bytes
 * inside its heap, where making one is cheaper than carving a view out of a chunk (a 16-byte key:
 * about 43 ns against 60 ns), and nothing is pinned. They are filled with a byte loop, which beats
 * set() at these sizes.
 */
const OWN_ARRAY_MAX = 64

class BytePool {
  private readonly chunkSize: number
  private readonly maxPooled: number
  private chunk: Uint8Array
  private used = 0

  constructor (chunkSize: number, maxPooled: number) {
    this.chunkSize = chunkSize
    this.maxPooled = Math.min(maxPooled, chunkSize)
    this.chunk = new Uint8Array(chunkSize)
  }

  /** A copy of src[start, end) that the caller owns (it may share an ArrayBuffer with other copies). */
  copy (src: Uint8Array, start = 0, end = src.length): Uint8Array {
    const n = end - start
    if (n <= OWN_ARRAY_MAX) {
      const own = new Uint8Array(n)
      for (let i = 0; i < n; i++) own[i] = src[start + i]!
      return own
    }
    if (n > this.maxPooled) {
      // Not src.slice(): on a Node Buffer that is a view, not a copy.
      const own = new Uint8Array(n)
      own.set(src.subarray(start, end))
      return own
    }
    const offset = this.reserve(n)
    const dst = this.chunk
    dst.set(start === 0 && end === src.length ? src : src.subarray(start, end), offset)
    return dst.subarray(offset, offset + n)
  }

  /** The offset of n fresh bytes in the current chunk, starting a new chunk if needed. */
  private reserve (n: number): number {
    let offset = this.used
    // A detached chunk reports a byteLength of 0.
    if (offset + n > this.chunkSize || this.chunk.byteLength === 0) {
      this.chunk = new Uint8Array(this.chunkSize)
      offset = 0
    }
    this.used = offset + n
    return offset
  }
}

/** The pool for copies handed to callers: small values, so 64 KiB chunks and at most 4 KiB each. */
const copies = new BytePool(64 * 1024, 4 * 1024)

/** A copy of src[start, end) that the caller owns (it may share an ArrayBuffer with other copies). */
export function copyBytes (src: Uint8Array, start = 0, end = src.length): Uint8Array {
  return copies.copy(src, start, end)
}

// Memory for decoded data blocks, reused. A block that a point lookup reads from the file is
// decompressed into a fresh 4 KiB ArrayBuffer, and allocating one costs about as much as a third
// of the decompression (doc/performance.md, "Third round: point reads and scans"). So the memory
// of a block that leaves the block cache is kept here and the next block a get reads is
// decompressed into it, when nothing can still be reading it: a block only ever read by gets,
// which use a block synchronously and copy what they return, never by an iterator (whose views
// may outlive the block's time in the cache). Block tracks that (Block.release()).

/** Buffers kept at most; beyond, released ones are left to the collector. */
const MAX_FREE = 32
/** Fresh buffers are rounded up to this, so that a reused one fits most blocks of a table. */
const ROUND = 256
/** How many of the most recently freed buffers take() looks at for one that fits. */
const LOOK = 4
/** A reused buffer may be at most this much longer than the block: the rest is memory held for nothing. */
const MAX_SLACK = 2 * ROUND

const free: ArrayBuffer[] = []

/** An array of `length` bytes, in reused memory when a freed buffer fits, else in a new buffer. */
export function takeBlockBuffer (length: number): Uint8Array {
  const n = free.length
  for (let i = n - 1; i >= 0 && i >= n - LOOK; i--) {
    const buffer = free[i]!
    if (buffer.byteLength >= length && buffer.byteLength - length <= MAX_SLACK) {
      free[i] = free[n - 1]!
      free.pop()
      return new Uint8Array(buffer, 0, length)
    }
  }
  return new Uint8Array(new ArrayBuffer(Math.ceil(length / ROUND) * ROUND), 0, length)
}

/** Gives back a buffer that takeBlockBuffer() made and that nothing reads any more. */
export function freeBlockBuffer (buffer: ArrayBuffer): void {
  if (free.length < MAX_FREE) free.push(buffer)
}

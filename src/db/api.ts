// The lean engine API's types (README.md, "API"): what DB.open returns and what its
// iterators and snapshots look like. Keys and values are bytes; no encodings at this layer.

export interface WriteOptions {
  /** fdatasync the log before the write resolves (survives power loss). Default false. */
  sync?: boolean
}

export interface ReadOptions {
  /** Read as of this snapshot instead of the latest state. */
  snapshot?: Snapshot
  /** Whether blocks read are kept in the block cache. Default true. */
  fillCache?: boolean
}

export interface IteratorOptions extends ReadOptions {
  gt?: Uint8Array
  gte?: Uint8Array
  lt?: Uint8Array
  lte?: Uint8Array
  /** Iterate from the last key backwards. Default false. */
  reverse?: boolean
  /** At most this many entries; -1 or undefined for no limit. */
  limit?: number
  /** Return keys. Default true; when false, key slots hold undefined. */
  keys?: boolean
  /** Return values. Default true; when false, value slots hold undefined. */
  values?: boolean
}

/** A point in time: reads through it see exactly the writes that came before it. */
export interface Snapshot {
  /** The sequence number of the last write it sees. */
  readonly sequence: number
  /** Releases it; reads through a released snapshot fail. Idempotent. */
  close (): void
}

export type Entry = [key: Uint8Array | undefined, value: Uint8Array | undefined]

/**
 * A user-facing iterator over a consistent view (its own snapshot, or the one given), reading the
 * Version that was current when it was created. Synchronous: every step is in-memory or a
 * synchronous file read. Keys and values returned are copies the caller owns.
 */
export interface DBIteratorHandle {
  /** The next entry, or undefined at the end (or once the limit is reached). */
  next (): Entry | undefined
  /** Up to `size` next entries; fewer only at the end. */
  nextv (size: number): Entry[]
  /** Every remaining entry. */
  all (): Entry[]
  /** Repositions at the first key >= target (or <= target in reverse), within the range. */
  seek (target: Uint8Array): void
  /** Releases the Version and snapshot it holds. Idempotent. */
  close (): void
  readonly closed: boolean
}

// The internal iterator shape shared by blocks, tables, the memtable and the merging iterators of
// the engine. Positioned iterators expose views: key() and value() stay valid only until the
// iterator moves, so a caller that keeps one must copy it.

export interface InternalIterator {
  valid (): boolean
  seekToFirst (): void
  seekToLast (): void
  /** Positions at the first entry with key >= target. */
  seek (target: Uint8Array): void
  next (): void
  prev (): void
  key (): Uint8Array
  value (): Uint8Array
  /** Throws the first error met while iterating (for example a corrupt block), if any. */
  checkError (): void
  close (): void
}

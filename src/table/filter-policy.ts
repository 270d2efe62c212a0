// A filter policy summarises a set of keys in a small byte string that answers "may contain".
// Tables store one filter per 2 KiB of data-block offsets (doc/table.md, "Filter block").

export interface FilterPolicy {
  /** Stored in the metaindex as "filter." + name; readers ignore filters of another name. */
  readonly name: string
  /** Builds a filter for `keys`. */
  createFilter (keys: readonly Uint8Array[]): Uint8Array
  /**
   * Optional, the same filter for keys laid back to back in `data`: key i is
   * data[starts[i], next - trim), where next is starts[i + 1] or, for the last key, `end`.
   * Table builders hold their pending keys this way; it spares a view per key.
   */
  createFilterFromRanges?: ((data: Uint8Array, starts: readonly number[], end: number, trim: number) => Uint8Array) | undefined
  /** False only if `key` was certainly not among the keys `filter` was built from. */
  keyMayMatch (key: Uint8Array, filter: Uint8Array): boolean
  /**
   * Optional, keyMayMatch for the key key[keyStart, keyEnd) and the filter
   * filter[filterStart, filterEnd): a table get probes with ranges of its lookup key and of the
   * filter block, and this spares the two views per probe.
   */
  keyMayMatchAt?: ((key: Uint8Array, keyStart: number, keyEnd: number,
    filter: Uint8Array, filterStart: number, filterEnd: number) => boolean) | undefined
}

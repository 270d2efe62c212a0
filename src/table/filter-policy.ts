// A filter policy summarises a set of keys in a small byte string that answers "may contain".
// Tables store one filter per 2 KiB of data-block offsets (doc/table.md, "Filter block").

export interface FilterPolicy {
  /** Stored in the metaindex as "filter." + name; readers ignore filters of another name. */
  readonly name: string
  /** Builds a filter for `keys`. */
  createFilter (keys: readonly Uint8Array[]): Uint8Array
  /** False only if `key` was certainly not among the keys `filter` was built from. */
  keyMayMatch (key: Uint8Array, filter: Uint8Array): boolean
}

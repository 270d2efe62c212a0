// The filter block (doc/table.md, "Filter block"): one filter per 2 KiB range of data-block start
// offsets, so a reader can go from a data block's offset straight to the filter that covers it.
// Layout: the filters back to back, a fixed32 start offset per filter, the fixed32 offset of that
// array, then one byte base_lg (11: ranges of 2^11 = 2048 bytes).

import { ByteWriter, decodeFixed32 } from '../util/coding.js'
import type { FilterPolicy } from './filter-policy.js'

const FILTER_BASE_LG = 11
const FILTER_BASE = 1 << FILTER_BASE_LG

export class FilterBlockBuilder {
  private readonly policy: FilterPolicy
  /** Keys added since the last filter was generated, back to back. */
  private readonly keyBytes = new ByteWriter(1024)
  private readonly keyStarts: number[] = []
  private readonly result = new ByteWriter(1024)
  private readonly filterOffsets: number[] = []

  constructor (policy: FilterPolicy) {
    this.policy = policy
  }

  /** Called with the file offset of each data block before its keys are added. */
  startBlock (blockOffset: number): void {
    const filterIndex = Math.floor(blockOffset / FILTER_BASE)
    // Ranges with no block starting in them get empty filters.
    while (filterIndex > this.filterOffsets.length) this.generateFilter()
  }

  addKey (key: Uint8Array): void {
    this.keyStarts.push(this.keyBytes.length)
    this.keyBytes.bytes(key)
  }

  /** The finished block; the builder must not be used afterwards. */
  finish (): Uint8Array {
    if (this.keyStarts.length > 0) this.generateFilter()
    const arrayOffset = this.result.length
    for (const offset of this.filterOffsets) this.result.fixed32(offset)
    this.result.fixed32(arrayOffset)
    this.result.byte(FILTER_BASE_LG)
    return this.result.view()
  }

  private generateFilter (): void {
    this.filterOffsets.push(this.result.length)
    const n = this.keyStarts.length
    if (n === 0) return
    this.result.bytes(this.createFilter(this.keyBytes.view()))
    this.keyStarts.length = 0
    this.keyBytes.reset()
  }

  /** The policy's filter for the pending keys, which lie back to back in `all`. */
  private createFilter (all: Uint8Array): Uint8Array {
    const policy = this.policy
    const fromRanges = policy.createFilterFromRanges
    if (fromRanges !== undefined) return fromRanges.call(policy, all, this.keyStarts, all.length, 0)
    // Views into the pending-key buffer: no per-key copies.
    const n = this.keyStarts.length
    const keys: Uint8Array[] = new Array(n)
    for (let i = 0; i < n; i++) {
      const end = i + 1 < n ? this.keyStarts[i + 1]! : all.length
      keys[i] = all.subarray(this.keyStarts[i]!, end)
    }
    return policy.createFilter(keys)
  }
}

export class FilterBlockReader {
  private readonly policy: FilterPolicy
  private readonly data: Uint8Array
  /** Offset of the filter-offset array; 0 filters when the block is malformed. */
  private readonly arrayOffset: number
  private readonly numFilters: number
  private readonly baseLg: number

  constructor (policy: FilterPolicy, contents: Uint8Array) {
    this.policy = policy
    this.data = contents
    let arrayOffset = 0
    let numFilters = 0
    let baseLg = FILTER_BASE_LG
    const n = contents.length
    // Malformed blocks fall back to "may match" for every key (numFilters 0).
    if (n >= 5) {
      const last = decodeFixed32(contents, n - 5)
      if (last <= n - 5) {
        arrayOffset = last
        numFilters = Math.floor((n - 5 - last) / 4)
        baseLg = contents[n - 1]!
      }
    }
    this.arrayOffset = arrayOffset
    this.numFilters = numFilters
    this.baseLg = baseLg
  }

  /** False only if `key` is certainly absent from the data block starting at `blockOffset`. */
  keyMayMatch (blockOffset: number, key: Uint8Array): boolean {
    const index = Math.floor(blockOffset / 2 ** this.baseLg)
    if (index >= this.numFilters) return true
    const entry = this.arrayOffset + index * 4
    const start = decodeFixed32(this.data, entry)
    // The last filter ends where the offset array begins (the next fixed32 is that array's offset).
    const limit = decodeFixed32(this.data, entry + 4)
    if (start === limit) return false
    if (start < limit && limit <= this.arrayOffset) {
      const policy = this.policy
      if (policy.keyMayMatchAt !== undefined) return policy.keyMayMatchAt(key, 0, key.length, this.data, start, limit)
      return policy.keyMayMatch(key, this.data.subarray(start, limit))
    }
    return true
  }
}

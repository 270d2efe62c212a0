// A least-recently-used cache bounded by a total "charge" (bytes for the block cache, open files
// for the table cache). A Map gives O(1) lookup; a doubly linked list through the entries gives
// O(1) recency updates and eviction from the cold end.
//
// Ownership: every value handed to set() is passed to the eviction callback exactly once, when it
// leaves the cache for whatever reason (evicted for room, replaced, deleted, cleared) — or at once
// if it can never fit. A table cache can therefore close files in the callback. Values that are
// still in use elsewhere (a table read by a live iterator) need their own reference count: the
// cache does not pin entries.

import { invalidArgument } from './errors.js'

export type EvictReason = 'capacity' | 'replaced' | 'deleted' | 'cleared'

type EvictCallback<K, V> = (key: K, value: V, reason: EvictReason) => void

interface Entry<K, V> {
  key: K
  value: V
  charge: number
  /** Towards the most recently used end. */
  newer: Entry<K, V> | null
  /** Towards the least recently used end. */
  older: Entry<K, V> | null
}

interface LruCacheOptions<K, V> {
  onEvict?: EvictCallback<K, V>
}

export class LruCache<K, V> {
  private capacityCharge: number
  private usage = 0
  private readonly entries = new Map<K, Entry<K, V>>()
  private newest: Entry<K, V> | null = null
  private oldest: Entry<K, V> | null = null
  private readonly onEvict: EvictCallback<K, V> | undefined

  constructor (capacity: number, options: LruCacheOptions<K, V> = {}) {
    checkCharge(capacity, 'capacity')
    this.capacityCharge = capacity
    this.onEvict = options.onEvict
  }

  get capacity (): number {
    return this.capacityCharge
  }

  /** Sum of the charges of the entries held. */
  get totalCharge (): number {
    return this.usage
  }

  get size (): number {
    return this.entries.size
  }

  /** The value for `key`, which becomes the most recently used; undefined if absent. */
  get (key: K): V | undefined {
    const e = this.entries.get(key)
    if (e === undefined) return undefined
    this.moveToNewest(e)
    return e.value
  }

  /** As get(), without changing recency. */
  peek (key: K): V | undefined {
    return this.entries.get(key)?.value
  }

  has (key: K): boolean {
    return this.entries.has(key)
  }

  /**
   * Inserts or replaces `key` as the most recently used entry, then evicts from the cold end until
   * the total charge fits. Returns false if the entry alone exceeds the capacity: it is then not
   * kept (and any previous value for the key is removed).
   */
  set (key: K, value: V, charge = 1): boolean {
    checkCharge(charge, 'charge')
    const old = this.entries.get(key)
    if (old !== undefined) {
      if (old.value === value) {
        // Same value: only its charge and recency change.
        this.usage += charge - old.charge
        old.charge = charge
        this.moveToNewest(old)
        this.evictToCapacity()
        return this.entries.has(key)
      }
      this.remove(old, 'replaced')
    }
    if (charge > this.capacityCharge) {
      this.onEvict?.(key, value, 'capacity')
      return false
    }
    const e: Entry<K, V> = { key, value, charge, newer: null, older: null }
    this.entries.set(key, e)
    this.linkNewest(e)
    this.usage += charge
    this.evictToCapacity()
    return true
  }

  /** Removes `key`; returns whether it was present. */
  delete (key: K): boolean {
    const e = this.entries.get(key)
    if (e === undefined) return false
    this.remove(e, 'deleted')
    return true
  }

  /** Removes every entry, oldest first. */
  clear (): void {
    while (this.oldest !== null) this.remove(this.oldest, 'cleared')
  }

  /** Changes the capacity, evicting at once if the cache is now over it. */
  setCapacity (capacity: number): void {
    checkCharge(capacity, 'capacity')
    this.capacityCharge = capacity
    this.evictToCapacity()
  }

  /** Keys from most to least recently used (for tests and diagnostics). */
  * keys (): IterableIterator<K> {
    for (let e = this.newest; e !== null; e = e.older) yield e.key
  }

  /**
   * Evicts from the cold end until usage fits. A just-set entry is the newest, so it goes only if
   * it alone is over the capacity.
   */
  private evictToCapacity (): void {
    while (this.usage > this.capacityCharge && this.oldest !== null) this.remove(this.oldest, 'capacity')
  }

  private remove (e: Entry<K, V>, reason: EvictReason): void {
    this.entries.delete(e.key)
    this.unlink(e)
    this.usage -= e.charge
    // Callback last, so that a callback that touches the cache sees a consistent state.
    this.onEvict?.(e.key, e.value, reason)
  }

  private moveToNewest (e: Entry<K, V>): void {
    if (this.newest === e) return
    this.unlink(e)
    this.linkNewest(e)
  }

  private linkNewest (e: Entry<K, V>): void {
    e.older = this.newest
    e.newer = null
    if (this.newest !== null) this.newest.newer = e
    this.newest = e
    if (this.oldest === null) this.oldest = e
  }

  private unlink (e: Entry<K, V>): void {
    if (e.newer !== null) e.newer.older = e.older
    else this.newest = e.older
    if (e.older !== null) e.older.newer = e.newer
    else this.oldest = e.newer
    e.newer = null
    e.older = null
  }
}

function checkCharge (n: number, what: string): void {
  if (typeof n !== 'number' || !(n >= 0) || n === Infinity) {
    throw invalidArgument(`LruCache ${what} must be a finite number >= 0, got ${n}`)
  }
}

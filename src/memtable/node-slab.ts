// The storage of the memtable's B+-tree nodes (btree-index.ts): every node's entry ids and their
// abbreviations live in two typed arrays, a fixed number of slots per node, instead of in two
// JavaScript arrays per node. A memtable lives for many young-generation collections, so arrays
// on the heap would be copied by each of them, promoted to the old generation and, once the
// memtable is flushed, left there as garbage for a full collection to free: about 0.8 MB per
// 4 MiB memtable of small entries. Typed arrays are one allocation outside the heap, and an
// arena that is reused (EntryArena.reset) keeps its slab too, so in steady state the tree
// allocates only its small node objects.

/** Slots per node: a leaf holds up to 64 entries and splits at the 65th (btree-index.ts). */
export const NODE_SLOTS = 65
const INITIAL_NODES = 64

export class NodeSlab {
  /** ids[base + i] is entry i of the node whose slots start at `base`. Replaced when it grows. */
  ids: Uint32Array
  /** abbrs[base + i] is the abbreviation of ids[base + i]. Replaced when it grows. */
  abbrs: Float64Array
  private used = 0

  constructor () {
    this.ids = new Uint32Array(INITIAL_NODES * NODE_SLOTS)
    this.abbrs = new Float64Array(INITIAL_NODES * NODE_SLOTS)
  }

  /** The first slot of a new node. Re-read `ids` and `abbrs` after: they may have grown. */
  allocate (): number {
    if (this.used + NODE_SLOTS > this.ids.length) this.grow()
    const base = this.used
    this.used += NODE_SLOTS
    return base
  }

  /** Forgets every node and keeps the arrays (for a new memtable). */
  reset (): void {
    this.used = 0
  }

  private grow (): void {
    const ids = new Uint32Array(this.ids.length * 2)
    ids.set(this.ids.subarray(0, this.used))
    const abbrs = new Float64Array(this.abbrs.length * 2)
    abbrs.set(this.abbrs.subarray(0, this.used))
    this.ids = ids
    this.abbrs = abbrs
  }
}

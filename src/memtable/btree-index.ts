// An in-memory B+-tree ordering the memtable's entries (arena indexes) by internal key.
//
// Why a B+-tree rather than LevelDB's skiplist: in JavaScript the cost is in pointer chasing and
// in cache misses on the key bytes, and a tree with wide nodes does fewer of both (about log2(n)
// comparisons per insert against roughly twice that for a skiplist of branching 4), while
// iteration walks plain arrays. bench/memtable.ts measures it; doc/memtable.md has the figures.
//
// Each node also keeps, beside every entry, its "abbreviation": 6 bytes of the user key as a
// number, taken just after the prefix that every user key in the tree shares (keys such as
// "%016d" numbers or "table:…" names share long prefixes, and 6 bytes from their start would all
// be equal). Under the bytewise order, different abbreviations decide a comparison without
// touching the key bytes in the arena (a likely cache miss); only equal ones fall back to a full
// comparison. With any other user comparator every abbreviation is 0, which always falls back.
//
// The memtable keeps receiving writes while iterators walk it, and an insert shifts positions
// inside one leaf (or splits it). Each leaf therefore carries a version number bumped on every
// change; a cursor remembers the version it saw and, if its leaf changed, finds its entry again by
// key before moving. Entries are never removed and internal keys are unique (every write has
// its own sequence number), so that search always finds the entry the cursor was on.

import { TAG_SIZE, type InternalKeyComparator } from '../dbformat/internal-key.js'
import type { EntryArena } from './arena.js'
import { NODE_SLOTS, type NodeSlab } from './node-slab.js'

// Measured with bench/memtable.ts: 64 was at or near the best for leaves and branches.
const LEAF_MAX = NODE_SLOTS - 1
const BRANCH_MAX = 64
const MAX_DEPTH = 32
const ABBREVIATED_BYTES = 6
/** The longest shared prefix skipped before the abbreviated bytes. */
const MAX_SKIP = 32
/** Above every abbreviation (6 bytes are below 2^48): for a target that sorts after the prefix. */
const ABOVE_ALL = 2 ** 48

// A node's entries are slots base .. base + n - 1 of the tree's NodeSlab (node-slab.ts), ids in
// `ids`, their abbreviations at the same index in `abbrs`. Leaf: the entries, in order. Branch:
// entry i is the first entry under children[i + 1].
class Node {
  readonly base: number
  n = 0
  children: Node[] | null
  next: Node | null = null
  prev: Node | null = null
  version = 0

  constructor (base: number, children: Node[] | null) {
    this.base = base
    this.children = children
  }
}

export class BTreeIndex {
  private root: Node
  private readonly firstLeaf: Node
  private lastLeaf: Node
  private readonly arena: EntryArena
  /** @internal The nodes' entries (the arena's, reused with it). */
  readonly slab: NodeSlab
  private readonly icmp: InternalKeyComparator
  private readonly abbreviate: boolean
  // The descent path of the current insert, reused to avoid allocating per insert.
  private readonly pathNodes: Node[] = new Array<Node>(MAX_DEPTH)
  private readonly pathSlots: number[] = new Array<number>(MAX_DEPTH).fill(0)
  /** The last insert went to the right edge: try appending the next one there first. */
  private appending = false
  /**
   * The prefix every user key in the tree starts with (at most MAX_SKIP bytes, the first key's
   * to begin with); abbreviations are taken from the bytes after it. It only ever shortens, and
   * each time it does, every abbreviation is recomputed.
   */
  private readonly prefix = new Uint8Array(MAX_SKIP)
  private skip = 0

  constructor (arena: EntryArena, icmp: InternalKeyComparator) {
    this.arena = arena
    this.icmp = icmp
    this.abbreviate = icmp.bytewise
    this.slab = arena.nodes
    this.root = this.newNode(null)
    this.firstLeaf = this.root
    this.lastLeaf = this.root
  }

  private newNode (children: Node[] | null): Node {
    return new Node(this.slab.allocate(), children)
  }

  insert (id: number): void {
    const arena = this.arena
    const buf = arena.buf
    const start = arena.keyOffset[id]!
    const end = start + arena.keyLength[id]!
    if (this.abbreviate) this.sharePrefix(buf, start, end)
    const abbr = this.abbreviationOf(buf, start, end)
    if (this.appending && this.isAfterLast(abbr, buf, start, end)) {
      this.appendLast(id, abbr)
      return
    }
    let node = this.root
    let depth = 0
    while (node.children !== null) {
      const slot = this.search(node, abbr, buf, start, end, true)
      this.pathNodes[depth] = node
      this.pathSlots[depth] = slot
      depth++
      node = node.children[slot]!
    }
    const pos = this.search(node, abbr, buf, start, end, false)
    this.insertAt(node, pos, id, abbr)
    node.version++
    this.appending = node === this.lastLeaf && pos === node.n - 1
    if (node.n > LEAF_MAX) this.splitLeaf(node, pos, depth)
  }

  /** Whether target[start, end) sorts after the last entry (it is then appended, see insert). */
  private isAfterLast (abbr: number, target: Uint8Array, start: number, end: number): boolean {
    const leaf = this.lastLeaf
    const n = leaf.n
    if (n === 0) return false
    const last = leaf.base + n - 1
    const a = this.slab.abbrs[last]!
    if (a !== abbr) return a < abbr
    const id = this.slab.ids[last]!
    const arena = this.arena
    const s = arena.keyOffset[id]!
    return this.icmp.compareAt(arena.buf, s, s + arena.keyLength[id]!, target, start, end) < 0
  }

  // Keys written in ascending order (a sequential load, a batch of sorted keys) all land at the
  // right edge: they are appended to the last leaf with one comparison instead of a search from
  // the root, the descent path being the rightmost child at every level.
  private appendLast (id: number, abbr: number): void {
    let node = this.root
    let depth = 0
    while (node.children !== null) {
      const slot = node.children.length - 1
      this.pathNodes[depth] = node
      this.pathSlots[depth] = slot
      depth++
      node = node.children[slot]!
    }
    this.slab.ids[node.base + node.n] = id
    this.slab.abbrs[node.base + node.n] = abbr
    node.n++
    node.version++
    if (node.n > LEAF_MAX) this.splitLeaf(node, node.n - 1, depth)
  }

  /** Id of the first entry >= the internal key target[start, end), or -1. */
  seekId (target: Uint8Array, start = 0, end = target.length): number {
    const abbr = this.targetAbbreviation(target, start, end)
    const leaf = this.findLeaf(abbr, target, start, end)
    const pos = this.search(leaf, abbr, target, start, end, false)
    if (pos < leaf.n) return this.slab.ids[leaf.base + pos]!
    return leaf.next === null ? -1 : this.slab.ids[leaf.next.base]!
  }

  cursor (): BTreeCursor {
    return new BTreeCursor(this)
  }

  /** @internal Positions `c` at the first entry >= target[start, end). */
  locate (c: BTreeCursor, target: Uint8Array, start: number, end: number): void {
    const abbr = this.targetAbbreviation(target, start, end)
    let leaf: Node | null = this.findLeaf(abbr, target, start, end)
    let pos = this.search(leaf, abbr, target, start, end, false)
    if (pos === leaf.n) {
      leaf = leaf.next
      pos = 0
    }
    c.setPosition(leaf, pos)
  }

  /** @internal */
  first (): Node | null {
    return this.firstLeaf.n === 0 ? null : this.firstLeaf
  }

  /** @internal */
  last (): Node | null {
    return this.lastLeaf.n === 0 ? null : this.lastLeaf
  }

  /** @internal Repositions a cursor whose leaf changed, on the entry it was at. */
  relocate (c: BTreeCursor, id: number): void {
    const arena = this.arena
    const start = arena.keyOffset[id]!
    this.locate(c, arena.buf, start, start + arena.keyLength[id]!)
  }

  // The 6 bytes of the user key after the shared prefix, big-endian, zero-padded: among keys that
  // all start with the prefix, an order-preserving summary (a < b implies abbr(a) <= abbr(b))
  // exact in a double. A target too short to hold a tag is all user key, as the comparator
  // treats it.
  private abbreviationOf (key: Uint8Array, start: number, end: number): number {
    if (!this.abbreviate) return 0
    const userEnd = end - start < TAG_SIZE ? end : end - TAG_SIZE
    const from = start + this.skip
    let a = 0
    for (let i = from; i < from + ABBREVIATED_BYTES; i++) a = a * 256 + (i < userEnd ? key[i]! : 0)
    return a
  }

  // A search target need not start with the prefix. One that sorts before it (or is a proper
  // prefix of it, so shorter than every key in the tree) is below every entry; one that sorts
  // after it, above every entry; either way no comparison is needed to place it.
  private targetAbbreviation (key: Uint8Array, start: number, end: number): number {
    if (!this.abbreviate || this.skip === 0) return this.abbreviationOf(key, start, end)
    const userEnd = end - start < TAG_SIZE ? end : end - TAG_SIZE
    const prefix = this.prefix
    for (let i = 0; i < this.skip; i++) {
      if (start + i >= userEnd) return -1
      const b = key[start + i]!
      if (b !== prefix[i]) return b < prefix[i]! ? -1 : ABOVE_ALL
    }
    return this.abbreviationOf(key, start, end)
  }

  // Keeps `prefix` the prefix shared by every user key inserted, the new one included.
  private sharePrefix (key: Uint8Array, start: number, end: number): void {
    const userLength = end - start - TAG_SIZE
    // Entries are never removed, so the first leaf is empty only before the first insert.
    if (this.firstLeaf.n === 0) {
      this.skip = Math.min(userLength, MAX_SKIP)
      this.prefix.set(key.subarray(start, start + this.skip))
      return
    }
    const prefix = this.prefix
    const limit = Math.min(this.skip, userLength)
    let n = 0
    while (n < limit && key[start + n] === prefix[n]) n++
    if (n === this.skip) return
    this.skip = n
    this.reabbreviate(this.root)
  }

  // Recomputes the abbreviations of `node` and everything under it (after the prefix shortened).
  private reabbreviate (node: Node): void {
    const arena = this.arena
    const { ids, abbrs } = this.slab
    for (let i = node.base; i < node.base + node.n; i++) {
      const s = arena.keyOffset[ids[i]!]!
      abbrs[i] = this.abbreviationOf(arena.buf, s, s + arena.keyLength[ids[i]!]!)
    }
    if (node.children !== null) for (const child of node.children) this.reabbreviate(child)
  }

  private findLeaf (abbr: number, target: Uint8Array, start: number, end: number): Node {
    let node = this.root
    while (node.children !== null) node = node.children[this.search(node, abbr, target, start, end, true)]!
    return node
  }

  // Binary search of a node: the first index whose entry is >= target, or with `after` the
  // first whose entry is > target (which is the child of a branch that may hold target).
  private search (node: Node, abbr: number, target: Uint8Array, start: number, end: number, after: boolean): number {
    const { ids, abbrs } = this.slab
    const base = node.base
    const arena = this.arena
    const buf = arena.buf
    const offsets = arena.keyOffset
    const lengths = arena.keyLength
    const icmp = this.icmp
    let lo = 0
    let hi = node.n
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      const a = abbrs[base + mid]!
      let c: number
      if (a !== abbr) {
        c = a < abbr ? -1 : 1
      } else {
        const id = ids[base + mid]!
        const s = offsets[id]!
        c = icmp.compareAt(buf, s, s + lengths[id]!, target, start, end)
      }
      if (c < 0 || (after && c === 0)) lo = mid + 1
      else hi = mid
    }
    return lo
  }

  private splitLeaf (leaf: Node, insertedAt: number, depth: number): void {
    const n = leaf.n
    // Appending at the right edge (ascending keys) leaves full leaves behind instead of half
    // empty ones.
    const cut = insertedAt === n - 1 && leaf.next === null ? n - 1 : n >>> 1
    const right = this.newNode(null)
    this.moveTail(leaf, cut, right)
    right.next = leaf.next
    right.prev = leaf
    if (leaf.next !== null) leaf.next.prev = right
    else this.lastLeaf = right
    leaf.next = right
    this.insertIntoParent(leaf, this.slab.ids[right.base]!, this.slab.abbrs[right.base]!, right, depth)
  }

  /** Puts (id, abbr) at index `pos` of `node`, shifting the entries from there on (it has a free slot). */
  private insertAt (node: Node, pos: number, id: number, abbr: number): void {
    const { ids, abbrs } = this.slab
    const base = node.base
    for (let i = base + node.n; i > base + pos; i--) {
      ids[i] = ids[i - 1]!
      abbrs[i] = abbrs[i - 1]!
    }
    ids[base + pos] = id
    abbrs[base + pos] = abbr
    node.n++
  }

  /** Moves the entries of `from` from index `at` on into the empty node `to`. */
  private moveTail (from: Node, at: number, to: Node): void {
    const { ids, abbrs } = this.slab
    ids.copyWithin(to.base, from.base + at, from.base + from.n)
    abbrs.copyWithin(to.base, from.base + at, from.base + from.n)
    to.n = from.n - at
    from.n = at
  }

  // Adds `right` (whose first entry is `separator`) just after `left` in the parent at `depth - 1`.
  private insertIntoParent (left: Node, separator: number, abbr: number, right: Node, depth: number): void {
    if (depth === 0) {
      const root = this.newNode([left, right])
      this.slab.ids[root.base] = separator
      this.slab.abbrs[root.base] = abbr
      root.n = 1
      this.root = root
      return
    }
    const parent = this.pathNodes[depth - 1]!
    const slot = this.pathSlots[depth - 1]!
    const children = parent.children!
    this.insertAt(parent, slot, separator, abbr)
    children.splice(slot + 1, 0, right)
    if (children.length <= BRANCH_MAX) return
    const mid = parent.n >>> 1
    const promoted = this.slab.ids[parent.base + mid]!
    const promotedAbbr = this.slab.abbrs[parent.base + mid]!
    const sibling = this.newNode(children.slice(mid + 1))
    this.moveTail(parent, mid + 1, sibling)
    parent.n = mid
    children.length = mid + 1
    this.insertIntoParent(parent, promoted, promotedAbbr, sibling, depth - 1)
  }
}

/** A position in a BTreeIndex that survives later inserts. */
export class BTreeCursor {
  /** The entry under the cursor, or -1 when not positioned. */
  id = -1
  private leaf: Node | null = null
  private pos = 0
  private version = 0
  private readonly tree: BTreeIndex

  constructor (tree: BTreeIndex) {
    this.tree = tree
  }

  /** @internal */
  setPosition (leaf: Node | null, pos: number): void {
    this.leaf = leaf
    this.pos = pos
    if (leaf === null) {
      this.id = -1
    } else {
      this.version = leaf.version
      this.id = this.tree.slab.ids[leaf.base + pos]!
    }
  }

  seekToFirst (): void {
    this.setPosition(this.tree.first(), 0)
  }

  seekToLast (): void {
    const leaf = this.tree.last()
    this.setPosition(leaf, leaf === null ? 0 : leaf.n - 1)
  }

  seek (target: Uint8Array): void {
    this.tree.locate(this, target, 0, target.length)
  }

  next (): void {
    let leaf = this.leaf
    if (leaf === null) return
    if (leaf.version !== this.version) {
      this.tree.relocate(this, this.id)
      leaf = this.leaf!
    }
    const pos = this.pos + 1
    if (pos < leaf.n) this.setPosition(leaf, pos)
    else this.setPosition(leaf.next, 0)
  }

  prev (): void {
    let leaf = this.leaf
    if (leaf === null) return
    if (leaf.version !== this.version) {
      this.tree.relocate(this, this.id)
      leaf = this.leaf!
    }
    if (this.pos > 0) {
      this.setPosition(leaf, this.pos - 1)
    } else {
      const p = leaf.prev
      this.setPosition(p, p === null ? 0 : p.n - 1)
    }
  }
}

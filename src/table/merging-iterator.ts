// Merges several sorted iterators (memtables, level-0 tables, one concatenating iterator per deeper
// level) into one sorted stream. Entries with equal keys in different children are all yielded:
// the merge orders entries by (key, child index), so forward iteration gives the lower-numbered
// child's entry first and reverse iteration is exactly the forward sequence backwards. The
// engine lists its newest source first, although internal keys never tie across sources anyway.
//
// The children that still have entries sit in a binary heap keyed by their current key: a
// min-heap while moving forward, a max-heap while moving backward. Each step moves one child and
// restores the heap with a sift-down, about log2(n) comparisons instead of the n - 1 of a linear
// scan; bench figures for 2, 8 and 30 children are in doc/iterators.md. The runner-up (the
// better child of the root) is remembered, so that a step that leaves the same child on top
// costs one comparison.
//
// Direction changes follow the merge order exactly. Moving forward, every child except the
// current one is positioned at its first entry after the current one; moving backward, at its
// last entry before it. A switch therefore re-seeks every other child around key() and rebuilds
// the heap: children with a lower index keep their entries equal to key() on the "before" side,
// children with a higher index on the "after" side.

import type { Comparator } from '../util/comparator.js'
import type { InternalIterator } from '../util/iterator.js'
import { ShaleError } from '../util/errors.js'

const FORWARD = 0
const REVERSE = 1

export class MergingIterator implements InternalIterator {
  private readonly cmp: Comparator
  private readonly children: InternalIterator[]
  /**
   * keys[i] is children[i].key() as of its last move; it saves a key() call (often an
   * allocation) per comparison. Valid while children[i] is valid and has not moved since.
   */
  private readonly keys: Uint8Array[]
  /** Indexes of the valid children, heap-ordered for the current direction; heap[0] is current. */
  private readonly heap: Int32Array
  private heapSize = 0
  /**
   * The heap position (1 or 2) of the runner-up, the better of the root's two children, or -1
   * when unknown. It stays right for as long as only the root's key changes and the root stays
   * on top, so a scan that takes several entries in a row from one child pays one comparison per
   * step instead of two.
   */
  private runnerUp = -1
  private direction = FORWARD
  private closed = false

  constructor (cmp: Comparator, children: InternalIterator[]) {
    this.cmp = cmp
    this.children = children.slice()
    this.keys = new Array<Uint8Array>(children.length)
    this.heap = new Int32Array(children.length)
  }

  valid (): boolean {
    return this.heapSize > 0
  }

  key (): Uint8Array {
    if (this.heapSize === 0) throw notValid()
    return this.keys[this.heap[0]!]!
  }

  value (): Uint8Array {
    if (this.heapSize === 0) throw notValid()
    return this.children[this.heap[0]!]!.value()
  }

  seekToFirst (): void {
    for (const child of this.children) child.seekToFirst()
    this.rebuild(FORWARD)
  }

  seekToLast (): void {
    for (const child of this.children) child.seekToLast()
    this.rebuild(REVERSE)
  }

  seek (target: Uint8Array): void {
    for (const child of this.children) child.seek(target)
    this.rebuild(FORWARD)
  }

  next (): void {
    if (this.heapSize === 0) return
    if (this.direction !== FORWARD) this.switchToForward()
    const top = this.heap[0]!
    const child = this.children[top]!
    child.next()
    this.afterMove(top, child)
  }

  prev (): void {
    if (this.heapSize === 0) return
    if (this.direction !== REVERSE) this.switchToReverse()
    const top = this.heap[0]!
    const child = this.children[top]!
    child.prev()
    this.afterMove(top, child)
  }

  /** Throws the error of the first child (in the order given) that has one. */
  checkError (): void {
    for (const child of this.children) child.checkError()
  }

  /** Closes every child, even when one of them throws; rethrows the first such error. */
  close (): void {
    if (this.closed) return
    this.closed = true
    this.heapSize = 0
    let first: unknown
    let failed = false
    for (const child of this.children) {
      try {
        child.close()
      } catch (err) {
        if (!failed) first = err
        failed = true
      }
    }
    if (failed) throw first
  }

  // The current child moved: refresh its key and let it sink, or drop it once exhausted.
  private afterMove (top: number, child: InternalIterator): void {
    const heap = this.heap
    if (child.valid()) {
      this.keys[top] = child.key()
      const size = this.heapSize
      if (size === 1) return
      let second = this.runnerUp
      if (second < 0) {
        second = size === 2 || this.before(heap[1]!, heap[2]!) ? 1 : 2
        this.runnerUp = second
      }
      const other = heap[second]!
      if (this.before(top, other)) return
      // The runner-up takes the root; the moved child sinks from the runner-up's place.
      heap[0] = other
      heap[second] = top
      this.runnerUp = -1
      this.siftDown(second)
      return
    }
    this.runnerUp = -1
    this.heapSize--
    if (this.heapSize === 0) return
    heap[0] = heap[this.heapSize]!
    this.siftDown(0)
  }

  // Positioned at (key K, child c) going backwards. Every other child goes to its first entry
  // after (K, c): for a lower index that is the first key > K, for a higher index the first >= K.
  private switchToForward (): void {
    const current = this.heap[0]!
    const target = this.keys[current]!.slice()
    for (let i = 0; i < this.children.length; i++) {
      if (i === current) continue
      const child = this.children[i]!
      child.seek(target)
      if (i < current) {
        while (child.valid() && this.cmp.compare(child.key(), target) === 0) child.next()
      }
    }
    // The current child precedes every repositioned one, so it comes out on top again.
    this.rebuild(FORWARD)
  }

  // The mirror image: every other child goes to its last entry before (K, c): for a lower index
  // the last key <= K, for a higher index the last key < K.
  private switchToReverse (): void {
    const current = this.heap[0]!
    const target = this.keys[current]!.slice()
    for (let i = 0; i < this.children.length; i++) {
      if (i === current) continue
      const child = this.children[i]!
      child.seek(target)
      if (i < current) {
        while (child.valid() && this.cmp.compare(child.key(), target) === 0) child.next()
      }
      if (child.valid()) child.prev()
      else child.seekToLast()
    }
    this.rebuild(REVERSE)
  }

  private rebuild (direction: number): void {
    this.direction = direction
    this.runnerUp = -1
    this.heapSize = 0
    for (let i = 0; i < this.children.length; i++) {
      const child = this.children[i]!
      if (!child.valid()) continue
      this.keys[i] = child.key()
      this.heap[this.heapSize++] = i
    }
    for (let i = (this.heapSize >> 1) - 1; i >= 0; i--) this.siftDown(i)
  }

  /** True when child a comes before child b in the current direction. */
  private before (a: number, b: number): boolean {
    const r = this.cmp.compare(this.keys[a]!, this.keys[b]!)
    if (this.direction === FORWARD) return r < 0 || (r === 0 && a < b)
    return r > 0 || (r === 0 && a > b)
  }

  private siftDown (pos: number): void {
    const heap = this.heap
    const size = this.heapSize
    const item = heap[pos]!
    for (;;) {
      let child = 2 * pos + 1
      if (child >= size) break
      const right = child + 1
      if (right < size && this.before(heap[right]!, heap[child]!)) child = right
      if (!this.before(heap[child]!, item)) break
      heap[pos] = heap[child]!
      pos = child
    }
    heap[pos] = item
  }
}

function notValid (): ShaleError {
  return new ShaleError('LEVEL_INVALID_ARGUMENT', 'merging iterator is not positioned on an entry')
}

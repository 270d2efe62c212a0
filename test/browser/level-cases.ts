// The ShaleLevel cases of the browser tests, run by level-worker.ts (a dedicated worker: the
// engine in place on OPFS) and by level-page.ts (a page's main thread: the engine in a worker,
// every call forwarded). Each case throws on the first wrong result, naming it.

import type { ShaleLevel, ShaleLevelOptions } from '../../src/browser.js'
import { Random } from '../../src/util/random.js'

export type Make = (location: string, options?: ShaleLevelOptions<string, string>) => ShaleLevel<string, string>
export type Say = (line: string) => void

export function check (cond: boolean, what: string): void {
  if (!cond) throw new Error(`check failed: ${what}`)
}

export function equal<T> (actual: T, expected: T, what: string): void {
  if (JSON.stringify(actual) !== JSON.stringify(expected)) {
    throw new Error(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`)
  }
}

/** Reads and writes of every kind, a second open that finds the lock taken, and a reopen. */
export async function basics (make: Make, say: Say): Promise<void> {
  const db = make('basics')
  await db.open()
  await db.clear()
  await db.put('a', '1')
  await db.batch([{ type: 'put', key: 'b', value: '2' }, { type: 'put', key: 'c', value: '3' }, { type: 'del', key: 'a' }])
  await db.batch().put('d', '4').del('c').write()
  equal(await db.get('a'), undefined, 'deleted key')
  equal(await db.get('b'), '2', 'get')
  equal(db.getSync('d'), '4', 'getSync')
  equal(await db.getMany(['a', 'b', 'd']), [undefined, '2', '4'], 'getMany')
  equal(await db.has('b'), true, 'has')
  equal(await db.iterator().all(), [['b', '2'], ['d', '4']], 'iterator')
  equal(await db.keys({ reverse: true }).all(), ['d', 'b'], 'reverse keys')
  const snapshot = db.snapshot()
  await db.put('b', 'changed')
  equal(await db.get('b', { snapshot }), '2', 'snapshot read')
  await snapshot.close()
  check(db.getProperty('shale.num-files-at-level0') !== '', 'getProperty')
  const second = make('basics')
  try {
    await second.open()
    throw new Error('a second open of an open database succeeded')
  } catch (err) {
    const e = err as { code?: string, cause?: { code?: string } }
    check(e.code === 'LEVEL_DATABASE_NOT_OPEN' && e.cause?.code === 'LEVEL_LOCKED', `second open: ${String(err)} (cause ${String(e.cause?.code)})`)
  }
  await db.close()
  const again = make('basics', { createIfMissing: false })
  await again.open()
  equal(await again.iterator().all(), [['b', 'changed'], ['d', '4']], 'after reopen')
  await again.close()
  say('basics passed')
}

const key = (rnd: Random): string => `k${String(rnd.uniform(400)).padStart(4, '0')}`

/**
 * A seeded random workload against a Map: puts, deletes, batches, chained batches, range clears,
 * checked now and then through get, getSync, iterators over random ranges and a snapshot taken
 * before more writes; a 4 KiB write buffer sends it through flushes and compactions; a reopen last.
 */
export async function model (make: Make, say: Say, seed: number, ops: number): Promise<void> {
  const rnd = new Random(seed)
  const location = 'model'
  let db = make(location, { writeBufferSize: 4096 })
  await db.open()
  await db.clear()
  const map = new Map<string, string>()
  const sorted = (m: Map<string, string>): Array<[string, string]> => [...m.entries()].sort((x, y) => x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0)
  let checks = 0
  for (let i = 0; i < ops; i++) {
    const op = rnd.uniform(20)
    if (op < 10) {
      const k = key(rnd)
      const v = `v${i}.` + 'x'.repeat(rnd.uniform(100))
      await db.put(k, v)
      map.set(k, v)
    } else if (op < 13) {
      const k = key(rnd)
      await db.del(k)
      map.delete(k)
    } else if (op < 15) {
      const batch = db.batch()
      for (let j = 0; j < 6; j++) {
        const k = key(rnd)
        if (rnd.uniform(3) === 0) { batch.del(k); map.delete(k) } else { batch.put(k, `b${i}.${j}`); map.set(k, `b${i}.${j}`) }
      }
      await batch.write()
    } else if (op < 16) {
      const [lo, hi] = [key(rnd), key(rnd)].sort() as [string, string]
      await db.clear({ gte: lo, lt: hi })
      for (const k of [...map.keys()]) if (k >= lo && k < hi) map.delete(k)
    } else if (op < 19) {
      const [lo, hi] = [key(rnd), key(rnd)].sort() as [string, string]
      const reverse = rnd.uniform(2) === 1
      const limit = rnd.uniform(4) === 0 ? rnd.uniform(20) : -1
      let expected = sorted(map).filter(([k]) => k > lo && k <= hi)
      if (reverse) expected.reverse()
      if (limit >= 0) expected = expected.slice(0, limit)
      equal(await db.iterator({ gt: lo, lte: hi, reverse, limit }).all(), expected, `op ${i}: iterator ${lo}..${hi} reverse ${String(reverse)} limit ${limit}`)
      const k = key(rnd)
      equal(await db.get(k), map.get(k), `op ${i}: get ${k}`)
      equal(db.getSync(k), map.get(k), `op ${i}: getSync ${k}`)
      checks++
    } else {
      const snapshot = db.snapshot()
      const before = sorted(map)
      const k = key(rnd)
      await db.put(k, 'after the snapshot')
      map.set(k, 'after the snapshot')
      equal(await db.iterator({ snapshot }).all(), before, `op ${i}: snapshot`)
      await snapshot.close()
      checks++
    }
  }
  equal(await db.iterator().all(), sorted(map), 'all entries')
  const level0 = db.getProperty('shale.num-files-at-level0')
  const level1 = db.getProperty('shale.num-files-at-level1')
  await db.close()
  db = make(location, { createIfMissing: false })
  await db.open()
  equal(await db.iterator().all(), sorted(map), 'all entries after reopen')
  await db.close()
  say(`model: ${ops} operations, ${checks} checks, ${map.size} keys, tables at levels 0/1 ${level0}/${level1}`)
}

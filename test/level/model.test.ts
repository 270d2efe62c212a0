// ShaleLevel against an ordered model: random sequences of puts, deletes, batches, chained batches
// and range clears, checked through get/getMany/has, iterators with random ranges (entries, keys,
// values, reverse, limit, seek) and explicit snapshots taken part-way. A 1 KiB write buffer sends
// the data through tables and compactions while the checks run.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { ShaleLevel } from '../../src/index.js'
import { removeDir, tempDir } from './helpers.js'

interface Range { gt?: string, gte?: string, lt?: string, lte?: string, reverse: boolean, limit?: number }

type Op =
  | { kind: 'put', key: string, value: string }
  | { kind: 'del', key: string }
  | { kind: 'batch', ops: Array<{ key: string, value: string | undefined }> }
  | { kind: 'chained', ops: Array<{ key: string, value: string | undefined }> }
  | { kind: 'clear', range: Range }
  | { kind: 'check', range: Range, seek: string | undefined, readFirst: number }
  | { kind: 'snapshot' }

// Short keys over a small alphabet collide and interleave; ASCII compares as bytes do.
const keyArb = fc.string({ unit: fc.constantFrom('a', 'b', 'c', 'd', 'e'), minLength: 1, maxLength: 3 })
const valueArb = fc.string({ maxLength: 40 })
const rangeArb: fc.Arbitrary<Range> = fc.record({
  lower: fc.option(fc.record({ key: keyArb, inclusive: fc.boolean() }), { nil: undefined }),
  upper: fc.option(fc.record({ key: keyArb, inclusive: fc.boolean() }), { nil: undefined }),
  reverse: fc.boolean(),
  limit: fc.option(fc.integer({ min: 0, max: 30 }), { nil: undefined })
}).map(({ lower, upper, reverse, limit }) => {
  const r: Range = { reverse }
  if (lower !== undefined) r[lower.inclusive ? 'gte' : 'gt'] = lower.key
  if (upper !== undefined) r[upper.inclusive ? 'lte' : 'lt'] = upper.key
  if (limit !== undefined) r.limit = limit
  return r
})
const batchOpsArb = fc.array(fc.record({ key: keyArb, value: fc.option(valueArb, { nil: undefined }) }), { minLength: 1, maxLength: 8 })
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('put' as const), key: keyArb, value: valueArb }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('del' as const), key: keyArb }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('batch' as const), ops: batchOpsArb }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('chained' as const), ops: batchOpsArb }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('clear' as const), range: rangeArb }) },
  { weight: 2, arbitrary: fc.record({
    kind: fc.constant('check' as const), range: rangeArb, seek: fc.option(keyArb, { nil: undefined }), readFirst: fc.nat(4)
  }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'snapshot' as const }) }
)

function inRange (key: string, r: Range): boolean {
  if (r.gte !== undefined && key < r.gte) return false
  if (r.gt !== undefined && key <= r.gt) return false
  if (r.lte !== undefined && key > r.lte) return false
  if (r.lt !== undefined && key >= r.lt) return false
  return true
}

/**
 * What an iterator over `model` with range `r` yields, after an optional seek. As in
 * classic-level, a seek target outside the range ends the iterator.
 */
function expectedEntries (model: Map<string, string>, r: Range, seek?: string): Array<[string, string]> {
  if (seek !== undefined && !inRange(seek, r)) return []
  let keys = [...model.keys()].filter((k) => inRange(k, r)).sort()
  if (r.reverse) keys.reverse()
  if (seek !== undefined) keys = keys.filter((k) => r.reverse ? k <= seek : k >= seek)
  if (r.limit !== undefined) keys = keys.slice(0, r.limit)
  return keys.map((k) => [k, model.get(k)!])
}

function applyOps (model: Map<string, string>, ops: Array<{ key: string, value: string | undefined }>): void {
  for (const { key, value } of ops) {
    if (value === undefined) model.delete(key)
    else model.set(key, value)
  }
}

async function checkView (
  db: ShaleLevel, model: Map<string, string>, r: Range, seek: string | undefined, readFirst = 0,
  snapshot?: ReturnType<ShaleLevel['snapshot']>
): Promise<void> {
  const expected = expectedEntries(model, r, seek)
  const it = db.iterator({ ...r, snapshot })
  // Entries read with next() before a seek (next() reads ahead; seek() must drop what it read),
  // and they count against the limit.
  const first: Array<[string, string]> = []
  for (let i = 0; i < readFirst; i++) {
    const entry = await it.next()
    if (entry !== undefined) first.push(entry)
  }
  assert.deepEqual(first, expectedEntries(model, r).slice(0, readFirst))
  if (seek !== undefined) it.seek(seek)
  const rest = await it.all()
  const limit = r.limit ?? Infinity
  const restExpected = seek !== undefined
    ? expectedEntries(model, { ...r, limit: undefined }, seek).slice(0, limit - first.length)
    : expected.slice(first.length)
  assert.deepEqual(rest, restExpected, `iterator ${JSON.stringify(r)} read ${readFirst} seek ${String(seek)}`)
  if (seek === undefined) {
    assert.deepEqual(await db.keys({ ...r, snapshot }).all(), expected.map(([k]) => k))
    const values = db.values({ ...r, snapshot })
    const got: string[] = []
    for (let batch = await values.nextv(3); batch.length > 0; batch = await values.nextv(3)) got.push(...batch)
    await values.close()
    assert.deepEqual(got, expected.map(([, v]) => v))
  }
  const probe = ['a', 'b', 'ab', 'cc', 'eee', 'd']
  assert.deepEqual(await db.getMany(probe, { snapshot }), probe.map((k) => model.get(k)))
  assert.deepEqual(await db.hasMany(probe, { snapshot }), probe.map((k) => model.has(k)))
  assert.equal(db.getSync('b', { snapshot }), model.get('b'))
}

test('ShaleLevel behaves as an ordered map, through tables and compactions', async () => {
  const root = tempDir('model')
  let run = 0
  try {
    await fc.assert(fc.asyncProperty(fc.array(opArb, { minLength: 10, maxLength: 60 }), async (ops) => {
      const db = new ShaleLevel(`${root}/${run++}`, { writeBufferSize: 1024 })
      const model = new Map<string, string>()
      const snapshots: Array<{ snapshot: ReturnType<ShaleLevel['snapshot']>, model: Map<string, string> }> = []
      try {
        await db.open() // snapshot() is synchronous: it cannot wait for a deferred open
        for (const op of ops) {
          switch (op.kind) {
            case 'put': await db.put(op.key, op.value); model.set(op.key, op.value); break
            case 'del': await db.del(op.key); model.delete(op.key); break
            case 'batch':
              await db.batch(op.ops.map(({ key, value }) => value === undefined
                ? { type: 'del' as const, key }
                : { type: 'put' as const, key, value }))
              applyOps(model, op.ops)
              break
            case 'chained': {
              const batch = db.batch()
              for (const { key, value } of op.ops) {
                if (value === undefined) batch.del(key)
                else batch.put(key, value)
              }
              await batch.write()
              applyOps(model, op.ops)
              break
            }
            case 'clear': {
              await db.clear(op.range)
              for (const [k] of expectedEntries(model, op.range)) model.delete(k)
              break
            }
            case 'check': await checkView(db, model, op.range, op.seek, op.readFirst); break
            case 'snapshot': snapshots.push({ snapshot: db.snapshot(), model: new Map(model) }); break
          }
        }
        await checkView(db, model, { reverse: false }, undefined)
        for (const s of snapshots) await checkView(db, s.model, { reverse: true }, undefined, 2, s.snapshot)
        // Reopening keeps everything (log replay and tables).
        await db.close()
        await db.open()
        await checkView(db, model, { reverse: false }, undefined)
      } finally {
        await db.close()
      }
    }), { seed: 42, numRuns: 40 })
  } finally {
    removeDir(root)
  }
})

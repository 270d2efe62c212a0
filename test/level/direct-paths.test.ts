// ShaleLevel's direct paths for get, put, del and batch: calls that nothing could tell apart from
// abstract-level's path go straight to the engine, every other call goes through abstract-level.
// These tests check which path a call takes, that both give the same database, and that bad
// input and closed databases get abstract-level's errors either way.

import { afterEach, beforeEach, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { AbstractLevel } from 'abstract-level'
import { MemEnv, ShaleLevel } from '../../src/index.js'
import { rejectsWithCode } from './helpers.js'

type Method = 'get' | 'put' | 'del' | 'batch'

/** Counts calls that reach abstract-level's own get/put/del/batch. */
class GenericPathCounter {
  readonly calls: Record<Method, number> = { get: 0, put: 0, del: 0, batch: 0 }
  private readonly originals = new Map<Method, unknown>()

  install (): void {
    const proto = AbstractLevel.prototype as unknown as Record<Method, (...args: unknown[]) => unknown>
    for (const name of ['get', 'put', 'del', 'batch'] as const) {
      const original = proto[name]
      this.originals.set(name, original)
      const calls = this.calls
      proto[name] = function (this: unknown, ...args: unknown[]) {
        calls[name]++
        return original.apply(this, args)
      }
    }
  }

  uninstall (): void {
    const proto = AbstractLevel.prototype as unknown as Record<Method, unknown>
    for (const [name, original] of this.originals) proto[name] = original
  }

  reset (): void {
    for (const name of ['get', 'put', 'del', 'batch'] as const) this.calls[name] = 0
  }
}

async function openDb (): Promise<ShaleLevel<string, string>> {
  const db = new ShaleLevel<string, string>('/db', { env: new MemEnv(), backgroundWorkers: false })
  await db.open()
  return db
}

async function contents (db: ShaleLevel<string, string>): Promise<Array<[string, string]>> {
  return await db.iterator().all() as Array<[string, string]>
}

describe('ShaleLevel direct paths', () => {
  const counter = new GenericPathCounter()
  beforeEach(() => { counter.install() })
  afterEach(() => { counter.uninstall() })

  test('plain calls skip abstract-level and give what its path gives', async () => {
    const direct = await openDb()
    const generic = await openDb()
    // A 'write' listener sends every write of `generic` through abstract-level.
    generic.on('write', () => {})
    try {
      for (const db of [direct, generic]) {
        await db.put('a', '1')
        await db.put('b', '2', { sync: true })
        await db.batch([{ type: 'put', key: 'c', value: '3' }, { type: 'del', key: 'a' }, { type: 'put', key: 'd', value: '4' }])
        await db.del('d')
        await db.batch([])
      }
      assert.deepEqual(await contents(direct), [['b', '2'], ['c', '3']])
      assert.deepEqual(await contents(generic), await contents(direct))

      counter.reset()
      await direct.put('e', '5')
      await direct.del('e')
      await direct.batch([{ type: 'put', key: 'f', value: '6' }])
      assert.equal(await direct.get('f'), '6')
      assert.equal(await direct.get('missing'), undefined)
      assert.deepEqual(counter.calls, { get: 0, put: 0, del: 0, batch: 0 })

      await generic.put('e', '5')
      await generic.del('e')
      await generic.batch([{ type: 'put', key: 'f', value: '6' }])
      assert.deepEqual(counter.calls, { get: 0, put: 1, del: 1, batch: 1 })
    } finally {
      await direct.close()
      await generic.close()
    }
  })

  test('listeners, hooks, per-call encodings, options and sublevels take abstract-level\'s path', async () => {
    const db = await openDb()
    try {
      const events: unknown[] = []
      const onWrite = (ops: unknown[]): void => { events.push(...ops) }
      db.on('write', onWrite)
      await db.put('k1', 'v1')
      assert.equal((events[0] as { key: string }).key, 'k1')
      db.off('write', onWrite)

      db.hooks.prewrite.add((op, batch) => {
        if (op.type === 'put' && op.key === 'k2') batch.add({ type: 'put', key: 'k2-index', value: op.value as string })
      })
      await db.put('k2', 'v2')
      assert.equal(await db.get('k2-index'), 'v2')

      const other = new ShaleLevel<string, string>('/other', { env: new MemEnv(), backgroundWorkers: false })
      await other.open()
      try {
        counter.reset()
        await other.put('j', { n: 1 } as unknown as string, { valueEncoding: 'json' })
        assert.equal(await other.get('j'), '{"n":1}')
        assert.deepEqual(await other.get('j', { valueEncoding: 'json' }), { n: 1 })
        const sub = other.sublevel<string, string>('s', {})
        await other.batch([{ type: 'put', key: 'x', value: 'in-sub', sublevel: sub }])
        assert.equal(await sub.get('x'), 'in-sub')
        assert.equal(await other.get('!s!x'), 'in-sub')
        await other.batch([{ type: 'put', key: 'y', value: 'z' }], { keyEncoding: 'utf8' })
        assert.equal(await other.get('y'), 'z')
        assert.ok(counter.calls.put >= 1 && counter.calls.batch >= 2 && counter.calls.get >= 1, JSON.stringify(counter.calls))
      } finally {
        await other.close()
      }
    } finally {
      await db.close()
    }
  })

  test('writes issued before open completes wait for it', async () => {
    const db = new ShaleLevel<string, string>('/db', { env: new MemEnv(), backgroundWorkers: false })
    try {
      const writes = [db.put('a', '1'), db.batch([{ type: 'put', key: 'b', value: '2' }]), db.del('a')]
      assert.equal(db.status, 'opening')
      await Promise.all(writes)
      assert.deepEqual(await contents(db), [['b', '2']])
    } finally {
      await db.close()
    }
  })

  test('bad input and a closed database get abstract-level\'s errors', async () => {
    const db = await openDb()
    await rejectsWithCode(db.put(null as unknown as string, 'v'), 'LEVEL_INVALID_KEY')
    await rejectsWithCode(db.put(undefined as unknown as string, 'v'), 'LEVEL_INVALID_KEY')
    await rejectsWithCode(db.put('k', undefined as unknown as string), 'LEVEL_INVALID_VALUE')
    await rejectsWithCode(db.put('k', null as unknown as string), 'LEVEL_INVALID_VALUE')
    await rejectsWithCode(db.del(null as unknown as string), 'LEVEL_INVALID_KEY')
    await rejectsWithCode(db.get(null as unknown as string), 'LEVEL_INVALID_KEY')
    await rejectsWithCode(db.batch([{ type: 'put', key: 'k', value: null as unknown as string }]), 'LEVEL_INVALID_VALUE')
    await rejectsWithCode(db.batch([{ type: 'del', key: null as unknown as string }]), 'LEVEL_INVALID_KEY')
    await assert.rejects(db.batch([{ type: 'nope', key: 'k' } as never]), TypeError)
    await assert.rejects(db.batch('ops' as never), TypeError)
    await rejectsWithCode(db.batch([null as never]), 'LEVEL_INVALID_KEY')
    // A failed batch wrote none of its operations.
    await assert.rejects(db.batch([{ type: 'put', key: 'first', value: 'v' }, { type: 'nope', key: 'k' } as never]), TypeError)
    assert.equal(await db.get('first'), undefined)
    // A bad call never throws synchronously.
    const p = db.put(null as unknown as string, 'v')
    assert.ok(p instanceof Promise)
    await p.catch(() => {})

    await db.close()
    for (const call of [() => db.put('k', 'v'), () => db.del('k'), () => db.get('k'), () => db.batch([{ type: 'put', key: 'k', value: 'v' }])]) {
      await rejectsWithCode(call(), 'LEVEL_DATABASE_NOT_OPEN')
    }
  })
})

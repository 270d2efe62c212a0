// ShaleLevel's multithreading option with real worker threads: a second thread's open fails with a
// LEVEL_LOCKED naming the thread and the option unless every thread uses it; with it, a client
// thread gets the owner's results, errors and ordering for every method, snapshots hold across
// threads, the engine outlives the owner's close while a client has it open, and a thread that
// dies (client or owner) neither leaks the owner's resources nor hangs the client.

import { after, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { Worker } from 'node:worker_threads'
import { ShaleLevel } from '../../src/index.js'
import type { DB } from '../../src/index.js'
import { EngineHost } from '../../src/level/remote/host.js'
import { nodeTransport } from '../../src/level/remote/node-transport.js'
import { exercise } from './mt-exercise.js'
import { removeDir, tempDir } from './helpers.js'

interface StepError { code?: string, message?: string, cause?: { code?: string, message?: string } }

/** A worker thread running mt-worker.js, driven one step (an async function body) at a time. */
class Thread {
  private readonly worker = new Worker(new URL('./mt-worker.js', import.meta.url))
  private readonly waiting = new Map<number, { resolve: (v: unknown) => void, reject: (e: StepError) => void }>()
  private readonly notes: unknown[] = []
  private noteWaiter: (() => void) | undefined
  private nextId = 1
  readonly exited: Promise<number>

  constructor () {
    this.worker.on('message', (m: { id?: number, ok?: boolean, result?: unknown, error?: StepError, note?: unknown }) => {
      if (m.id === undefined) {
        this.notes.push(m.note)
        this.noteWaiter?.()
        return
      }
      const w = this.waiting.get(m.id)!
      this.waiting.delete(m.id)
      if (m.ok === true) w.resolve(m.result)
      else w.reject(m.error!)
    })
    this.exited = new Promise((resolve) => { this.worker.on('exit', resolve) })
  }

  async run (code: string): Promise<unknown> {
    const id = this.nextId++
    return await new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject })
      this.worker.postMessage({ id, code })
    })
  }

  /** The next value the worker posted with post(). */
  async note (): Promise<unknown> {
    while (this.notes.length === 0) await new Promise<void>((resolve) => { this.noteWaiter = resolve })
    return this.notes.shift()
  }

  async terminate (): Promise<void> {
    await this.worker.terminate()
  }
}

async function failure (promise: Promise<unknown>): Promise<StepError> {
  try {
    await promise
  } catch (err) {
    return err as StepError
  }
  assert.fail('expected a failure')
}

/** The engine this thread owns for `dir`, and how many clients it serves. */
function hostOf (dir: string): EngineHost | undefined {
  return EngineHost.here(nodeTransport.databaseName(dir))
}

/** What the engine holds open: iterators and snapshots (its private bookkeeping, read for the test). */
function engineHolds (engine: DB): { iterators: number, snapshots: number } {
  const e = engine as unknown as { iterators: Set<unknown>, snapshots: { size: number } }
  return { iterators: e.iterators.size, snapshots: e.snapshots.size }
}

async function until (what: string, check: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting until ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

/**
 * Runs `body` with a database this thread owns (multithreading) and a worker thread, and ends both
 * however it went.
 */
async function withOwnerAndThread (name: string, options: object, body: (dir: string, owner: ShaleLevel, thread: Thread) => Promise<void>): Promise<void> {
  const dir = newDir(name)
  const owner = new ShaleLevel(dir, { ...options, multithreading: true })
  await owner.open()
  const thread = new Thread()
  try {
    await body(dir, owner, thread)
  } finally {
    await thread.terminate()
    await owner.close()
  }
}

/** A database a worker thread owns (holding k = v), and this thread's client of it. */
async function clientOfThread (name: string): Promise<{ ownerThread: Thread, client: ShaleLevel }> {
  const dir = newDir(name)
  const ownerThread = new Thread()
  await ownerThread.run(`ctx.db = new ShaleLevel(${JSON.stringify(dir)}, { multithreading: true }); await ctx.db.open(); await ctx.db.put('k', 'v')`)
  const client = new ShaleLevel(dir, { multithreading: true })
  await client.open()
  return { ownerThread, client }
}

const dirs: string[] = []
function newDir (name: string): string {
  const dir = tempDir(`mt-${name}`)
  dirs.push(dir)
  return dir
}
after(() => { for (const dir of dirs) removeDir(dir) })

describe('without multithreading', () => {
  test('a second thread fails with LEVEL_LOCKED naming the thread and the option', async () => {
    const dir = newDir('locked')
    const db = new ShaleLevel(dir)
    await db.open()
    const thread = new Thread()
    try {
      const err = await failure(thread.run(`await new ShaleLevel(${JSON.stringify(dir)}).open()`))
      assert.equal(err.code, 'LEVEL_DATABASE_NOT_OPEN')
      assert.equal(err.cause?.code, 'LEVEL_LOCKED')
      assert.match(err.cause!.message!, /open in this process \(another thread\)/)
      assert.match(err.cause!.message!, /multithreading/)
      assert.doesNotMatch(err.cause!.message!, /another process/)

      // With the option on one side only, the holder serves nobody: still LEVEL_LOCKED, and soon.
      const started = Date.now()
      const err2 = await failure(thread.run(`await new ShaleLevel(${JSON.stringify(dir)}, { multithreading: true }).open()`))
      assert.equal(err2.cause?.code, 'LEVEL_LOCKED')
      assert.match(err2.cause!.message!, /every thread must open it with the multithreading option/)
      assert.ok(Date.now() - started < 10_000)
    } finally {
      await thread.terminate()
      await db.close()
    }
  })
})

describe('with multithreading', () => {
  test('a client thread gets the same transcript as the owner for every method', async () => {
    const direct = newDir('direct')
    const local = new ShaleLevel<string, string>(direct)
    await local.open()
    const expected = await exercise(local)

    const shared = newDir('shared')
    const owner = new ShaleLevel(shared, { multithreading: true })
    await owner.open()
    const thread = new Thread()
    try {
      const transcript = await thread.run(`
        const db = new ShaleLevel(${JSON.stringify(shared)}, { multithreading: true })
        await db.open()
        return await exercise(db)`) as unknown[]
      assert.deepEqual(transcript, expected)
      // Proof that it went through the owner: the data is in the owner's engine.
      assert.equal(await owner.get('c2'), '2')
      assert.equal((await owner.get('big'))?.length, 200_000)
    } finally {
      await thread.terminate()
      await owner.close()
    }
  })

  test('a client\'s open options: errorIfExists fails (the database exists); engine options of its own do not stop it joining', async () => {
    await withOwnerAndThread('open-options', { writeBufferSize: 64 << 10 }, async (dir, _owner, thread) => {
      const err = await failure(thread.run(`await new ShaleLevel(${JSON.stringify(dir)}, { multithreading: true, errorIfExists: true }).open()`))
      assert.equal(err.code, 'LEVEL_DATABASE_NOT_OPEN')
      assert.equal(err.cause?.code, 'LEVEL_INVALID_ARGUMENT')
      assert.equal(hostOf(dir)?.clientCount, 0, 'the refused client let go of its connection')
      assert.equal(await thread.run(`
        const db = new ShaleLevel(${JSON.stringify(dir)}, { multithreading: true, createIfMissing: false, writeBufferSize: 1 << 30 })
        await db.open()
        await db.put('k', 'v')
        const status = db.status
        await db.close()
        return status`), 'open')
    })
  })

  test('writes from two threads keep each thread\'s order', async () => {
    await withOwnerAndThread('order', {}, async (dir, owner, thread) => {
      await thread.run(`ctx.db = new ShaleLevel(${JSON.stringify(dir)}, { multithreading: true }); await ctx.db.open()`)
      const clientWrites = thread.run(`
        const db = ctx.db, writes = []
        for (let i = 0; i < 300; i++) {
          // Not awaited: the owner must apply them in the order they were issued.
          writes.push(db.put('client', String(i)))
          writes.push(db.put('c' + String(i).padStart(4, '0'), String(i)))
          if (i % 2 === 0) writes.push(db.del('c' + String(i).padStart(4, '0')))
        }
        writes.push(db.put('x', '1'), db.del('x'), db.put('x', '2'), db.batch().del('x').put('y', 'y').write())
        await Promise.all(writes)
        return [await db.get('client'), await db.get('x'), await db.get('y')]`)
      const ownerWrites: Array<Promise<void>> = []
      for (let i = 0; i < 300; i++) ownerWrites.push(owner.put('owner', String(i)), owner.put('o' + String(i).padStart(4, '0'), String(i)))
      await Promise.all(ownerWrites)
      assert.deepEqual(await clientWrites, ['299', undefined, 'y'])
      assert.equal(await owner.get('client'), '299')
      assert.equal(await owner.get('owner'), '299')
      assert.deepEqual(await owner.keys({ gte: 'c0', lt: 'c0006' }).all(), ['c0001', 'c0003', 'c0005'])
      assert.equal((await owner.keys({ gte: 'c0', lt: 'c1' }).all()).length, 150)
      assert.equal(await thread.run('return (await ctx.db.keys({ gte: "o0", lt: "o1" }).all()).length'), 300)
      await thread.run('await ctx.db.close()')
    })
  })

  test('snapshots and iterators of one thread do not see the other thread\'s later writes', async () => {
    await withOwnerAndThread('snapshots', {}, async (dir, owner, thread) => {
      await owner.batch([{ type: 'put', key: 'a', value: 'old' }, { type: 'put', key: 'b', value: 'old' }])
      await thread.run(`
        ctx.db = new ShaleLevel(${JSON.stringify(dir)}, { multithreading: true }); await ctx.db.open()
        ctx.snapshot = ctx.db.snapshot()
        ctx.it = ctx.db.iterator()
        await ctx.db.get('a')  // a round trip: the owner has taken both`)
      const ownerSnapshot = owner.snapshot()
      await owner.put('a', 'new')
      await owner.del('b')
      await thread.run('await ctx.db.put("c", "client")')
      assert.deepEqual(await thread.run(`return [
        await ctx.db.get('a', { snapshot: ctx.snapshot }), await ctx.db.get('a'), ctx.db.getSync('b', { snapshot: ctx.snapshot }),
        await ctx.it.all(), await ctx.db.iterator({ snapshot: ctx.snapshot }).all(), await ctx.db.iterator().all()]`),
      ['old', 'new', 'old', [['a', 'old'], ['b', 'old']], [['a', 'old'], ['b', 'old']], [['a', 'new'], ['c', 'client']]])
      assert.equal(await owner.get('c', { snapshot: ownerSnapshot }), undefined)
      assert.equal(await owner.get('c'), 'client')
      await ownerSnapshot.close()
      await thread.run('await ctx.snapshot.close(); await ctx.db.close()')
    })
  })

  test('nextv pages through a large range as the owner does', async () => {
    await withOwnerAndThread('paging', { writeBufferSize: 16 << 10 }, async (dir, owner, thread) => {
      const batch = []
      for (let i = 0; i < 5000; i++) batch.push({ type: 'put' as const, key: `key${String(i).padStart(5, '0')}`, value: `value ${i}`.repeat(3) })
      await owner.batch(batch)
      const pages = await thread.run(`
        const db = new ShaleLevel(${JSON.stringify(dir)}, { multithreading: true }); await db.open()
        const pages = []
        for (const options of [{}, { reverse: true, gte: 'key01000', limit: 2500 }]) {
          const it = db.iterator(options)
          const sizes = []
          let first, last
          for (;;) {
            const page = await it.nextv(1000)
            if (page.length === 0) break
            sizes.push(page.length); first ??= page[0][0]; last = page[page.length - 1]
          }
          await it.close()
          pages.push([sizes, first, last])
        }
        await db.close()
        return pages`)
      assert.deepEqual(pages, [
        [[1000, 1000, 1000, 1000, 1000], 'key00000', ['key04999', 'value 4999'.repeat(3)]],
        [[1000, 1000, 500], 'key04999', ['key02500', 'value 2500'.repeat(3)]]
      ])
    })
  })

  test('reading ahead: mixed page sizes, next(), seeks, limits and reverse give what the owner gives', async () => {
    // A client's iterator asks for the next batch before it is wanted; whatever the caller does
    // next (a smaller or larger page, a seek, the end of a limit), it must see what the owner sees.
    const script = `
      const out = []
      const page = async (it, n) => out.push((await it.nextv(n)).map(([k, v]) => k + '=' + v.length).join(','))
      for (const options of [{}, { reverse: true }, { limit: 450 }, { gte: 'key00100', lt: 'key02000', limit: 1234 }]) {
        const it = db.iterator(options)
        await page(it, 300); await page(it, 120); await page(it, 700); out.push(String(await it.next()))
        await page(it, 150)
        it.seek('key01500'); await page(it, 200); await page(it, 200)
        it.seek('key00007'); out.push(String(await it.next())); await page(it, 1000)
        out.push((await it.all()).length)
      }
      const keys = db.keys({ gt: 'key00500' }); await page({ nextv: async (n) => (await keys.nextv(n)).map((k) => [k, '']) }, 400)
      out.push((await keys.all()).length)
      return out`
    await withOwnerAndThread('ahead', { writeBufferSize: 16 << 10 }, async (dir, owner, thread) => {
      const batch = []
      for (let i = 0; i < 3000; i++) batch.push({ type: 'put' as const, key: `key${String(i).padStart(5, '0')}`, value: 'v'.repeat(i % 97) })
      await owner.batch(batch)
      const AsyncFunction = (async () => {}).constructor as new (...args: string[]) => (db: unknown) => Promise<unknown>
      const expected = await new AsyncFunction('db', script)(owner)
      const got = await thread.run(`
        const db = new ShaleLevel(${JSON.stringify(dir)}, { multithreading: true }); await db.open()
        const result = await (async () => { ${script} })()
        await db.close()
        return result`)
      assert.deepEqual(got, expected)
    })
  })

  test('threads of one thread share the engine; the owner closing first keeps it open for the client', async () => {
    const dir = newDir('owner-first')
    const owner = new ShaleLevel(dir, { multithreading: true })
    await owner.open()
    const second = new ShaleLevel(dir, { multithreading: true })
    await second.open()
    await owner.put('k', 'from owner')
    assert.equal(await second.get('k'), 'from owner', 'a second ShaleLevel in the owner thread uses the same engine')
    await second.close()
    const thread = new Thread()
    try {
      await thread.run(`ctx.db = new ShaleLevel(${JSON.stringify(dir)}, { multithreading: true }); await ctx.db.open()`)
      await owner.close()
      assert.equal(owner.status, 'closed')
      assert.equal(hostOf(dir)?.clientCount, 1, 'the engine stays open for the client')
      assert.deepEqual(await thread.run(`
        await ctx.db.put('k2', 'from client')
        return [await ctx.db.get('k'), await ctx.db.get('k2'), ctx.db.getSync('k2')]`), ['from owner', 'from client', 'from client'])
      // A new open (any thread) while the engine lives joins it.
      const again = new ShaleLevel(dir, { multithreading: true })
      await again.open()
      assert.equal(await again.get('k2'), 'from client')
      await again.close()
      await thread.run('await ctx.db.close()')
      await until('the engine closed', () => hostOf(dir) === undefined)
      const plain = new ShaleLevel(dir)
      await plain.open() // the lock is free again
      assert.equal(await plain.get('k2'), 'from client')
      await plain.close()
    } finally {
      await thread.terminate()
    }
  })

  test('a client opening while the owner closes does not hang', async () => {
    const dir = newDir('closing')
    const thread = new Thread()
    try {
      for (let round = 0; round < 6; round++) {
        const owner = new ShaleLevel(dir, { multithreading: true })
        await owner.open()
        await owner.put('round', String(round))
        const opening = thread.run(`
          const db = new ShaleLevel(${JSON.stringify(dir)}, { multithreading: true })
          await db.open()
          const value = await db.get('round')
          await db.close()
          return value`)
        // Close at a different moment each round, from before the hello to after it.
        await new Promise((resolve) => setTimeout(resolve, round * 3))
        await owner.close()
        assert.equal(await opening, String(round), `round ${round}`)
        await until('the engine closed', () => hostOf(dir) === undefined)
      }
    } finally {
      await thread.terminate()
    }
  })

  test('a client that closes releases its iterators and snapshots in the owner', async () => {
    await withOwnerAndThread('client-closes', {}, async (dir, owner, thread) => {
      await owner.put('k', 'v')
      await thread.run(`
        ctx.db = new ShaleLevel(${JSON.stringify(dir)}, { multithreading: true }); await ctx.db.open()
        ctx.snapshot = ctx.db.snapshot()
        ctx.it = ctx.db.iterator({ snapshot: ctx.snapshot })
        await ctx.it.next()`)
      const engine = hostOf(dir)!.engine
      assert.deepEqual(engineHolds(engine), { iterators: 1, snapshots: 1 })
      await thread.run('await ctx.db.close()')
      assert.equal(hostOf(dir)?.clientCount, 0)
      assert.deepEqual(engineHolds(engine), { iterators: 0, snapshots: 0 })
    })
  })

  test('a client thread terminated mid-iteration: the owner releases its iterators and snapshots', async () => {
    const dir = newDir('client-dies')
    const owner = new ShaleLevel(dir, { multithreading: true })
    await owner.open()
    for (let i = 0; i < 100; i++) await owner.put(`k${i}`, 'v')
    const thread = new Thread()
    await thread.run(`
      const db = new ShaleLevel(${JSON.stringify(dir)}, { multithreading: true }); await db.open()
      ctx.snapshot = db.snapshot()
      ctx.it = db.iterator()
      ctx.it2 = db.keys({ snapshot: ctx.snapshot })
      await ctx.it.nextv(10); await ctx.it2.next()`)
    const engine = hostOf(dir)!.engine
    assert.deepEqual(engineHolds(engine), { iterators: 2, snapshots: 1 })
    assert.equal(hostOf(dir)?.clientCount, 1)
    await thread.terminate()
    await until('the owner saw the client go', () => hostOf(dir)?.clientCount === 0)
    assert.deepEqual(engineHolds(engine), { iterators: 0, snapshots: 0 })
    assert.equal(await owner.get('k5'), 'v')
    await owner.close()
    assert.equal(hostOf(dir), undefined)
  })

  test('the owner thread terminated: the client\'s calls fail with a LEVEL_ code, none hangs', async () => {
    const { ownerThread, client } = await clientOfThread('owner-dies')
    assert.equal(await client.get('k'), 'v')
    const it = client.iterator()
    assert.deepEqual(await it.next(), ['k', 'v'])
    await ownerThread.terminate()
    const started = Date.now()
    const results = await Promise.allSettled([client.get('k'), client.put('k2', 'v'), it.next(), client.iterator().all()])
    for (const r of results) {
      assert.equal(r.status, 'rejected')
      assert.equal((r.reason as { code: string }).code, 'LEVEL_DATABASE_NOT_OPEN', String(r.reason))
    }
    assert.throws(() => client.getSync('k'), { code: 'LEVEL_DATABASE_NOT_OPEN' })
    assert.throws(() => client.getProperty('shale.stats'), { code: 'LEVEL_DATABASE_NOT_OPEN' })
    assert.ok(Date.now() - started < 10_000, `took ${Date.now() - started} ms`)
    await it.close()
    await client.close()
    assert.equal(client.status, 'closed')
  })

  test('getSync blocks for the owner\'s answer and fails instead of hanging when the owner is gone', async () => {
    const { ownerThread, client } = await clientOfThread('sync-owner-dies')
    assert.equal(client.getSync('k'), 'v')
    await ownerThread.terminate()
    assert.throws(() => client.getSync('k'), { code: 'LEVEL_DATABASE_NOT_OPEN' })
    await client.close()
  })
})

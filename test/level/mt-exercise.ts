// One deterministic workout of every ShaleLevel method that a client thread forwards to the owner,
// returning a transcript of what each call gave (values as text, errors as their codes). The
// multithreading test runs it on a database owned by this thread and on one that a worker thread
// uses as a client, and requires equal transcripts.

import type { ShaleLevel } from '../../src/index.js'

type Transcript = Array<[string, unknown]>

function plain (value: unknown): unknown {
  if (value instanceof Uint8Array) return `bytes:${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex')}`
  if (Array.isArray(value)) return value.map(plain)
  return value
}

async function outcome (fn: () => unknown): Promise<unknown> {
  try {
    return plain(await fn())
  } catch (err) {
    const e = err as { code?: string, cause?: { code?: string } }
    return { error: e.code ?? 'no code', cause: e.cause?.code }
  }
}

export async function exercise (db: ShaleLevel<string, string>): Promise<Transcript> {
  const out: Transcript = []
  const note = async (label: string, fn: () => unknown): Promise<void> => { out.push([label, await outcome(fn)]) }

  for (let i = 0; i < 60; i++) await db.put(`k${String(i).padStart(3, '0')}`, `v${i}`)
  await note('get', () => db.get('k007'))
  await note('get missing', () => db.get('nope'))
  await note('get buffer', () => db.get('k008', { valueEncoding: 'buffer' }))
  await note('get view key', () => db.get(Buffer.from('k009') as unknown as string, { keyEncoding: 'buffer' }))
  await note('getSync', () => db.getSync('k010'))
  await note('getSync missing', () => db.getSync('nope'))
  await note('getMany', () => db.getMany(['k001', 'nope', 'k059']))
  await note('has', () => db.has('k002'))
  await note('has missing', () => db.has('nope'))
  await note('hasMany', () => db.hasMany(['k001', 'nope', 'k002']))
  await note('json put/get', async () => {
    await db.put('json', { a: [1, 2] } as unknown as string, { valueEncoding: 'json' })
    return JSON.stringify(await db.get('json', { valueEncoding: 'json' }))
  })
  await note('del', async () => { await db.del('k003'); return await db.get('k003') })
  await note('batch', async () => {
    await db.batch([{ type: 'put', key: 'b1', value: 'x' }, { type: 'del', key: 'k004' }, { type: 'put', key: 'b2', value: 'y' }])
    return await db.getMany(['b1', 'k004', 'b2'])
  })
  await note('chained batch', async () => {
    await db.batch().put('c1', '1').del('b1').put('c2', '2').write({ sync: true })
    return await db.getMany(['c1', 'b1', 'c2'])
  })
  await note('sync put', async () => { await db.put('s', 'sync', { sync: true }); return await db.get('s') })
  await note('big value getSync', async () => {
    await db.put('big', 'x'.repeat(200_000))
    const v = db.getSync('big')
    return [v?.length, await db.get('big').then((w) => w?.length)]
  })
  await note('all', () => db.iterator().all())
  await note('range', () => db.iterator({ gte: 'k010', lt: 'k020' }).all())
  await note('reverse limit', () => db.iterator({ reverse: true, limit: 5 }).all())
  await note('keys', () => db.keys({ gt: 'k050' }).all())
  await note('values', () => db.values({ lte: 'k005' }).all())
  await note('keys buffer', () => db.keys({ keyEncoding: 'buffer', limit: 3 }).all())
  await note('next', async () => {
    const it = db.iterator({ gte: 'k020' })
    const got = [await it.next(), await it.next(), await it.next()]
    await it.close()
    return got
  })
  await note('nextv pages', async () => {
    const it = db.iterator({ limit: 25 })
    const pages = []
    for (;;) {
      const page = await it.nextv(7)
      pages.push(page.length)
      if (page.length === 0) break
    }
    await it.close()
    return pages
  })
  await note('seek', async () => {
    const it = db.iterator()
    it.seek('k030')
    const a = await it.next()
    it.seek('k010')
    const b = await it.nextv(2)
    const rev = db.iterator({ reverse: true })
    rev.seek('k030')
    const c = await rev.next()
    await it.close()
    await rev.close()
    return [a, b, c]
  })
  await note('implicit snapshot', async () => {
    const it = db.iterator({ gte: 'k040', lt: 'k045' })
    await db.put('k041', 'changed')
    await db.del('k042')
    const seen = await it.all()
    return [seen, await db.get('k041')]
  })
  await note('explicit snapshot', async () => {
    const snapshot = db.snapshot()
    await db.put('k043', 'after')
    const got = [await db.get('k043', { snapshot }), await db.get('k043'), db.getSync('k043', { snapshot }),
      await db.getMany(['k043'], { snapshot }), await db.has('new-after', { snapshot }),
      await db.iterator({ gte: 'k043', lte: 'k043', snapshot }).all()]
    await snapshot.close()
    return got
  })
  await note('closed snapshot get', async () => {
    const snapshot = db.snapshot()
    await snapshot.close()
    return await db.get('k001', { snapshot })
  })
  await note('closed snapshot iterator', async () => {
    const snapshot = db.snapshot()
    await snapshot.close()
    return await db.iterator({ snapshot }).next()
  })
  await note('null key', () => db.get(null as unknown as string))
  await note('null value', () => db.put('x', null as unknown as string))
  await note('undefined bound', () => db.iterator({ gt: undefined as unknown as string }).all())
  await note('clear range', async () => { await db.clear({ gte: 'k050', lt: 'k055' }); return await db.keys({ gte: 'k048', lt: 'k057' }).all() })
  await note('clear reverse limit', async () => { await db.clear({ reverse: true, limit: 2, lt: 'k030' }); return await db.keys({ gte: 'k025', lt: 'k031' }).all() })
  await note('getProperty', () => [db.getProperty('leveldb.num-files-at-level0'), db.getProperty('shale.nonsense')])
  await note('compactRange', async () => {
    await db.compactRange('a', 'z')
    return [db.getProperty('shale.num-files-at-level0'), await db.approximateSize('a', 'z') > 0]
  })
  await note('getProperty bad', () => db.getProperty(42 as unknown as string))
  await note('sublevel', async () => {
    const sub = db.sublevel<string, string>('sub', {})
    await sub.put('a', 'in sub')
    return [await sub.get('a'), await sub.keys().all(), await db.get('!sub!a')]
  })
  await note('closed db', async () => {
    await db.close()
    return await db.get('k001')
  })
  await note('closed db getProperty', () => db.getProperty('shale.stats'))
  return out
}

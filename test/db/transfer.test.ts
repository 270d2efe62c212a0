// exportDatabase and importDatabase: a database's files streamed out of one Env and into another
// (doc/transfer.md), between Shale and LevelDB (classic-level), and the imports that must fail:
// onto an existing database, with foreign names, out of order, or cut, never leaving a directory
// that opens.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { DB } from '../../src/db/db.js'
import { exportDatabase, importDatabase, type DatabaseChunk } from '../../src/db/transfer.js'
import { MemEnv } from '../../src/env/mem-env.js'
import { NodeEnv } from '../../src/env/node-env.js'
import type { Env } from '../../src/env/env.js'
import { WriteBatch } from '../../src/dbformat/write-batch.js'
import { Random } from '../../src/util/random.js'
import { bytes, entriesOf, errorCode, removeTempDir, scan, str, tempDir } from './helpers.js'
import { readWithClassic, sortedModel, writeWithClassic } from '../interop/classic-fixture.js'

const SEED = Number(process.env.SHALE_TEST_SEED ?? 7)

/** A closed database with tables at several levels and entries left in its log. */
async function writeDatabase (env: Env, dir: string, seed: number): Promise<Array<[string, string]>> {
  const rnd = new Random(seed)
  const db = await DB.open(dir, { env, writeBufferSize: 4096, maxFileSize: 8192, backgroundWorkers: false })
  try {
    for (let i = 0; i < 1500; i++) {
      const k = `k${String(rnd.uniform(500)).padStart(4, '0')}`
      if (rnd.oneIn(5)) {
        await db.del(bytes(k))
      } else if (rnd.oneIn(6)) {
        const b = new WriteBatch()
        for (let j = 0; j < 4; j++) b.put(bytes(`${k}.${j}`), bytes(`b${i}`))
        await db.write(b)
      } else {
        await db.put(bytes(k), bytes(`v${i}-${'x'.repeat(rnd.uniform(120))}`))
      }
    }
    return scan(db).map(([k, v]) => [str(k), str(v)])
  } finally {
    await db.close()
  }
}

async function collect (chunks: AsyncIterable<DatabaseChunk>): Promise<DatabaseChunk[]> {
  const out: DatabaseChunk[] = []
  for await (const c of chunks) out.push(c)
  return out
}

test('a database exported from one Env and imported into another opens with the same entries', async () => {
  const from = new MemEnv()
  const expected = await writeDatabase(from, '/db', SEED)
  const chunks = await collect(exportDatabase(from, '/db', { chunkSize: 1000 }))
  const names = [...new Set(chunks.map((c) => c.name))]
  assert.equal(names.at(-1), 'CURRENT', `CURRENT comes last (seed ${SEED})`)
  assert.ok(names.some((n) => n.endsWith('.ldb')) && names.some((n) => n.endsWith('.log')), `tables and a log: ${names.join(' ')}`)
  assert.ok(!names.includes('LOCK') && !names.includes('LOG'), 'no lock, no info log')
  assert.ok(chunks.every((c) => c.data.length <= 1000), 'chunks respect chunkSize')
  for (const name of names) {
    const own = chunks.filter((c) => c.name === name)
    assert.equal(own.reduce((n, c) => n + c.data.length, 0), own[0]!.size, `${name}: the chunks add up to its size`)
  }

  const to = new MemEnv()
  const result = await importDatabase(to, '/copy', chunks)
  assert.equal(result.files, names.length)
  assert.equal(result.bytes, chunks.reduce((n, c) => n + c.data.length, 0))
  assert.deepEqual(await entriesOf(to, '/copy'), expected, `imported database (seed ${SEED})`)
  // The source is untouched and free again: its lock was released when the export ended.
  assert.deepEqual(await entriesOf(from, '/db'), expected)
})

test('an export holds the lock: an open database cannot be exported, an exported one not opened', async () => {
  const env = new MemEnv()
  await writeDatabase(env, '/db', SEED)
  const db = await DB.open('/db', { env })
  await assert.rejects(collect(exportDatabase(env, '/db')), (err) => errorCode(err) === 'LEVEL_LOCKED')
  await db.close()
  const it = exportDatabase(env, '/db')
  await it.next()
  await assert.rejects(DB.open('/db', { env }), (err) => errorCode(err) === 'LEVEL_LOCKED')
  await it.return(undefined)
  await (await DB.open('/db', { env })).close()
  await assert.rejects(collect(exportDatabase(env, '/none')), (err) => errorCode(err) === 'LEVEL_INVALID_ARGUMENT')
})

test('LevelDB to Shale and back: classic-level\'s files imported, Shale\'s files exported and opened by classic-level', async () => {
  const dir = tempDir('shale-transfer-')
  try {
    const model = await writeWithClassic(join(dir, 'leveldb'), { seed: SEED, operations: 600, keySpace: 300, maxValue: 300, compression: true, writeBufferSize: 16 * 1024 })
    const node = new NodeEnv()
    const mem = new MemEnv()
    await importDatabase(mem, '/imported', exportDatabase(node, join(dir, 'leveldb')))
    const expected = sortedModel(model).map(([k, v]) => [k.toString('latin1'), v.toString('latin1')])
    const db = await DB.open('/imported', { env: mem, createIfMissing: false })
    try {
      assert.deepEqual(scan(db).map(([k, v]) => [Buffer.from(k).toString('latin1'), Buffer.from(v).toString('latin1')]), expected, `seed ${SEED}`)
    } finally {
      await db.close()
    }
    const shale = await writeDatabase(mem, '/shale', SEED + 1)
    await importDatabase(node, join(dir, 'from-shale'), exportDatabase(mem, '/shale'))
    const read = await readWithClassic(join(dir, 'from-shale'))
    assert.deepEqual(read.map(([k, v]) => [k.toString(), v.toString()]), shale, `classic-level reads the export (seed ${SEED})`)
  } finally {
    removeTempDir(dir)
  }
})

test('an import never overwrites a database, refuses foreign or disordered files, and a cut one never opens', async () => {
  const env = new MemEnv()
  await writeDatabase(env, '/db', SEED)
  const chunks = await collect(exportDatabase(env, '/db', { chunkSize: 512 }))
  const code = async (target: string, input: DatabaseChunk[]): Promise<string | undefined> => {
    try {
      await importDatabase(env, target, input)
    } catch (err) {
      return errorCode(err)
    }
    return undefined
  }
  assert.equal(await code('/db', chunks), 'LEVEL_INVALID_ARGUMENT', 'onto an existing database')
  assert.equal(await code('/a', [{ name: '../escape', offset: 0, data: bytes('x') }, ...chunks]), 'LEVEL_INVALID_ARGUMENT', 'a foreign name')
  const big = chunks.findIndex((c, i) => i > 0 && c.name === chunks[i - 1]!.name)
  assert.ok(big > 0, 'a file of several chunks')
  const swapped = chunks.slice()
  ;[swapped[big - 1], swapped[big]] = [swapped[big]!, swapped[big - 1]!]
  assert.equal(await code('/b', swapped), 'LEVEL_INVALID_ARGUMENT', 'chunks out of order')
  assert.equal(await code('/c', chunks.filter((_, i) => i !== big)), 'LEVEL_INVALID_ARGUMENT', 'a chunk missing')
  assert.equal(await code('/d', chunks.filter((c) => c.name !== 'CURRENT')), 'LEVEL_INVALID_ARGUMENT', 'no CURRENT')
  for (const dir of ['/a', '/b', '/c', '/d']) {
    assert.ok(!env.fileExists(`${dir}/CURRENT`), `${dir}: a failed import leaves no CURRENT`)
    await assert.rejects(DB.open(dir, { env, createIfMissing: false }), `${dir} does not open`)
  }
  // An import stopped at each file boundary, as a crash stops it: what is there never opens, not
  // even with createIfMissing (the placeholder CURRENT keeps every open out).
  const names = [...new Set(chunks.map((c) => c.name))]
  for (let n = 0; n <= names.length - 1; n++) {
    const target = `/cut${n}`
    const upTo = chunks.findIndex((c) => c.name === names[n])
    const stalled = (async function * () { yield * chunks.slice(0, upTo); await new Promise(() => {}) })()
    void importDatabase(env, target, stalled)
    await new Promise((resolve) => setTimeout(resolve, 5))
    assert.ok(env.fileExists(`${target}/CURRENT`), `${target}: the placeholder CURRENT is there`)
    await assert.rejects(DB.open(target, { env, createIfMissing: true }), `${target}, stopped before ${names[n]}, does not open`)
  }
})

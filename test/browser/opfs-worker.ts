// Runs in a dedicated worker of headless Chromium (bundled by harness.ts): the OpfsEnv and DB
// cases that opfs.test.ts asks for by name. Each case throws on the first wrong result; the
// worker posts { ok, lines, error } back to the page.

import './browser-globals.js'
import { OpfsEnv } from '../../src/env/opfs-env.js'
import { DB } from '../../src/db/db.js'
import { WriteBatch } from '../../src/dbformat/write-batch.js'
import { ShaleError } from '../../src/util/errors.js'
import { systemErrorCode } from '../../src/env/env.js'
import { Random } from '../../src/util/random.js'

const lines: string[] = []
const say = (line: string): void => { lines.push(line) }
const enc = (s: string): Uint8Array => new TextEncoder().encode(s)
const dec = (b: Uint8Array | undefined): string | undefined => b === undefined ? undefined : new TextDecoder().decode(b)

function check (cond: boolean, what: string): void {
  if (!cond) throw new Error(`check failed: ${what}`)
}

function equal<T> (actual: T, expected: T, what: string): void {
  if (JSON.stringify(actual) !== JSON.stringify(expected)) {
    throw new Error(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`)
  }
}

function throwsCode (fn: () => unknown, code: string, what: string): ShaleError {
  try {
    fn()
  } catch (err) {
    if (!(err instanceof ShaleError) || err.code !== code) throw new Error(`${what}: expected ${code}, got ${String(err)}`)
    return err
  }
  throw new Error(`${what}: expected ${code}, nothing thrown`)
}

async function removeRoot (name: string): Promise<void> {
  const root = await (globalThis as unknown as { navigator: { storage: { getDirectory: () => Promise<{ removeEntry: (n: string, o: object) => Promise<void> }> } } })
    .navigator.storage.getDirectory()
  try { await root.removeEntry(name, { recursive: true }) } catch { /* not there */ }
}

interface RawHandle { createSyncAccessHandle: (o: { mode: string }) => Promise<{ close: () => void }> }
interface RawDir { getDirectoryHandle: (n: string) => Promise<RawDir>, getFileHandle: (n: string) => Promise<RawHandle> }

/** The OPFS handle of the file at `path` (directory names, then the file name), outside any OpfsEnv. */
async function rawFile (...path: string[]): Promise<RawHandle> {
  let dir = await (globalThis as unknown as { navigator: { storage: { getDirectory: () => Promise<RawDir> } } }).navigator.storage.getDirectory()
  for (const name of path.slice(0, -1)) dir = await dir.getDirectoryHandle(name)
  return await dir.getFileHandle(path[path.length - 1]!)
}

/** OpfsEnv on its own: creation only after prepareFiles, appends, sync, reads, renames, removals, listing, the lock. */
async function envUnit (): Promise<void> {
  await removeRoot('unit')
  let env = await OpfsEnv.open('unit')
  env.createDir('/db')
  const notPrepared = throwsCode(() => env.newWritableFile('/db/000001.log'), 'LEVEL_IO_ERROR', 'create without prepare')
  check(notPrepared.message.includes('/db/000001.log') && notPrepared.message.includes('not prepared'), `message names the path: ${notPrepared.message}`)
  check(!env.fileExists('/db/000001.log'), 'no file after a failed create')

  await env.prepareFiles(['/db/000001.log', '/db/a', '/db/b'])
  const w = env.newWritableFile('/db/000001.log')
  w.append(enc('hello '))
  w.append(enc('world'))
  equal(w.size, 11, 'size after appends')
  w.sync()
  await w.syncAsync()
  equal(env.getFileSize('/db/000001.log'), 11, 'getFileSize')
  equal(dec(env.readFile('/db/000001.log')), 'hello world', 'readFile while open for writing')
  const r = env.newRandomAccessFile('/db/000001.log')
  equal(dec(r.read(6, 100)), 'world', 'short read at the end')
  const buf = new Uint8Array(8)
  equal(r.readInto!(0, 5, buf, 3), 5, 'readInto count')
  equal(dec(buf.subarray(3)), 'hello', 'readInto bytes')
  w.append(enc('!'))
  equal(dec(r.read(6, 100)), 'world!', 'a reader sees a later append')
  w.close()
  const a = env.newAppendableFile('/db/000001.log')
  equal(a.size, 12, 'appendable starts at the end')
  a.append(enc('?'))
  a.close()
  const s = env.newSequentialFile('/db/000001.log')
  equal(dec(s.read(5)), 'hello', 'sequential read')
  s.skip(1)
  equal(dec(s.read(100)), 'world!?', 'sequential rest')
  equal(s.read(10).length, 0, 'sequential end')
  s.close()

  // Rename over an existing file: seen at once through the table, done in OPFS by settle().
  const wa = env.newWritableFile('/db/a')
  wa.append(enc('new'))
  wa.close()
  const wb = env.newWritableFile('/db/b')
  wb.append(enc('old'))
  wb.close()
  env.renameFile('/db/a', '/db/b')
  check(!env.fileExists('/db/a'), 'rename source gone at once')
  equal(dec(env.readFile('/db/b')), 'new', 'rename target has the new contents at once')
  await env.settle()
  equal(dec(env.readFile('/db/b')), 'new', 'rename target after settle')

  // Remove a file that a reader still has open: gone from the table at once, from OPFS at the close.
  env.removeFile('/db/000001.log')
  check(!env.fileExists('/db/000001.log'), 'removed at once')
  throwsCode(() => env.readFile('/db/000001.log'), 'LEVEL_IO_ERROR', 'read after remove')
  equal(dec(r.read(0, 5)), 'hello', 'an open reader still reads a removed file')
  r.close()
  await env.settle()
  equal(env.getChildren('/db').sort(), ['b'], 'listing')
  equal(env.getChildren('/').sort(), ['db'], 'root listing')
  equal(systemErrorCode(throwsCode(() => env.getChildren('/nope'), 'LEVEL_IO_ERROR', 'missing dir')), 'ENOENT', 'missing dir code')

  // What OPFS itself holds: a fresh OpfsEnv lists it from scratch.
  const other = await OpfsEnv.open('unit')
  equal(other.getChildren('/db').sort(), ['b'], 'a second OpfsEnv sees the renames and removals')
  equal(dec(other.readFile('/db/b')), 'new', 'a second OpfsEnv reads the renamed file')
  await other.close()

  // The lock: a second OpfsEnv (as another worker or tab would) gets LEVEL_LOCKED until it is released.
  await env.prepareLock('/db/LOCK')
  const lock = env.lockFile('/db/LOCK')
  throwsCode(() => env.lockFile('/db/LOCK'), 'LEVEL_LOCKED', 'lock twice in one OpfsEnv')
  const second = await OpfsEnv.open('unit')
  await second.prepareLock('/db/LOCK')
  throwsCode(() => second.lockFile('/db/LOCK'), 'LEVEL_LOCKED', 'lock held by another OpfsEnv')
  throwsCode(() => second.lockFile('/db/LOCK'), 'LEVEL_IO_ERROR', 'lock without a new prepareLock')
  env.unlockFile(lock)
  await second.prepareLock('/db/LOCK')
  second.unlockFile(second.lockFile('/db/LOCK'))
  await second.close()
  await env.close()

  // A file that another OpfsEnv holds for a removal or a move while this one lists and opens it
  // (OPFS then holds it exclusively, as an exclusive handle does here): opening the directory
  // waits for the hold to end, and a hold that lasts leaves the file listed but busy.
  const raw = await rawFile('unit', 'db', 'b')
  let held = await raw.createSyncAccessHandle({ mode: 'readwrite' })
  setTimeout(() => { held.close() }, 30)
  env = await OpfsEnv.open('unit')
  equal(dec(env.readFile('/db/b')), 'new', 'a file held for 30 ms when listed is opened once free')
  await env.close()
  held = await raw.createSyncAccessHandle({ mode: 'readwrite' })
  env = await OpfsEnv.open('unit')
  check(env.fileExists('/db/b'), 'a file still held is listed')
  equal(systemErrorCode(throwsCode(() => env.readFile('/db/b'), 'LEVEL_IO_ERROR', 'read a held file')), 'EBUSY', 'a held file is busy')
  await env.close()
  held.close()

  // openOnly: a file it refuses is listed but not opened, so another handle can take it whole
  // (a job worker's OpfsEnv holds nothing the engine renames).
  env = await OpfsEnv.open('unit', { openOnly: (name) => name !== 'b' })
  check(env.fileExists('/db/b'), 'a file not opened is listed')
  held = await raw.createSyncAccessHandle({ mode: 'readwrite' })
  held.close()
  await env.close()

  env = await OpfsEnv.open('unit')
  env.removeFile('/db/b')
  env.removeFile('/db/LOCK')
  env.removeDir('/db')
  await env.settle()
  equal(env.getChildren('/'), [], 'empty after removing everything')
  await env.close()
  equal((await OpfsEnv.open('unit')).getChildren('/'), [], 'empty in OPFS too')
  say('env unit checks passed')
}

const DB_ROOT = 'dbtest'
const DB_PATH = '/db'
const options = (env: OpfsEnv): object => ({ env, backgroundWorkers: false, writeBufferSize: 16 * 1024, maxFileSize: 32 * 1024, maxManifestFileSize: 1024 })

/** The writes of seed `seed`, round `round`: puts, overwrites, deletes and batches over 600 keys. */
async function workload (db: DB, model: Map<string, string>, seed: number, round: number): Promise<void> {
  const rnd = new Random(seed * 1000 + round)
  for (let i = 0; i < 3000; i++) {
    const key = `key${String(rnd.uniform(600)).padStart(5, '0')}`
    const op = rnd.uniform(10)
    if (op < 6) {
      const value = `v${round}.${i}.` + 'x'.repeat(rnd.uniform(200))
      await db.put(enc(key), enc(value))
      model.set(key, value)
    } else if (op < 8) {
      await db.del(enc(key))
      model.delete(key)
    } else {
      const batch = new WriteBatch()
      for (let j = 0; j < 5; j++) {
        const k = `key${String(rnd.uniform(600)).padStart(5, '0')}`
        const v = `b${round}.${i}.${j}`
        batch.put(enc(k), enc(v))
        model.set(k, v)
      }
      await db.write(batch)
    }
  }
}

async function checkModel (db: DB, model: Map<string, string>, what: string): Promise<void> {
  const it = db.iterator()
  const seen: Array<[string, string]> = []
  for (let e = it.next(); e !== undefined; e = it.next()) seen.push([dec(e[0])!, dec(e[1])!])
  it.close()
  const expected = [...model.entries()].sort((x, y) => x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0)
  equal(seen.length, expected.length, `${what}: entry count`)
  for (let i = 0; i < expected.length; i++) equal(seen[i], expected[i], `${what}: entry ${i}`)
  for (let i = 0; i < 600; i += 7) {
    const key = `key${String(i).padStart(5, '0')}`
    equal(dec(await db.get(enc(key))), model.get(key), `${what}: get ${key}`)
  }
}

function modelFor (seed: number, rounds: number): Promise<Map<string, string>> {
  // The model is recomputed from the seed: the same writes against a throwaway in-memory map.
  const model = new Map<string, string>()
  const fake = {
    put: async (k: Uint8Array, v: Uint8Array) => { model.set(dec(k)!, dec(v)!) },
    del: async (k: Uint8Array) => { model.delete(dec(k)!) },
    write: async () => {}
  }
  return (async () => {
    for (let round = 0; round < rounds; round++) await workload(fake as unknown as DB, model, seed, round)
    return model
  })()
}

/** Writes `rounds` rounds of seed `seed` into a fresh database, checking it, then reopening and checking again. */
async function dbWrite (seed: number, rounds: number): Promise<void> {
  await removeRoot(DB_ROOT)
  const env = await OpfsEnv.open(DB_ROOT)
  const model = new Map<string, string>()
  let db = await DB.open(DB_PATH, options(env))
  let writing = 0
  for (let round = 0; round < rounds; round++) {
    const started = performance.now()
    await workload(db, model, seed, round)
    writing += performance.now() - started
    await checkModel(db, model, `round ${round}`)
  }
  await db.waitForIdle()
  say(`${rounds * 3000} awaited writes (puts, deletes, batches of 5) in ${Math.round(writing)} ms`)
  const files = db.getProperty('shale.num-files-at-level0') + '/' + db.getProperty('shale.num-files-at-level1')
  const listing = env.getChildren(DB_PATH)
  say(`tables at levels 0/1: ${files}; files: ${listing.sort().join(' ')}`)
  await db.close()
  // The info log says what the engine did: several flushes and compactions, not just writes to a memtable.
  const log = dec(env.readFile(`${DB_PATH}/LOG`))!
  const flushes = log.split('Flushed a memtable').length - 1
  const compactions = log.split('Compacted level').length - 1
  // Each new MANIFEST is a switch of CURRENT: a rename over it, done through the queue.
  const manifests = log.split('Started MANIFEST').length - 1
  say(`LOG: ${flushes} flushes, ${compactions} compactions, ${manifests} MANIFESTs started`)
  check(flushes >= 5 && compactions >= 2 && manifests >= 3, `several flushes, compactions, MANIFESTs: ${flushes}, ${compactions}, ${manifests}`)
  db = await DB.open(DB_PATH, options(env))
  await checkModel(db, model, 'after reopen')
  // A second open while this one holds the lock: LEVEL_LOCKED as the cause.
  const second = await OpfsEnv.open(DB_ROOT)
  try {
    await DB.open(DB_PATH, options(second))
    throw new Error('a second open succeeded')
  } catch (err) {
    const code = (err as ShaleError).code
    const causeCode = ((err as ShaleError).cause as ShaleError | undefined)?.code
    check(code === 'LEVEL_LOCKED' || causeCode === 'LEVEL_LOCKED', `second open: ${String(err)}`)
  } finally {
    await second.close()
  }
  await db.close()
  await env.close()
  say(`wrote and checked ${model.size} keys`)
}

/**
 * Opens the database a previous page or browser left and checks it holds what `rounds` rounds of
 * `seed` wrote; with writeMore, writes round `rounds` too and, unless `close`, leaves the database
 * open, for the browser to end the worker under it. With destroy, DB.destroy removes it at the end.
 */
async function dbCheck (seed: number, rounds: number, writeMore: boolean, close: boolean, destroy: boolean): Promise<void> {
  const env = await OpfsEnv.open(DB_ROOT)
  const model = await modelFor(seed, rounds)
  const db = await DB.open(DB_PATH, { ...options(env), createIfMissing: false })
  await checkModel(db, model, 'after reload')
  if (writeMore) {
    await workload(db, model, seed, rounds)
    await checkModel(db, model, 'after more writes')
    if (!close) {
      say(`left open with ${model.size} keys`)
      return
    }
  }
  await db.close()
  say(`checked ${model.size} keys`)
  if (destroy) {
    await DB.destroy(DB_PATH, { env })
    equal(env.getChildren('/'), [], 'nothing left after destroy')
    const fresh = await OpfsEnv.open(DB_ROOT)
    equal(fresh.getChildren('/'), [], 'nothing left in OPFS after destroy')
    await fresh.close()
    say('destroyed')
  }
  await env.close()
}

async function run (name: string, arg: URLSearchParams): Promise<void> {
  const seed = Number(arg.get('seed') ?? 1)
  const rounds = Number(arg.get('rounds') ?? 3)
  say(`case ${name} seed ${seed}`)
  switch (name) {
    case 'env-unit': return await envUnit()
    case 'db-write': return await dbWrite(seed, rounds)
    case 'db-check': return await dbCheck(seed, rounds, arg.get('more') === '1', arg.get('close') !== '0', arg.get('destroy') === '1')
    default: throw new Error(`no case ${name}`)
  }
}

const scope = globalThis as unknown as { location: { search: string }, postMessage: (m: unknown) => void }
const params = new URLSearchParams(scope.location.search)
run(params.get('case') ?? '', params).then(
  () => { scope.postMessage({ ok: true, lines }) },
  (err: unknown) => { scope.postMessage({ ok: false, lines, error: err instanceof Error ? `${err.name}: ${err.message}\n${err.stack ?? ''}` : String(err) }) }
)

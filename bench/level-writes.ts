// The main thread's cost of a write through ShaleLevel, without the disk and without background
// work: a MemEnv, a write buffer large enough that nothing is flushed, jobs inline (none run).
// db_bench's keys ("%016d" of random numbers) and 100-byte values, as `npm run bench` writes them.
//
//   npx tsc -p . && node dist/bench/level-writes.js [--n 200000]
//
// Each case runs five rounds on a fresh database and reports the fastest: on a shared machine
// other processes only ever slow a round down. doc/performance.md quotes it.

import { parseArgs } from 'node:util'
import { MemEnv } from '../src/env/mem-env.js'
import { ShaleLevel } from '../src/level/shale-level.js'
import { Random } from '../src/util/random.js'

const { values: args } = parseArgs({ options: { n: { type: 'string' } } })
const N = Number(args.n ?? 200_000)
const ROUNDS = 5
const BATCH = 1000

const rnd = new Random(301)
const pool = Buffer.from(rnd.compressibleBytes(1 << 20))

function makeKey (k: number): Buffer {
  const key = Buffer.allocUnsafe(16)
  for (let i = 15; i >= 0; i--) {
    key[i] = 48 + (k % 10)
    k = Math.floor(k / 10)
  }
  return key
}

async function openDb (round: number): Promise<ShaleLevel<Uint8Array, Uint8Array>> {
  const db = new ShaleLevel<Uint8Array, Uint8Array>(`/bench-${round}`, {
    env: new MemEnv(), keyEncoding: 'view', valueEncoding: 'view', writeBufferSize: 256 << 20, backgroundWorkers: false
  })
  await db.open()
  return db
}

async function puts (db: ShaleLevel<Uint8Array, Uint8Array>, inFlight: number): Promise<void> {
  let next = 0
  const lane = async (): Promise<void> => {
    while (next < N) {
      next++
      const off = rnd.uniform(pool.length - 100)
      await db.put(makeKey(rnd.uniform(N)), pool.subarray(off, off + 100))
    }
  }
  await Promise.all(Array.from({ length: inFlight }, lane))
}

async function batches (db: ShaleLevel<Uint8Array, Uint8Array>): Promise<void> {
  for (let b = 0; b < N; b += BATCH) {
    const ops = new Array<{ type: 'put', key: Uint8Array, value: Uint8Array }>(BATCH)
    for (let i = 0; i < BATCH; i++) {
      const off = rnd.uniform(pool.length - 100)
      ops[i] = { type: 'put', key: makeKey(b + i), value: pool.subarray(off, off + 100) }
    }
    await db.batch(ops)
  }
}

async function fastest (run: (db: ShaleLevel<Uint8Array, Uint8Array>) => Promise<void>): Promise<number> {
  let best = Infinity
  for (let r = 0; r < ROUNDS; r++) {
    const db = await openDb(r)
    const t0 = performance.now()
    await run(db)
    best = Math.min(best, performance.now() - t0)
    await db.close()
  }
  return N / best * 1000
}

const fmt = (x: number): string => Math.round(x).toLocaleString('en-US')
console.log(`ShaleLevel writes on a MemEnv, nothing flushed: ${fmt(N)} per round, fastest of ${ROUNDS}, node ${process.version}`)
console.log(`${'put, awaited one at a time'.padEnd(32)} ${fmt(await fastest(async (db) => { await puts(db, 1) })).padStart(12)} ops/s`)
console.log(`${'put, 64 in flight'.padEnd(32)} ${fmt(await fastest(async (db) => { await puts(db, 64) })).padStart(12)} ops/s`)
console.log(`${'batch of 1,000, ascending keys'.padEnd(32)} ${fmt(await fastest(batches)).padStart(12)} entries/s`)

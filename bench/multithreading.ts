// What a call costs on a ShaleLevel that is a client of another thread (multithreading), against
// the same call on the owner's ShaleLevel: an awaited get, an awaited put, getSync, and reading a
// range with nextv(1000). The owner is this (main) thread; the client is a worker thread, timed in
// its own thread. Each figure is the median of several rounds (the machine is shared and noisy).
//
//   npm run build && node dist/bench/multithreading.js [--quick]

import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads'
import { ShaleLevel } from '../src/index.js'

const quick = process.argv.includes('--quick') || (workerData as { quick?: boolean } | null)?.quick === true
const ROUNDS = quick ? 3 : 7
const CALLS = quick ? 2000 : 10_000
const ENTRIES = 100_000
const VALUE = 'v'.repeat(100)

type Row = [name: string, usPerCall: number]

function key (i: number): string {
  return `key${String(i).padStart(8, '0')}`
}

function median (xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)]!
}

/** Microseconds per call (per entry for scans), median of ROUNDS rounds. */
async function measure (db: ShaleLevel): Promise<Row[]> {
  const rows: Row[] = []
  const timed = async (name: string, perRound: number, body: (round: number) => Promise<void> | void): Promise<void> => {
    await body(-1) // warm-up
    const times: number[] = []
    for (let r = 0; r < ROUNDS; r++) {
      const start = performance.now()
      await body(r)
      times.push((performance.now() - start) * 1000 / perRound)
    }
    rows.push([name, median(times)])
  }
  let x = 1
  await timed('get (awaited)', CALLS, async () => {
    for (let i = 0; i < CALLS; i++) { x = (x * 48271) % 2147483647; await db.get(key(x % ENTRIES)) }
  })
  await timed('getSync', CALLS, () => {
    for (let i = 0; i < CALLS; i++) { x = (x * 48271) % 2147483647; db.getSync(key(x % ENTRIES)) }
  })
  await timed('put (awaited)', CALLS, async (round) => {
    for (let i = 0; i < CALLS; i++) await db.put(`new${round}-${i}`, VALUE)
  })
  await timed('nextv(1000), per 1000 entries', ENTRIES / 1000, async () => {
    // The loaded range only (the puts above added other keys); every entry must be there.
    const it = db.iterator({ gte: key(0), lt: key(ENTRIES) })
    let n = 0
    for (let page = await it.nextv(1000); page.length > 0; page = await it.nextv(1000)) n += page.length
    await it.close()
    if (n !== ENTRIES) throw new Error(`read ${n} entries, expected ${ENTRIES}`)
  })
  return rows
}

if (isMainThread) {
  const dir = mkdtempSync(join(tmpdir(), 'shale-bench-mt-'))
  try {
    const owner = new ShaleLevel(dir, { multithreading: true })
    await owner.open()
    for (let i = 0; i < ENTRIES; i += 1000) {
      const batch = []
      for (let j = i; j < i + 1000; j++) batch.push({ type: 'put' as const, key: key(j), value: VALUE })
      await owner.batch(batch)
    }
    // Settled first, so that no flush or compaction runs under one side's timing only.
    await owner.compactRange(key(0), key(ENTRIES))
    const direct = await measure(owner)
    const worker = new Worker(new URL(import.meta.url), { workerData: { dir, quick } })
    const forwarded = await new Promise<Row[]>((resolve, reject) => {
      worker.once('message', resolve)
      worker.once('error', reject)
    })
    await worker.terminate()
    await owner.close()
    console.log(`${ENTRIES} entries of ${VALUE.length}-byte values; ${CALLS} calls a round, median of ${ROUNDS} rounds`)
    console.log('| call | owner thread (direct) | client thread (forwarded) | ratio |')
    console.log('|---|---:|---:|---:|')
    for (let i = 0; i < direct.length; i++) {
      const [name, d] = direct[i]!
      const f = forwarded[i]![1]
      console.log(`| ${name} | ${d.toFixed(2)} µs | ${f.toFixed(2)} µs | ${(f / d).toFixed(1)}x |`)
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
} else {
  const client = new ShaleLevel((workerData as { dir: string }).dir, { multithreading: true })
  await client.open()
  const rows = await measure(client)
  await client.close()
  parentPort!.postMessage(rows)
}

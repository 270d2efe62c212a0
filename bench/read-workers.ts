// How gets with many in flight scale with read workers (doc/read-workers.md): one database of
// db_bench's shape (16-byte keys, 100-byte values, random order, default options), read with 64
// gets in flight by ShaleLevel with readWorkers = 0, 1, 2 and 4, each count in a fresh process
// and the counts alternated over several rounds (the machine is shared and noisy). Besides the
// rate it reports what each get costs: the main thread's busy time (its event-loop utilization)
// and the whole process's CPU time, from which the rate on a machine with more cores follows.
//
//   npm run build && node dist/bench/read-workers.js [--n 1000000] [--reads 200000] [--rounds 3] [--workers 0,1,2,4]

import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ShaleLevel } from '../src/index.js'
import { readCounts } from '../src/db/read-pool.js'

interface Result { workers: number, rate: number, mainUs: number, cpuUs: number, offThread: number }

function flag (name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback
}

const N = Number(flag('n', '1000000'))
const READS = Number(flag('reads', '200000'))
const ROUNDS = Number(flag('rounds', '3'))
const WORKERS = flag('workers', '0,1,2,4').split(',').map(Number)
const IN_FLIGHT = 64

function key (i: number): Buffer {
  return Buffer.from(String(i).padStart(16, '0'))
}

/** A child process: opens the database with `workers` read workers and reads with 64 gets in flight. */
async function child (dir: string, workers: number): Promise<void> {
  const db = new ShaleLevel<Buffer, Buffer>(dir, { keyEncoding: 'buffer', valueEncoding: 'buffer', readWorkers: workers })
  await db.open()
  let x = 12345
  const next = (): number => { x = (x * 1103515245 + 12345) >>> 0; return x % N }
  // Warm-up: the table cache and the workers' start.
  await Promise.all(Array.from({ length: 4096 }, async () => await db.get(key(next()))))
  let issued = 0
  let missing = 0
  const off0 = readCounts.offThread
  const elu0 = performance.eventLoopUtilization()
  const cpu0 = process.cpuUsage()
  const start = performance.now()
  const lane = async (): Promise<void> => {
    while (issued < READS) {
      issued++
      if (await db.get(key(next())) === undefined) missing++
    }
  }
  await Promise.all(Array.from({ length: IN_FLIGHT }, lane))
  const ms = performance.now() - start
  const elu = performance.eventLoopUtilization(elu0)
  const cpu = process.cpuUsage(cpu0)
  await db.close()
  if (missing > 0) throw new Error(`${missing} keys missing`)
  const result: Result = {
    workers,
    rate: READS / ms * 1000,
    mainUs: elu.active * 1000 / READS,
    cpuUs: (cpu.user + cpu.system) / READS,
    offThread: (readCounts.offThread - off0) / READS
  }
  console.log(JSON.stringify(result))
}

async function fill (dir: string): Promise<void> {
  const db = new ShaleLevel<Buffer, Buffer>(dir, { keyEncoding: 'buffer', valueEncoding: 'buffer' })
  await db.open()
  const order = Array.from({ length: N }, (_, i) => i)
  let s = 42
  for (let i = N - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) >>> 0
    const j = s % (i + 1)
    const t = order[i]!
    order[i] = order[j]!
    order[j] = t
  }
  const value = Buffer.alloc(100, 'v')
  for (let i = 0; i < N; i += 1000) {
    await db.batch(order.slice(i, i + 1000).map((k) => ({ type: 'put' as const, key: key(k), value })))
  }
  // Settled, so that no compaction runs under one count's timing only.
  await db.compactRange(key(0), key(N))
  await db.close()
}

function median (xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)]!
}

if (process.argv[2] === '--child') {
  await child(process.argv[3]!, Number(process.argv[4]))
} else {
  const dir = mkdtempSync(join(tmpdir(), 'shale-bench-rw-'))
  try {
    await fill(dir)
    const byCount = new Map<number, Result[]>(WORKERS.map((w) => [w, []]))
    for (let round = 0; round < ROUNDS; round++) {
      for (const w of WORKERS) {
        const out = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--child', dir, String(w), ...process.argv.slice(2)],
          { encoding: 'utf8' })
        if (out.status !== 0) throw new Error(`child with ${w} workers failed: ${out.stderr}`)
        byCount.get(w)!.push(JSON.parse(out.stdout.trim().split('\n').pop()!) as Result)
      }
    }
    console.log(`${N} entries (16-byte keys, 100-byte values), ${READS} gets with ${IN_FLIGHT} in flight, median of ${ROUNDS} rounds`)
    console.log('| readWorkers | gets/s | main thread µs/get | process CPU µs/get | blocks read off the thread per get |')
    console.log('|---:|---:|---:|---:|---:|')
    for (const w of WORKERS) {
      const rs = byCount.get(w)!
      console.log(`| ${w} | ${Math.round(median(rs.map((r) => r.rate))).toLocaleString('en-US')} | ` +
        `${median(rs.map((r) => r.mainUs)).toFixed(2)} | ${median(rs.map((r) => r.cpuUs)).toFixed(2)} | ${median(rs.map((r) => r.offThread)).toFixed(2)} |`)
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

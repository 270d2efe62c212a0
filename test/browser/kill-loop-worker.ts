// Runs in a dedicated worker of headless Chromium (bundled by harness.ts): the one case of
// kill-loop.test.ts. It opens the database on OpfsEnv, checks that it holds exactly the first n of
// the issued writes (write i is a function of the seed and i alone, so the writes after a kill
// are the same ones again), posts n, then writes on from n for ever, posting how many writes, and
// how many sync ones, have been acknowledged, until the browser is killed.

import { say, post, runWorkerCases } from './worker-main.js'
import { OpfsEnv } from '../../src/env/opfs-env.js'
import { DB } from '../../src/db/db.js'
import { WriteBatch } from '../../src/dbformat/write-batch.js'
import { Random } from '../../src/util/random.js'

const ROOT = 'kill-loop'
const enc = (s: string): Uint8Array => new TextEncoder().encode(s)
const dec = (b: Uint8Array): string => new TextDecoder().decode(b)

interface Write {
  sync: boolean
  /** [key, value], or [key, undefined] for a delete. The first puts `w<i>`, which marks the write. */
  ops: Array<[string, string | undefined]>
}

const wKey = (i: number): string => `w${String(i).padStart(9, '0')}`

/** Write i of seed `seed`: a put of its own key, often batched with puts and deletes of shared keys. */
function writeOf (seed: number, i: number): Write {
  const rnd = new Random(Math.imul(seed, 100003) + i)
  const ops: Write['ops'] = [[wKey(i), `v${i}-${'x'.repeat(rnd.uniform(300))}`]]
  if (rnd.oneIn(2)) {
    const n = rnd.range(1, 5)
    for (let j = 0; j < n; j++) {
      const k = `r${String(rnd.uniform(300)).padStart(4, '0')}`
      ops.push([k, rnd.oneIn(3) ? undefined : `${i}.${j}-${'y'.repeat(rnd.uniform(100))}`])
    }
  }
  return { sync: rnd.oneIn(10), ops }
}

function check (cond: boolean, what: string): void {
  if (!cond) throw new Error(`check failed: ${what}`)
}

/** The number n of writes the database holds; fails unless its contents are exactly writes 0..n-1. */
function prefixLength (db: DB, seed: number): number {
  const seen: Array<[string, string]> = []
  const it = db.iterator()
  for (let e = it.next(); e !== undefined; e = it.next()) seen.push([dec(e[0]!), dec(e[1]!)])
  it.close()
  const marks = seen.filter(([k]) => k.startsWith('w'))
  const n = marks.length
  check(n === 0 || marks[n - 1]![0] === wKey(n - 1), `the writes held are not a prefix: ${n} marks, the last ${marks[n - 1]?.[0]}`)
  const model = new Map<string, string>()
  for (let i = 0; i < n; i++) {
    for (const [k, v] of writeOf(seed, i).ops) {
      if (v === undefined) model.delete(k)
      else model.set(k, v)
    }
  }
  const expected = [...model.entries()].sort((a, b) => a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)
  check(seen.length === expected.length, `${seen.length} entries where writes 0..${n - 1} leave ${expected.length}`)
  for (let i = 0; i < expected.length; i++) {
    check(seen[i]![0] === expected[i]![0] && seen[i]![1] === expected[i]![1], `entry ${i}: ${seen[i]![0]} where writes 0..${n - 1} leave ${expected[i]![0]}`)
  }
  return n
}

async function killWrite (arg: URLSearchParams): Promise<void> {
  const mb = arg.get('mb')!
  const seed = Number(arg.get('seed'))
  const env = await OpfsEnv.open(ROOT)
  const db = await DB.open('/db', { env, backgroundWorkers: false, writeBufferSize: 32 * 1024, maxFileSize: 64 * 1024 })
  let n: number
  try {
    n = prefixLength(db, seed)
  } catch (err) {
    await post(mb, 'state', JSON.stringify({ error: String(err) }))
    throw err
  }
  await post(mb, 'state', JSON.stringify({ n }))
  say(`holds writes 0..${n - 1}`)
  if (arg.get('stop') === '1') {
    await db.close()
    await DB.destroy('/db', { env })
    await env.close()
    return
  }
  let acked = n
  let ackedSync = 0
  let reported = n
  void (async () => {
    for (;;) {
      if (acked > reported) {
        const all = acked
        await post(mb, `ack?all=${all}&sync=${ackedSync}`, '')
        reported = all
      } else {
        await new Promise((resolve) => setTimeout(resolve, 2))
      }
    }
  })()
  for (let i = n; ; i++) {
    const w = writeOf(seed, i)
    if (w.ops.length === 1) {
      await db.put(enc(w.ops[0]![0]), enc(w.ops[0]![1]!), { sync: w.sync })
    } else {
      const b = new WriteBatch()
      for (const [k, v] of w.ops) {
        if (v === undefined) b.del(enc(k))
        else b.put(enc(k), enc(v))
      }
      await db.write(b, { sync: w.sync })
    }
    acked = i + 1
    if (w.sync) ackedSync = i + 1
  }
}

runWorkerCases({ 'kill-write': killWrite })

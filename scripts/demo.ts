// `npm start [directory]`: opens a real database (./shale-data by default) and does real work with
// it: writes 200,000 entries one by one and in batches, reads them back by key and by scan,
// overwrites and deletes some, compacts, closes, reopens and checks that everything is still
// there. A second run opens what the first left behind. The directory is a LevelDB 1.20
// database: classic-level opens it too.

import { resolve } from 'node:path'
import { DB } from '../src/db/db.js'
import { WriteBatch } from '../src/dbformat/write-batch.js'
import { fromUtf8, utf8 } from '../src/util/coding.js'

const dir = resolve(process.argv[2] ?? 'shale-data')
const N = 200_000
const key = (i: number): Uint8Array => utf8(`key${String(i).padStart(9, '0')}`)
const value = (i: number, round: number): Uint8Array => utf8(`value ${i} of round ${round} `.padEnd(100, '.'))

function rate (n: number, ms: number): string {
  return `${Math.round(n / (ms / 1000)).toLocaleString('en-US')}/s`
}

async function main (): Promise<void> {
  let t = performance.now()
  let db = await DB.open(dir)
  const previous = db.getSync(utf8('demo:round'))
  const round = previous === undefined ? 1 : Number(fromUtf8(previous)) + 1
  console.log(`directory   ${dir} (round ${round}, opened in ${(performance.now() - t).toFixed(0)} ms)`)
  if (previous !== undefined) {
    // What the previous run left must be intact.
    const it = db.iterator({ gte: key(0), lt: key(N) })
    let n = 0
    for (let e = it.next(); e !== undefined; e = it.next()) n++
    it.close()
    console.log(`found       ${n} entries from round ${round - 1}`)
  }

  t = performance.now()
  for (let i = 0; i < N / 2; i++) await db.put(key(i), value(i, round))
  console.log(`put         ${N / 2} awaited puts: ${rate(N / 2, performance.now() - t)}`)

  t = performance.now()
  for (let i = N / 2; i < N; i += 1000) {
    const batch = new WriteBatch()
    for (let j = i; j < i + 1000; j++) batch.put(key(j), value(j, round))
    await db.write(batch)
  }
  console.log(`batch       ${N / 2} entries in batches of 1000: ${rate(N / 2, performance.now() - t)}`)

  t = performance.now()
  let found = 0
  for (let i = 0; i < N; i += 7) if (db.getSync(key(i)) !== undefined) found++
  console.log(`get         ${found} of ${Math.ceil(N / 7)} keys found: ${rate(Math.ceil(N / 7), performance.now() - t)}`)

  t = performance.now()
  const it = db.iterator()
  let scanned = 0
  for (let batch = it.nextv(1000); batch.length > 0; batch = it.nextv(1000)) scanned += batch.length
  it.close()
  console.log(`scan        ${scanned} entries: ${rate(scanned, performance.now() - t)}`)

  for (let i = 0; i < N; i += 10) await db.del(key(i))
  await db.put(utf8('demo:round'), utf8(String(round)))
  t = performance.now()
  await db.compactRange()
  console.log(`compact     ${(performance.now() - t).toFixed(0)} ms; files per level ${[0, 1, 2, 3, 4, 5, 6].map((l) => db.getProperty(`shale.num-files-at-level${l}`)).join(' ')}`)
  await db.close()

  db = await DB.open(dir)
  let ok = true
  for (let i = 0; i < N; i += 997) {
    const got = db.getSync(key(i))
    const want = i % 10 === 0 ? undefined : fromUtf8(value(i, round))
    if ((got === undefined ? undefined : fromUtf8(got)) !== want) ok = false
  }
  console.log(`reopened    ${ok ? 'every sampled key as written' : 'MISMATCH'}; approximate size ${db.approximateSize(key(0), key(N))} bytes`)
  await db.close()
  if (!ok) process.exit(1)
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})

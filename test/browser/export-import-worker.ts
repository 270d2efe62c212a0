// Runs in a dedicated worker of headless Chromium (bundled by harness.ts): the cases of
// export-import.test.ts. `import` takes a database's files from the mailbox (LevelDB's, written
// by classic-level in Node), imports them on OpfsEnv and posts what the engine reads there;
// `write-export` writes a database on OpfsEnv and posts its exported files and its entries.

import { say, scanHex, post, fetchBytes, removeOpfsRoot, runWorkerCases } from './worker-main.js'
import { OpfsEnv } from '../../src/env/opfs-env.js'
import { DB } from '../../src/db/db.js'
import { exportDatabase, importDatabase, type DatabaseChunk } from '../../src/db/transfer.js'
import { WriteBatch } from '../../src/dbformat/write-batch.js'
import { Random } from '../../src/util/random.js'

const ROOT = 'transfer'
const enc = (s: string): Uint8Array => new TextEncoder().encode(s)

async function importCase (arg: URLSearchParams): Promise<void> {
  const mb = arg.get('mb')!
  const list = JSON.parse(new TextDecoder().decode(await fetchBytes(mb, 'in/list'))) as Array<{ name: string, offset: number, size: number }>
  async function * chunks (): AsyncGenerator<DatabaseChunk> {
    for (let i = 0; i < list.length; i++) yield { ...list[i]!, data: await fetchBytes(mb, `in/${i}`) }
  }
  await removeOpfsRoot(ROOT)
  const env = await OpfsEnv.open(ROOT)
  const result = await importDatabase(env, '/imported', chunks())
  say(`imported ${result.files} files, ${result.bytes} bytes`)
  await env.close()
  // A fresh OpfsEnv: what OPFS holds, not what the first one's table of names says.
  const again = await OpfsEnv.open(ROOT)
  const db = await DB.open('/imported', { env: again, createIfMissing: false, backgroundWorkers: false })
  const entries = scanHex(db)
  await db.close()
  await again.close()
  say(`read ${entries.length} entries`)
  await post(mb, 'entries', JSON.stringify(entries))
}

async function writeExportCase (arg: URLSearchParams): Promise<void> {
  const mb = arg.get('mb')!
  const rnd = new Random(Number(arg.get('seed')))
  await removeOpfsRoot(ROOT)
  const env = await OpfsEnv.open(ROOT)
  const db = await DB.open('/out', { env, backgroundWorkers: false, writeBufferSize: 16 * 1024, maxFileSize: 32 * 1024 })
  for (let i = 0; i < 3000; i++) {
    const k = enc(`key${String(rnd.uniform(800)).padStart(5, '0')}`)
    const r = rnd.uniform(10)
    if (r < 6) {
      await db.put(k, rnd.compressibleBytes(rnd.uniform(300)))
    } else if (r < 8) {
      await db.del(k)
    } else {
      const b = new WriteBatch()
      for (let j = 0; j < 5; j++) b.put(enc(`batch${String(rnd.uniform(800)).padStart(5, '0')}`), enc(`b${i}.${j}`))
      b.del(enc(`key${String(rnd.uniform(800)).padStart(5, '0')}`))
      await db.write(b)
    }
  }
  const entries = scanHex(db)
  await db.close()
  let files = 0
  for await (const c of exportDatabase(env, '/out', { chunkSize: 64 * 1024 })) {
    if (c.offset === 0) files++
    await post(mb, `out?name=${encodeURIComponent(c.name)}&offset=${c.offset}&size=${c.size ?? -1}`, c.data)
  }
  await env.close()
  say(`exported ${files} files, ${entries.length} entries`)
  await post(mb, 'entries', JSON.stringify(entries))
}

runWorkerCases({ import: importCase, 'write-export': writeExportCase })

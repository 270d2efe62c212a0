// Shale's side of the cross-runtime interop test (bun-deno.test.ts), as a plain script that Bun
// and Deno run; classic-level's side runs in the Node test process.
//
//   <runtime> dist/test/runtimes/interop-script.js write <dir> <seed> <batches>
//     Writes batches 1..<batches> of the kill loop's generator (harness/crash/kill-shared.ts, so the
//     Node side can rebuild the model from the seed alone) with flush and compaction in workers,
//     compacts part of the key space midway so that tables sit at several levels, leaves the
//     last batches in the log, and closes. Last line: "result " and JSON with the job counts.
//   <runtime> dist/test/runtimes/interop-script.js dump <dir> <out>
//     Opens an existing database and writes every entry to the file <out>, in order, one line
//     "<key hex> <value hex>" each.
//
// Exit code 1, with the error on stderr, on any failure.

import { writeFileSync } from 'node:fs'
import process from 'node:process'
import { jobCounts } from '../../src/db/jobs.js'
import { DB } from '../../src/db/db.js'
import { dataKey, generateBatch, KEY_SPACE, toWriteBatch } from '../../harness/crash/kill-shared.js'

function hex (b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex')
}

async function write (dir: string, seed: number, batches: number): Promise<void> {
  const db = await DB.open(dir, { writeBufferSize: 16 * 1024, maxFileSize: 16 * 1024 })
  try {
    for (let n = 1; n <= batches; n++) {
      const b = generateBatch(seed, n)
      await db.write(toWriteBatch(b), { sync: b.sync })
      if (n === Math.floor(batches / 2)) await db.compactRange(dataKey(0), dataKey(KEY_SPACE / 2))
      // Everything before the last few batches reaches tables; those stay in the log.
      if (n === batches - 20) await db.flush()
    }
    await db.waitForIdle()
  } finally {
    await db.close()
  }
  console.log(`result ${JSON.stringify({ jobCounts })}`)
}

async function dump (dir: string, out: string): Promise<void> {
  const db = await DB.open(dir, { createIfMissing: false })
  try {
    const it = db.iterator()
    try {
      const lines: string[] = []
      for (let e = it.next(); e !== undefined; e = it.next()) lines.push(`${hex(e[0]!)} ${hex(e[1]!)}\n`)
      writeFileSync(out, lines.join(''))
    } finally {
      it.close()
    }
  } finally {
    await db.close()
  }
}

async function main (): Promise<void> {
  const [mode, dir, a, b] = process.argv.slice(2)
  if (mode === 'write' && dir !== undefined) await write(dir, Number(a), Number(b))
  else if (mode === 'dump' && dir !== undefined && a !== undefined) await dump(dir, a)
  else throw new Error('usage: interop-script.js write <dir> <seed> <batches> | dump <dir> <out>')
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.stack : String(err))
  process.exit(1)
})

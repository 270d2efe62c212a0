// The child of the SIGKILL crash loop (doc/crash-testing.md, "Process kills"). Started as
// `node dist/harness/crash/kill-child.js '<ChildParams as JSON>'`; it opens the database, checks that
// the marker says start - 1, then writes batches start, start + 1, ... of the generator forever,
// keeping up to `window` of them in flight, and reports each acknowledged one on stdout. It never
// ends by itself except on an error, when its parent goes away, or after maxMillis: the parent
// kills it with SIGKILL.

import process from 'node:process'
import { DB } from '../../src/db/db.js'
import { dbOptions, generateBatch, readMarker, toWriteBatch, type ChildParams, failChild, say } from './kill-shared.js'

async function main (): Promise<void> {
  const params = JSON.parse(process.argv[2] ?? '') as ChildParams
  // A parent that dies without killing us closes our stdin: stop rather than write forever.
  process.stdin.on('end', () => process.exit(3))
  process.stdin.resume()
  setTimeout(() => process.exit(4), params.maxMillis).unref()

  const db = await DB.open(params.dir, dbOptions(params))
  const marker = readMarker(db)
  if (marker !== params.start - 1) failChild(new Error(`opened at batch ${marker}, the parent expected ${params.start - 1}`))
  say('ready')

  // Batches resolve in the order they were issued (one log, one queue), so awaiting the oldest
  // and then reporting it reports every batch up to it.
  const inFlight: Array<Promise<void>> = []
  let next = params.start
  let oldest = params.start
  for (;;) {
    while (inFlight.length < params.window) {
      const b = generateBatch(params.seed, next++)
      const p = params.fault === 'skip-one-batch' && b.n === params.start + 1
        ? Promise.resolve()
        : db.write(toWriteBatch(b), { sync: b.sync })
      p.catch(failChild)
      inFlight.push(p)
    }
    await inFlight.shift()
    say(`ack ${oldest++}`)
  }
}

main().catch(failChild)

// The child of the SIGKILL crash loop (doc/crash-testing.md, "Process kills"). Started as
// `node dist/test/crash/kill-child.js '<ChildParams as JSON>'`; it opens the database, checks that
// the marker says start - 1, then writes batches start, start + 1, ... of the generator forever,
// keeping up to `window` of them in flight, and reports each acknowledged one on stdout. It never
// ends by itself except on an error, when its parent goes away, or after maxMillis: the parent
// kills it with SIGKILL.

import { writeSync } from 'node:fs'
import process from 'node:process'
import { DB } from '../../src/db/db.js'
import { dbOptions, generateBatch, readMarker, toWriteBatch, type ChildParams } from './kill-shared.js'

/**
 * Synchronous, so that a line is in the pipe before the next batch is issued: whatever the parent
 * reads was true before the kill, and an "ack" is never lost to a user-space stdout buffer.
 */
function say (line: string): void {
  writeSync(1, line + '\n')
}

function fail (err: unknown): never {
  const message = err instanceof Error ? `${(err as { code?: string }).code ?? err.name}: ${err.message}` : String(err)
  say(`error ${message.replace(/\n/g, ' ')}`)
  process.exit(2)
}

async function main (): Promise<void> {
  const params = JSON.parse(process.argv[2] ?? '') as ChildParams
  // A parent that dies without killing us closes our stdin: stop rather than write forever.
  process.stdin.on('end', () => process.exit(3))
  process.stdin.resume()
  setTimeout(() => process.exit(4), params.maxMillis).unref()

  const db = await DB.open(params.dir, dbOptions(params))
  const marker = readMarker(db)
  if (marker !== params.start - 1) fail(new Error(`opened at batch ${marker}, the parent expected ${params.start - 1}`))
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
      p.catch(fail)
      inFlight.push(p)
    }
    await inFlight.shift()
    say(`ack ${oldest++}`)
  }
}

main().catch(fail)

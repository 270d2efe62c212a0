// The child of the backup kill loop (backup-kill.test.ts): writes batches of the kill loop's
// generator (kill-shared.ts) as kill-child.ts does, and meanwhile takes backups one after another
// into a backup directory, reporting each finished one. The parent kills it with SIGKILL at a
// random moment, often in the middle of a backup.
//
// Started as `node dist/test/crash/backup-kill-child.js '<params as JSON>'`; prints "ready", then
// "ack <n>" and "backup <id>" lines, each written synchronously once true.

import { writeSync } from 'node:fs'
import process from 'node:process'
import { Backup } from '../../src/backup/backup.js'
import { DB } from '../../src/db/db.js'
import { dbOptions, generateBatch, readMarker, toWriteBatch, type ChildDBOptions } from './kill-shared.js'

export interface BackupChildParams extends ChildDBOptions {
  dir: string
  backupDir: string
  seed: number
  maxMillis: number
}

function say (line: string): void {
  writeSync(1, line + '\n')
}

function fail (err: unknown): never {
  const message = err instanceof Error ? `${(err as { code?: string }).code ?? err.name}: ${err.message}` : String(err)
  say(`error ${message.replace(/\n/g, ' ')}`)
  process.exit(2)
}

async function main (): Promise<void> {
  const params = JSON.parse(process.argv[2] ?? '') as BackupChildParams
  process.stdin.on('end', () => process.exit(3))
  process.stdin.resume()
  setTimeout(() => process.exit(4), params.maxMillis).unref()

  const db = await DB.open(params.dir, dbOptions(params))
  let next = readMarker(db) + 1
  say('ready')
  const backups = (async () => {
    for (;;) {
      const info = await Backup.create(db, params.backupDir)
      say(`backup ${info.id}`)
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
  })()
  backups.catch(fail)
  const inFlight: Array<Promise<void>> = []
  for (;;) {
    while (inFlight.length < 8) {
      const b = generateBatch(params.seed, next)
      const p = db.write(toWriteBatch(b), { sync: b.sync })
      p.catch(fail)
      inFlight.push(p)
      next++
    }
    await inFlight.shift()
    say(`ack ${next - inFlight.length - 1}`)
  }
}

main().catch(fail)

// The child of the backup kill loop (backup-kill.test.ts): writes batches of the kill loop's
// generator (kill-shared.ts) as kill-child.ts does, and meanwhile takes backups one after another
// into a backup directory, reporting each finished one. The parent kills it with SIGKILL at a
// random moment, often in the middle of a backup.
//
// Started as `node dist/test/crash/backup-kill-child.js '<params as JSON>'`; prints "ready", then
// "ack <n>" and "backup <id>" lines, each written synchronously once true.

import process from 'node:process'
import { Backup } from '../../src/backup/backup.js'
import { DB } from '../../src/db/db.js'
import { dbOptions, generateBatch, readMarker, toWriteBatch, type ChildDBOptions, failChild, say } from '../../harness/crash/kill-shared.js'

export interface BackupChildParams extends ChildDBOptions {
  dir: string
  backupDir: string
  seed: number
  maxMillis: number
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
  backups.catch(failChild)
  const inFlight: Array<Promise<void>> = []
  for (;;) {
    while (inFlight.length < 8) {
      const b = generateBatch(params.seed, next)
      const p = db.write(toWriteBatch(b), { sync: b.sync })
      p.catch(failChild)
      inFlight.push(p)
      next++
    }
    await inFlight.shift()
    say(`ack ${next - inFlight.length - 1}`)
  }
}

main().catch(failChild)

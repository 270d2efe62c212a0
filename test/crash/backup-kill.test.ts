// Backups under process kills: a child writes batches and takes backups back to back while the
// parent kills it with SIGKILL at random moments, often mid-backup. After each kill every backup
// in the store must verify and restore to exactly the generator's state after some batch N
// (kill-shared.ts: the marker names N, the model after N is the only state allowed), and the
// markers of successive backups never go back. At least 20 kills; SHALE_BACKUP_KILLS overrides.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { join } from 'node:path'
import { Backup } from '../../src/backup/backup.js'
import { DB } from '../../src/db/db.js'
import { Random } from '../../src/util/random.js'
import { removeTempDir, tempDir } from '../db/helpers.js'
import { diffAgainstModel, KillModel, readMarker } from '../../harness/crash/kill-shared.js'
import type { BackupChildParams } from './backup-kill-child.js'

const CHILD = fileURLToPath(new URL('./backup-kill-child.js', import.meta.url))
const SEED = 424242
const KILLS = Number(process.env['SHALE_BACKUP_KILLS'] ?? 20)

/**
 * Runs one child until `delayMs` after its first finished backup (so that every child leaves one,
 * however slowly it starts on a loaded machine), kills it, and returns what it said. Backups run
 * back to back, so most kills land inside one.
 */
async function runChild (params: BackupChildParams, delayMs: number): Promise<{ acks: number, backups: number[], errors: string[] }> {
  const out = { acks: 0, backups: [] as number[], errors: [] as string[] }
  const child = spawn(process.execPath, [CHILD, JSON.stringify(params)], { stdio: ['pipe', 'pipe', 'pipe'] })
  let timer = setTimeout(() => { out.errors.push('no backup after 30 s'); child.kill('SIGKILL') }, 30_000)
  let buffered = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    buffered += chunk
    let nl
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, nl)
      buffered = buffered.slice(nl + 1)
      if (line === 'ready') continue
      if (line.startsWith('ack ')) out.acks = Number(line.slice(4))
      else if (line.startsWith('backup ')) {
        if (out.backups.length === 0) {
          clearTimeout(timer)
          timer = setTimeout(() => child.kill('SIGKILL'), delayMs)
        }
        out.backups.push(Number(line.slice(7)))
      } else out.errors.push(line)
    }
  })
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk })
  const signal = await new Promise<NodeJS.Signals | null>((resolve) => { child.on('close', (_code, s) => resolve(s)) })
  clearTimeout(timer)
  if (signal !== 'SIGKILL') out.errors.push(`child ended by itself: ${stderr.slice(0, 500)}`)
  return out
}

test(`SIGKILL a writer taking backups ${KILLS} times: every surviving backup verifies and restores to a prefix`, async () => {
  const base = tempDir('shale-backup-kill')
  const rnd = new Random(SEED)
  const model = new KillModel(SEED)
  const checked = new Set<number>()
  let lastMarker = 0
  let reportedBackups = 0
  try {
    const params: BackupChildParams = {
      dir: join(base, 'db'),
      backupDir: join(base, 'bk'),
      seed: SEED,
      writeBufferSize: 8 << 10,
      maxFileSize: 16 << 10,
      compression: true,
      maxMillis: 60_000
    }
    for (let kill = 0; kill < KILLS; kill++) {
      const run = await runChild(params, 50 + rnd.uniform(200))
      assert.deepEqual(run.errors, [], `kill ${kill}`)
      reportedBackups += run.backups.length
      // Every backup the child reported finished is there; so is any other the store lists, whole.
      const ids = (await Backup.list(params.backupDir)).map((b) => b.id)
      for (const id of run.backups) assert.ok(ids.includes(id), `kill ${kill}: reported backup ${id} is listed`)
      for (const id of ids) {
        if (checked.has(id)) continue
        const [v] = await Backup.verify(params.backupDir, id)
        assert.deepEqual(v!.problems, [], `kill ${kill}: backup ${id} verifies`)
        const target = join(base, `restored-${id}`)
        await Backup.restore(params.backupDir, id, target)
        const db = await DB.open(target, { createIfMissing: false })
        try {
          const marker = readMarker(db)
          assert.ok(marker >= lastMarker, `kill ${kill}: backup ${id} holds batch ${marker}, an earlier one ${lastMarker}`)
          model.advanceTo(marker)
          assert.equal(diffAgainstModel(db, model), undefined, `kill ${kill}: backup ${id} at batch ${marker}`)
          lastMarker = marker
        } finally {
          await db.close()
        }
        removeTempDir(target)
        checked.add(id)
      }
    }
    assert.ok(checked.size >= KILLS, `${checked.size} backups checked`)
    assert.ok(reportedBackups > 0 && lastMarker > 0)
    console.log(`# backup kill loop: ${KILLS} kills, ${checked.size} backups verified and restored, last at batch ${lastMarker}`)
  } finally {
    removeTempDir(base)
  }
})

// The lock of README contract 7 at the engine level, through DB.open: a second open of
// the same directory fails at once with LEVEL_LOCKED, whether the holder is this process or
// another process running Shale, and a holder killed with SIGKILL never blocks the next open.
// (test/env/lock.test.ts covers the NodeEnv lock itself: races, recycled pids, classic-level.)

import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { DB } from '../../src/db/db.js'
import { ShaleError } from '../../src/util/errors.js'
import { LineChild } from '../env/line-child.js'

const here = dirname(fileURLToPath(import.meta.url))
const dbUrl = pathToFileURL(join(here, '..', '..', 'src', 'db', 'db.js')).href
/** "At once": a refused open takes no retries or waits; generous for a loaded 2-core machine. */
const AT_ONCE_MS = 1000
const PUTS = 200

// A child running Shale: opens argv[1]; on failure prints {"result": <code>, "ms"} and exits; on
// success writes PUTS acknowledged puts, prints {"result": "opened", "ms"}, then holds the
// database until told "close" (or "write", to keep writing until killed).
const CHILD = `
const { DB } = await import(${JSON.stringify(dbUrl)})
const say = (o) => process.stdout.write(JSON.stringify(o) + '\\n')
process.stdin.on('end', () => process.exit(0))
const started = performance.now()
let db
try {
  db = await DB.open(process.argv[1])
} catch (err) {
  say({ result: err.code ?? String(err), message: err.message, ms: performance.now() - started })
  process.exit(0)
}
const ms = performance.now() - started
const enc = new TextEncoder()
for (let i = 0; i < ${PUTS}; i++) await db.put(enc.encode('child' + String(i).padStart(4, '0')), enc.encode(String(process.pid)))
say({ result: 'opened', ms })
process.stdin.setEncoding('utf8')
process.stdin.on('data', async (cmd) => {
  if (cmd.includes('close')) {
    await db.close()
    say({ result: 'closed' })
    process.exit(0)
  }
  if (cmd.includes('write')) {
    say({ result: 'writing' })
    for (let i = 0; ; i++) await db.put(enc.encode('busy' + (i % 1000)), enc.encode(String(i)))
  }
})
`

interface ChildMessage { result: string, message?: string, ms?: number }

/** A process holding a database open (CHILD above), answering in JSON lines. */
class ShaleChild extends LineChild {
  constructor (dir: string) {
    super(CHILD, [dir])
  }

  async next (): Promise<ChildMessage> {
    return JSON.parse(await this.nextLine()) as ChildMessage
  }

  async send (cmd: string): Promise<ChildMessage> {
    return JSON.parse(await this.request(cmd)) as ChildMessage
  }
}

function isLocked (err: unknown): boolean {
  return err instanceof ShaleError && err.code === 'LEVEL_LOCKED'
}

/** Asserts that DB.open(dir) is refused with LEVEL_LOCKED, without waiting. */
async function assertOpenLocked (dir: string, what: string): Promise<void> {
  const started = performance.now()
  await assert.rejects(DB.open(dir), isLocked, what)
  const ms = performance.now() - started
  assert.ok(ms < AT_ONCE_MS, `${what}: refused after ${ms.toFixed(0)} ms, not at once`)
}

function claims (dir: string): string[] {
  return readdirSync(dir).filter((n) => n.startsWith('LOCK.shale-'))
}

const enc = new TextEncoder()
const dec = new TextDecoder()

describe('DB.open and the lock (contract 7)', () => {
  let base: string
  let n = 0
  const freshDir = (): string => join(base, `db${n++}`)
  before(() => { base = mkdtempSync(join(tmpdir(), 'shale-dblock-')) })
  after(() => { rmSync(base, { recursive: true, force: true }) })

  test('(a) a second open in this process fails at once, however the path is spelled, and changes nothing', async () => {
    const dir = freshDir()
    const db = await DB.open(dir)
    try {
      await db.put(enc.encode('a'), enc.encode('1'))
      const filesBefore = readdirSync(dir).sort()
      symlinkSync(dir, join(base, `alias${n}`))
      for (const spelling of [dir, dir + '/', join(dir, '.'), relative(process.cwd(), dir), join(base, `alias${n}`)]) {
        await assertOpenLocked(spelling, `second open as ${spelling}`)
      }
      await assert.rejects(DB.open(dir, { createIfMissing: false }), isLocked)
      // The refused opens wrote no log, MANIFEST or claim, and did not release the holder's lock.
      assert.deepEqual(readdirSync(dir).sort(), filesBefore)
      assert.equal(claims(dir).length, 1)
      await db.put(enc.encode('b'), enc.encode('2'))
      assert.equal(dec.decode(db.getSync(enc.encode('a'))), '1')
    } finally {
      await db.close()
    }
    const again = await DB.open(dir)
    try {
      assert.equal(dec.decode(again.getSync(enc.encode('b'))), '2')
    } finally {
      await again.close()
    }
    assert.deepEqual(claims(dir), [], 'a clean close leaves no claim')
  })

  test('(a) two opens started together: exactly one wins', async () => {
    for (let round = 0; round < 5; round++) {
      const dir = freshDir()
      if (round % 2 === 1) mkdirSync(dir) // an existing empty directory as well as a missing one
      const results = await Promise.allSettled([DB.open(dir), DB.open(dir), DB.open(dir)])
      const won = results.filter((r) => r.status === 'fulfilled')
      const lost = results.filter((r) => r.status === 'rejected')
      assert.equal(won.length, 1, `round ${round}`)
      for (const r of lost) assert.ok(isLocked(r.reason), `round ${round}: ${String(r.reason)}`)
      await (won[0] as PromiseFulfilledResult<DB>).value.close()
    }
  })

  test('(b) a database held by this process is refused to another process at once', async () => {
    const dir = freshDir()
    const db = await DB.open(dir)
    const child = new ShaleChild(dir)
    try {
      const reply = await child.next()
      assert.equal(reply.result, 'LEVEL_LOCKED', reply.message)
      assert.ok(reply.ms! < AT_ONCE_MS, `refused after ${reply.ms} ms`)
      await child.exited
      await db.put(enc.encode('still'), enc.encode('mine'))
    } finally {
      await child.kill()
      await db.close()
    }
  })

  test('(b) a database held by another process is refused here and to a third process', async () => {
    const dir = freshDir()
    const holder = new ShaleChild(dir)
    const third = new ShaleChild(dir)
    let winnerPid: number | undefined
    try {
      // The third child races the holder for the lock; whichever wins, the other is refused.
      const [a, b] = await Promise.all([holder.next(), third.next()])
      assert.deepEqual([a.result, b.result].sort(), ['LEVEL_LOCKED', 'opened'])
      const winner = a.result === 'opened' ? holder : third
      winnerPid = winner.proc.pid
      await assertOpenLocked(dir, 'open while another process holds it')
      const late = new ShaleChild(dir)
      assert.equal((await late.next()).result, 'LEVEL_LOCKED')
      await late.exited
      assert.equal((await winner.send('close')).result, 'closed')
      await winner.exited
    } finally {
      await Promise.all([holder.kill(), third.kill()])
    }
    const db = await DB.open(dir)
    try {
      assert.equal(dec.decode(db.getSync(enc.encode('child0000'))), String(winnerPid))
    } finally {
      await db.close()
    }
  })

  test('(c) after a holder is killed with SIGKILL, the next open succeeds and holds its acknowledged writes', async () => {
    const dir = freshDir()
    for (let round = 0; round < 4; round++) {
      const holder = new ShaleChild(dir)
      try {
        assert.equal((await holder.next()).result, 'opened', `round ${round}`)
        await assertOpenLocked(dir, `round ${round}: open while the child holds it`)
        // Half the rounds kill the holder while it is writing as fast as it can.
        if (round % 2 === 1) {
          assert.equal((await holder.send('write')).result, 'writing')
          await new Promise((resolve) => setTimeout(resolve, 20 + 30 * round))
        }
      } finally {
        await holder.kill()
      }
      assert.equal(claims(dir).length, 1, 'the killed holder left its claim behind')
      const started = performance.now()
      const db = await DB.open(dir)
      try {
        const ms = performance.now() - started
        assert.ok(ms < 5000, `open after the kill took ${ms.toFixed(0)} ms`)
        assert.equal(claims(dir).length, 1, 'the stale claim was replaced by ours')
        for (let i = 0; i < PUTS; i++) {
          const key = enc.encode('child' + String(i).padStart(4, '0'))
          assert.equal(dec.decode(db.getSync(key)), String(holder.proc.pid), `round ${round}: acknowledged put ${i}`)
        }
        // While this process holds it, a new child is refused: the lock really moved here.
        const contender = new ShaleChild(dir)
        assert.equal((await contender.next()).result, 'LEVEL_LOCKED')
        await contender.exited
      } finally {
        await db.close()
      }
    }
  })
})

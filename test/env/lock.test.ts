// The database lock of NodeEnv, exercised with real processes: children started with
// `node -e`, importing the compiled NodeEnv by absolute path, driven line by line over stdin.

import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { ClassicLevel } from 'classic-level'
import { Worker } from 'node:worker_threads'
import { isLockedByAnotherThread } from '../../src/env/env.js'
import { NodeEnv } from '../../src/env/node-env.js'
import { ShaleError } from '../../src/util/errors.js'
import { LineChild } from './line-child.js'

const here = dirname(fileURLToPath(import.meta.url))
const nodeEnvUrl = pathToFileURL(join(here, '..', '..', 'src', 'env', 'node-env.js')).href
const isLinux = process.platform === 'linux'

// Commands: "lock <path> <startAt ms>" (waits until then, so that two children try at the same
// moment), "unlock <path>", "exit". Answers: "ready <pid>", "won <path>", "locked <path>",
// "unlocked <path>", "error <message>".
const CHILD = `
const { NodeEnv } = await import(${JSON.stringify(nodeEnvUrl)})
const env = new NodeEnv()
const held = new Map()
let buffered = ''
process.stdin.setEncoding('utf8')
process.stdin.on('data', (chunk) => {
  buffered += chunk
  let nl
  while ((nl = buffered.indexOf('\\n')) >= 0) {
    const [cmd, path, startAt] = buffered.slice(0, nl).split(' ')
    buffered = buffered.slice(nl + 1)
    try {
      if (cmd === 'exit') process.exit(0)
      if (cmd === 'lock') {
        while (Date.now() < Number(startAt)) { /* spin so both children start together */ }
        try {
          held.set(path, env.lockFile(path))
          console.log('won ' + path)
        } catch (err) {
          console.log((err.code === 'LEVEL_LOCKED' ? 'locked ' : 'error ' + err.code + ' ') + path)
        }
      }
      if (cmd === 'unlock') {
        env.unlockFile(held.get(path))
        held.delete(path)
        console.log('unlocked ' + path)
      }
    } catch (err) {
      console.log('error ' + err.message)
    }
  }
})
console.log('ready ' + process.pid)
`

/** A process holding NodeEnv locks on request (CHILD above). */
class Child extends LineChild {
  constructor () {
    super(CHILD)
  }

  async ready (): Promise<number> {
    const line = await this.nextLine()
    assert.match(line, /^ready \d+$/)
    return Number(line.split(' ')[1])
  }

  async exit (): Promise<void> {
    this.proc.stdin.write('exit\n')
    await this.exited
  }
}

function isLocked (err: unknown): boolean {
  return err instanceof ShaleError && err.code === 'LEVEL_LOCKED'
}

function claims (dir: string): string[] {
  return readdirSync(dir).filter((n) => n.startsWith('LOCK.shale-'))
}

function startTimeOf (pid: number): number {
  const text = readFileSync(`/proc/${pid}/stat`, 'latin1')
  return Number(text.slice(text.lastIndexOf(')') + 2).split(' ')[19])
}

describe('NodeEnv lock', () => {
  let base: string
  const env = new NodeEnv()
  let n = 0
  const freshDir = (): string => {
    const dir = join(base, `db${n++}`)
    mkdirSync(dir)
    return dir
  }
  before(() => { base = mkdtempSync(join(tmpdir(), 'shale-lock-')) })
  after(() => { rmSync(base, { recursive: true, force: true }) })

  test('(a) a second lock in this process fails, however the path is spelled', () => {
    const dir = freshDir()
    const lock = env.lockFile(join(dir, 'LOCK'))
    assert.ok(existsSync(join(dir, 'LOCK')), 'LOCK is created as LevelDB expects')
    assert.throws(() => env.lockFile(join(dir, 'LOCK')), isLocked)
    assert.throws(() => env.lockFile(join(dir, '.', 'LOCK')), isLocked)
    assert.throws(() => new NodeEnv().lockFile(join(dir, 'LOCK')), isLocked)
    symlinkSync(dir, join(base, 'alias'))
    assert.throws(() => env.lockFile(join(base, 'alias', 'LOCK')), isLocked)
    env.unlockFile(lock)
    env.unlockFile(lock) // releasing twice is harmless
    assert.ok(existsSync(join(dir, 'LOCK')), 'LOCK is never deleted')
    assert.deepEqual(claims(dir), [])
    env.unlockFile(env.lockFile(join(dir, 'LOCK')))
  })

  test('(b) a live process holding the lock excludes this one and others; (c) SIGKILL frees it', async () => {
    const dir = freshDir()
    const lockPath = join(dir, 'LOCK')
    const holder = new Child()
    const other = new Child()
    try {
      await Promise.all([holder.ready(), other.ready()])
      assert.equal(await holder.request(`lock ${lockPath} 0`), `won ${lockPath}`)
      assert.equal(claims(dir).length, 1)
      assert.throws(() => env.lockFile(lockPath), isLocked)
      assert.equal(await other.request(`lock ${lockPath} 0`), `locked ${lockPath}`)
      assert.equal(claims(dir).length, 1, 'failed attempts leave no claim behind')

      await holder.kill()
      assert.equal(claims(dir).length, 1, 'the dead holder left its claim')
      const lock = env.lockFile(lockPath)
      assert.equal(claims(dir).length, 1, 'the stale claim was replaced by ours')
      assert.equal(await other.request(`lock ${lockPath} 0`), `locked ${lockPath}`)
      env.unlockFile(lock)
      assert.equal(await other.request(`lock ${lockPath} 0`), `won ${lockPath}`)
      assert.equal(await other.request(`unlock ${lockPath}`), `unlocked ${lockPath}`)
      assert.deepEqual(claims(dir), [])
    } finally {
      await Promise.all([holder.kill(), other.kill()])
    }
  })

  test('a lock held by another thread of this process is named as such, not as another process\'s', async () => {
    const dir = freshDir()
    const lockPath = join(dir, 'LOCK')
    const worker = new Worker(`
      import { parentPort, workerData } from 'node:worker_threads'
      const { NodeEnv } = await import(workerData.url)
      const env = new NodeEnv()
      const lock = env.lockFile(workerData.lockPath)
      parentPort.postMessage('held')
      parentPort.once('message', () => { env.unlockFile(lock); parentPort.postMessage('released') })
    `, { eval: true, workerData: { url: nodeEnvUrl, lockPath } })
    const message = (): Promise<unknown> => new Promise((resolve) => { worker.once('message', resolve) })
    try {
      assert.equal(await message(), 'held')
      let caught: unknown
      try { env.lockFile(lockPath) } catch (err) { caught = err }
      assert.ok(isLocked(caught))
      assert.ok(isLockedByAnotherThread(caught))
      assert.match((caught as Error).message, /open in this process \(another thread\).*multithreading/)
      assert.doesNotMatch((caught as Error).message, /another process/)
      const released = message()
      worker.postMessage('release')
      assert.equal(await released, 'released')
      env.unlockFile(env.lockFile(lockPath))
    } finally {
      await worker.terminate()
    }
  })

  test('a holder that exits without unlocking does not block the next open', async () => {
    const dir = freshDir()
    const lockPath = join(dir, 'LOCK')
    const child = new Child()
    await child.ready()
    assert.equal(await child.request(`lock ${lockPath} 0`), `won ${lockPath}`)
    await child.exit()
    env.unlockFile(env.lockFile(lockPath))
  })

  test('a recycled pid is not mistaken for the holder (process start time)', { skip: !isLinux }, async () => {
    const child = new Child()
    try {
      const pid = await child.ready()
      const start = startTimeOf(pid)
      // A claim of a live process with its true start time blocks ...
      const dir1 = freshDir()
      writeFileSync(join(dir1, 'LOCK'), '')
      writeFileSync(join(dir1, `LOCK.shale-${pid}-${start}-0123456789ab`), 'held\n')
      assert.throws(() => env.lockFile(join(dir1, 'LOCK')), isLocked)
      // ... while the same pid with another start time is a dead process whose pid was reused.
      const dir2 = freshDir()
      writeFileSync(join(dir2, `LOCK.shale-${pid}-${start + 1}-0123456789ab`), 'held\n')
      const lock = env.lockFile(join(dir2, 'LOCK'))
      assert.equal(claims(dir2).length, 1)
      env.unlockFile(lock)
      // Our own pid with another start time is a previous process too.
      const dir3 = freshDir()
      writeFileSync(join(dir3, `LOCK.shale-${process.pid}-${startTimeOf(process.pid) + 1}-0123456789ab`), 'held\n')
      env.unlockFile(env.lockFile(join(dir3, 'LOCK')))
    } finally {
      await child.kill()
    }
  })

  test('(d) two processes racing for the lock: exactly one wins, every round', async () => {
    const a = new Child()
    const b = new Child()
    // A dead process's pid for stale claims: a child that was killed.
    const dead = new Child()
    const deadPid = await dead.ready()
    await dead.kill()
    try {
      await Promise.all([a.ready(), b.ready()])
      const rounds = 80
      for (let round = 0; round < rounds; round++) {
        const dir = freshDir()
        const lockPath = join(dir, 'LOCK')
        // Every other round starts from a stale claim left by a crash, which both must break.
        if (round % 2 === 1) writeFileSync(join(dir, `LOCK.shale-${deadPid}-0-00000000000${round % 10}`), 'held\n')
        const startAt = Date.now() + 15
        const [ra, rb] = await Promise.all([a.request(`lock ${lockPath} ${startAt}`), b.request(`lock ${lockPath} ${startAt}`)])
        const results = [ra, rb].map((r) => r.split(' ')[0]).sort()
        assert.deepEqual(results, ['locked', 'won'], `round ${round}: ${ra} / ${rb}`)
        assert.equal(claims(dir).length, 1, `round ${round}: exactly the winner's claim remains`)
        const winner = ra.startsWith('won') ? a : b
        assert.equal(await winner.request(`unlock ${lockPath}`), `unlocked ${lockPath}`)
        assert.deepEqual(claims(dir), [])
      }
    } finally {
      await Promise.all([a.kill(), b.kill()])
    }
  })

  test('(e) the directory stays usable by classic-level, before and after', async () => {
    const dir = freshDir()
    const lockPath = join(dir, 'LOCK')
    env.unlockFile(env.lockFile(lockPath))
    // A stale claim from a crashed Shale process is just an unknown file to LevelDB.
    writeFileSync(join(dir, 'LOCK.shale-999999999-0-0123456789ab'), 'held\n')
    const db = new ClassicLevel(dir)
    await db.put('k', 'v')
    await db.close()
    const lock = env.lockFile(lockPath)
    assert.deepEqual(claims(dir).length, 1)
    env.unlockFile(lock)
    const again = new ClassicLevel(dir)
    assert.equal(await again.get('k'), 'v')
    await again.close()
    assert.ok(existsSync(lockPath))
  })

  test('a live LevelDB lock on LOCK is seen on Linux (/proc/locks)', { skip: !isLinux }, async () => {
    const dir = freshDir()
    const db = new ClassicLevel(dir)
    await db.open()
    try {
      assert.throws(() => env.lockFile(join(dir, 'LOCK')), (err: unknown) => isLocked(err) && /LevelDB/.test((err as Error).message))
      // The failed attempt must not have released LevelDB's lock (closing any descriptor of LOCK
      // in this process would have), so a second attempt still sees it.
      assert.throws(() => env.lockFile(join(dir, 'LOCK')), isLocked)
      assert.deepEqual(claims(dir), [])
    } finally {
      await db.close()
    }
    env.unlockFile(env.lockFile(join(dir, 'LOCK')))
  })
})

// The database lock for NodeEnv (README contract 7, doc/env.md "Locking").
//
// LevelDB locks the file LOCK with fcntl(F_SETLK), which the kernel drops when the holder dies.
// Node has no fcntl, so Shale keeps LevelDB's LOCK file (created if missing, never deleted, never
// written, so classic-level keeps working on the directory) and adds ownership claims beside it:
//
//   LOCK.shale-<pid>-<start time>-<nonce>
//
// A contender creates its own claim, then lists the directory. If it sees no claim of a live
// process it has won and writes "held" into its claim; otherwise it withdraws its claim. Two live
// contenders can never both win: whichever created its claim second is sure to see the first one
// when it lists (an entry that exists for the whole listing is always returned). When two
// contenders withdraw because they saw each other, they retry after a random pause; a claim that
// says "held" ends the attempt at once with LEVEL_LOCKED.
//
// A claim whose process is dead is ignored and deleted, so a crash never blocks the next open. The
// owner is identified by pid and, on Linux, by the process start time from /proc/<pid>/stat, so a
// recycled pid is not mistaken for the holder. Elsewhere a recycled pid blocks until that process
// exits.
//
// A live LevelDB process (classic-level) takes no claim. On Linux, /proc/locks shows its fcntl lock
// and lockFile refuses the directory; that check is best effort (it can race with a LevelDB open,
// and it needs /proc). Nothing stops classic-level from opening a directory Shale holds.

import { closeSync, openSync, readdirSync, readFileSync, realpathSync, statSync, unlinkSync, writeSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import process from 'node:process'
import { invalidArgument } from '../util/errors.js'
import { randomHex } from '../util/random.js'
import type { FileLock } from './env.js'
import { fileSystemError, lockedByAnotherThreadError, lockedError, systemErrorCode as codeOf } from './env.js'

const CLAIM_INFIX = '.shale-'
const HELD = 'held\n'
const MAX_ATTEMPTS = 25

/**
 * Resolved LOCK paths held in this thread. Another worker thread of the same process has its own
 * set, but its claim carries our pid, which always counts as alive, so it is excluded all the same
 * (and named as another thread's: a held claim with our own pid and start time is one).
 */
const heldHere = new Set<string>()

class NodeFileLock implements FileLock {
  readonly path: string
  readonly key: string
  readonly claimPath: string
  released = false

  constructor (path: string, key: string, claimPath: string) {
    this.path = path
    this.key = key
    this.claimPath = claimPath
  }
}

export function acquireFileLock (path: string): FileLock {
  ensureLockFile(path)
  let key: string
  try {
    key = realpathSync(path)
  } catch (err) {
    throw fileSystemError('realpath', path, err)
  }
  if (heldHere.has(key)) throw lockedError(path, 'already held by this process')
  const leveldbPid = leveldbHolder(key)
  if (leveldbPid !== undefined) {
    throw lockedError(path, `held by a LevelDB process (fcntl lock of pid ${leveldbPid})`)
  }
  const claimPath = takeClaim(key, path)
  heldHere.add(key)
  return new NodeFileLock(path, key, claimPath)
}

export function releaseFileLock (lock: FileLock): void {
  if (!(lock instanceof NodeFileLock)) throw invalidArgument('not a lock taken by NodeEnv')
  if (lock.released) return
  lock.released = true
  heldHere.delete(lock.key)
  try {
    unlinkSync(lock.claimPath)
  } catch (err) {
    if (codeOf(err) !== 'ENOENT') throw fileSystemError('unlink', lock.claimPath, err)
  }
}

/**
 * LevelDB creates LOCK if it is missing and never deletes it; Shale does the same. An existing
 * LOCK is never opened: closing any descriptor of a file drops every fcntl lock this process holds
 * on it, so opening it would silently unlock a classic-level database open in this process.
 */
function ensureLockFile (path: string): void {
  try {
    closeSync(openSync(path, 'wx'))
  } catch (err) {
    if (codeOf(err) !== 'EEXIST') throw fileSystemError('open', path, err)
  }
}

function takeClaim (key: string, path: string): string {
  const dir = dirname(key)
  const prefix = basename(key) + CLAIM_INFIX
  const me = `${prefix}${process.pid}-${ownStartTime ?? 0}-${randomHex(6)}`
  const myPath = join(dir, me)
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    let fd: number
    try {
      fd = openSync(myPath, 'wx')
    } catch (err) {
      throw fileSystemError('open', myPath, err)
    }
    let verdict: Verdict
    try {
      verdict = inspectOtherClaims(dir, prefix, me)
      if (verdict === 'free') {
        writeAll(fd, HELD)
        closeSync(fd)
        return myPath
      }
    } catch (err) {
      closeQuietly(fd)
      removeQuietly(myPath)
      throw err
    }
    closeQuietly(fd)
    removeQuietly(myPath)
    if (verdict === 'held') throw lockedError(path, 'held by another process')
    if (verdict === 'held here') throw lockedByAnotherThreadError(path)
    // Both contenders saw each other and withdrew: pause a random while so one gets ahead.
    sleepMs(0.5 + Math.random() * (2 + attempt))
  }
  throw lockedError(path, 'another process keeps contending for it')
}

/** What the other claims say: nobody else, a holder (another process, or another thread here), or a contender. */
type Verdict = 'free' | 'held' | 'held here' | 'contended'

function inspectOtherClaims (dir: string, prefix: string, me: string): Verdict {
  let names: string[]
  try {
    names = readdirSync(dir)
  } catch (err) {
    throw fileSystemError('scandir', dir, err)
  }
  let verdict: Verdict = 'free'
  for (const name of names) {
    if (name === me || !name.startsWith(prefix)) continue
    const owner = parseClaim(name.slice(prefix.length))
    if (owner === undefined) continue // not a claim we wrote; leave it alone
    const claimPath = join(dir, name)
    if (!isAlive(owner.pid, owner.startTime)) {
      removeQuietly(claimPath)
      continue
    }
    let content: string
    try {
      content = readFileSync(claimPath, 'latin1')
    } catch (err) {
      if (codeOf(err) === 'ENOENT') continue // withdrawn or released meanwhile
      throw fileSystemError('open', claimPath, err)
    }
    if (content === HELD) return isOwnProcess(owner.pid, owner.startTime) ? 'held here' : 'held'
    verdict = 'contended'
  }
  return verdict
}

function parseClaim (rest: string): { pid: number, startTime: number } | undefined {
  const m = /^(\d+)-(\d+)-[0-9a-f]+$/.exec(rest)
  if (m === null) return undefined
  return { pid: Number(m[1]), startTime: Number(m[2]) }
}

/** Whether a claim was written by this process (so by another thread: this one's are in heldHere). */
function isOwnProcess (pid: number, startTime: number): boolean {
  return pid === process.pid && (startTime === 0 || ownStartTime === undefined || startTime === ownStartTime)
}

/**
 * Whether the process that wrote a claim still runs. When unsure (no permission to look, /proc
 * hidden), it answers yes: a spurious LEVEL_LOCKED is recoverable, two writers are not.
 */
function isAlive (pid: number, startTime: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false
  if (pid === process.pid) return isOwnProcess(pid, startTime)
  try {
    process.kill(pid, 0)
  } catch (err) {
    if (codeOf(err) === 'ESRCH') return false
  }
  const stat = readProcStat(pid)
  if (stat === undefined) return true
  if (stat.state === 'Z' || stat.state === 'X') return false // killed, not yet reaped
  return startTime === 0 || stat.startTime === startTime
}

/** State and start time (clock ticks since boot) from /proc/<pid>/stat; undefined off Linux. */
function readProcStat (pid: number | 'self'): { state: string, startTime: number } | undefined {
  if (process.platform !== 'linux') return undefined
  let text: string
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'latin1')
  } catch {
    return undefined
  }
  // The command name (field 2) may hold spaces and parentheses: fields resume after the last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ')
  const state = fields[0]
  const startTime = Number(fields[19]) // field 22 of the whole line
  if (state === undefined || !Number.isSafeInteger(startTime)) return undefined
  return { state, startTime }
}

const ownStartTime = readProcStat('self')?.startTime

/**
 * The pid of a process holding a kernel lock on `path`, as LevelDB does on its LOCK file, read
 * from /proc/locks on Linux; undefined if none is seen or the system cannot tell.
 */
function leveldbHolder (path: string): number | undefined {
  if (process.platform !== 'linux') return undefined
  let text: string
  let dev: bigint
  let ino: bigint
  try {
    text = readFileSync('/proc/locks', 'latin1')
    const st = statSync(path, { bigint: true })
    dev = st.dev
    ino = st.ino
  } catch {
    return undefined
  }
  // glibc's major()/minor() split of a dev_t; /proc/locks prints them in hex.
  const major = ((dev >> 8n) & 0xfffn) | ((dev >> 32n) & ~0xfffn)
  const minor = (dev & 0xffn) | ((dev >> 12n) & ~0xffn)
  const pattern = /(?:ADVISORY|MANDATORY)\s+\S+\s+(-?\d+)\s+([0-9a-f]+):([0-9a-f]+):(\d+)/i
  for (const line of text.split('\n')) {
    const m = pattern.exec(line)
    if (m === null || m[1] === undefined) continue
    if (BigInt(m[4]!) !== ino || BigInt('0x' + m[2]!) !== major || BigInt('0x' + m[3]!) !== minor) continue
    return Number(m[1])
  }
  return undefined
}

function writeAll (fd: number, text: string): void {
  const bytes = new TextEncoder().encode(text)
  let done = 0
  while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done)
}

const sleepCell = new Int32Array(new SharedArrayBuffer(4))

function sleepMs (ms: number): void {
  Atomics.wait(sleepCell, 0, 0, ms)
}

function closeQuietly (fd: number): void {
  try { closeSync(fd) } catch { /* the claim is removed next; nothing else to do */ }
}

function removeQuietly (path: string): void {
  try { unlinkSync(path) } catch { /* already gone, or another contender removed it */ }
}

// An Env wrapper for tests that counts every file-system call, fails chosen calls with EIO or
// ENOSPC, and can stop the world right after a chosen call so that a crash test can cut the power
// at that exact point (doc/env.md, "Fault injection").
//
// Calls are numbered in the order they are issued, from 0: `index` over all calls, `kindIndex`
// among calls of the same FileOp. A deterministic workload issues the same numbered calls every
// time it runs, which is what lets exploreCrashPoints rerun it once per call and crash after each.

import type { Env, FileLock, FileOp, RandomAccessFile, SequentialFile, WritableFile } from './env.js'
import { fileSystemError, systemError, systemErrorCode } from './env.js'
import type { CrashMode, MemEnv } from './mem-env.js'

export const FILE_OPS: readonly FileOp[] = [
  'create', 'append', 'sync', 'close', 'read', 'open',
  'rename', 'remove', 'mkdir', 'rmdir', 'syncDir', 'list', 'stat', 'lock', 'link'
]

export interface FileCall {
  /** Position among all calls seen by this FaultEnv, from 0. */
  readonly index: number
  /** Position among calls of the same op, from 0. */
  readonly kindIndex: number
  readonly op: FileOp
  /** The file or directory the call is about ("from -> to" for a rename). */
  readonly path: string
  /** The system code the call failed with (injected or real), if it failed. */
  error?: string
}

export type InjectedCode = 'EIO' | 'ENOSPC'

export interface FaultRule {
  /** The calls the rule watches; all calls if omitted. */
  op?: FileOp | readonly FileOp[]
  /** Fail the watched call with this position (from 0, counted from when the rule was added). */
  at?: number
  /** Fail a watched call for which this returns true. */
  when?: (call: FileCall) => boolean
  /** Default EIO. */
  code?: InjectedCode
  /** After the first failure, fail every later watched call too (a dead disk, a full disk). */
  sticky?: boolean
  /** For an append: hand this many leading bytes to the file before failing (a torn write). */
  partialBytes?: number
}

/**
 * Thrown by every call from the one chosen by crashAfter() on: the process is "dead", so no later
 * call may change the file system. Not a ShaleError on purpose, so that no engine code mistakes it
 * for an ordinary I/O error it could handle.
 */
export class CrashError extends Error {
  readonly callIndex: number

  constructor (callIndex: number) {
    super(`simulated crash after file-system call ${callIndex}`)
    this.name = 'CrashError'
    this.callIndex = callIndex
  }
}

export interface FaultEnvOptions {
  /** Called after every call completes (or fails), in order. May throw a CrashError. */
  onCall?: (call: FileCall) => void
  /** Keep every FileCall in `calls` (default true); counts are always kept. */
  recordCalls?: boolean
}

interface ActiveRule {
  readonly rule: FaultRule
  seen: number
  tripped: boolean
}

export class FaultEnv implements Env {
  readonly inner: Env
  readonly counts: Record<FileOp, number>
  readonly calls: FileCall[] = []
  onCall: ((call: FileCall) => void) | undefined
  private readonly recordCalls: boolean
  private rules: ActiveRule[] = []
  private callCount = 0
  private crashIndex = -1
  private crashedAt = -1

  constructor (inner: Env, options: FaultEnvOptions = {}) {
    this.inner = inner
    this.onCall = options.onCall
    this.recordCalls = options.recordCalls ?? true
    this.counts = Object.fromEntries(FILE_OPS.map((op) => [op, 0])) as Record<FileOp, number>
  }

  /** Adds a fault; returns a function that removes it. */
  inject (rule: FaultRule): () => void {
    const active: ActiveRule = { rule, seen: 0, tripped: false }
    this.rules.push(active)
    return () => { this.rules = this.rules.filter((r) => r !== active) }
  }

  clearFaults (): void {
    this.rules = []
  }

  /** Lets call `index` complete, then throws CrashError from it and from every later call. */
  crashAfter (index: number): void {
    this.crashIndex = index
  }

  /** Calls seen so far. */
  get total (): number {
    return this.callCount
  }

  get crashed (): boolean {
    return this.crashedAt >= 0
  }

  /** @internal Runs one counted call: refuses it after a crash, injects faults, fires the hooks. */
  run<T> (op: FileOp, path: string, fn: () => T, partial?: (bytes: number) => void): T {
    if (this.crashedAt >= 0) throw new CrashError(this.crashedAt)
    const call: FileCall = { index: this.callCount++, kindIndex: this.counts[op]++, op, path }
    if (this.recordCalls) this.calls.push(call)
    let result: T
    try {
      const fault = this.faultFor(call)
      if (fault !== undefined) {
        if (fault.partialBytes !== undefined && partial !== undefined) partial(fault.partialBytes)
        const code = fault.code ?? 'EIO'
        const cause = systemError(code, op, path)
        cause.message += ' (injected)'
        throw fileSystemError(op, path, cause)
      }
      result = fn()
    } catch (err) {
      call.error = systemErrorCode(err) ?? 'error'
      this.after(call)
      throw err
    }
    this.after(call)
    return result
  }

  private faultFor (call: FileCall): FaultRule | undefined {
    let fired: FaultRule | undefined
    for (const active of [...this.rules]) {
      const { rule } = active
      if (!watches(rule, call.op)) continue
      const position = active.seen++
      let fire = active.tripped
      if (!fire) {
        fire = (rule.at === undefined || position === rule.at) && (rule.when === undefined || rule.when(call))
      }
      if (!fire) continue
      active.tripped = true
      if (rule.sticky !== true) this.rules = this.rules.filter((r) => r !== active)
      fired ??= rule
    }
    return fired
  }

  private after (call: FileCall): void {
    try {
      this.onCall?.(call)
    } catch (err) {
      if (err instanceof CrashError) this.crashedAt = call.index
      throw err
    }
    if (call.index === this.crashIndex) {
      this.crashedAt = call.index
      throw new CrashError(call.index)
    }
  }

  // ---- Env

  newWritableFile (path: string): WritableFile {
    return new FaultWritableFile(this, this.run('create', path, () => this.inner.newWritableFile(path)), path)
  }

  newAppendableFile (path: string): WritableFile {
    return new FaultWritableFile(this, this.run('create', path, () => this.inner.newAppendableFile(path)), path)
  }

  newRandomAccessFile (path: string): RandomAccessFile {
    return new FaultRandomAccessFile(this, this.run('open', path, () => this.inner.newRandomAccessFile(path)), path)
  }

  newSequentialFile (path: string): SequentialFile {
    return new FaultSequentialFile(this, this.run('open', path, () => this.inner.newSequentialFile(path)), path)
  }

  readFile (path: string): Uint8Array {
    return this.run('read', path, () => this.inner.readFile(path))
  }

  fileExists (path: string): boolean {
    return this.run('stat', path, () => this.inner.fileExists(path))
  }

  getFileSize (path: string): number {
    return this.run('stat', path, () => this.inner.getFileSize(path))
  }

  getChildren (dir: string): string[] {
    return this.run('list', dir, () => this.inner.getChildren(dir))
  }

  removeFile (path: string): void {
    this.run('remove', path, () => this.inner.removeFile(path))
  }

  renameFile (from: string, to: string): void {
    this.run('rename', `${from} -> ${to}`, () => this.inner.renameFile(from, to))
  }

  /** Forwards a link, or fails with ENOTSUP (so callers copy) when the inner Env cannot link. */
  linkFile (from: string, to: string): void {
    this.run('link', `${from} -> ${to}`, () => {
      if (this.inner.linkFile === undefined) throw fileSystemError('link', `${from} -> ${to}`, systemError('ENOTSUP', 'link', from))
      this.inner.linkFile(from, to)
    })
  }

  createDir (path: string): void {
    this.run('mkdir', path, () => this.inner.createDir(path))
  }

  removeDir (path: string): void {
    this.run('rmdir', path, () => this.inner.removeDir(path))
  }

  syncDir (path: string): void {
    this.run('syncDir', path, () => this.inner.syncDir(path))
  }

  lockFile (path: string): FileLock {
    return this.run('lock', path, () => this.inner.lockFile(path))
  }

  unlockFile (lock: FileLock): void {
    this.run('lock', lock.path, () => this.inner.unlockFile(lock))
  }
}

function watches (rule: FaultRule, op: FileOp): boolean {
  if (rule.op === undefined) return true
  return typeof rule.op === 'string' ? rule.op === op : rule.op.includes(op)
}

class FaultWritableFile implements WritableFile {
  constructor (private readonly env: FaultEnv, private readonly file: WritableFile, private readonly path: string) {}

  get size (): number {
    return this.file.size
  }

  append (data: Uint8Array): void {
    this.env.run('append', this.path, () => this.file.append(data), (bytes) => {
      this.file.append(data.subarray(0, Math.min(bytes, data.length)))
    })
  }

  sync (): void {
    this.env.run('sync', this.path, () => this.file.sync())
  }

  /** Counted, and its hooks fired, when the inner syncAsync returns its promise. */
  syncAsync (): Promise<void> {
    try {
      return this.env.run('sync', this.path, () => this.file.syncAsync())
    } catch (err) {
      return Promise.reject(err)
    }
  }

  close (): void {
    this.env.run('close', this.path, () => this.file.close())
  }
}

class FaultRandomAccessFile implements RandomAccessFile {
  constructor (private readonly env: FaultEnv, private readonly file: RandomAccessFile, private readonly path: string) {}

  get size (): number {
    return this.file.size
  }

  read (offset: number, length: number): Uint8Array {
    return this.env.run('read', this.path, () => this.file.read(offset, length))
  }

  close (): void {
    this.env.run('close', this.path, () => this.file.close())
  }
}

class FaultSequentialFile implements SequentialFile {
  constructor (private readonly env: FaultEnv, private readonly file: SequentialFile, private readonly path: string) {}

  read (n: number): Uint8Array {
    return this.env.run('read', this.path, () => this.file.read(n))
  }

  /** Not counted: moving a position is no file-system call. */
  skip (n: number): void {
    this.file.skip(n)
  }

  close (): void {
    this.env.run('close', this.path, () => this.file.close())
  }
}

// ---- Exhaustive crash points

export interface CrashPoint {
  /** The call right after which the crash happened, as numbered by the counting run. */
  readonly call: FileCall
  /** The file system as the next process would find it, after the crash of `mode`. */
  readonly env: MemEnv
}

export interface CrashExploration {
  /** A fresh MemEnv holding the state before the workload; called once per run. */
  setup: () => MemEnv
  /** Must issue the same calls on every run (seeded randomness, no clocks). */
  workload: (env: Env) => void | Promise<void>
  check: (point: CrashPoint) => void | Promise<void>
  /** The calls to crash after; every call by default. */
  filter?: (call: FileCall) => boolean
  /** Default 'powerLoss'. */
  mode?: CrashMode
}

/**
 * Runs the workload once to number its calls, then once more for each chosen call K: the run
 * stops right after K, the MemEnv loses power (or crashes as `mode` says) and `check` sees the
 * result. Returns the calls crashed after.
 */
export async function exploreCrashPoints (exploration: CrashExploration): Promise<FileCall[]> {
  const counting = new FaultEnv(exploration.setup())
  await exploration.workload(counting)
  const points = counting.calls.filter(exploration.filter ?? (() => true))
  for (const call of points) {
    const env = exploration.setup()
    const fault = new FaultEnv(env)
    fault.crashAfter(call.index)
    try {
      await exploration.workload(fault)
    } catch (err) {
      // Whatever the workload makes of the crash (a CrashError or a wrapped one) ends the run.
      if (!fault.crashed) throw err
    }
    const seen = fault.calls[call.index]
    if (!fault.crashed || seen === undefined || seen.op !== call.op || seen.path !== call.path) {
      throw new Error(`workload is not deterministic: call ${call.index} was ${call.op} ${call.path} ` +
        `in the counting run, ${seen === undefined ? 'never reached' : `${seen.op} ${seen.path}`} now`)
    }
    env.crash(exploration.mode ?? 'powerLoss')
    await exploration.check({ call, env })
  }
  return points
}

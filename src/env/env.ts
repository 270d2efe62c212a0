// The file-system seam. Every byte the engine reads or writes, every sync, rename, unlink and
// directory sync goes through an Env, so that crash safety can be tested against an in-memory
// file system that forgets whatever was not made durable (doc/env.md).
//
// Calls are synchronous: measured in Node, a synchronous write of a small log record into the page
// cache costs a few microseconds while an awaited fs.promises call costs tens, and the engine's
// flush and compaction work runs off the main thread. The one call that can take long on the
// write path, syncing a file, also has an asynchronous form so that a group of sync writes can
// wait for one fdatasync without blocking reads.
//
// Paths are plain strings joined with '/'. Errors are ShaleErrors: LEVEL_IO_ERROR for failed
// calls, with the system code (ENOENT, ENOSPC, EIO...) in `cause.code` (read it with
// systemErrorCode()), and LEVEL_LOCKED from lockFile when the database is in use.

import { invalidArgument, ioError, ShaleError } from '../util/errors.js'

export interface WritableFile {
  /** Appends bytes. They reach the operating system before the call returns (no user-space buffer). */
  append (data: Uint8Array): void
  /** Makes the file's data durable (fdatasync). */
  sync (): void
  /** As sync(), without blocking the calling thread. */
  syncAsync (): Promise<void>
  close (): void
  /** Bytes appended so far, including what the file held when opened for append. */
  readonly size: number
}

export interface RandomAccessFile {
  /** Reads up to `length` bytes at `offset`; fewer only at the end of the file. */
  read (offset: number, length: number): Uint8Array
  /**
   * As read(), into dst[dstOffset, dstOffset + length) instead of a new array; returns the bytes
   * read. Optional: a reader that wants to reuse one buffer falls back to read() without it.
   */
  readInto?: (offset: number, length: number, dst: Uint8Array, dstOffset: number) => number
  readonly size: number
  close (): void
}

export interface SequentialFile {
  /** Reads up to `n` bytes from the current position; an empty result means end of file. */
  read (n: number): Uint8Array
  /** Skips `n` bytes forward. */
  skip (n: number): void
  close (): void
}

export interface FileLock {
  readonly path: string
}

/** The system codes an Env reports in `cause.code`; any other string is possible from NodeEnv. */
export type SystemErrorCode =
  | 'ENOENT' | 'EEXIST' | 'ENOTDIR' | 'EISDIR' | 'ENOTEMPTY' | 'EBADF' | 'EIO' | 'ENOSPC'
  | (string & {})

/** The shape of a Node system error, so that in-memory Envs raise the same thing as node:fs. */
interface SystemError extends Error {
  code: SystemErrorCode
  syscall: string
  path: string
}

export function systemError (code: SystemErrorCode, syscall: string, path: string): SystemError {
  const err = new Error(`${code}: ${syscall} '${path}'`) as SystemError
  err.code = code
  err.syscall = syscall
  err.path = path
  return err
}

/** The LEVEL_IO_ERROR every Env throws for a failed call: names the call, the path and the code. */
export function fileSystemError (syscall: string, path: string, cause: unknown): ShaleError {
  const code = codeOf(cause) ?? 'unknown error'
  return ioError(`${syscall} ${path} failed: ${code}`, { cause })
}

/** The system code (ENOENT, ENOSPC...) behind an Env error, or undefined. */
export function systemErrorCode (err: unknown): string | undefined {
  if (err instanceof ShaleError) return codeOf(err.cause)
  return codeOf(err)
}

/** True if `err` is an Env error for a missing file or directory. */
export function isNotFound (err: unknown): boolean {
  return systemErrorCode(err) === 'ENOENT'
}

export function lockedError (path: string, why: string): ShaleError {
  return new ShaleError('LEVEL_LOCKED', `lock ${path}: ${why}`)
}

/** The LEVEL_LOCKED errors that mean "held by another thread of this process", not another process. */
const heldByAnotherThread = new WeakSet<object>()

/**
 * The lock is held by another thread of this process. Such a database can be shared between the
 * threads (ShaleLevel's `multithreading` option, doc/multithreading.md), so the message says so.
 */
export function lockedByAnotherThreadError (path: string): ShaleError {
  const err = lockedError(path, 'the database is open in this process (another thread); ' +
    'open it with the multithreading option in every thread to share it')
  heldByAnotherThread.add(err)
  return err
}

/** Whether `err` is the error of lockedByAnotherThreadError(). */
export function isLockedByAnotherThread (err: unknown): boolean {
  return typeof err === 'object' && err !== null && heldByAnotherThread.has(err)
}

function codeOf (err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined
  const code = (err as { code?: unknown }).code
  return typeof code === 'string' ? code : undefined
}

export type FileOp =
  | 'create' | 'append' | 'sync' | 'close' | 'read' | 'open'
  | 'rename' | 'remove' | 'mkdir' | 'rmdir' | 'syncDir' | 'list' | 'stat' | 'lock' | 'link'

export interface Env {
  /** Creates or truncates `path` for writing. The new directory entry is durable only after syncDir. */
  newWritableFile (path: string): WritableFile
  /** Opens `path` for appending, creating it if missing. */
  newAppendableFile (path: string): WritableFile
  newRandomAccessFile (path: string): RandomAccessFile
  newSequentialFile (path: string): SequentialFile
  /** Reads a whole file. */
  readFile (path: string): Uint8Array
  fileExists (path: string): boolean
  getFileSize (path: string): number
  /** Names (not paths) of the entries in a directory. */
  getChildren (dir: string): string[]
  removeFile (path: string): void
  /**
   * Optional: removeFile without blocking the calling thread (NodeEnv unlinks on libuv's thread
   * pool). The engine uses it for obsolete files; an Env without it has them removed with
   * removeFile, one per turn of the event loop.
   */
  removeFileAsync? (path: string): Promise<void>
  /** Atomically replaces `to` with `from`. Durable only after syncDir of the parent. */
  renameFile (from: string, to: string): void
  /**
   * Makes `to` a second name of the file `from` (a hard link): both share one content. Fails with
   * EEXIST if `to` exists. Durable only after syncDir of `to`'s directory. Optional: callers go
   * through linkOrCopyFile, which copies where an Env or a file system cannot link.
   */
  linkFile? (from: string, to: string): void
  /** Creates a directory and any missing parents; no error if it exists. */
  createDir (path: string): void
  removeDir (path: string): void
  /** Makes the directory's entries (creations, renames, removals) durable. */
  syncDir (path: string): void
  /**
   * Takes the database lock: fails with LEVEL_LOCKED if this process or another live process
   * holds it. A lock left by a process that died does not block.
   */
  lockFile (path: string): FileLock
  unlockFile (lock: FileLock): void
  /**
   * Optional, for an Env that can create files only asynchronously (OpfsEnv): makes the next
   * synchronous newWritableFile, newAppendableFile or newRandomAccessFile of each path possible,
   * creating missing files empty. The engine awaits it before every creation; an Env without it
   * creates files synchronously.
   */
  prepareFiles? (paths: string[]): Promise<void>
  /** Optional, as prepareFiles: makes the next lockFile(path) possible (it may still fail with LEVEL_LOCKED). */
  prepareLock? (path: string): Promise<void>
  /**
   * Optional, for an Env that finishes renames and removals in the background (OpfsEnv): waits
   * until every one made so far is done. The engine awaits it once CURRENT names a new MANIFEST.
   */
  settle? (): Promise<void>
}

/** Refuses a read at a negative or non-integer offset or length with LEVEL_INVALID_ARGUMENT. */
export function checkReadRange (offset: number, length: number, path: string): void {
  if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(length) || length < 0) {
    throw invalidArgument(`read of ${path}: bad offset ${offset} or length ${length}`)
  }
}

/** Joins path segments with '/', the only separator the engine uses. */
export function joinPath (dir: string, name: string): string {
  return dir.endsWith('/') ? dir + name : dir + '/' + name
}

export function dirName (path: string): string {
  const i = path.lastIndexOf('/')
  if (i < 0) return '.'
  if (i === 0) return '/'
  return path.slice(0, i)
}

export function baseName (path: string): string {
  return path.slice(path.lastIndexOf('/') + 1)
}

/** Creates (or replaces) `path` holding exactly `data`, synced. The entry is durable only after syncDir. */
export function writeFileSynced (env: Env, path: string, data: Uint8Array): void {
  const file = env.newWritableFile(path)
  try {
    file.append(data)
    file.sync()
  } finally {
    file.close()
  }
}

/** System codes from link() that mean "this file system cannot link here": copy instead. */
const CANNOT_LINK = new Set(['EXDEV', 'EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'EMLINK', 'ENOSYS'])

/**
 * Gives the immutable file `from` the name `to`: a hard link when the Env and the file system allow
 * one (no bytes written), else a synced copy. Returns the bytes written (0 for a link). Only for
 * files nobody changes again, such as tables: a link shares the content with the original.
 */
export function linkOrCopyFile (env: Env, from: string, to: string): number {
  if (env.linkFile !== undefined) {
    try {
      env.linkFile(from, to)
      return 0
    } catch (err) {
      if (!CANNOT_LINK.has(systemErrorCode(err) ?? '')) throw err
    }
  }
  const data = env.readFile(from)
  writeFileSynced(env, to, data)
  return data.length
}

// The Env of the real file system, on node:fs synchronous calls (only those Bun and Deno also
// implement). Every failure becomes a LEVEL_IO_ERROR naming the call, the path and the system code,
// with the original error as `cause`.

import {
  closeSync, fdatasync, fdatasyncSync, fstatSync, fsyncSync, linkSync, mkdirSync, openSync, readdirSync,
  readFileSync, readSync, renameSync, rmdirSync, statSync, unlink, unlinkSync, writeSync
} from 'node:fs'
import process from 'node:process'
import type { Env, FileLock, RandomAccessFile, SequentialFile, WritableFile } from './env.js'
import { checkReadRange, fileSystemError, systemError, systemErrorCode } from './env.js'
import { invalidArgument } from '../util/errors.js'
import { acquireFileLock, releaseFileLock } from './lock.js'

export class NodeEnv implements Env {
  newWritableFile (path: string): WritableFile {
    return new NodeWritableFile(path, openFile(path, 'w'), 0)
  }

  newAppendableFile (path: string): WritableFile {
    const fd = openFile(path, 'a')
    return new NodeWritableFile(path, fd, fileSize(fd, path))
  }

  newRandomAccessFile (path: string): RandomAccessFile {
    const fd = openFile(path, 'r')
    return new NodeRandomAccessFile(path, fd, fileSize(fd, path))
  }

  newSequentialFile (path: string): SequentialFile {
    return new NodeSequentialFile(path, openFile(path, 'r'))
  }

  readFile (path: string): Uint8Array {
    try {
      const buf = readFileSync(path)
      return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength)
    } catch (err) {
      throw fileSystemError('read', path, err)
    }
  }

  /** False when the path or one of its parents is missing or not a directory, as LevelDB's FileExists. */
  fileExists (path: string): boolean {
    try {
      return statSync(path, { throwIfNoEntry: false }) !== undefined
    } catch (err) {
      if (systemErrorCode(err) === 'ENOTDIR') return false
      throw fileSystemError('stat', path, err)
    }
  }

  getFileSize (path: string): number {
    try {
      return statSync(path).size
    } catch (err) {
      throw fileSystemError('stat', path, err)
    }
  }

  getChildren (dir: string): string[] {
    try {
      return readdirSync(dir)
    } catch (err) {
      throw fileSystemError('scandir', dir, err)
    }
  }

  removeFile (path: string): void {
    try {
      unlinkSync(path)
    } catch (err) {
      throw fileSystemError('unlink', path, err)
    }
  }

  removeFileAsync (path: string): Promise<void> {
    return new Promise((resolve, reject) => {
      unlink(path, (err) => {
        if (err === null) resolve()
        else reject(fileSystemError('unlink', path, err))
      })
    })
  }

  renameFile (from: string, to: string): void {
    try {
      renameSync(from, to)
    } catch (err) {
      throw fileSystemError('rename', `${from} -> ${to}`, err)
    }
  }

  linkFile (from: string, to: string): void {
    try {
      linkSync(from, to)
    } catch (err) {
      throw fileSystemError('link', `${from} -> ${to}`, err)
    }
  }

  createDir (path: string): void {
    try {
      mkdirSync(path, { recursive: true })
    } catch (err) {
      throw fileSystemError('mkdir', path, err)
    }
  }

  removeDir (path: string): void {
    try {
      rmdirSync(path)
    } catch (err) {
      throw fileSystemError('rmdir', path, err)
    }
  }

  syncDir (path: string): void {
    // Windows cannot open a directory as a file; NTFS makes metadata changes durable itself.
    if (process.platform === 'win32') return
    const fd = openFile(path, 'r')
    try {
      fsyncSync(fd)
    } catch (err) {
      throw fileSystemError('fsync', path, err)
    } finally {
      closeSync(fd)
    }
  }

  lockFile (path: string): FileLock {
    return acquireFileLock(path)
  }

  unlockFile (lock: FileLock): void {
    releaseFileLock(lock)
  }
}

function openFile (path: string, flags: 'r' | 'w' | 'a'): number {
  try {
    return openSync(path, flags)
  } catch (err) {
    throw fileSystemError('open', path, err)
  }
}

function fileSize (fd: number, path: string): number {
  try {
    return fstatSync(fd).size
  } catch (err) {
    closeSync(fd)
    throw fileSystemError('fstat', path, err)
  }
}

/** A descriptor that refuses use after close with EBADF, as a closed fd would, but with the path. */
abstract class NodeHandle {
  protected readonly path: string
  protected fd: number
  protected closed = false

  constructor (path: string, fd: number) {
    this.path = path
    this.fd = fd
  }

  protected checkOpen (syscall: string): void {
    if (this.closed) throw fileSystemError(syscall, this.path, systemError('EBADF', syscall, this.path))
  }

  close (): void {
    if (this.closed) return
    this.closed = true
    this.release()
  }

  protected release (): void {
    try {
      closeSync(this.fd)
    } catch (err) {
      throw fileSystemError('close', this.path, err)
    }
  }
}

class NodeWritableFile extends NodeHandle implements WritableFile {
  size: number
  // fdatasync calls still running on the thread pool. close() waits for them before closing the
  // descriptor, because a number closed under a running call could be reused by another open.
  private pendingSyncs = 0

  constructor (path: string, fd: number, size: number) {
    super(path, fd)
    this.size = size
  }

  append (data: Uint8Array): void {
    this.checkOpen('write')
    let done = 0
    try {
      while (done < data.length) done += writeSync(this.fd, data, done, data.length - done)
    } catch (err) {
      this.size += done
      throw fileSystemError('write', this.path, err)
    }
    this.size += done
  }

  sync (): void {
    this.checkOpen('fdatasync')
    try {
      fdatasyncSync(this.fd)
    } catch (err) {
      throw fileSystemError('fdatasync', this.path, err)
    }
  }

  syncAsync (): Promise<void> {
    try {
      this.checkOpen('fdatasync')
    } catch (err) {
      return Promise.reject(err)
    }
    this.pendingSyncs++
    return new Promise((resolve, reject) => {
      fdatasync(this.fd, (err) => {
        this.pendingSyncs--
        if (this.closed && this.pendingSyncs === 0) this.releaseQuietly()
        if (err === null) resolve()
        else reject(fileSystemError('fdatasync', this.path, err))
      })
    })
  }

  protected override release (): void {
    if (this.pendingSyncs === 0) super.release()
  }

  private releaseQuietly (): void {
    try { closeSync(this.fd) } catch { /* the close was already reported as done to the caller */ }
  }
}

class NodeRandomAccessFile extends NodeHandle implements RandomAccessFile {
  private knownSize: number

  constructor (path: string, fd: number, size: number) {
    super(path, fd)
    this.knownSize = size
  }

  get size (): number {
    return this.knownSize
  }

  read (offset: number, length: number): Uint8Array {
    this.checkOpen('read')
    checkReadRange(offset, length, this.path)
    // A file still being written may have grown since open: look again before a short read.
    if (offset + length > this.knownSize) this.knownSize = fileSize(this.fd, this.path)
    // Never allocate more than the file holds: a corrupt block handle may ask for terabytes.
    const n = Math.max(0, Math.min(length, this.knownSize - offset))
    return readAt(this.fd, this.path, offset, n)
  }

  readInto (offset: number, length: number, dst: Uint8Array, dstOffset: number): number {
    this.checkOpen('read')
    checkReadRange(offset, length, this.path)
    if (dstOffset < 0 || dstOffset + length > dst.length) throw invalidArgument(`readInto: ${length} bytes do not fit at ${dstOffset}`)
    return readFully(this.fd, this.path, offset, dst, dstOffset, length)
  }
}

const SMALL_READ = 64 * 1024

class NodeSequentialFile extends NodeHandle implements SequentialFile {
  private position = 0

  read (n: number): Uint8Array {
    this.checkOpen('read')
    checkReadRange(this.position, n, this.path)
    // Small reads (log blocks) allocate what was asked; a large request is first bounded by the
    // file's size so that a bad length cannot allocate more than the file holds.
    const want = n <= SMALL_READ ? n : Math.max(0, Math.min(n, fileSize(this.fd, this.path) - this.position))
    const bytes = readAt(this.fd, this.path, this.position, want)
    this.position += bytes.length
    return bytes
  }

  skip (n: number): void {
    this.checkOpen('read')
    checkReadRange(this.position, n, this.path)
    this.position += n
  }
}

function readAt (fd: number, path: string, offset: number, length: number): Uint8Array {
  const buf = new Uint8Array(length)
  const done = readFully(fd, path, offset, buf, 0, length)
  return done === length ? buf : buf.subarray(0, done)
}

/** Reads up to `length` bytes at `offset` into dst[at...]; fewer only at the end of the file. */
function readFully (fd: number, path: string, offset: number, dst: Uint8Array, at: number, length: number): number {
  let done = 0
  try {
    while (done < length) {
      const n = readSync(fd, dst, at + done, length - done, offset + done)
      if (n === 0) break
      done += n
    }
  } catch (err) {
    throw fileSystemError('read', path, err)
  }
  return done
}

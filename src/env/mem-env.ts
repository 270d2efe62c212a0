// A strict in-memory Env: a fast file system for tests that also remembers what was made durable,
// so that a test can cut the power and see only what a real disk would be sure to keep
// (doc/env.md, "The durability model of MemEnv").
//
// Each file keeps its current bytes and the content its last sync() made durable. Each directory
// keeps its current entries and the entries its last syncDir() made durable; a file is reached
// after a power loss only through durable entries, so a file whose data was synced but whose
// entry never was vanishes, and a rename or removal that no syncDir covered is undone. This is the
// strictest reading of POSIX that real file systems (ext4 with data=writeback, XFS) can produce,
// and the model behind LevelDB's fault-injection env and Pebble's strict MemFS.

import type { Env, FileLock, RandomAccessFile, SequentialFile, SystemErrorCode, WritableFile } from './env.js'
import { checkReadRange, fileSystemError, lockedError, systemError } from './env.js'
import { invalidArgument, ShaleError } from '../util/errors.js'

const EMPTY = new Uint8Array(0)

class MemFile {
  readonly kind = 'file'
  buf: Uint8Array = EMPTY
  length = 0
  syncedLength = 0
  /**
   * The durable content when it is no longer a prefix of `buf`: set when a synced file is opened
   * for writing again (truncated) and cleared by the next sync.
   */
  syncedSnapshot: Uint8Array | null = null

  bytes (): Uint8Array {
    return this.buf.subarray(0, this.length)
  }

  durableBytes (): Uint8Array {
    return this.syncedSnapshot ?? this.buf.subarray(0, this.syncedLength)
  }

  append (data: Uint8Array): void {
    const need = this.length + data.length
    if (need > this.buf.length) {
      const grown = new Uint8Array(Math.max(need, this.buf.length * 2, 256))
      grown.set(this.bytes())
      this.buf = grown
    }
    this.buf.set(data, this.length)
    this.length = need
  }

  truncate (): void {
    if (this.syncedSnapshot === null) this.syncedSnapshot = this.buf.slice(0, this.syncedLength)
    this.length = 0
  }

  sync (): void {
    this.syncedLength = this.length
    this.syncedSnapshot = null
  }

  revertToDurable (): void {
    if (this.syncedSnapshot !== null) {
      this.buf = this.syncedSnapshot
      this.length = this.buf.length
      this.syncedSnapshot = null
    } else {
      this.length = this.syncedLength
    }
    this.syncedLength = this.length
  }

  clone (): MemFile {
    const copy = new MemFile()
    copy.buf = this.buf.slice(0, this.length)
    copy.length = this.length
    copy.syncedLength = this.syncedLength
    copy.syncedSnapshot = this.syncedSnapshot === null ? null : this.syncedSnapshot.slice()
    return copy
  }
}

class MemDir {
  readonly kind = 'dir'
  entries = new Map<string, MemNode>()
  durable = new Map<string, MemNode>()
}

type MemNode = MemFile | MemDir

/** How a simulated crash treats what was not made durable (see MemEnv.crash). */
export type CrashMode = 'powerLoss' | 'dropUnsyncedData' | 'deleteUnsyncedFiles' | 'processCrash'

export class MemEnv implements Env {
  private root = new MemDir()
  /** Bumped by every simulated crash: handles opened before it refuse further use. */
  private epoch = 0
  private readonly locks = new Set<string>()

  // ---- Simulated crashes. Each one invalidates open handles and releases every lock, as the
  // death of the process would. After the three that model a lost disk cache (all but
  // processCrash), whatever survived is on disk, so it all counts as durable.

  /**
   * The state after a power cut: every file back to the content of its last sync, every directory
   * back to the entries of its last syncDir. Files created since then vanish (even if synced);
   * removals and renames not yet covered by a syncDir are undone, and the old names show the
   * files' synced content.
   */
  powerLoss (): void {
    const seen = new Set<MemFile>()
    const restore = (dir: MemDir): void => {
      dir.entries = new Map(dir.durable)
      for (const [name, node] of dir.entries) {
        if (node.kind === 'dir') {
          restore(node)
          continue
        }
        // A file renamed across directories whose two directories were both synced is reachable
        // twice; give each name its own copy rather than a hard link nobody made.
        let file = node
        if (seen.has(file)) {
          file = file.clone()
          dir.entries.set(name, file)
          dir.durable.set(name, file)
        }
        seen.add(file)
        file.revertToDurable()
      }
    }
    restore(this.root)
    this.afterCrash()
  }

  /** LevelDB's first reset: truncate every file to its last sync, keep every directory entry. */
  dropUnsyncedData (): void {
    this.walk((dir) => { dir.durable = new Map(dir.entries) }, (file) => { file.revertToDurable() })
    this.afterCrash()
  }

  /**
   * LevelDB's second reset: delete every file whose name its directory has not made durable (created,
   * or renamed to a new name, since the last syncDir), keep all data of the others. Removals and
   * renames over existing names are not undone.
   */
  deleteUnsyncedFiles (): void {
    this.walk((dir) => {
      for (const [name, node] of dir.entries) {
        if (node.kind === 'file' && !dir.durable.has(name)) dir.entries.delete(name)
      }
      dir.durable = new Map(dir.entries)
    }, (file) => { file.sync() })
    this.afterCrash()
  }

  /**
   * A kill -9: whatever was handed to the operating system survives, still not durable (a later
   * powerLoss can drop it); handles and locks do not survive.
   */
  processCrash (): void {
    this.afterCrash()
  }

  crash (mode: CrashMode): void {
    switch (mode) {
      case 'powerLoss': this.powerLoss(); break
      case 'dropUnsyncedData': this.dropUnsyncedData(); break
      case 'deleteUnsyncedFiles': this.deleteUnsyncedFiles(); break
      case 'processCrash': this.processCrash(); break
    }
  }

  /** A deep copy of the files, directories and durability state (no open handles, no locks). */
  clone (): MemEnv {
    const files = new Map<MemFile, MemFile>()
    const copyNode = (node: MemNode): MemNode => {
      if (node.kind === 'dir') return copyDir(node)
      let copy = files.get(node)
      if (copy === undefined) {
        copy = node.clone()
        files.set(node, copy)
      }
      return copy
    }
    const dirs = new Map<MemDir, MemDir>()
    const copyDir = (dir: MemDir): MemDir => {
      let copy = dirs.get(dir)
      if (copy !== undefined) return copy
      copy = new MemDir()
      dirs.set(dir, copy)
      for (const [name, node] of dir.entries) copy.entries.set(name, copyNode(node))
      for (const [name, node] of dir.durable) copy.durable.set(name, copyNode(node))
      return copy
    }
    const env = new MemEnv()
    env.root = copyDir(this.root)
    return env
  }

  /** Every file's current content by path, in path order; copies. */
  dumpFiles (): Map<string, Uint8Array> {
    const out: Array<[string, Uint8Array]> = []
    const visit = (dir: MemDir, prefix: string): void => {
      for (const [name, node] of dir.entries) {
        const path = prefix + '/' + name
        if (node.kind === 'dir') visit(node, path)
        else out.push([path, node.bytes().slice()])
      }
    }
    visit(this.root, '')
    out.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    return new Map(out)
  }

  // ---- Env

  newWritableFile (path: string): WritableFile {
    const { dir, name } = this.parentOf(path, 'open')
    const node = dir.entries.get(name)
    if (node?.kind === 'dir') throw fail('EISDIR', 'open', path)
    let file = node
    if (file === undefined) {
      file = new MemFile()
      dir.entries.set(name, file)
    } else {
      file.truncate()
    }
    return new MemWritableFile(this, file, path)
  }

  newAppendableFile (path: string): WritableFile {
    const { dir, name } = this.parentOf(path, 'open')
    const node = dir.entries.get(name)
    if (node?.kind === 'dir') throw fail('EISDIR', 'open', path)
    let file = node
    if (file === undefined) {
      file = new MemFile()
      dir.entries.set(name, file)
    }
    return new MemWritableFile(this, file, path)
  }

  newRandomAccessFile (path: string): RandomAccessFile {
    return new MemRandomAccessFile(this, this.fileAt(path, 'open'), path)
  }

  newSequentialFile (path: string): SequentialFile {
    return new MemSequentialFile(this, this.fileAt(path, 'open'), path)
  }

  readFile (path: string): Uint8Array {
    return this.fileAt(path, 'open').bytes().slice()
  }

  fileExists (path: string): boolean {
    const parts = splitPath(path)
    let node: MemNode = this.root
    for (const part of parts) {
      const next: MemNode | undefined = node.kind === 'dir' ? node.entries.get(part) : undefined
      if (next === undefined) return false
      node = next
    }
    return true
  }

  getFileSize (path: string): number {
    const node = this.lookup(splitPath(path), path, 'stat')
    if (node === undefined) throw fail('ENOENT', 'stat', path)
    return node.kind === 'file' ? node.length : 0
  }

  getChildren (dir: string): string[] {
    return [...this.dirAt(dir, 'scandir').entries.keys()].sort()
  }

  removeFile (path: string): void {
    const { dir, name } = this.parentOf(path, 'unlink')
    const node = dir.entries.get(name)
    if (node === undefined) throw fail('ENOENT', 'unlink', path)
    if (node.kind === 'dir') throw fail('EISDIR', 'unlink', path)
    dir.entries.delete(name)
  }

  renameFile (from: string, to: string): void {
    const both = `${from} -> ${to}`
    const src = this.parentOf(from, 'rename')
    const dst = this.parentOf(to, 'rename')
    const node = src.dir.entries.get(src.name)
    if (node === undefined) throw fail('ENOENT', 'rename', both)
    const target = dst.dir.entries.get(dst.name)
    if (target === node) return
    if (node.kind === 'dir') {
      // Directories move only within their parent, which keeps the tree free of cycles; the
      // engine never moves directories at all.
      if (src.dir !== dst.dir) throw fail('EXDEV', 'rename', both)
      if (target?.kind === 'file') throw fail('ENOTDIR', 'rename', both)
      if (target !== undefined && target.entries.size > 0) throw fail('ENOTEMPTY', 'rename', both)
    } else if (target?.kind === 'dir') {
      throw fail('EISDIR', 'rename', both)
    }
    src.dir.entries.delete(src.name)
    dst.dir.entries.set(dst.name, node)
  }

  /** A second name for the same MemFile: both names share its bytes, as a hard link does. */
  linkFile (from: string, to: string): void {
    const both = `${from} -> ${to}`
    const file = this.fileAt(from, 'link')
    const dst = this.parentOf(to, 'link')
    if (dst.dir.entries.has(dst.name)) throw fail('EEXIST', 'link', both)
    dst.dir.entries.set(dst.name, file)
  }

  createDir (path: string): void {
    const parts = splitPath(path)
    let dir = this.root
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i]!
      const node = dir.entries.get(part)
      if (node === undefined) {
        const created = new MemDir()
        dir.entries.set(part, created)
        dir = created
      } else if (node.kind === 'dir') {
        dir = node
      } else {
        // As node:fs reports it: the path itself is a file, or a file blocks the way.
        throw fail(i === parts.length - 1 ? 'EEXIST' : 'ENOTDIR', 'mkdir', path)
      }
    }
  }

  removeDir (path: string): void {
    const { dir, name } = this.parentOf(path, 'rmdir')
    const node = dir.entries.get(name)
    if (node === undefined) throw fail('ENOENT', 'rmdir', path)
    if (node.kind !== 'dir') throw fail('ENOTDIR', 'rmdir', path)
    if (node.entries.size > 0) throw fail('ENOTEMPTY', 'rmdir', path)
    dir.entries.delete(name)
  }

  syncDir (path: string): void {
    const dir = this.dirAt(path, 'fsync')
    dir.durable = new Map(dir.entries)
  }

  lockFile (path: string): FileLock {
    const key = '/' + splitPath(path).join('/')
    if (this.locks.has(key)) throw lockedError(path, 'already held by this process')
    // As LevelDB does: create LOCK if missing (its entry is durable only after a syncDir).
    const { dir, name } = this.parentOf(path, 'open')
    const node = dir.entries.get(name)
    if (node?.kind === 'dir') throw fail('EISDIR', 'open', path)
    if (node === undefined) dir.entries.set(name, new MemFile())
    this.locks.add(key)
    return new MemFileLock(path, key, this.epoch)
  }

  unlockFile (lock: FileLock): void {
    if (!(lock instanceof MemFileLock)) throw invalidArgument('not a lock taken by this MemEnv')
    // A crash since the lock was taken released it already.
    if (lock.epoch === this.epoch) this.locks.delete(lock.key)
  }

  // ---- Internals used by the handles

  /** @internal For the handles: throws if closed or opened before the last simulated crash. */
  checkHandle (epoch: number, closed: boolean, syscall: string, path: string): void {
    if (epoch !== this.epoch) {
      const cause = systemError('EBADF', syscall, path)
      cause.message += ' (handle opened before a simulated crash)'
      throw fileSystemError(syscall, path, cause)
    }
    if (closed) throw fail('EBADF', syscall, path)
  }

  /** @internal Counts simulated crashes. */
  get currentEpoch (): number {
    return this.epoch
  }

  private afterCrash (): void {
    this.epoch++
    this.locks.clear()
  }

  private walk (onDir: (dir: MemDir) => void, onFile: (file: MemFile) => void): void {
    const visit = (dir: MemDir): void => {
      onDir(dir)
      for (const node of dir.entries.values()) {
        if (node.kind === 'dir') visit(node)
        else onFile(node)
      }
    }
    visit(this.root)
  }

  private lookup (parts: string[], path: string, syscall: string): MemNode | undefined {
    let node: MemNode = this.root
    for (const part of parts) {
      if (node.kind !== 'dir') throw fail('ENOTDIR', syscall, path)
      const next: MemNode | undefined = node.entries.get(part)
      if (next === undefined) return undefined
      node = next
    }
    return node
  }

  private parentOf (path: string, syscall: string): { dir: MemDir, name: string } {
    const parts = splitPath(path)
    const name = parts.pop()
    if (name === undefined) throw fail('EISDIR', syscall, path)
    const parent = this.lookup(parts, path, syscall)
    if (parent === undefined) throw fail('ENOENT', syscall, path)
    if (parent.kind !== 'dir') throw fail('ENOTDIR', syscall, path)
    return { dir: parent, name }
  }

  private fileAt (path: string, syscall: string): MemFile {
    const node = this.lookup(splitPath(path), path, syscall)
    if (node === undefined) throw fail('ENOENT', syscall, path)
    if (node.kind === 'dir') throw fail('EISDIR', syscall, path)
    return node
  }

  private dirAt (path: string, syscall: string): MemDir {
    const node = this.lookup(splitPath(path), path, syscall)
    if (node === undefined) throw fail('ENOENT', syscall, path)
    if (node.kind !== 'dir') throw fail('ENOTDIR', syscall, path)
    return node
  }
}

/** Path segments with '.', '..' and repeated or trailing slashes resolved; all paths hang off one root. */
function splitPath (path: string): string[] {
  const parts: string[] = []
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue
    if (part === '..') parts.pop()
    else parts.push(part)
  }
  return parts
}

function fail (code: SystemErrorCode, syscall: string, path: string): ShaleError {
  return fileSystemError(syscall, path, systemError(code, syscall, path))
}

class MemFileLock implements FileLock {
  readonly path: string
  readonly key: string
  readonly epoch: number

  constructor (path: string, key: string, epoch: number) {
    this.path = path
    this.key = key
    this.epoch = epoch
  }
}

abstract class MemHandle {
  protected readonly env: MemEnv
  protected readonly file: MemFile
  protected readonly path: string
  private readonly epoch: number
  private closed = false

  constructor (env: MemEnv, file: MemFile, path: string) {
    this.env = env
    this.file = file
    this.path = path
    this.epoch = env.currentEpoch
  }

  protected check (syscall: string): void {
    this.env.checkHandle(this.epoch, this.closed, syscall, this.path)
  }

  close (): void {
    // Closing twice, or after a crash, is harmless, as for NodeEnv.
    this.closed = true
  }
}

class MemWritableFile extends MemHandle implements WritableFile {
  get size (): number {
    return this.file.length
  }

  append (data: Uint8Array): void {
    this.check('write')
    this.file.append(data)
  }

  sync (): void {
    this.check('fdatasync')
    this.file.sync()
  }

  syncAsync (): Promise<void> {
    try {
      this.sync()
      return Promise.resolve()
    } catch (err) {
      return Promise.reject(err)
    }
  }
}

class MemRandomAccessFile extends MemHandle implements RandomAccessFile {
  get size (): number {
    return this.file.length
  }

  read (offset: number, length: number): Uint8Array {
    this.check('read')
    checkReadRange(offset, length, this.path)
    const start = Math.min(offset, this.file.length)
    return this.file.buf.slice(start, Math.min(this.file.length, start + length))
  }

  readInto (offset: number, length: number, dst: Uint8Array, dstOffset: number): number {
    this.check('read')
    checkReadRange(offset, length, this.path)
    if (dstOffset < 0 || dstOffset + length > dst.length) throw invalidArgument(`readInto: ${length} bytes do not fit at ${dstOffset}`)
    const start = Math.min(offset, this.file.length)
    const end = Math.min(this.file.length, start + length)
    dst.set(this.file.buf.subarray(start, end), dstOffset)
    return end - start
  }
}

class MemSequentialFile extends MemHandle implements SequentialFile {
  private position = 0

  read (n: number): Uint8Array {
    this.check('read')
    checkReadRange(this.position, n, this.path)
    const start = Math.min(this.position, this.file.length)
    const bytes = this.file.buf.slice(start, Math.min(this.file.length, start + n))
    this.position += bytes.length
    return bytes
  }

  skip (n: number): void {
    this.check('read')
    checkReadRange(this.position, n, this.path)
    this.position += n
  }
}

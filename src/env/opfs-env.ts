// An Env on the browser's Origin Private File System (doc/opfs.md), for a dedicated worker.
//
// OPFS reads and writes an open FileSystemSyncAccessHandle synchronously, in microseconds, but
// opening or creating a file, renaming it and removing it are asynchronous. The engine's Env is
// synchronous, so OpfsEnv keeps every file of its directory tree open in a table of names, which
// answers every read, size and listing at once; files are created ahead of use by the optional
// async hook prepareFiles(), which the engine awaits before each creation; and renames and
// removals change the table at once while the real OPFS calls run in order on one queue.

import type { Env, FileLock, RandomAccessFile, SequentialFile, SystemErrorCode, WritableFile } from './env.js'
import { checkReadRange, dirName, fileSystemError, lockedError, systemError } from './env.js'
import { invalidArgument, ioError, ShaleError } from '../util/errors.js'

// The parts of the File System API that OpfsEnv uses (the project compiles without DOM types).
interface SyncAccessHandle {
  read (buffer: Uint8Array, options?: { at?: number }): number
  write (buffer: Uint8Array, options?: { at?: number }): number
  truncate (size: number): void
  getSize (): number
  flush (): void
  close (): void
}
interface OpfsFileHandle {
  readonly kind: 'file'
  createSyncAccessHandle (options?: { mode?: 'readwrite' | 'read-only' | 'readwrite-unsafe' }): Promise<SyncAccessHandle>
  move (parent: OpfsDirectoryHandle, name: string): Promise<void>
}
interface OpfsDirectoryHandle {
  readonly kind: 'directory'
  getFileHandle (name: string, options?: { create?: boolean }): Promise<OpfsFileHandle>
  getDirectoryHandle (name: string, options?: { create?: boolean }): Promise<OpfsDirectoryHandle>
  removeEntry (name: string, options?: { recursive?: boolean }): Promise<void>
  entries (): AsyncIterable<[string, OpfsFileHandle | OpfsDirectoryHandle]>
}

/** The name of the lock file, which OpfsEnv opens only exclusively, in prepareLock. */
const LOCK_NAME = 'LOCK'
/** Pauses before retrying a removal that another handle blocks; after the last, the file stays. */
const REMOVE_RETRY_MS = [10, 50, 200, 1000, 5000]
/**
 * Pauses before retrying to open a listed file that another OpfsEnv is removing or moving at that
 * moment (OPFS holds such a file exclusively for a few milliseconds); after the last, the file is
 * in the table without a handle, and using it fails with EBUSY.
 */
const OPEN_RETRY_MS = [5, 20, 100, 500]

/** One file of the table: its OPFS handles and how many engine objects have it open. */
class OpfsFile {
  /** Undefined while a rename of the file is under way, and for a lock file. */
  handle: SyncAccessHandle | undefined
  /** Removed from the table while engine objects still had it open: removed for real at the last close. */
  removeWhenClosed = false
  refs = 0

  constructor (public fileHandle: OpfsFileHandle, handle: SyncAccessHandle | undefined, public path: string) {
    this.handle = handle
  }

  /** The open sync access handle, or an EBUSY error if a rename has it closed (await settle()). */
  use (syscall: string, path: string): SyncAccessHandle {
    if (this.handle === undefined) throw fileSystemError(syscall, path, systemError('EBUSY', syscall, path))
    return this.handle
  }
}

interface LockState {
  handle: SyncAccessHandle | undefined
  held: boolean
}

export class OpfsEnv implements Env {
  /**
   * Opens the OPFS directory `rootName` (created if missing) and every file under it, in
   * parallel. Only in a dedicated worker: sync access handles exist nowhere else. With
   * `openOnly`, only the files whose name it accepts are opened; the others are listed without a
   * handle (a job worker's OpfsEnv opens just the tables, so that it holds nothing the engine
   * renames, such as CURRENT).
   */
  static async open (rootName = 'shale', options: { openOnly?: (name: string) => boolean } = {}): Promise<OpfsEnv> {
    const storage = (globalThis as { navigator?: { storage?: { getDirectory?: () => Promise<OpfsDirectoryHandle> } } }).navigator?.storage
    if (storage?.getDirectory === undefined) throw ioError('OpfsEnv: this runtime has no Origin Private File System')
    const root = await (await storage.getDirectory()).getDirectoryHandle(rootName, { create: true })
    const env = new OpfsEnv(root)
    const opening: Array<Promise<void>> = []
    const walk = async (dir: OpfsDirectoryHandle, path: string): Promise<void> => {
      env.dirs.add(path)
      env.dirHandles.set(path, dir)
      for await (const [name, handle] of dir.entries()) {
        const child = path === '' ? name : path + '/' + name
        if (handle.kind === 'directory') {
          await walk(handle, child)
        } else if (name === LOCK_NAME || (options.openOnly !== undefined && !options.openOnly(name))) {
          env.files.set(child, new OpfsFile(handle, undefined, child))
        } else {
          opening.push(openListed(handle, child).then((sync) => {
            if (sync !== null) env.files.set(child, new OpfsFile(handle, sync, child))
          }))
        }
      }
    }
    try {
      await walk(root, '')
      await Promise.all(opening)
    } catch (err) {
      await Promise.allSettled(opening)
      env.closeHandles()
      throw err
    }
    return env
  }

  /** Name -> file, by normalized path (segments joined by '/', no leading '/'). */
  private readonly files = new Map<string, OpfsFile>()
  /** The directories of the table ('' is the root). */
  private readonly dirs = new Set<string>([''])
  /** Directory -> its handle, as the queue sees them: made by a queued createDir, dropped by a queued removeDir. */
  private readonly dirHandles = new Map<string, OpfsDirectoryHandle>()
  private readonly locks = new Map<string, LockState>()
  /** The end of the queue of OPFS calls; every rename, removal, creation runs after the previous one. */
  private tail: Promise<void> = Promise.resolve()
  /** Failures of queued calls that nobody awaited, reported by the next settle(). */
  private failures: unknown[] = []
  private closed = false

  private constructor (root: OpfsDirectoryHandle) {
    this.dirHandles.set('', root)
  }

  // ---------------------------------------------------------------------------------------------
  // The asynchronous hooks

  /**
   * Creates each missing file (empty) and opens it, so that the next synchronous newWritableFile,
   * newAppendableFile or newRandomAccessFile of it succeeds. A file that is already open is left
   * as it is; one written by another worker is opened.
   */
  async prepareFiles (paths: string[]): Promise<void> {
    const missing = paths.map(normalize).filter((p) => this.files.get(p)?.handle === undefined)
    if (missing.length === 0) return
    await this.enqueue(async () => {
      await Promise.all(missing.map(async (path) => {
        if (this.files.get(path)?.handle !== undefined) return
        const dir = this.directory(dirOf(path), 'create', path)
        try {
          const fileHandle = await dir.getFileHandle(nameOf(path), { create: true })
          const handle = await fileHandle.createSyncAccessHandle({ mode: 'readwrite-unsafe' })
          this.files.set(path, new OpfsFile(fileHandle, handle, path))
        } catch (err) {
          throw opfsError('create', path, err)
        }
      }))
    })
  }

  /**
   * Tries to take the database lock `path` with an exclusive sync access handle, which no other
   * worker or tab can then open until this one closes it or dies. lockFile() reports the outcome.
   */
  async prepareLock (path: string): Promise<void> {
    const p = normalize(path)
    if (this.locks.get(p)?.handle !== undefined) return
    await this.enqueue(async () => {
      const dir = this.directory(dirOf(p), 'lock', p)
      let fileHandle: OpfsFileHandle
      try {
        fileHandle = await dir.getFileHandle(nameOf(p), { create: true })
      } catch (err) {
        throw opfsError('lock', p, err)
      }
      if (!this.files.has(p)) this.files.set(p, new OpfsFile(fileHandle, undefined, p))
      try {
        this.locks.set(p, { handle: await fileHandle.createSyncAccessHandle({ mode: 'readwrite' }), held: false })
      } catch (err) {
        if (!isDomError(err, 'NoModificationAllowedError')) throw opfsError('lock', p, err)
        this.locks.set(p, { handle: undefined, held: false })
      }
    })
  }

  /** Waits until every rename and removal made so far is done in OPFS; rejects with the first that failed. */
  async settle (): Promise<void> {
    await this.tail
    const failures = this.failures
    this.failures = []
    if (failures.length > 0) throw failures[0]
  }

  /** Settles, then closes every handle. The OpfsEnv cannot be used afterwards. */
  async close (): Promise<void> {
    if (this.closed) return
    try {
      await this.settle()
    } finally {
      this.closed = true
      this.closeHandles()
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Files

  newWritableFile (path: string): WritableFile {
    const file = this.prepared('create', path)
    try {
      file.use('create', path).truncate(0)
    } catch (err) {
      throw opfsError('create', path, err)
    }
    return new OpfsWritableFile(this, file, path, 0)
  }

  newAppendableFile (path: string): WritableFile {
    const file = this.prepared('open', path)
    return new OpfsWritableFile(this, file, path, sizeOf(file, path))
  }

  newRandomAccessFile (path: string): RandomAccessFile {
    const file = this.existing('open', path)
    return new OpfsRandomAccessFile(this, file, path, sizeOf(file, path))
  }

  newSequentialFile (path: string): SequentialFile {
    return new OpfsSequentialFile(this, this.existing('open', path), path)
  }

  readFile (path: string): Uint8Array {
    const file = this.existing('read', path)
    try {
      const handle = file.use('read', path)
      const data = new Uint8Array(handle.getSize())
      const n = handle.read(data, { at: 0 })
      return n === data.length ? data : data.slice(0, n)
    } catch (err) {
      throw opfsError('read', path, err)
    }
  }

  fileExists (path: string): boolean {
    const p = normalize(path)
    return this.files.has(p) || this.dirs.has(p)
  }

  getFileSize (path: string): number {
    const file = this.existing('stat', path)
    return file.handle === undefined && this.isLock(file) ? 0 : sizeOf(file, path)
  }

  getChildren (dir: string): string[] {
    const d = normalize(dir)
    if (!this.dirs.has(d)) throw fail('ENOENT', 'scandir', dir)
    const names: string[] = []
    for (const p of [...this.files.keys(), ...this.dirs.keys()]) {
      if (p !== '' && dirOf(p) === d) names.push(nameOf(p))
    }
    return names
  }

  removeFile (path: string): void {
    const p = normalize(path)
    const file = this.files.get(p)
    if (file === undefined) throw fail('ENOENT', 'unlink', path)
    this.files.delete(p)
    if (file.refs > 0) file.removeWhenClosed = true
    else this.queueRemoval(file, p)
  }

  renameFile (from: string, to: string): void {
    const src = normalize(from)
    const dst = normalize(to)
    const file = this.files.get(src)
    if (file === undefined) throw fail('ENOENT', 'rename', from)
    if (!this.dirs.has(dirOf(dst))) throw fail('ENOENT', 'rename', to)
    if (src === dst) return
    const replaced = this.files.get(dst)
    this.files.delete(src)
    this.files.set(dst, file)
    file.path = dst
    this.enqueue(async () => {
      // OPFS moves neither a file with an open handle nor onto one: both are closed first, and
      // the moved file is reopened under its new name.
      if (replaced !== undefined) closeQuietly(replaced)
      const handle = file.handle
      file.handle = undefined
      handle?.close()
      try {
        await file.fileHandle.move(this.directory(dirOf(dst), 'rename', dst), nameOf(dst))
      } catch (err) {
        throw opfsError('rename', from, err)
      } finally {
        if (handle !== undefined) file.handle = await file.fileHandle.createSyncAccessHandle({ mode: 'readwrite-unsafe' })
      }
    }).catch((err) => { this.failures.push(err) })
  }

  createDir (path: string): void {
    const p = normalize(path)
    const missing: string[] = []
    for (let d = p; !this.dirs.has(d); d = dirOf(d)) {
      if (this.files.has(d)) throw fail('ENOTDIR', 'mkdir', path)
      missing.unshift(d)
    }
    if (missing.length === 0) return
    for (const d of missing) this.dirs.add(d)
    this.enqueue(async () => {
      for (const d of missing) {
        try {
          this.dirHandles.set(d, await this.directory(dirOf(d), 'mkdir', d).getDirectoryHandle(nameOf(d), { create: true }))
        } catch (err) {
          throw opfsError('mkdir', d, err)
        }
      }
    }).catch((err) => { this.failures.push(err) })
  }

  removeDir (path: string): void {
    const p = normalize(path)
    if (!this.dirs.has(p) || p === '') throw fail('ENOENT', 'rmdir', path)
    if (this.getChildren(p).length > 0) throw fail('ENOTEMPTY', 'rmdir', path)
    this.dirs.delete(p)
    this.enqueue(async () => {
      try {
        await this.directory(dirOf(p), 'rmdir', p).removeEntry(nameOf(p))
        this.dirHandles.delete(p)
      } catch (err) {
        // A removal of one of its files may still be waiting for a handle to close.
        if (!isDomError(err, 'InvalidModificationError')) throw opfsError('rmdir', path, err)
      }
    }).catch((err) => { this.failures.push(err) })
  }

  /** Nothing to do: the web API has no directory sync; names are as durable as the browser makes them. */
  syncDir (path: string): void {
    if (!this.dirs.has(normalize(path))) throw fail('ENOENT', 'fsync', path)
  }

  lockFile (path: string): FileLock {
    const p = normalize(path)
    const state = this.locks.get(p)
    if (state === undefined) throw notPrepared('lock', path)
    if (state.handle === undefined) {
      this.locks.delete(p)
      throw lockedError(path, 'held by another worker or tab')
    }
    if (state.held) throw lockedError(path, 'already held by this OpfsEnv')
    state.held = true
    return new OpfsFileLock(path, this)
  }

  unlockFile (lock: FileLock): void {
    if (!(lock instanceof OpfsFileLock) || lock.env !== this) throw invalidArgument('not a lock taken by this OpfsEnv')
    const p = normalize(lock.path)
    const state = this.locks.get(p)
    if (state === undefined || !state.held) return
    this.locks.delete(p)
    state.handle?.close()
  }

  // ---------------------------------------------------------------------------------------------
  // Internals

  /** Called by the file objects when they close. */
  released (file: OpfsFile): void {
    if (--file.refs === 0 && file.removeWhenClosed) {
      file.removeWhenClosed = false
      this.queueRemoval(file, file.path)
    }
  }

  private isLock (file: OpfsFile): boolean {
    return nameOf(file.path) === LOCK_NAME
  }

  private existing (syscall: string, path: string): OpfsFile {
    if (this.closed) throw fail('EBADF', syscall, path)
    const file = this.files.get(normalize(path))
    if (file === undefined) throw fail('ENOENT', syscall, path)
    return file
  }

  private prepared (syscall: string, path: string): OpfsFile {
    if (this.closed) throw fail('EBADF', syscall, path)
    const file = this.files.get(normalize(path))
    if (file === undefined || (file.handle === undefined && this.isLock(file))) throw notPrepared(syscall, path)
    return file
  }

  private enqueue (op: () => Promise<void>): Promise<void> {
    const result = this.tail.then(op)
    this.tail = result.then(() => {}, () => {})
    return result
  }

  /** The handle of directory `dir`, which must be in the table (a createDir queued earlier has made it by now). */
  private directory (dir: string, syscall: string, path: string): OpfsDirectoryHandle {
    const handle = this.dirHandles.get(dir)
    if (handle === undefined) throw fail('ENOENT', syscall, path)
    return handle
  }

  /**
   * Removes a file nobody in this OpfsEnv has open. A handle elsewhere (a job worker's, another
   * tab's) blocks a removal: it is retried in the background, and gives up after a while; the file
   * is then left over, which the engine's cleanup handles like any obsolete file at the next open.
   */
  private queueRemoval (file: OpfsFile, path: string): void {
    const attempt = async (): Promise<boolean> => {
      if (this.closed || this.files.has(path)) return true // the name was given to another file since
      closeQuietly(file)
      try {
        await this.directory(dirOf(path), 'unlink', path).removeEntry(nameOf(path))
        return true
      } catch (err) {
        if (isDomError(err, 'NotFoundError')) return true
        if (isDomError(err, 'NoModificationAllowedError') || isDomError(err, 'InvalidModificationError')) return false
        throw opfsError('unlink', path, err)
      }
    }
    const retry = (i: number): void => {
      if (i >= REMOVE_RETRY_MS.length) return
      setTimeout(() => {
        this.enqueue(async () => { if (!await attempt()) retry(i + 1) }).catch((err) => { this.failures.push(err) })
      }, REMOVE_RETRY_MS[i])
    }
    this.enqueue(async () => { if (!await attempt()) retry(0) }).catch((err) => { this.failures.push(err) })
  }

  private closeHandles (): void {
    for (const file of this.files.values()) closeQuietly(file)
    for (const state of this.locks.values()) {
      try { state.handle?.close() } catch { /* closing anyway */ }
    }
    this.locks.clear()
  }
}

/**
 * Opens a file that OpfsEnv.open listed. Another OpfsEnv on the same directory (another worker
 * or tab, which the database lock will turn away) may be removing or moving it meanwhile: a file
 * gone since the listing is left out (null), and a file held for a removal or move is retried.
 */
async function openListed (handle: OpfsFileHandle, path: string): Promise<SyncAccessHandle | undefined | null> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await handle.createSyncAccessHandle({ mode: 'readwrite-unsafe' })
    } catch (err) {
      if (isDomError(err, 'NotFoundError')) return null
      if (!isDomError(err, 'NoModificationAllowedError')) throw opfsError('open', path, err)
      if (attempt >= OPEN_RETRY_MS.length) return undefined
      await new Promise((resolve) => setTimeout(resolve, OPEN_RETRY_MS[attempt]))
    }
  }
}

class OpfsFileLock implements FileLock {
  constructor (readonly path: string, readonly env: OpfsEnv) {}
}

/** The state every file object shares: the table entry it keeps open, and closing it once. */
class OpenFile {
  protected closed = false

  constructor (private readonly env: OpfsEnv, protected readonly file: OpfsFile, protected readonly path: string) {
    file.refs++
  }

  protected handle (syscall: string): SyncAccessHandle {
    if (this.closed) throw fail('EBADF', syscall, this.path)
    return this.file.use(syscall, this.path)
  }

  close (): void {
    if (this.closed) return
    this.closed = true
    this.env.released(this.file)
  }
}

/** Appends at an offset kept here: no getSize() per append. */
class OpfsWritableFile extends OpenFile implements WritableFile {
  constructor (env: OpfsEnv, file: OpfsFile, path: string, public size: number) {
    super(env, file, path)
  }

  append (data: Uint8Array): void {
    const handle = this.handle('write')
    let n: number
    try {
      n = handle.write(data, { at: this.size })
    } catch (err) {
      throw opfsError('write', this.path, err)
    }
    this.size += n
    if (n !== data.length) throw fail('ENOSPC', 'write', this.path)
  }

  sync (): void {
    try {
      this.handle('fsync').flush()
    } catch (err) {
      throw opfsError('fsync', this.path, err)
    }
  }

  async syncAsync (): Promise<void> {
    this.sync()
  }
}

class OpfsRandomAccessFile extends OpenFile implements RandomAccessFile {
  constructor (env: OpfsEnv, file: OpfsFile, path: string, public size: number) {
    super(env, file, path)
  }

  read (offset: number, length: number): Uint8Array {
    checkReadRange(offset, length, this.path)
    const available = Math.max(0, Math.min(length, this.currentSize(offset + length) - offset))
    const dst = new Uint8Array(available)
    const n = this.readInto(offset, available, dst, 0)
    return n === available ? dst : dst.slice(0, n)
  }

  readInto (offset: number, length: number, dst: Uint8Array, dstOffset: number): number {
    checkReadRange(offset, length, this.path)
    if (dstOffset < 0 || dstOffset + length > dst.length) throw invalidArgument(`readInto: ${length} bytes do not fit at ${dstOffset}`)
    const handle = this.handle('read')
    try {
      return handle.read(dst.subarray(dstOffset, dstOffset + length), { at: offset })
    } catch (err) {
      throw opfsError('read', this.path, err)
    }
  }

  /** The size known at open, or the current size when a read runs past it (a file still being written). */
  private currentSize (end: number): number {
    if (end > this.size) this.size = this.handle('read').getSize()
    return this.size
  }
}

class OpfsSequentialFile extends OpenFile implements SequentialFile {
  private position = 0

  read (n: number): Uint8Array {
    checkReadRange(this.position, n, this.path)
    const handle = this.handle('read')
    try {
      const dst = new Uint8Array(Math.max(0, Math.min(n, handle.getSize() - this.position)))
      const got = handle.read(dst, { at: this.position })
      this.position += got
      return got === dst.length ? dst : dst.slice(0, got)
    } catch (err) {
      throw opfsError('read', this.path, err)
    }
  }

  skip (n: number): void {
    this.handle('read')
    checkReadRange(this.position, n, this.path)
    this.position += n
  }
}

// -----------------------------------------------------------------------------------------------
// Paths and errors

/** Engine paths ('/db/000005.log', 'db/LOG') as table keys: segments joined by '/', no empty or '.' ones. */
function normalize (path: string): string {
  return path.split('/').filter((s) => s !== '' && s !== '.').join('/')
}

function dirOf (p: string): string {
  const d = dirName(p)
  return d === '.' ? '' : d
}

function nameOf (p: string): string {
  return p.slice(p.lastIndexOf('/') + 1)
}

function sizeOf (file: OpfsFile, path: string): number {
  try {
    return file.use('stat', path).getSize()
  } catch (err) {
    throw opfsError('stat', path, err)
  }
}

function closeQuietly (file: OpfsFile): void {
  const handle = file.handle
  file.handle = undefined
  try { handle?.close() } catch { /* already closed */ }
}

function fail (code: SystemErrorCode, syscall: string, path: string): ShaleError {
  return fileSystemError(syscall, path, systemError(code, syscall, path))
}

function notPrepared (syscall: string, path: string): ShaleError {
  return ioError(`${syscall} ${path} failed: not prepared (on OPFS a file is created by an awaited prepareFiles() first)`,
    { cause: systemError('ENOTPREPARED', syscall, path) })
}

function isDomError (err: unknown, name: string): boolean {
  return typeof err === 'object' && err !== null && (err as { name?: unknown }).name === name
}

/** DOMException names of the File System API, as the system codes the engine knows. */
const DOM_ERROR_CODES: Record<string, SystemErrorCode> = {
  NotFoundError: 'ENOENT',
  QuotaExceededError: 'ENOSPC',
  NoModificationAllowedError: 'EBUSY',
  InvalidStateError: 'EBADF',
  InvalidModificationError: 'ENOTEMPTY',
  TypeMismatchError: 'EISDIR',
  NotAllowedError: 'EACCES'
}

/** An OPFS failure as the engine's LEVEL_IO_ERROR, with the DOMException kept as the cause's cause. */
function opfsError (syscall: string, path: string, err: unknown): ShaleError {
  if (err instanceof ShaleError) return err
  const name = typeof err === 'object' && err !== null ? String((err as { name?: unknown }).name) : ''
  const cause = systemError(DOM_ERROR_CODES[name] ?? 'EIO', syscall, path)
  ;(cause as { cause?: unknown }).cause = err
  return fileSystemError(syscall, path, cause)
}


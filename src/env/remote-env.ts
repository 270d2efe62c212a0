// An Env that lives in a worker thread and performs every call through another thread's Env,
// synchronously (doc/workers.md).
//
// A flush or compaction job running in a worker uses the real file system directly when the
// database is on a NodeEnv. With any other Env (the in-memory and fault-injecting ones of the
// crash tests) the files exist only in the main thread's memory, so the worker's calls must reach
// that Env itself: then its power-loss model, call counting and injected faults see every byte the
// job writes, exactly as when the job runs on the main thread.
//
// The engine's Env calls are synchronous, so the worker blocks on each one: it posts the call on a
// MessagePort and sleeps on a shared Int32 (Atomics.wait) until the main thread has answered on
// the same port and set it; the answer is then taken off the port synchronously
// (receiveMessageOnPort). The main thread answers from its event loop and never blocks on the
// worker. The same channel carries the job's other calls to the main thread (a new file number).

import { receiveMessageOnPort, type MessagePort } from 'node:worker_threads'
import type { Env, FileLock, RandomAccessFile, SequentialFile, WritableFile } from './env.js'
import { fileSystemError, systemError } from './env.js'
import { fromPlainError, invalidArgument, toPlainError, type PlainError } from '../util/errors.js'

interface CallRequest { op: string, args: unknown[] }
type CallReply = { ok: true, value: unknown } | { ok: false, error: PlainError }

/** A synchronous call channel: `flag` must be an Int32Array over a SharedArrayBuffer of 4 bytes. */
interface CallChannel {
  port: MessagePort
  flag: Int32Array
}

/** A typed array whose bytes may be shared with a larger buffer: cloning it would copy all of that. */
function compact (bytes: Uint8Array): Uint8Array {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice()
}

/** The worker's side: call(op, args) returns what the main thread's handler returned, or throws its error. */
export class SyncCaller {
  private readonly port: MessagePort
  private readonly flag: Int32Array

  constructor (channel: CallChannel) {
    this.port = channel.port
    this.flag = channel.flag
  }

  call (op: string, ...args: unknown[]): unknown {
    Atomics.store(this.flag, 0, 0)
    const request: CallRequest = { op, args }
    this.port.postMessage(request)
    Atomics.wait(this.flag, 0, 0)
    let received = receiveMessageOnPort(this.port)
    // The reply is queued before the flag is set; should it not be visible yet, poll briefly.
    while (received === undefined) {
      Atomics.wait(this.flag, 0, 1, 1)
      received = receiveMessageOnPort(this.port)
    }
    const reply = received.message as CallReply
    if (reply.ok) return reply.value
    throw fromPlainError(reply.error)
  }
}

/**
 * The main thread's side: answers each call on `channel.port` with `handler(op, args)`. Returns a
 * function that stops serving and closes the port.
 */
export function serveCalls (channel: CallChannel,
  handler: (op: string, args: unknown[]) => unknown): () => void {
  const { port, flag } = channel
  port.on('message', (request: CallRequest) => {
    let reply: CallReply
    try {
      let value = handler(request.op, request.args)
      if (value instanceof Uint8Array) value = compact(value)
      reply = { ok: true, value }
    } catch (err) {
      reply = { ok: false, error: toPlainError(err) }
    }
    port.postMessage(reply)
    Atomics.store(flag, 0, 1)
    Atomics.notify(flag, 0)
  })
  return () => { port.close() }
}

/**
 * Serves the Env calls a RemoteEnv makes, against `env`. Files opened through it are held here by
 * number; the returned `closeAll` closes any the worker left open (a job that died mid-way).
 */
export function envCallHandler (env: Env): { handle: (op: string, args: unknown[]) => unknown, closeAll: () => void } {
  const files = new Map<number, WritableFile | RandomAccessFile | SequentialFile>()
  let nextHandle = 1
  const open = (file: WritableFile | RandomAccessFile | SequentialFile): [number, number] => {
    const h = nextHandle++
    files.set(h, file)
    return [h, 'size' in file ? file.size : 0]
  }
  const file = <T>(h: unknown): T => {
    const f = files.get(h as number)
    if (f === undefined) throw invalidArgument(`remote env: no open file ${String(h)}`)
    return f as T
  }
  const handle = (op: string, a: unknown[]): unknown => {
    const path = a[0] as string
    switch (op) {
      case 'newWritableFile': return open(env.newWritableFile(path))
      case 'newAppendableFile': return open(env.newAppendableFile(path))
      case 'newRandomAccessFile': return open(env.newRandomAccessFile(path))
      case 'newSequentialFile': return open(env.newSequentialFile(path))
      case 'readFile': return env.readFile(path)
      case 'fileExists': return env.fileExists(path)
      case 'getFileSize': return env.getFileSize(path)
      case 'getChildren': return env.getChildren(path)
      case 'removeFile': return env.removeFile(path)
      case 'renameFile': return env.renameFile(path, a[1] as string)
      case 'linkFile': {
        if (env.linkFile === undefined) throw fileSystemError('link', path, systemError('ENOTSUP', 'link', path))
        return env.linkFile(path, a[1] as string)
      }
      case 'createDir': return env.createDir(path)
      case 'removeDir': return env.removeDir(path)
      case 'syncDir': return env.syncDir(path)
      case 'file.append': {
        const f = file<WritableFile>(a[0])
        f.append(a[1] as Uint8Array)
        return f.size
      }
      case 'file.sync': return file<WritableFile>(a[0]).sync()
      case 'file.read': {
        const f = file<RandomAccessFile>(a[0])
        return f.read(a[1] as number, a[2] as number)
      }
      case 'file.readNext': return file<SequentialFile>(a[0]).read(a[1] as number)
      case 'file.skip': return file<SequentialFile>(a[0]).skip(a[1] as number)
      case 'file.close': {
        const f = file<WritableFile>(a[0])
        files.delete(a[0] as number)
        return f.close()
      }
      default: throw invalidArgument(`remote env: unknown call ${op}`)
    }
  }
  const closeAll = (): void => {
    for (const f of files.values()) {
      try { f.close() } catch { /* the job already failed; nothing more to report */ }
    }
    files.clear()
  }
  return { handle, closeAll }
}

/** The Env a worker uses when the database's Env lives on the main thread. */
export class RemoteEnv implements Env {
  private readonly caller: SyncCaller

  constructor (caller: SyncCaller) {
    this.caller = caller
  }

  newWritableFile (path: string): WritableFile {
    return new RemoteWritableFile(this.caller, this.caller.call('newWritableFile', path) as [number, number])
  }

  newAppendableFile (path: string): WritableFile {
    return new RemoteWritableFile(this.caller, this.caller.call('newAppendableFile', path) as [number, number])
  }

  newRandomAccessFile (path: string): RandomAccessFile {
    return new RemoteRandomAccessFile(this.caller, this.caller.call('newRandomAccessFile', path) as [number, number])
  }

  newSequentialFile (path: string): SequentialFile {
    return new RemoteSequentialFile(this.caller, (this.caller.call('newSequentialFile', path) as [number, number])[0])
  }

  readFile (path: string): Uint8Array {
    return this.caller.call('readFile', path) as Uint8Array
  }

  fileExists (path: string): boolean {
    return this.caller.call('fileExists', path) as boolean
  }

  getFileSize (path: string): number {
    return this.caller.call('getFileSize', path) as number
  }

  getChildren (dir: string): string[] {
    return this.caller.call('getChildren', dir) as string[]
  }

  removeFile (path: string): void {
    this.caller.call('removeFile', path)
  }

  renameFile (from: string, to: string): void {
    this.caller.call('renameFile', from, to)
  }

  linkFile (from: string, to: string): void {
    this.caller.call('linkFile', from, to)
  }

  createDir (path: string): void {
    this.caller.call('createDir', path)
  }

  removeDir (path: string): void {
    this.caller.call('removeDir', path)
  }

  syncDir (path: string): void {
    this.caller.call('syncDir', path)
  }

  lockFile (path: string): FileLock {
    throw invalidArgument(`a worker does not lock databases (${path})`)
  }

  unlockFile (lock: FileLock): void {
    throw invalidArgument(`a worker does not lock databases (${lock.path})`)
  }
}

class RemoteWritableFile implements WritableFile {
  private readonly caller: SyncCaller
  private readonly handle: number
  private appended: number

  constructor (caller: SyncCaller, [handle, size]: [number, number]) {
    this.caller = caller
    this.handle = handle
    this.appended = size
  }

  get size (): number {
    return this.appended
  }

  append (data: Uint8Array): void {
    this.appended = this.caller.call('file.append', this.handle, compact(data)) as number
  }

  sync (): void {
    this.caller.call('file.sync', this.handle)
  }

  async syncAsync (): Promise<void> {
    this.sync()
  }

  close (): void {
    this.caller.call('file.close', this.handle)
  }
}

class RemoteRandomAccessFile implements RandomAccessFile {
  private readonly caller: SyncCaller
  private readonly handle: number
  readonly size: number

  constructor (caller: SyncCaller, [handle, size]: [number, number]) {
    this.caller = caller
    this.handle = handle
    this.size = size
  }

  read (offset: number, length: number): Uint8Array {
    return this.caller.call('file.read', this.handle, offset, length) as Uint8Array
  }

  close (): void {
    this.caller.call('file.close', this.handle)
  }
}

class RemoteSequentialFile implements SequentialFile {
  private readonly caller: SyncCaller
  private readonly handle: number

  constructor (caller: SyncCaller, handle: number) {
    this.caller = caller
    this.handle = handle
  }

  read (n: number): Uint8Array {
    return this.caller.call('file.readNext', this.handle, n) as Uint8Array
  }

  skip (n: number): void {
    this.caller.call('file.skip', this.handle, n)
  }

  close (): void {
    this.caller.call('file.close', this.handle)
  }
}

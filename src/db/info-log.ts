// The info log (doc/info-log.md): the `LOG` file of a database directory, human-readable lines an
// operator reads to see what the engine did — opens, recoveries, flushes, compactions, MANIFEST
// rotations, deleted files, background errors, closes. LevelDB keeps one under the same name, and
// classic-level ignores and rewrites it, so keeping one changes nothing for interoperability.
//
// It is written for people, never read by the engine, and never allowed to fail the database: a
// failed write to it drops the LOG for the rest of the open (the database goes on), and nothing in
// it is ever synced. Lines are gathered in memory and appended in one call at the end of the
// step that made them (a microtask later, or at once by flush()), so an event costs one `write`
// and a put costs nothing: no line is ever made per write.

import { baseName, type Env, type WritableFile } from '../env/env.js'
import { infoLogFileName, oldInfoLogFileName } from '../dbformat/filename.js'
import { utf8 } from '../util/coding.js'
import { platform } from './platform-node.js'

/** Default cap on the LOG's size: past it the LOG is renamed to LOG.old and a new one started. */
export const DEFAULT_MAX_INFO_LOG_SIZE = 1 << 20

export class InfoLog {
  /** An info log that writes nothing: the LOG could not be created, or none is wanted. */
  static none (): InfoLog {
    return new InfoLog(undefined, '', 0)
  }

  /**
   * Starts the LOG of `location` for this open: the previous LOG becomes LOG.old (replacing any older
   * one), then a new LOG is created. Never throws: if the LOG cannot be started, the database
   * runs without one. `maxBytes` 0 writes no LOG at all (and leaves the old ones alone).
   */
  static start (env: Env, location: string, maxBytes: number): InfoLog {
    if (maxBytes <= 0) return InfoLog.none()
    const log = new InfoLog(env, location, maxBytes)
    log.rotate()
    return log
  }

  private readonly env: Env | undefined
  private readonly location: string
  private readonly maxBytes: number
  private file: WritableFile | undefined
  private pending: string[] = []
  private flushQueued = false

  private constructor (env: Env | undefined, location: string, maxBytes: number) {
    this.env = env
    this.location = location
    this.maxBytes = maxBytes
  }

  /** Whether lines still go anywhere (false once a write to the LOG failed, or after close). */
  get active (): boolean {
    return this.file !== undefined
  }

  /** Adds a line, stamped now; it is written at the end of the current step. */
  log (message: string): void {
    if (this.file === undefined) return
    this.pending.push(line(message))
    if (this.flushQueued) return
    this.flushQueued = true
    queueMicrotask(() => { this.flush() })
  }

  /**
   * Appends the gathered lines now, in one call. If they would take the LOG past its cap, the LOG
   * becomes LOG.old first and the lines start a new one, which says so.
   */
  flush (): void {
    this.flushQueued = false
    if (this.file === undefined || this.pending.length === 0) return
    let text = utf8(this.pending.join(''))
    this.pending = []
    if (this.file.size > 0 && this.file.size + text.length > this.maxBytes) {
      this.rotate()
      if (this.file === undefined) return
      const note = utf8(line(`LOG reached its cap of ${this.maxBytes} bytes: earlier lines are in LOG.old`))
      const joined = new Uint8Array(note.length + text.length)
      joined.set(note)
      joined.set(text, note.length)
      text = joined
    }
    try {
      this.file.append(text)
    } catch {
      this.drop()
    }
  }

  /** Writes what is gathered and closes the LOG. */
  close (): void {
    this.flush()
    this.drop()
  }

  /** LOG -> LOG.old, then a new LOG; on any failure the info log is off for the rest of the open. */
  private rotate (): void {
    const env = this.env!
    try { this.file?.close() } catch { /* reopened below anyway */ }
    this.file = undefined
    try {
      const current = infoLogFileName(this.location)
      // An empty LOG is one prepareInfoLog made for this open (only an Env with prepareFiles asks).
      const reuse = env.prepareFiles !== undefined && env.fileExists(current) && env.getFileSize(current) === 0
      if (!reuse && env.fileExists(current)) env.renameFile(current, oldInfoLogFileName(this.location))
      this.file = env.newWritableFile(current)
    } catch {
      this.drop()
    }
  }

  private drop (): void {
    const file = this.file
    this.file = undefined
    this.pending = []
    try { file?.close() } catch { /* nothing depends on it */ }
  }
}

/**
 * For an Env that creates files only in prepareFiles (OpfsEnv): does start()'s rename of LOG to
 * LOG.old now and prepares the new LOG, so that start() finds an empty LOG to write. Never throws.
 * A LOG that reaches its cap later cannot be replaced synchronously there: it is dropped.
 */
export async function prepareInfoLog (env: Env, location: string, maxBytes: number): Promise<void> {
  if (maxBytes <= 0 || env.prepareFiles === undefined) return
  const current = infoLogFileName(location)
  try {
    if (env.fileExists(current) && env.getFileSize(current) > 0) env.renameFile(current, oldInfoLogFileName(location))
    await env.prepareFiles([current])
  } catch {
    // start() finds no LOG to write, and the database runs without one.
  }
}

/** One line of the LOG: time, process id (every line is written by the database's own thread), message. */
function line (message: string): string {
  return `${timestamp(new Date())} ${platform.processId} ${message.replace(/\n/g, ' ')}\n`
}

/**
 * LevelDB's stamp: local time, `YYYY/MM/DD-HH:MM:SS.micros`. The wall clock Node offers counts
 * milliseconds, so the last three digits are always 0 rather than made up.
 */
export function timestamp (d: Date): string {
  const p = (n: number, w = 2): string => String(n).padStart(w, '0')
  const micros = d.getMilliseconds() * 1000
  return `${d.getFullYear()}/${p(d.getMonth() + 1)}/${p(d.getDate())}-${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(micros, 6)}`
}

/** "#12 (2097152 bytes)" for each file, space-separated. */
export function describeFiles (files: ReadonlyArray<{ number: number, fileSize: number }>): string {
  return files.length === 0 ? 'none' : files.map((f) => `#${f.number} (${f.fileSize} bytes)`).join(' ')
}

/** The names in a list of paths, space-separated. */
export function describeNames (paths: readonly string[]): string {
  return paths.map(baseName).join(' ')
}

/** An error for a LOG line: its code, if any, and its message (and the cause's). */
export function describeError (err: unknown): string {
  if (!(err instanceof Error)) return String(err)
  const code = (err as { code?: unknown }).code
  const cause = err.cause instanceof Error ? `; cause: ${err.cause.message}` : ''
  return `${typeof code === 'string' ? code + ' ' : ''}${err.message}${cause}`
}

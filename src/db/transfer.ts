// Moving a database's files out of an Env and into another (doc/transfer.md): the files are
// LevelDB's, so a database written on a browser's OPFS opens in LevelDB, and one LevelDB wrote
// opens on OPFS.
//
// exportDatabase streams the files of a database nobody has open (closed, or a checkpoint) as
// chunks, holding its lock meanwhile; importDatabase writes such a stream into a new directory
// the way a checkpoint is built: a placeholder CURRENT first, every file synced, the directory
// synced, and the real CURRENT last, so that an import cut at any point never opens.

import { type Env, type WritableFile, joinPath } from '../env/env.js'
import { currentFileName, lockFileName, manifestFileName, parseFileName, setCurrentFile, tempFileName } from '../dbformat/filename.js'
import { beginDatabaseDir } from './checkpoint.js'
import { invalidArgument } from '../util/errors.js'
import { fromUtf8 } from '../util/coding.js'

/** One piece of one file of a database: `data` holds its bytes from `offset`. */
export interface DatabaseChunk {
  /** The file's name in the database directory (LevelDB's: CURRENT, MANIFEST-000005, 000007.ldb, 000008.log). */
  name: string
  /** Where `data` starts in the file. */
  offset: number
  /** The whole file's size. Optional on import: when given, a file that ends short is refused. */
  size?: number
  data: Uint8Array
}

export interface ExportOptions {
  /** The most bytes in one chunk (default 1 MiB). */
  chunkSize?: number
}

const DEFAULT_CHUNK = 1 << 20
const CURRENT_LINE = /^MANIFEST-(\d+)\n$/
/** CURRENT holds one MANIFEST name: anything longer is not a CURRENT. */
const MAX_CURRENT = 256

/**
 * The files of the database at `location` in `env`, as chunks, a file at a time: its tables and
 * logs in file-number order, the MANIFEST that CURRENT names, and CURRENT last. Every file has at
 * least one chunk (an empty file one empty chunk). The database's lock is held until the iteration
 * ends or is abandoned, so it must not be open (export a checkpoint of a live one). Other files
 * (LOCK, the info logs LOG and LOG.old, older MANIFESTs, temp files, foreign names) are left out.
 */
export async function * exportDatabase (env: Env, location: string, options: ExportOptions = {}): AsyncGenerator<DatabaseChunk> {
  const chunkSize = options.chunkSize ?? DEFAULT_CHUNK
  if (!Number.isSafeInteger(chunkSize) || chunkSize < 1) throw invalidArgument(`chunkSize must be a positive integer, got ${chunkSize}`)
  const current = currentFileName(location)
  if (!env.fileExists(current)) throw invalidArgument(`${location} is not a database: it has no CURRENT`)
  if (env.prepareLock !== undefined) await env.prepareLock(lockFileName(location))
  const lock = env.lockFile(lockFileName(location))
  try {
    const line = fromUtf8(env.readFile(current))
    const m = CURRENT_LINE.exec(line)
    if (m === null) throw invalidArgument(`${location}: CURRENT does not name a MANIFEST (${JSON.stringify(line.slice(0, 40))})`)
    const manifest = `MANIFEST-${m[1]!}`
    const names: Array<{ name: string, number: number }> = []
    for (const name of env.getChildren(location)) {
      const parsed = parseFileName(name)
      if (parsed !== undefined && (parsed.type === 'table' || parsed.type === 'log')) names.push({ name, number: parsed.number })
    }
    names.sort((a, b) => a.number - b.number)
    if (!env.fileExists(joinPath(location, manifest))) throw invalidArgument(`${location}: CURRENT names ${manifest}, which is missing`)
    for (const name of [...names.map((n) => n.name), manifest, 'CURRENT']) {
      const file = env.newRandomAccessFile(joinPath(location, name))
      try {
        const size = file.size
        let offset = 0
        do {
          const data = file.read(offset, Math.min(chunkSize, size - offset))
          yield { name, offset, size, data }
          offset += data.length
          if (data.length === 0) break
        } while (offset < size)
      } finally {
        file.close()
      }
    }
  } finally {
    env.unlockFile(lock)
  }
}

export interface ImportResult {
  /** Files written, CURRENT included. */
  files: number
  bytes: number
}

/**
 * Writes a database's files (chunks as exportDatabase yields them: each file's chunks together and
 * in order, any file order) into `location`, which must be missing or an empty directory: an
 * existing database is never overwritten. Only LevelDB's tables, logs, MANIFESTs and CURRENT are
 * accepted; LOCK and the info logs are skipped, any other name is refused. CURRENT is written
 * last, after every file is synced and the directory synced, so a cut import leaves a directory
 * that no open takes for a database. On an error, the files written so far are removed.
 */
export async function importDatabase (env: Env, location: string, chunks: AsyncIterable<DatabaseChunk> | Iterable<DatabaseChunk>): Promise<ImportResult> {
  await beginDatabaseDir(env, location)
  const written: string[] = []
  const result: ImportResult = { files: 0, bytes: 0 }
  /** The file whose chunks arrive now: being written, CURRENT (kept in memory), or skipped. */
  let at: { name: string, kind: 'file' | 'current' | 'skip', file?: WritableFile, size?: number } | undefined
  let current: Uint8Array | undefined
  const finish = async (): Promise<void> => {
    const file = at?.file
    if (file === undefined) return
    try {
      if (at!.size !== undefined && file.size !== at!.size) throw invalidArgument(`import of ${at!.name}: ${file.size} bytes of ${at!.size}: the stream was cut`)
      await file.syncAsync()
    } finally {
      at!.file = undefined
      file.close()
    }
    result.files++
  }
  try {
    const seen = new Set<string>()
    for await (const { name, offset, size, data } of chunks) {
      if (at?.name !== name) {
        await finish()
        if (seen.has(name)) throw invalidArgument(`import: the chunks of ${name} are not together`)
        seen.add(name)
        const type = parseFileName(name)?.type
        if (type === 'lock' || type === 'infoLog') {
          at = { name, kind: 'skip' }
        } else if (type === 'current') {
          at = { name, kind: 'current' }
          current = new Uint8Array(0)
        } else if (type === 'table' || type === 'log' || type === 'manifest') {
          const path = joinPath(location, name)
          if (env.prepareFiles !== undefined) await env.prepareFiles([path])
          written.push(path)
          at = { name, kind: 'file', file: env.newWritableFile(path), size }
        } else {
          throw invalidArgument(`import: ${JSON.stringify(name)} is not a file of a LevelDB database`)
        }
      }
      if (at.kind === 'skip') continue
      const have = at.file?.size ?? current!.length
      if (offset !== have) throw invalidArgument(`import of ${name}: a chunk at offset ${offset} where ${have} bytes were written`)
      if (at.file !== undefined) {
        at.file.append(data)
      } else {
        if (current!.length + data.length > MAX_CURRENT) throw invalidArgument('import: CURRENT is too long')
        const joined = new Uint8Array(current!.length + data.length)
        joined.set(current!)
        joined.set(data, current!.length)
        current = joined
      }
      result.bytes += data.length
    }
    await finish()
    if (current === undefined) throw invalidArgument('import: the files hold no CURRENT')
    const line = fromUtf8(current)
    const number = Number(CURRENT_LINE.exec(line)?.[1] ?? NaN)
    if (!written.includes(manifestFileName(location, number))) {
      throw invalidArgument(`import: CURRENT (${JSON.stringify(line.slice(0, 40))}) names no MANIFEST among the files`)
    }
    // Every file is synced; their entries durable before CURRENT can name the MANIFEST.
    env.syncDir(location)
    if (env.prepareFiles !== undefined) await env.prepareFiles([tempFileName(location, number)])
    setCurrentFile(env, location, number)
    if (env.settle !== undefined) await env.settle()
    result.files++
    return result
  } catch (err) {
    try { at?.file?.close() } catch { /* closing is best effort here */ }
    removeQuietly(env, location, written)
    throw err
  }
}

/** Best effort after a failed import: the written files, then the placeholder CURRENT, then the directory. */
function removeQuietly (env: Env, location: string, written: readonly string[]): void {
  for (const path of [...written, currentFileName(location)]) {
    try { env.removeFile(path) } catch { /* already gone, or still open */ }
  }
  try { env.removeDir(location) } catch { /* not empty, or gone */ }
}

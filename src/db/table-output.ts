// One table file being written by a flush or a compaction: a TableBuilder over a new file, set up
// with the engine's table options, that remembers the smallest and largest key it was given and
// ends either as durable FileMetaData (finish) or as nothing at all (abandon).
//
// A job never leaves a half-written table behind: a partial file is not named by any MANIFEST
// record, so it would only be garbage for the next obsolete-file sweep, and on a full disk it is
// exactly the space the engine needs back.

import type { Env, WritableFile } from '../env/env.js'
import { InternalFilterPolicy, InternalKeyComparator } from '../dbformat/internal-key.js'
import { tableFileName } from '../dbformat/filename.js'
import { BloomFilterPolicy } from '../table/bloom.js'
import { TableBuilder } from '../table/table-builder.js'
import type { FileMetaData } from '../version/version-edit.js'

export interface TableWriteOptions {
  blockSize: number
  blockRestartInterval: number
  compression: 'snappy' | 'none'
  /** Bloom filter bits per user key; 0 writes no filter block. */
  bloomBitsPerKey: number
  /**
   * Orders the internal keys written; default: bytewise user keys. Only a database opened with a
   * custom user comparator needs to pass it.
   */
  comparator?: InternalKeyComparator
}

const defaultComparator = new InternalKeyComparator()

/** The internal-key comparator `options` write with. */
export function tableComparator (options: TableWriteOptions): InternalKeyComparator {
  return options.comparator ?? defaultComparator
}

export class TableOutput {
  readonly number: number
  readonly path: string
  private readonly env: Env
  private readonly file: WritableFile
  private readonly builder: TableBuilder
  private smallest: Uint8Array | undefined
  private done = false

  private constructor (env: Env, path: string, number: number, file: WritableFile, builder: TableBuilder) {
    this.env = env
    this.path = path
    this.number = number
    this.file = file
    this.builder = builder
  }

  /** create(), after the Env's prepareFiles where it has one (OpfsEnv). */
  static async createPrepared (env: Env, location: string, number: number, options: TableWriteOptions): Promise<TableOutput> {
    if (env.prepareFiles !== undefined) await env.prepareFiles([tableFileName(location, number)])
    return TableOutput.create(env, location, number, options)
  }

  /** Creates table file `number` in `location`. Nothing is left behind if this throws. */
  static create (env: Env, location: string, number: number, options: TableWriteOptions): TableOutput {
    const path = tableFileName(location, number)
    const file = env.newWritableFile(path)
    try {
      const builder = new TableBuilder(file, {
        comparator: tableComparator(options),
        blockSize: options.blockSize,
        blockRestartInterval: options.blockRestartInterval,
        compression: options.compression,
        // The filter is built over user keys (a Get probes with its own sequence number), under
        // the policy name LevelDB records, so that either engine uses the other's filters.
        filterPolicy: options.bloomBitsPerKey > 0
          ? new InternalFilterPolicy(new BloomFilterPolicy(options.bloomBitsPerKey))
          : undefined
      })
      return new TableOutput(env, path, number, file, builder)
    } catch (err) {
      discard(env, file, path)
      throw err
    }
  }

  /** Entries added so far. */
  get numEntries (): number {
    return this.builder.numEntries
  }

  /** Bytes of table produced so far (excluding the data block being filled). */
  get fileSize (): number {
    return this.builder.fileSize
  }

  /** Adds an entry; keys must be strictly increasing internal keys. The views may be reused after. */
  add (key: Uint8Array, value: Uint8Array): void {
    this.builder.add(key, value)
    if (this.smallest === undefined) this.smallest = key.slice()
  }

  /**
   * Writes the rest of the table, syncs and closes the file, and returns its metadata. The file's
   * directory entry is not synced here: a job syncs the directory once for all its outputs. On
   * failure the partial file is removed and the error rethrown.
   */
  finish (): FileMetaData {
    const meta = this.writeRest()
    try {
      this.file.sync()
      this.file.close()
    } catch (err) {
      this.abandon()
      throw err
    }
    this.done = true
    return meta
  }

  /** As finish(), but the fsync does not block the calling thread. */
  async finishAsync (): Promise<FileMetaData> {
    const meta = this.writeRest()
    try {
      await this.file.syncAsync()
      this.file.close()
    } catch (err) {
      this.abandon()
      throw err
    }
    this.done = true
    return meta
  }

  /** Stops writing, closes and removes the file. Never throws: it runs on paths that already failed. */
  abandon (): void {
    if (this.done) return
    this.done = true
    this.builder.abandon()
    discard(this.env, this.file, this.path)
  }

  private writeRest (): FileMetaData {
    if (this.done) throw new Error(`table ${this.path} already finished or abandoned`)
    if (this.smallest === undefined) {
      this.abandon()
      throw new Error(`table ${this.path} finished with no entries`)
    }
    try {
      this.builder.finish()
    } catch (err) {
      this.abandon()
      throw err
    }
    return {
      number: this.number,
      fileSize: this.builder.fileSize,
      smallest: this.smallest,
      // The builder keeps the last key added for its own use.
      largest: this.builder.lastKeyCopy()
    }
  }
}

/** Removes table `number` again (a later step of its job failed). Never throws. */
export function removeTable (env: Env, location: string, number: number): void {
  try {
    env.removeFile(tableFileName(location, number))
  } catch {
    // The file is named by no MANIFEST record, so the next obsolete-file sweep removes it.
  }
}

function discard (env: Env, file: WritableFile, path: string): void {
  try {
    file.close()
  } catch {
    // The close failure does not matter: the file is being thrown away.
  }
  try {
    env.removeFile(path)
  } catch {
    // As in removeTable: an unnamed table is collected by the next obsolete-file sweep.
  }
}

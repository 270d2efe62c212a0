// The engine: a database directory opened for reading and writing (doc/engine.md).
// SKELETON: the signatures are the contract; the bodies are being written.

import type { DBOptions } from './options.js'
import type { DBIteratorHandle, IteratorOptions, ReadOptions, Snapshot, WriteOptions } from './api.js'
import type { WriteBatch } from '../dbformat/write-batch.js'
import type { Env } from '../env/env.js'

export class DB {
  /** Opens (or creates) the database at `location`: lock, recover, replay logs, clean up. */
  static async open (location: string, options: DBOptions = {}): Promise<DB> {
    void location; void options
    throw new Error('not implemented')
  }

  /** Deletes every LevelDB file of a closed database and the directory if it is then empty. */
  static async destroy (location: string, options: { env?: Env } = {}): Promise<void> {
    void location; void options
    throw new Error('not implemented')
  }

  readonly location: string = ''

  async put (key: Uint8Array, value: Uint8Array, options?: WriteOptions): Promise<void> {
    void key; void value; void options
  }

  async del (key: Uint8Array, options?: WriteOptions): Promise<void> {
    void key; void options
  }

  /** Applies a batch atomically. The batch's sequence field is assigned by the engine. */
  async write (batch: WriteBatch, options?: WriteOptions): Promise<void> {
    void batch; void options
  }

  async get (key: Uint8Array, options?: ReadOptions): Promise<Uint8Array | undefined> {
    return this.getSync(key, options)
  }

  getSync (key: Uint8Array, options?: ReadOptions): Uint8Array | undefined {
    void key; void options
    return undefined
  }

  iterator (options?: IteratorOptions): DBIteratorHandle {
    void options
    throw new Error('not implemented')
  }

  snapshot (): Snapshot {
    throw new Error('not implemented')
  }

  /** 'shale.stats', 'shale.sstables', 'shale.num-files-at-level<N>', 'shale.approximate-memory-usage'. */
  getProperty (name: string): string | undefined {
    void name
    return undefined
  }

  /** Approximate bytes of table files holding keys in [start, end). */
  approximateSize (start: Uint8Array, end: Uint8Array): number {
    void start; void end
    return 0
  }

  /** Flushes the memtable and compacts every level over [start, end] (undefined: unbounded). */
  async compactRange (start?: Uint8Array, end?: Uint8Array): Promise<void> {
    void start; void end
  }

  /** Flushes the memtable to a table and waits for it (LevelDB's TEST_CompactMemTable). */
  async flush (): Promise<void> {}

  /** Compacts one level's files overlapping [start, end] into the next (LevelDB's TEST_CompactRange). */
  async compactLevel (level: number, start?: Uint8Array, end?: Uint8Array): Promise<void> {
    void level; void start; void end
  }

  /** Waits until no flush or compaction is pending or running. */
  async waitForIdle (): Promise<void> {}

  /** Waits for background work, closes iterators and snapshots, syncs nothing more, unlocks. */
  async close (): Promise<void> {}
}

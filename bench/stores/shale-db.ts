// Shale's lean engine API (DB from src/db/db.ts): bytes in, bytes out whatever the run's encoding
// (it has no encoding layer), and no abstract-level bookkeeping. Its reads and iterators are synchronous, so they are returned as
// plain values; the harness's "awaited" get still awaits the engine's async get().

import { DB } from '../../src/db/db.js'
import type { DBIteratorHandle } from '../../src/db/api.js'
import { WriteBatch } from '../../src/dbformat/write-batch.js'
import type { BenchCursor, BenchData, BenchEntry, OpenMode, StoreAdapter } from './store.js'
import { blockCacheLabel, shaleVersion } from './store.js'

const SYNC = { sync: true }

export class ShaleDBStore implements StoreAdapter {
  readonly name = 'shale-db'
  readonly version = shaleVersion()
  readonly durable = true
  readonly hasGetSync = true
  readonly configuration: string
  readonly strings = false
  private engine: DB | undefined

  constructor (private readonly cacheSize?: number) {
    this.configuration = `Shale engine API (DB.open), default options (4 MiB write buffer, ${blockCacheLabel(cacheSize)}, Snappy, 10-bit bloom), bytes (no encodings)`
  }

  private get db (): DB {
    if (this.engine === undefined) throw new Error('shale-db is not open')
    return this.engine
  }

  async open (dir: string, _mode: OpenMode): Promise<void> {
    this.engine = await DB.open(dir, this.cacheSize === undefined ? {} : { cacheSize: this.cacheSize })
  }

  async close (): Promise<void> {
    const db = this.engine
    this.engine = undefined
    await db?.close()
  }

  // The harness gives a store with `strings` false bytes only.
  async put (key: BenchData, value: BenchData, sync: boolean): Promise<void> {
    await this.db.put(key as Uint8Array, value as Uint8Array, sync ? SYNC : undefined)
  }

  async batch (keys: BenchData[], values: BenchData[]): Promise<void> {
    const batch = new WriteBatch()
    for (let i = 0; i < keys.length; i++) batch.put(keys[i] as Uint8Array, values[i] as Uint8Array)
    await this.db.write(batch)
  }

  async get (key: BenchData): Promise<Uint8Array | undefined> {
    return await this.db.get(key as Uint8Array)
  }

  getSync (key: BenchData): Uint8Array | undefined {
    return this.db.getSync(key as Uint8Array)
  }

  cursor (reverse: boolean): BenchCursor {
    const it: DBIteratorHandle = this.db.iterator({ reverse })
    return {
      // Both slots are filled: keys and values are on.
      nextv: (size) => it.nextv(size) as BenchEntry[],
      close: () => { it.close() }
    }
  }

  seek (target: BenchData): Uint8Array | undefined {
    const it = this.db.iterator({ gte: target as Uint8Array, limit: 1 })
    try {
      return it.next()?.[0]
    } finally {
      it.close()
    }
  }

  stats (): string | undefined {
    return this.engine?.getProperty('shale.stats')
  }
}

// lmdb-js (LMDB in a native addon): a memory-mapped B+-tree, read synchronously on the main
// thread, written by transactions that a background thread commits (writes issued in one event
// turn share a transaction).
//
// Durability is a property of the open environment, not of each write. For the ordinary phases it
// is opened with noSync: a committed write is in the file's pages, which survives a crash of the
// process but not a power loss -- the same promise a LevelDB write with sync: false makes. For
// the sync phases it is opened with its defaults (every commit flushed to disk), and each put
// also waits for db.flushed, because with overlappingSync (the default on Linux) a put resolves
// when it is committed, before the flush.

import { open, type RootDatabase } from 'lmdb'
import type { BenchCursor, BenchEntry, OpenMode, StoreAdapter } from './store.js'
import { packageVersion } from './store.js'

type Db = RootDatabase<Uint8Array, Uint8Array>

export class LmdbStore implements StoreAdapter {
  readonly name = 'lmdb'
  readonly version = packageVersion('lmdb')
  readonly durable = true
  readonly hasGetSync = true
  readonly configuration = 'lmdb-js, binary keys and values, noSync for non-sync phases, default (flushed) commits plus db.flushed for sync phases'
  private root: Db | undefined
  private syncMode = false

  private get db (): Db {
    if (this.root === undefined) throw new Error('lmdb is not open')
    return this.root
  }

  async open (dir: string, mode: OpenMode): Promise<void> {
    this.syncMode = mode.sync
    this.root = open<Uint8Array, Uint8Array>(dir, { keyEncoding: 'binary', encoding: 'binary', noSync: !mode.sync })
  }

  async close (): Promise<void> {
    const db = this.root
    this.root = undefined
    await db?.close()
  }

  async put (key: Uint8Array, value: Uint8Array, sync: boolean): Promise<void> {
    if (sync && !this.syncMode) throw new Error('lmdb: a sync write needs the store opened for sync')
    await this.db.put(key, value)
    if (sync) await this.db.flushed
  }

  async batch (keys: Uint8Array[], values: Uint8Array[]): Promise<void> {
    const db = this.db
    await db.batch(() => {
      for (let i = 0; i < keys.length; i++) void db.put(keys[i]!, values[i]!)
    })
  }

  // lmdb has no asynchronous get: an awaited get awaits its synchronous result, as code written
  // against an awaited interface would.
  async get (key: Uint8Array): Promise<Uint8Array | undefined> {
    return this.db.get(key)
  }

  getSync (key: Uint8Array): Uint8Array | undefined {
    return this.db.get(key)
  }

  cursor (reverse: boolean): BenchCursor {
    const it = this.db.getRange({ reverse })[Symbol.iterator]()
    return {
      nextv: (size) => {
        const out: BenchEntry[] = []
        while (out.length < size) {
          const r = it.next()
          if (r.done === true) break
          out.push([r.value.key, r.value.value])
        }
        return out
      },
      close: () => { it.return?.() }
    }
  }

  seek (target: Uint8Array): Uint8Array | undefined {
    for (const { key } of this.db.getRange({ start: target, limit: 1 })) return key
    return undefined
  }

  stats (): string | undefined {
    return undefined
  }
}

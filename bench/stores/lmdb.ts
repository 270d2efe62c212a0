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
//
// lmdb-js has its own encodings, matched to the run's: for utf8, string keys in its default key
// encoding (ordered-binary: a string is its UTF-8 bytes) and its 'string' value encoding; for
// json, the same keys and its 'json' value encoding; for buffer and view, binary keys and values.

import { open, type RootDatabase } from 'lmdb'
import type { BenchCursor, BenchData, BenchEncoding, BenchEntry, OpenMode, StoreAdapter } from './store.js'
import { packageVersion, takesStrings } from './store.js'

type Db = RootDatabase<BenchData, BenchData>

export class LmdbStore implements StoreAdapter {
  readonly name = 'lmdb'
  readonly version = packageVersion('lmdb')
  readonly durable = true
  readonly hasGetSync = true
  readonly strings: boolean
  readonly configuration: string
  private root: Db | undefined
  private syncMode = false

  constructor (private readonly encoding: BenchEncoding) {
    this.strings = takesStrings(encoding)
    const data = encoding === 'utf8'
      ? 'string keys (ordered-binary) and string values'
      : encoding === 'json' ? 'string keys (ordered-binary) and json values' : 'binary keys and values'
    this.configuration = `lmdb-js, ${data} (for the ${encoding} encoding), noSync for non-sync phases, default (flushed) commits plus db.flushed for sync phases`
  }

  private get db (): Db {
    if (this.root === undefined) throw new Error('lmdb is not open')
    return this.root
  }

  async open (dir: string, mode: OpenMode): Promise<void> {
    this.syncMode = mode.sync
    this.root = this.strings
      ? open<BenchData, BenchData>(dir, { encoding: this.encoding === 'json' ? 'json' : 'string', noSync: !mode.sync })
      : open<BenchData, BenchData>(dir, { keyEncoding: 'binary', encoding: 'binary', noSync: !mode.sync })
  }

  async close (): Promise<void> {
    const db = this.root
    this.root = undefined
    await db?.close()
  }

  async put (key: BenchData, value: BenchData, sync: boolean): Promise<void> {
    if (sync && !this.syncMode) throw new Error('lmdb: a sync write needs the store opened for sync')
    await this.db.put(key, value)
    if (sync) await this.db.flushed
  }

  async batch (keys: BenchData[], values: BenchData[]): Promise<void> {
    const db = this.db
    await db.batch(() => {
      for (let i = 0; i < keys.length; i++) void db.put(keys[i]!, values[i]!)
    })
  }

  // lmdb has no asynchronous get: an awaited get awaits its synchronous result, as code written
  // against an awaited interface would.
  async get (key: BenchData): Promise<BenchData | undefined> {
    return this.db.get(key)
  }

  getSync (key: BenchData): BenchData | undefined {
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

  seek (target: BenchData): BenchData | undefined {
    for (const { key } of this.db.getRange({ start: target, limit: 1 })) return key
    return undefined
  }

  stats (): string | undefined {
    return undefined
  }
}

// The part shared by the three abstract-level stores (ShaleLevel, classic-level, memory-level):
// they differ only in how the database is constructed, so the workloads go through exactly the
// same abstract-level calls for each, in the same encoding, which is what a user switching
// between them would run.

import { takesStrings, type BenchCursor, type BenchData, type BenchEncoding, type BenchEntry, type OpenMode, type StoreAdapter } from './store.js'

type LevelEntry = [unknown, unknown]

/** The slice of abstract-level's database interface the harness uses (typed loosely on purpose:
 *  each package declares its own generics, and the harness passes keys and values of the type
 *  the run's encoding takes: strings for utf8 and json, Buffers for buffer and view). */
export interface LevelLike {
  open (): Promise<void>
  close (): Promise<void>
  put (key: unknown, value: unknown, options?: { sync?: boolean }): Promise<void>
  get (key: unknown): Promise<unknown>
  getSync (key: unknown): unknown
  batch (operations: Array<{ type: 'put', key: unknown, value: unknown }>): Promise<void>
  iterator (options?: Record<string, unknown>): {
    next (): Promise<LevelEntry | undefined>
    nextv (size: number): Promise<LevelEntry[]>
    close (): Promise<void>
  }
  getProperty?: (name: string) => string
}

export abstract class AbstractLevelStore implements StoreAdapter {
  abstract readonly name: string
  abstract readonly version: string
  abstract readonly durable: boolean
  abstract readonly configuration: string
  readonly hasGetSync: boolean = true
  /** The property holding the store's statistics, if it has one. */
  protected readonly statsProperty: string | undefined = undefined
  readonly strings: boolean
  private db: LevelLike | undefined

  /** `encoding` is both the keyEncoding and the valueEncoding of the database. */
  constructor (protected readonly encoding: BenchEncoding) {
    this.strings = takesStrings(encoding)
  }

  /** A new, unopened database at `dir`, in this.encoding. */
  protected abstract create (dir: string): LevelLike

  protected get level (): LevelLike {
    if (this.db === undefined) throw new Error(`${this.name} is not open`)
    return this.db
  }

  async open (dir: string, _mode: OpenMode): Promise<void> {
    const db = this.create(dir)
    await db.open()
    this.db = db
  }

  async close (): Promise<void> {
    const db = this.db
    this.db = undefined
    await db?.close()
  }

  async put (key: BenchData, value: BenchData, sync: boolean): Promise<void> {
    // Pass no options object at all for the common case, as an application would.
    if (sync) await this.level.put(key, value, { sync: true })
    else await this.level.put(key, value)
  }

  async batch (keys: BenchData[], values: BenchData[]): Promise<void> {
    const ops = new Array<{ type: 'put', key: unknown, value: unknown }>(keys.length)
    for (let i = 0; i < keys.length; i++) ops[i] = { type: 'put', key: keys[i], value: values[i] }
    await this.level.batch(ops)
  }

  async get (key: BenchData): Promise<BenchData | undefined> {
    return await this.level.get(key) as BenchData | undefined
  }

  getSync (key: BenchData): BenchData | undefined {
    return this.level.getSync(key) as BenchData | undefined
  }

  cursor (reverse: boolean): BenchCursor {
    const it = this.level.iterator({ reverse })
    return {
      nextv: (size) => it.nextv(size) as Promise<BenchEntry[]>,
      close: () => it.close()
    }
  }

  async seek (target: BenchData): Promise<BenchData | undefined> {
    const it = this.level.iterator({ gte: target, limit: 1 })
    try {
      const entry = await it.next()
      return entry === undefined ? undefined : entry[0] as BenchData
    } finally {
      await it.close()
    }
  }

  stats (): string | undefined {
    const name = this.statsProperty
    if (name === undefined || this.db?.getProperty === undefined) return undefined
    try {
      return this.db.getProperty(name)
    } catch {
      return undefined
    }
  }
}

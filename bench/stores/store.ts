// What the db_bench harness needs from a store, and where each store's adapter lives.
//
// Every store is driven through this one narrow interface so that the workloads are the same code
// for all of them; an adapter does only what its store's own API makes idiomatic (its native key
// and value format, its own batch call, its own way of iterating). Where a store finishes a call
// synchronously (getSync, lmdb's get, the engine's iterators) the adapter returns a plain value
// rather than a promise, and the harness does not await it: wrapping would charge the store for
// a promise it does not make.

import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'

/**
 * A key or a value as the harness hands it to a store and gets it back: a string for the 'utf8'
 * and 'json' encodings, bytes (a Buffer) otherwise.
 */
export type BenchData = Uint8Array | string

/** A key and a value. */
export type BenchEntry = [key: BenchData, value: BenchData]

/**
 * The encoding every abstract-level store of a run is opened with (its keyEncoding and
 * valueEncoding): what users run. 'utf8' and 'json' are given strings, 'buffer' and 'view' bytes.
 */
export const ENCODINGS = ['utf8', 'buffer', 'json', 'view'] as const
export type BenchEncoding = typeof ENCODINGS[number]

export function isEncoding (name: string): name is BenchEncoding {
  return (ENCODINGS as readonly string[]).includes(name)
}

/** Whether a store in this encoding takes and returns strings (else bytes). */
export function takesStrings (encoding: BenchEncoding): boolean {
  return encoding === 'utf8' || encoding === 'json'
}

/** A forward or reverse cursor over the whole store, read in chunks. */
export interface BenchCursor {
  /** Up to `size` next entries; fewer (possibly none) only at the end. */
  nextv (size: number): BenchEntry[] | Promise<BenchEntry[]>
  close (): void | Promise<void>
}

export interface OpenMode {
  /**
   * Whether the phase about to run writes with sync (fdatasync before a write resolves). A store
   * whose durability is set when it opens (lmdb) opens accordingly; the others ignore it.
   */
  sync: boolean
}

export interface StoreAdapter {
  /** The name used on the command line and in the table. */
  readonly name: string
  /** The package version measured. */
  readonly version: string
  /** False for a RAM-only store: sync writes, on-disk size and write amplification do not apply. */
  readonly durable: boolean
  /** Whether getSync() works. */
  readonly hasGetSync: boolean
  /** A sentence on how this store is configured, recorded in the JSON. */
  readonly configuration: string
  /** Whether keys and values are given and returned as strings (else as bytes). */
  readonly strings: boolean

  open (dir: string, mode: OpenMode): Promise<void>
  close (): Promise<void>

  put (key: BenchData, value: BenchData, sync: boolean): Promise<void>
  /** Writes keys[i] -> values[i] for every i, atomically. */
  batch (keys: BenchData[], values: BenchData[]): Promise<void>
  get (key: BenchData): Promise<BenchData | undefined>
  getSync (key: BenchData): BenchData | undefined
  cursor (reverse: boolean): BenchCursor
  /** The first key >= target, read through a new iterator (db_bench's seekrandom). */
  seek (target: BenchData): BenchData | undefined | Promise<BenchData | undefined>
  /** The store's own statistics text, if it has one (LevelDB's "stats" property). */
  stats (): string | undefined
}

/** The stores the harness knows, in the order the table shows them. */
export const STORE_NAMES = ['shale-db', 'shale-level', 'classic-level', 'lmdb', 'memory-level'] as const
export type StoreName = typeof STORE_NAMES[number]

/** The Shale stores (the subject); the others are the peers it is compared with. */
export const SHALE_STORES: readonly StoreName[] = ['shale-db', 'shale-level']

export function isStoreName (name: string): name is StoreName {
  return (STORE_NAMES as readonly string[]).includes(name)
}

/**
 * Loads one adapter, set up for the run's encoding (the engine API has none: it always takes
 * bytes). Each lives in its own module and is imported only when asked for, so that a run without
 * lmdb never loads its native addon (and a missing peer package fails only its store).
 * `cacheSize` (bytes) replaces the default block cache of the stores that have one (Shale's and
 * classic-level); lmdb-js and memory-level have none.
 */
export async function loadStore (name: StoreName, encoding: BenchEncoding, cacheSize?: number): Promise<StoreAdapter> {
  switch (name) {
    case 'shale-db': return new (await import('./shale-db.js')).ShaleDBStore(cacheSize)
    case 'shale-level': return new (await import('./shale-level.js')).ShaleLevelStore(encoding, cacheSize)
    case 'classic-level': return new (await import('./classic-level.js')).ClassicLevelStore(encoding, cacheSize)
    case 'lmdb': return new (await import('./lmdb.js')).LmdbStore(encoding)
    case 'memory-level': return new (await import('./memory-level.js')).MemoryLevelStore(encoding)
  }
}

/** The version of an installed package, read from its package.json ('?' if it cannot be found). */
export function packageVersion (packageName: string): string {
  try {
    const require = createRequire(import.meta.url)
    // Resolve the entry point, then walk up to the package.json naming this package: some packages'
    // "exports" maps do not expose package.json itself.
    let dir = dirname(require.resolve(packageName))
    for (;;) {
      const file = join(dir, 'package.json')
      if (existsSync(file)) {
        const json = JSON.parse(readFileSync(file, 'utf8')) as { name?: string, version?: string }
        if (json.name === packageName && typeof json.version === 'string') return json.version
      }
      const parent = dirname(dir)
      if (parent === dir) return '?'
      dir = parent
    }
  } catch {
    return '?'
  }
}

/** Shale's own version, from the package.json at the root of this repository. */
export function shaleVersion (): string {
  // Compiled, this module is dist/bench/stores/store.js; the sources are bench/stores/store.ts.
  for (const up of ['../../../package.json', '../../package.json']) {
    try {
      const json = JSON.parse(readFileSync(new URL(up, import.meta.url), 'utf8')) as { name?: string, version?: string }
      if (json.name === 'shale' && typeof json.version === 'string') return json.version
    } catch { /* try the next */ }
  }
  return '?'
}

/** How a store's block cache is described in its configuration: the default, or the size given. */
export function blockCacheLabel (cacheSize: number | undefined): string {
  return cacheSize === undefined ? '8 MiB block cache' : `${(cacheSize / (1024 * 1024)).toFixed(1)} MiB block cache (--cache-size)`
}

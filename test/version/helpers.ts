// Shared pieces for the version-layer tests: internal keys from strings, file metadata, real
// tables written into a MemEnv, a VersionSet over a fresh database, and a plain-data picture of
// a VersionSet's state for deep comparison.

import { utf8, fromUtf8 } from '../../src/util/coding.js'
import { MemEnv } from '../../src/env/mem-env.js'
import type { Env } from '../../src/env/env.js'
import { tableFileName } from '../../src/dbformat/filename.js'
import { InternalFilterPolicy, InternalKeyComparator, makeInternalKey, ValueType } from '../../src/dbformat/internal-key.js'
import { BloomFilterPolicy } from '../../src/table/bloom.js'
import { TableBuilder } from '../../src/table/table-builder.js'
import { TableCache } from '../../src/version/table-cache.js'
import { VersionSet, type VersionSetOptions } from '../../src/version/version-set.js'
import { NUM_LEVELS, type FileMetaData } from '../../src/version/version-edit.js'
import type { Version } from '../../src/version/version.js'

export const DB = '/db'
export const icmp = new InternalKeyComparator()
export const filterPolicy = new InternalFilterPolicy(new BloomFilterPolicy(10))

/** Internal key of (user, seq, type). */
export function ik (user: string, seq = 100, type: ValueType = ValueType.Value): Uint8Array {
  return makeInternalKey(utf8(user), seq, type)
}

/** A file spanning [smallest@seq, largest@seq], without a table behind it. */
export function meta (number: number, smallest: string, largest: string, fileSize = 1000,
  smallestSeq = 100, largestSeq = 100): FileMetaData {
  return { number, fileSize, smallest: ik(smallest, smallestSeq), largest: ik(largest, largestSeq) }
}

/** A MemEnv holding an empty, durable directory /db. */
export function newEnv (): MemEnv {
  const env = new MemEnv()
  env.createDir(DB)
  env.syncDir('/')
  return env
}

export interface TableEntry {
  key: string
  seq: number
  /** Undefined: a deletion. */
  value?: string
}

/**
 * Writes a real table (sorted entries, no compression, bloom filter) as <number>.ldb, synced
 * and closed as a flush would, and returns its metadata.
 */
export function writeTable (env: Env, number: number, entries: TableEntry[], name = tableFileName(DB, number)): FileMetaData {
  const keys = entries.map((e) => ({
    ikey: ik(e.key, e.seq, e.value === undefined ? ValueType.Deletion : ValueType.Value),
    value: utf8(e.value ?? '')
  }))
  keys.sort((a, b) => icmp.compare(a.ikey, b.ikey))
  const file = env.newWritableFile(name)
  const builder = new TableBuilder(file, { comparator: icmp, compression: 'none', filterPolicy, blockSize: 256 })
  for (const { ikey, value } of keys) builder.add(ikey, value)
  const fileSize = builder.finish()
  file.sync()
  file.close()
  return { number, fileSize, smallest: keys[0]!.ikey, largest: keys[keys.length - 1]!.ikey }
}

export interface Fixture {
  env: Env
  tableCache: TableCache
  vset: VersionSet
}

/** A VersionSet over `env` (with tables cached through a fresh TableCache), not yet recovered. */
export function openVersionSet (env: Env, options: Partial<VersionSetOptions> & { maxOpenFiles?: number } = {}): Fixture {
  const tableCache = new TableCache(env, DB, { icmp, filterPolicy, maxOpenFiles: options.maxOpenFiles ?? 100 })
  const vset = new VersionSet({
    env,
    location: DB,
    icmp,
    tableCache,
    maxFileSize: 2 * 1024 * 1024,
    maxManifestFileSize: 64 * 1024 * 1024,
    ...options
  })
  return { env, tableCache, vset }
}

/** createNew + recover on `env`. */
export function createAndRecover (env: Env, options: Partial<VersionSetOptions> & { maxOpenFiles?: number } = {}): Fixture {
  VersionSet.createNew(env, DB, icmp)
  const fixture = openVersionSet(env, options)
  fixture.vset.recover()
  return fixture
}

/** The files of a Version as "level:number" strings, level by level. */
export function filesOf (v: Version): string[] {
  const out: string[] = []
  for (let level = 0; level < NUM_LEVELS; level++) for (const f of v.files[level]!) out.push(`${level}:${f.number}`)
  return out
}

/** What recovery must reproduce: files, log numbers and last sequence. */
export interface State {
  files: string[]
  logNumber: number
  prevLogNumber: number
  lastSequence: number
}

export function stateOf (vset: VersionSet): State {
  return { files: filesOf(vset.current), logNumber: vset.logNumber, prevLogNumber: vset.prevLogNumber, lastSequence: vset.lastSequence }
}

/** CURRENT's content. */
export function readCurrent (env: Env): string {
  return fromUtf8(env.readFile(`${DB}/CURRENT`))
}

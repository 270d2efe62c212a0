// Engine options, with classic-level's names and defaults, clipped to the ranges LevelDB accepts
// except for two lower floors (NUMBER_OPTIONS says which, and why); doc/table.md and doc/version.md
// say what each shapes.

import type { Env } from '../env/env.js'
import { invalidArgument } from '../util/errors.js'
import type { TableWriteOptions } from './table-output.js'
import { DEFAULT_MAX_INFO_LOG_SIZE } from './info-log.js'

export interface DBOptions {
  /** The file-system seam; default a NodeEnv (in a browser there is no default: doc/browser.md). */
  env?: Env
  /** Create the database if it does not exist. Default true. */
  createIfMissing?: boolean
  /** Fail if the database already exists. Default false. */
  errorIfExists?: boolean
  /** Fail open on any corruption found in the log or MANIFEST. Default false. */
  paranoidChecks?: boolean
  /** Snappy-compress table blocks. Default true. */
  compression?: boolean
  /** Block cache capacity in bytes. Default 8 MiB. */
  cacheSize?: number
  /** Memtable size at which it is flushed to a table. Default 4 MiB, clipped to [1 KiB, 1 GiB] (LevelDB: from 64 KiB). */
  writeBufferSize?: number
  /** Uncompressed data-block size. Default 4096, clipped to [1 KiB, 4 MiB]. */
  blockSize?: number
  /** Table files kept open. Default 1000, clipped to [74, 50000]. */
  maxOpenFiles?: number
  /** Keys between restart points in a block. Default 16, at least 1. */
  blockRestartInterval?: number
  /** Target size of a table written by compaction. Default 2 MiB, clipped to [1 KiB, 1 GiB] (LevelDB: from 1 MiB). */
  maxFileSize?: number
  /** Bloom filter bits per key; 0 turns the filter off. Default 10, as classic-level. */
  bloomBitsPerKey?: number
  /** The MANIFEST is rewritten as a fresh snapshot once it grows past this. Default 64 MiB. */
  maxManifestFileSize?: number
  /**
   * The info log `LOG` (doc/info-log.md) is renamed to `LOG.old` and restarted once it would grow
   * past this many bytes. Default 1 MiB, at least 1 KiB; 0 writes no LOG.
   */
  maxInfoLogFileSize?: number
  /**
   * Run flush and compaction jobs in worker threads, off the event loop. Default true. With
   * false they run on the calling thread, which keeps the order of file-system calls
   * deterministic (the exhaustive crash tests rely on that).
   */
  backgroundWorkers?: boolean
  /**
   * Threads that read data blocks for gets that miss the block cache while other gets are in
   * flight (doc/read-workers.md). 0 reads every block on the calling thread. Only on the real
   * file system (NodeEnv); shared by every database of the process.
   */
  readWorkers?: number
  /**
   * Open for reading only (doc/engine.md, "Read-only open"): no lock, no file written, no
   * compaction; the logs are replayed into memory. The database must exist. Default false.
   */
  readOnly?: boolean
}

export interface ResolvedOptions {
  createIfMissing: boolean
  errorIfExists: boolean
  paranoidChecks: boolean
  compression: 'snappy' | 'none'
  cacheSize: number
  writeBufferSize: number
  blockSize: number
  maxOpenFiles: number
  blockRestartInterval: number
  maxFileSize: number
  bloomBitsPerKey: number
  maxManifestFileSize: number
  maxInfoLogFileSize: number
  backgroundWorkers: boolean
  readWorkers: number
  readOnly: boolean
}

const KiB = 1024
const MiB = 1024 * KiB
const GiB = 1024 * MiB

/** A number option: its default, its range (values outside are clipped to it) and its unit. */
export interface NumberOptionSpec {
  fallback: number
  min: number
  max: number
  unit: 'bytes' | 'count'
}

/**
 * Every number option. The ranges are LevelDB's (its ClipToRange calls) except two floors that
 * go lower so that tests can push small data through many tables and levels: writeBufferSize
 * (LevelDB: 64 KiB) and maxFileSize (LevelDB: 1 MiB) both go down to 1 KiB. README.md's options
 * table states each range; a test holds the two in agreement.
 */
export const NUMBER_OPTIONS = {
  cacheSize: { fallback: 8 * MiB, min: 0, max: Number.MAX_SAFE_INTEGER, unit: 'bytes' },
  writeBufferSize: { fallback: 4 * MiB, min: 1 * KiB, max: 1 * GiB, unit: 'bytes' },
  blockSize: { fallback: 4096, min: 1 * KiB, max: 4 * MiB, unit: 'bytes' },
  maxOpenFiles: { fallback: 1000, min: 64 + 10, max: 50000, unit: 'count' },
  blockRestartInterval: { fallback: 16, min: 1, max: 1 << 30, unit: 'count' },
  maxFileSize: { fallback: 2 * MiB, min: 1 * KiB, max: 1 * GiB, unit: 'bytes' },
  bloomBitsPerKey: { fallback: 10, min: 0, max: 1000, unit: 'count' },
  maxManifestFileSize: { fallback: 64 * MiB, min: 1 * KiB, max: Number.MAX_SAFE_INTEGER, unit: 'bytes' },
  readWorkers: { fallback: 0, min: 0, max: 64, unit: 'count' }
} as const satisfies Record<string, NumberOptionSpec>

/** A number option's value, checked and rounded down; undefined when not given. */
function givenNumber (options: DBOptions, name: keyof typeof NUMBER_OPTIONS | 'maxInfoLogFileSize'): number | undefined {
  const v = options[name]
  if (v === undefined) return undefined
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
    throw invalidArgument(`option ${name} must be a non-negative finite number, got ${String(v)}`)
  }
  return Math.floor(v)
}

function numberOption (options: DBOptions, name: keyof typeof NUMBER_OPTIONS): number {
  const { fallback, min, max } = NUMBER_OPTIONS[name]
  const v = givenNumber(options, name)
  return v === undefined ? fallback : Math.min(max, Math.max(min, v))
}

function booleanOption (options: DBOptions, name: keyof DBOptions, fallback: boolean): boolean {
  const v = options[name]
  if (v === undefined) return fallback
  if (typeof v !== 'boolean') throw invalidArgument(`option ${name} must be a boolean, got ${String(v)}`)
  return v
}

/** Fills in defaults and clips numbers to the ranges of NUMBER_OPTIONS. Values of the wrong type are rejected. */
export function resolveOptions (options: DBOptions = {}): ResolvedOptions {
  const readOnly = booleanOption(options, 'readOnly', false)
  const errorIfExists = booleanOption(options, 'errorIfExists', false)
  // A read-only open needs an existing database, so the two together could never succeed.
  if (readOnly && errorIfExists) throw invalidArgument('options readOnly and errorIfExists cannot both be true')
  return {
    createIfMissing: booleanOption(options, 'createIfMissing', true),
    errorIfExists,
    paranoidChecks: booleanOption(options, 'paranoidChecks', false),
    compression: booleanOption(options, 'compression', true) ? 'snappy' : 'none',
    cacheSize: numberOption(options, 'cacheSize'),
    writeBufferSize: numberOption(options, 'writeBufferSize'),
    blockSize: numberOption(options, 'blockSize'),
    maxOpenFiles: numberOption(options, 'maxOpenFiles'),
    blockRestartInterval: numberOption(options, 'blockRestartInterval'),
    maxFileSize: numberOption(options, 'maxFileSize'),
    bloomBitsPerKey: numberOption(options, 'bloomBitsPerKey'),
    maxManifestFileSize: numberOption(options, 'maxManifestFileSize'),
    maxInfoLogFileSize: infoLogSize(options),
    backgroundWorkers: booleanOption(options, 'backgroundWorkers', true),
    readWorkers: numberOption(options, 'readWorkers'),
    readOnly
  }
}

/** maxInfoLogFileSize: 0 (no LOG) stays 0; anything else is at least 1 KiB. */
function infoLogSize (options: DBOptions): number {
  const v = givenNumber(options, 'maxInfoLogFileSize')
  if (v === undefined) return DEFAULT_MAX_INFO_LOG_SIZE
  return v === 0 ? 0 : Math.max(v, KiB)
}

/** The options every table the engine writes (flush, compaction, repair) is built with. */
export function tableWriteOptions (o: ResolvedOptions): TableWriteOptions {
  return {
    blockSize: o.blockSize,
    blockRestartInterval: o.blockRestartInterval,
    compression: o.compression,
    bloomBitsPerKey: o.bloomBitsPerKey
  }
}

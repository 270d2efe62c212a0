// Engine options, with classic-level's names and defaults, clipped to the ranges LevelDB accepts
// (doc/table.md and doc/version.md).

import type { Env } from '../env/env.js'
import { invalidArgument } from '../util/errors.js'
import type { TableWriteOptions } from './table-output.js'
import { DEFAULT_MAX_INFO_LOG_SIZE } from './info-log.js'

export interface DBOptions {
  /** The file-system seam; default a NodeEnv. */
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
  /** Memtable size at which it is flushed to a table. Default 4 MiB, clipped to [1 KiB, 1 GiB]. */
  writeBufferSize?: number
  /** Uncompressed data-block size. Default 4096, clipped to [1 KiB, 4 MiB]. */
  blockSize?: number
  /** Table files kept open. Default 1000, clipped to [74, 50000]. */
  maxOpenFiles?: number
  /** Keys between restart points in a block. Default 16, at least 1. */
  blockRestartInterval?: number
  /** Target size of a table written by compaction. Default 2 MiB, clipped to [1 KiB, 1 GiB]. */
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
  readOnly: boolean
}

function numberOption (options: DBOptions, name: keyof DBOptions, fallback: number, min: number, max: number): number {
  const v = options[name]
  if (v === undefined) return fallback
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
    throw invalidArgument(`option ${name} must be a non-negative finite number, got ${String(v)}`)
  }
  return Math.min(max, Math.max(min, Math.floor(v)))
}

function booleanOption (options: DBOptions, name: keyof DBOptions, fallback: boolean): boolean {
  const v = options[name]
  if (v === undefined) return fallback
  if (typeof v !== 'boolean') throw invalidArgument(`option ${name} must be a boolean, got ${String(v)}`)
  return v
}

const KiB = 1024
const MiB = 1024 * KiB
const GiB = 1024 * MiB

/**
 * Fills in defaults and clips to LevelDB's ranges. Values of the wrong type are rejected. The
 * write buffer goes down to 1 KiB (LevelDB's floor is 64 KiB) so that tests can push small data
 * through tables and compaction.
 */
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
    cacheSize: numberOption(options, 'cacheSize', 8 * MiB, 0, Number.MAX_SAFE_INTEGER),
    writeBufferSize: numberOption(options, 'writeBufferSize', 4 * MiB, 1 * KiB, 1 * GiB),
    blockSize: numberOption(options, 'blockSize', 4096, 1 * KiB, 4 * MiB),
    maxOpenFiles: numberOption(options, 'maxOpenFiles', 1000, 74, 50000),
    blockRestartInterval: numberOption(options, 'blockRestartInterval', 16, 1, 1 << 30),
    maxFileSize: numberOption(options, 'maxFileSize', 2 * MiB, 1 * KiB, 1 * GiB),
    bloomBitsPerKey: numberOption(options, 'bloomBitsPerKey', 10, 0, 1000),
    maxManifestFileSize: numberOption(options, 'maxManifestFileSize', 64 * MiB, 1 * KiB, Number.MAX_SAFE_INTEGER),
    maxInfoLogFileSize: infoLogSize(options),
    backgroundWorkers: booleanOption(options, 'backgroundWorkers', true),
    readOnly
  }
}

/** maxInfoLogFileSize: 0 (no LOG) stays 0; anything else is at least 1 KiB. */
function infoLogSize (options: DBOptions): number {
  const v = numberOption(options, 'maxInfoLogFileSize', DEFAULT_MAX_INFO_LOG_SIZE, 0, Number.MAX_SAFE_INTEGER)
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

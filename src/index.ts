// The package's root entry point (`shale`): what a user of a key-value store needs. The layers
// underneath that are worth building on have entry points of their own (`shale/sstable`,
// `shale/log`, `shale/testing`); everything else is private and may change in any release.

export { ShaleLevel } from './level/shale-level.js'
export type {
  ShaleLevelOptions, ShaleOpenOptions, ShaleEngineOptions, ShaleReadOptions, ShaleWriteOptions, ShaleKeyOptions
} from './level/shale-level.js'
export { DB } from './db/db.js'
export type { DBOptions } from './db/options.js'
export type { DBIteratorHandle, Entry, IteratorOptions, ReadOptions, Snapshot, WriteOptions } from './db/api.js'
export type { CheckpointResult } from './db/checkpoint.js'
export { Backup } from './backup/backup.js'
export type { BackupInfo, BackupOptions, BackupSource, BackupManifest, BackupTable, PurgeResult, RestoreResult, VerifyResult } from './backup/backup.js'
export { exportDatabase, importDatabase, type DatabaseChunk, type ExportOptions, type ImportResult } from './db/transfer.js'
export { WriteBatch, type WriteBatchHandler } from './dbformat/write-batch.js'
export { ShaleError, type ShaleErrorCode, type ShaleErrorOptions } from './util/errors.js'
export type { Env, WritableFile, RandomAccessFile, SequentialFile, FileLock } from './env/env.js'
export { NodeEnv } from './env/node-env.js'
export { MemEnv } from './env/mem-env.js'
export { OpfsEnv } from './env/opfs-env.js'

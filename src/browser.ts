// The package's entry point for browsers (the `browser` condition of `shale`): the same database
// as on Node, without anything that needs Node. A database names its Env (a MemEnv, or an Env on
// the Origin Private File System); flush and compaction run in Web Workers once the page has set
// them up with useJobWorkers, on the calling thread otherwise (doc/browser.md).

export { ShaleLevel } from './level/shale-level.js'
export type {
  ShaleLevelOptions, ShaleOpenOptions, ShaleEngineOptions, ShaleReadOptions, ShaleWriteOptions, ShaleKeyOptions
} from './level/shale-level.js'
export { DB } from './db/db.js'
export type { DBOptions } from './db/options.js'
export type { DBIteratorHandle, Entry, IteratorOptions, ReadOptions, Snapshot, WriteOptions } from './db/api.js'
export { exportDatabase, importDatabase, type DatabaseChunk, type ExportOptions, type ImportResult } from './db/transfer.js'
export { WriteBatch, type WriteBatchHandler } from './dbformat/write-batch.js'
export { ShaleError, type ShaleErrorCode, type ShaleErrorOptions } from './util/errors.js'
export type { Env, WritableFile, RandomAccessFile, SequentialFile, FileLock } from './env/env.js'
export { MemEnv } from './env/mem-env.js'
export { OpfsEnv } from './env/opfs-env.js'
export { useJobWorkers, type JobWorkerOptions } from './db/browser-jobs.js'
export { useOpfsJobWorkers } from './level/remote/engine-worker.js'

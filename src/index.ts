// The package entry point: the abstract-level database (ShaleLevel), the engine (DB) and, for
// those who build on them, the format layers underneath it.

export { ShaleError, type ShaleErrorCode } from './util/errors.js'
export { bytewiseComparator, type Comparator } from './util/comparator.js'
export { crc32c, maskCrc, unmaskCrc } from './util/crc32c.js'
export { snappyCompress, snappyUncompress, snappyUncompressedLength } from './util/snappy.js'
export type { InternalIterator } from './util/iterator.js'
export type { Env, WritableFile, RandomAccessFile, SequentialFile, FileLock } from './env/env.js'
export { NodeEnv } from './env/node-env.js'
export { MemEnv, type CrashMode } from './env/mem-env.js'
export { FaultEnv } from './env/fault-env.js'
export { LogWriter } from './log/writer.js'
export { LogReader, type LogReporter, type LogReaderOptions } from './log/reader.js'
export { TableBuilder, type TableOptions } from './table/table-builder.js'
export { Table, type TableOpenOptions } from './table/table.js'
export { BloomFilterPolicy } from './table/bloom.js'
export type { FilterPolicy } from './table/filter-policy.js'
export {
  InternalKeyComparator, InternalFilterPolicy, LookupKey, ValueType, MAX_SEQUENCE,
  makeInternalKey, parseInternalKey
} from './dbformat/internal-key.js'
export { WriteBatch } from './dbformat/write-batch.js'
export { MemTable } from './memtable/memtable.js'
export { VersionEdit, NUM_LEVELS, type FileMetaData } from './version/version-edit.js'
export { DB } from './db/db.js'
export type { DBOptions } from './db/options.js'
export type { DBIteratorHandle, Entry, IteratorOptions, ReadOptions, Snapshot, WriteOptions } from './db/api.js'
export {
  ShaleLevel, type ShaleLevelOptions, type ShaleOpenOptions, type ShaleEngineOptions, type ShaleReadOptions,
  type ShaleWriteOptions
} from './level/shale-level.js'

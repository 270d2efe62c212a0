// `shale/log`: LevelDB's record log, the format of both the write-ahead log and the MANIFEST
// (doc/log.md). A write-ahead log record is a WriteBatch (WriteBatch.fromContents, then iterate()); a
// MANIFEST record is a VersionEdit (VersionEdit.decode).

export { LogWriter } from './log/writer.js'
export { LogReader, type LogReporter, type LogReaderOptions } from './log/reader.js'
export { WriteBatch, type WriteBatchHandler } from './dbformat/write-batch.js'
export { VersionEdit, NUM_LEVELS, type FileMetaData } from './version/version-edit.js'
export type { SequentialFile, WritableFile } from './env/env.js'

// `shale/sstable`: LevelDB's table files, to write and read them without a database — the
// format in doc/table.md. A table written by the engine holds internal keys (a user key and an
// 8-byte tag of sequence number and type): open it with an InternalKeyComparator, or write
// tables of plain keys with the bytewise comparator.

export { Table, type TableOpenOptions, type TableReadOptions } from './table/table.js'
export { TableBuilder, type TableOptions } from './table/table-builder.js'
export { BloomFilterPolicy } from './table/bloom.js'
export type { FilterPolicy } from './table/filter-policy.js'
export type { InternalIterator } from './util/iterator.js'
export { bytewiseComparator, type Comparator } from './util/comparator.js'
export {
  InternalKeyComparator, InternalFilterPolicy, ValueType, MAX_SEQUENCE, makeInternalKey, parseInternalKey,
  type ParsedInternalKey
} from './dbformat/internal-key.js'
export { snappyCompress, snappyUncompress, snappyUncompressedLength } from './util/snappy.js'
export { crc32c, maskCrc, unmaskCrc } from './util/crc32c.js'
export type { RandomAccessFile, WritableFile } from './env/env.js'

// The flush job (LevelDB's BuildTable): writes a memtable, or any iterator of internal keys in
// order, to one new table file. Its inputs are explicit (the iterator, the file number, the table
// options) and its result is the new file's metadata, so that it can run anywhere, a worker thread
// included, while the VersionSet stays the single owner of state: the caller decides the level,
// logs the VersionEdit and installs the Version.
//
// Every entry is written, deletions and overwritten versions included: a memtable may be shadowed
// by nothing yet, and older snapshots may still need every version. Only compaction drops.

import type { Env } from '../env/env.js'
import type { InternalIterator } from '../util/iterator.js'
import type { FileMetaData } from '../version/version-edit.js'
import { TableOutput, removeTable, type TableWriteOptions } from './table-output.js'

export type { TableWriteOptions } from './table-output.js'

/**
 * Writes every entry of `iter` (internal keys in order) to table `fileNumber` in `location` and
 * returns its metadata, or undefined if the iterator was empty, in which case no file is left.
 * Before returning, the table is synced and the directory entry made durable (README contract
 * 4), so the caller may name it in a MANIFEST record at once. On failure no file remains and the
 * error is rethrown. `iter` is closed either way.
 */
export function runFlushJob (env: Env, location: string, iter: InternalIterator, fileNumber: number,
  options: TableWriteOptions): FileMetaData | undefined {
  try {
    return writeTable(env, location, iter, fileNumber, options)
  } finally {
    iter.close()
  }
}

function writeTable (env: Env, location: string, iter: InternalIterator, fileNumber: number,
  options: TableWriteOptions): FileMetaData | undefined {
  iter.seekToFirst()
  if (!iter.valid()) {
    iter.checkError()
    return undefined
  }
  const output = TableOutput.create(env, location, fileNumber, options)
  try {
    for (; iter.valid(); iter.next()) output.add(iter.key(), iter.value())
    // An iterator that stopped early on an error must not pass for a complete table.
    iter.checkError()
  } catch (err) {
    output.abandon()
    throw err
  }
  const meta = output.finish()
  try {
    env.syncDir(location)
  } catch (err) {
    removeTable(env, location, fileNumber)
    throw err
  }
  return meta
}

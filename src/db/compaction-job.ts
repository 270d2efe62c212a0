// The compaction job: merges the input tables of one compaction (level L and L+1), drops what no
// reader can ever see again (doc/compaction.md), and writes the survivors to
// new tables for level L+1, split by size and by overlap with level L+2. Everything it needs comes
// in as arguments and everything it did goes out as the result, so that it can run in a worker
// thread; the caller logs the VersionEdit (inputs removed, outputs added) and installs the Version.
//
// Until then it runs on the calling thread and gives the event loop back every few milliseconds,
// so reads and writes keep being served while a large compaction is under way.

import type { Env } from '../env/env.js'
import { tableFileName } from '../dbformat/filename.js'
import {
  decodeTagSequence, MAX_SEQUENCE, TAG_SIZE, ValueType
} from '../dbformat/internal-key.js'
import { copyRange } from '../util/coding.js'
import { ioError, withFile } from '../util/errors.js'
import type { InternalIterator } from '../util/iterator.js'
import { MergingIterator } from '../table/merging-iterator.js'
import { CompactionOutputPolicy, type CompactionSpec } from '../version/compaction.js'
import { newConcatenatingIterator } from '../version/level-iterator.js'
import { nextMacrotask } from '../util/macrotask.js'
import type { TableCache } from '../version/table-cache.js'
import type { FileMetaData } from '../version/version-edit.js'
import { removeTable, tableComparator, TableOutput, type TableWriteOptions } from './table-output.js'

export interface CompactionJobInput {
  location: string
  spec: CompactionSpec
  /** The oldest sequence any reader may still read at: the oldest snapshot, else the last sequence. */
  smallestSnapshot: number
  table: TableWriteOptions
  /**
   * Stops the job at its next pause (for example when the database closes): outputs are removed
   * and the signal's reason is thrown.
   */
  abortSignal?: AbortSignal
}

export interface CompactionJobResult {
  /** The new tables, in key order; all belong to level spec.level + 1. */
  outputs: FileMetaData[]
  /** Total size of the input files. */
  bytesRead: number
  /** Total size of the outputs. */
  bytesWritten: number
  /** Entries read from the inputs (damaged blocks skipped contribute none). */
  entriesRead: number
  /** Entries the drop rules removed. */
  entriesDropped: number
  /** Wall-clock duration of the job. */
  micros: number
}

/** How long the job computes before it lets the event loop run. */
const SLICE_MS = 3
/** Bytes of entries processed between two looks at the clock (a clock read is not free). */
const CLOCK_CHECK_BYTES = 32 * 1024

/**
 * Runs the compaction described by `input.spec`. Inputs are read through `tableCache` without
 * filling the block cache (a compaction reads each block once, and would evict what readers
 * need), with checksums verified. Each output gets its number from `newFileNumber()` and is synced
 * before the job returns, and the directory is synced once at the end, so the caller may name the
 * outputs in a MANIFEST record at once. On any failure, every output written so far is removed and
 * the error rethrown.
 */
export async function runCompactionJob (env: Env, tableCache: TableCache, input: CompactionJobInput,
  newFileNumber: () => number): Promise<CompactionJobResult> {
  const started = performance.now()
  const { location, spec, smallestSnapshot } = input
  const icmp = tableComparator(input.table)
  const policy = new CompactionOutputPolicy(spec, icmp)
  // Damage in an input always fails the job, with or without paranoidChecks (unlike LevelDB,
  // which skips a damaged block when not paranoid): skipping it would drop the newer versions and
  // deletions the block held, and reads would then return the older values below them as if
  // they were current (contract 6). The error names the file; repair salvages what is readable.
  const open = (fileNumber: number, fileSize: number): InternalIterator => {
    try {
      return tableCache.newIterator(fileNumber, fileSize, { fillCache: false })
    } catch (err) {
      throw withFile(err, tableFileName(location, fileNumber))
    }
  }
  const runs: InternalIterator[] = []
  if (spec.level === 0) {
    // Level-0 files may overlap one another: each is merged on its own.
    for (const file of spec.inputs[0]) runs.push(newConcatenatingIterator(icmp, [file], open))
  } else if (spec.inputs[0].length > 0) {
    runs.push(newConcatenatingIterator(icmp, spec.inputs[0], open))
  }
  if (spec.inputs[1].length > 0) runs.push(newConcatenatingIterator(icmp, spec.inputs[1], open))

  let bytesRead = 0
  for (const file of spec.inputs[0]) bytesRead += file.fileSize
  for (const file of spec.inputs[1]) bytesRead += file.fileSize

  const outputs: FileMetaData[] = []
  let output: TableOutput | undefined
  let entriesRead = 0
  let entriesDropped = 0
  const merged = new MergingIterator(icmp, runs)
  try {
    // The user key of the entries being walked, and the sequence of the last one seen. A newer
    // entry always comes first, so once an entry visible to every reader has been seen, all the
    // older ones of the same key are hidden from everyone.
    let currentKey = new Uint8Array(64)
    let currentKeyLength = -1
    let lastSequenceForKey = MAX_SEQUENCE
    let sliceStart = performance.now()
    let bytesSinceClock = 0

    for (merged.seekToFirst(); merged.valid(); merged.next()) {
      // Views into the current input block; they stay valid across the pauses below because
      // the merged iterator does not move until the loop's next().
      const key = merged.key()
      const value = merged.value()
      entriesRead++
      bytesSinceClock += key.length + value.length
      if (bytesSinceClock >= CLOCK_CHECK_BYTES) {
        bytesSinceClock = 0
        // Damage in an input always fails the job, with or without paranoidChecks (unlike
        // LevelDB, which skips a damaged block when not paranoid): skipping it would drop the
        // newer versions and deletions the block held, and reads would then return the older
        // values below them as if they were current (README contract 6). The table iterators
        // skip a damaged block and keep its error, which names the file; checking here stops
        // the job within CLOCK_CHECK_BYTES of it, and the outputs are removed. Repair salvages
        // what is readable.
        merged.checkError()
        if (performance.now() - sliceStart >= SLICE_MS) {
          await pause(input.abortSignal)
          sliceStart = performance.now()
        }
      }

      // Asked for every key, dropped or not: the policy tracks how far the keys have passed
      // through the grandparent files.
      if (policy.shouldStopBefore(key) && output !== undefined) {
        outputs.push(await output.finishAsync())
        output = undefined
      }

      let drop = false
      const userLength = key.length - TAG_SIZE
      if (userLength < 0 || key[userLength]! > ValueType.Value) {
        // Not an internal key. Kept, so that damage stays visible, and the next entry starts a
        // new key: nothing may be judged hidden by an entry whose sequence is unknown.
        currentKeyLength = -1
        lastSequenceForKey = MAX_SEQUENCE
      } else {
        if (currentKeyLength < 0 || icmp.compareUserAt(key, 0, userLength, currentKey, 0, currentKeyLength) !== 0) {
          if (currentKey.length < userLength) currentKey = new Uint8Array(Math.max(userLength, currentKey.length * 2))
          copyRange(key, 0, userLength, currentKey, 0)
          currentKeyLength = userLength
          lastSequenceForKey = MAX_SEQUENCE
        }
        const sequence = decodeTagSequence(key, userLength)
        if (lastSequenceForKey <= smallestSnapshot) {
          // Rule A: a newer entry of this key is visible to every reader and hides this one.
          drop = true
        } else if (key[userLength] === ValueType.Deletion && sequence <= smallestSnapshot &&
          policy.isBaseLevelForKey(key.subarray(0, userLength))) {
          // Rule B: every reader sees this deletion, the older entries it hides are dropped
          // by rule A in this same pass, and no deeper level holds the key for it to hide.
          drop = true
        }
        lastSequenceForKey = sequence
      }

      if (drop) {
        entriesDropped++
        continue
      }
      output ??= await TableOutput.createPrepared(env, location, newFileNumber(), input.table)
      output.add(key, value)
      if (output.fileSize >= spec.maxOutputFileSize) {
        outputs.push(await output.finishAsync())
        output = undefined
      }
    }
    merged.checkError()
    if (output !== undefined) {
      outputs.push(await output.finishAsync())
      output = undefined
    }
    // One directory sync makes every output's entry durable before any MANIFEST record names it.
    if (outputs.length > 0) env.syncDir(location)
  } catch (err) {
    output?.abandon()
    for (const file of outputs) removeTable(env, location, file.number)
    throw err
  } finally {
    try {
      merged.close()
    } catch {
      // Closing the inputs cannot change the outcome.
    }
  }

  let bytesWritten = 0
  for (const file of outputs) bytesWritten += file.fileSize
  return {
    outputs,
    bytesRead,
    bytesWritten,
    entriesRead,
    entriesDropped,
    micros: Math.round((performance.now() - started) * 1000)
  }
}

/** Lets the event loop run (timers, I/O callbacks, other requests), then checks for an abort. */
async function pause (signal: AbortSignal | undefined): Promise<void> {
  await nextMacrotask()
  if (signal?.aborted === true) {
    throw signal.reason instanceof Error ? signal.reason : ioError('compaction aborted')
  }
}

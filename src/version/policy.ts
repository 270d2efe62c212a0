// The numbers that shape the level tree (doc/version.md, "Compaction picking"). They are LevelDB 1.20's, so that a
// database moves between Shale and classic-level without its shape fighting either engine's
// compaction policy: level 0 is compacted at four files, writes slow at eight and stop at twelve,
// and each level below 0 may hold ten times the bytes of the one above it.

/** Level-0 file count at which a compaction of level 0 is wanted (its score reaches 1). */
export const L0_COMPACTION_TRIGGER = 4

/** Level-0 file count at which each write is delayed by about a millisecond. */
export const L0_SLOWDOWN_WRITES_TRIGGER = 8

/** Level-0 file count at which writes wait for a compaction. */
export const L0_STOP_WRITES_TRIGGER = 12

/**
 * Deepest level a flushed memtable may be pushed to when it overlaps nothing. Pushing further
 * would save compactions but could leave a big gap to fill if the key range is overwritten.
 */
export const MAX_MEM_COMPACT_LEVEL = 2

/** Bytes an iterator reads, on average, between two read samples. */
export const READ_BYTES_PERIOD = 1024 * 1024

/**
 * A seek costs about as much as compacting 16 KiB (40 KiB of I/O per 1 MiB compacted, against
 * 10 ms per seek at 100 MB/s), so a file has paid for its own compaction after size/16 KiB
 * wasted seeks; at least 100 so that small files are not compacted for a handful of reads.
 */
const BYTES_PER_SEEK = 16 * 1024
const MIN_ALLOWED_SEEKS = 100

/** Open files kept back from the table cache for logs, the MANIFEST and the like. */
export const TABLE_CACHE_RESERVED_FILES = 10

const MiB = 1024 * 1024

/** Total bytes level `level` (>= 1) may hold before its score reaches 1: 10 MiB x 10^(level-1). */
export function maxBytesForLevel (level: number): number {
  // Level 0 is scored by file count; it gets level 1's figure only so the function is total.
  let bytes = 10 * MiB
  for (let l = level; l > 1; l--) bytes *= 10
  return bytes
}

/**
 * Bytes of level+2 a compaction output may overlap before a new output file is started, and the
 * largest overlap that still allows a trivial move: keeps any later compaction of that output
 * from being too expensive.
 */
export function maxGrandparentOverlapBytes (targetFileSize: number): number {
  return 10 * targetFileSize
}

/** Largest total input size up to which a compaction's level-L inputs are widened. */
export function expandedCompactionByteSizeLimit (targetFileSize: number): number {
  return 25 * targetFileSize
}

/** How many seeks a file may waste before it is compacted. */
export function allowedSeeksFor (fileSize: number): number {
  return Math.max(MIN_ALLOWED_SEEKS, Math.floor(fileSize / BYTES_PER_SEEK))
}

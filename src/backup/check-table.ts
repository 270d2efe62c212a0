// Checks every block of a table file against its checksum, for backup verification: the footer's
// magic number, the index and metaindex blocks, every meta block (the filter) and every data block
// the index names. A table's bytes are all in blocks, trailers and the footer, so a table that
// passes holds the bytes it was written with (barring a collision of CRC32C on some block).

import type { Env } from '../env/env.js'
import { Block } from '../table/block.js'
import { decodeBlockHandleBytes, decodeFooter, FOOTER_SIZE, readBlock, type BlockHandle } from '../table/format.js'
import { bytewiseComparator } from '../util/comparator.js'
import { corruption } from '../util/errors.js'

/**
 * Throws LEVEL_CORRUPTION naming the file (and block offset) unless the file at `path` is
 * `expectedSize` bytes and every block's checksum holds. Returns the number of blocks checked.
 */
export function checkTableBlocks (env: Env, path: string, expectedSize: number): number {
  const size = env.getFileSize(path)
  if (size !== expectedSize) throw corruption(`size is ${size} bytes, expected ${expectedSize}`, { file: path })
  if (size < FOOTER_SIZE) throw corruption('file is too short to be an sstable', { file: path })
  const file = env.newRandomAccessFile(path)
  try {
    const options = { verifyChecksums: true, fileName: path }
    const footer = decodeFooter(file.read(size - FOOTER_SIZE, FOOTER_SIZE), path, size - FOOTER_SIZE)
    let blocks = 0
    // The handles in the index and the metaindex are what they point at: iteration needs no
    // ordering, so the bytewise comparator serves both.
    const eachHandle = (handle: BlockHandle, visit: (value: Uint8Array) => void): void => {
      const block = new Block(readBlock(file, handle, options), { fileName: path, offset: handle.offset })
      blocks++
      const it = block.newIterator(bytewiseComparator)
      for (it.seekToFirst(); it.valid(); it.next()) visit(it.value())
      it.checkError()
    }
    eachHandle(footer.metaindexHandle, (value) => {
      readBlock(file, decodeBlockHandleBytes(value), options)
      blocks++
    })
    eachHandle(footer.indexHandle, (value) => {
      readBlock(file, decodeBlockHandleBytes(value), options)
      blocks++
    })
    return blocks
  } finally {
    file.close()
  }
}

// Walks a table file block by block for `shale sst` and `shale verify`: the footer, the index, the
// metaindex and filter, then every data block with its checksum verified and every entry decoded.
// Unlike the engine's table reader, which stops a read at the first damaged block, this walk notes
// the damage and goes on to the next block the index names, so that one run reports all of it.

import type { Env, RandomAccessFile } from '../env/env.js'
import { InternalFilterPolicy, parseInternalKey, ValueType } from '../dbformat/internal-key.js'
import { Block } from '../table/block.js'
import { BloomFilterPolicy } from '../table/bloom.js'
import { FilterBlockReader } from '../table/filter-block.js'
import {
  BLOCK_TRAILER_SIZE, type BlockHandle, decodeBlockHandleBytes, decodeFooter, FOOTER_SIZE, NO_COMPRESSION, readBlock, SNAPPY_COMPRESSION
} from '../table/format.js'
import { decodeFixed32, fromUtf8 } from '../util/coding.js'
import { bytewiseComparator } from '../util/comparator.js'
import { icmp, type KeyOrder } from './db-dir.js'

interface BlockInfo {
  offset: number
  /** Stored size, without the 5-byte trailer. */
  size: number
  compression: string
  /** Size after decompression; -1 when the block could not be read. */
  rawSize: number
  entries: number
  restarts: number
}

export interface DataBlockInfo extends BlockInfo {
  /** First and last internal keys (copies). */
  firstKey: Uint8Array | undefined
  lastKey: Uint8Array | undefined
  error: string | undefined
}

interface FilterInfo {
  name: string
  offset: number
  size: number
  filters: number
  baseLg: number
  /** Distinct probe counts (k) of the non-empty filters. */
  probes: number[]
  /** Whether keys were checked against it (only the built-in bloom filter can be). */
  checked: boolean
  /** Present keys the filter denies: damage (a read would miss them). */
  falseNegatives: number
}

export interface TableReport {
  path: string
  fileSize: number
  footer: { metaindex: BlockHandle, index: BlockHandle } | undefined
  index: BlockInfo | undefined
  metaindex: (BlockInfo & { names: Array<{ name: string, offset: number, size: number }> }) | undefined
  filter: FilterInfo | undefined
  blocks: DataBlockInfo[]
  entries: number
  puts: number
  deletions: number
  keyBytes: number
  valueBytes: number
  smallest: Uint8Array | undefined
  largest: Uint8Array | undefined
  minSequence: number | undefined
  maxSequence: number | undefined
  /** The key order the table was checked in (see KeyOrder). */
  keyOrder: KeyOrder
  problems: string[]
  /** What is odd without being damage: keys out of bytewise order when the comparator is not known. */
  notes: string[]
}

interface TableScanOptions {
  /** Size to read the table as (the MANIFEST's); default the file's size. */
  fileSize?: number
  /** Called for every entry in order; the views are valid only during the call. */
  onEntry?: (ikey: Uint8Array, value: Uint8Array, block: number) => void | Promise<void>
  /** Called after each data block with the file offset reached. */
  onProgress?: (offset: number) => void
  /** What is known of the comparator the table was written under; default 'unknown'. */
  keyOrder?: KeyOrder
}

/** Problems kept per table; a block of garbage would otherwise give one per entry. */
const MAX_PROBLEMS = 50

function compressionName (type: number | undefined): string {
  if (type === NO_COMPRESSION) return 'none'
  if (type === SNAPPY_COMPRESSION) return 'snappy'
  return type === undefined ? '?' : `type ${type}`
}

function trailerType (file: RandomAccessFile, handle: BlockHandle): number | undefined {
  if (handle.offset + handle.size + 1 > file.size) return undefined
  return file.read(handle.offset + handle.size, 1)[0]
}

function message (err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}

export async function scanTable (env: Env, path: string, options: TableScanOptions = {}): Promise<TableReport> {
  const file = env.newRandomAccessFile(path)
  try {
    return await scanOpenTable(file, path, options)
  } finally {
    file.close()
  }
}

async function scanOpenTable (file: RandomAccessFile, path: string, options: TableScanOptions): Promise<TableReport> {
  const fileSize = options.fileSize ?? file.size
  const report: TableReport = {
    path, fileSize, footer: undefined, index: undefined, metaindex: undefined, filter: undefined, blocks: [],
    entries: 0, puts: 0, deletions: 0, keyBytes: 0, valueBytes: 0,
    smallest: undefined, largest: undefined, minSequence: undefined, maxSequence: undefined,
    keyOrder: options.keyOrder ?? 'unknown', problems: [], notes: []
  }
  const problem = (text: string): void => {
    if (report.problems.length < MAX_PROBLEMS) report.problems.push(text)
    else if (report.problems.length === MAX_PROBLEMS) report.problems.push('(more problems not listed)')
  }
  const read = { verifyChecksums: true, fileName: path }

  if (fileSize < FOOTER_SIZE || file.size < fileSize) {
    problem(fileSize < FOOTER_SIZE ? `file is too short to be an sstable (${fileSize} bytes)` : `file has ${file.size} bytes, fewer than ${fileSize}`)
    return report
  }
  let footer
  try {
    footer = decodeFooter(file.read(fileSize - FOOTER_SIZE, FOOTER_SIZE), path, fileSize - FOOTER_SIZE)
  } catch (err) {
    problem(message(err))
    return report
  }
  report.footer = { metaindex: footer.metaindexHandle, index: footer.indexHandle }

  // The metaindex and filter first, so that each data block's keys can be checked against the filter.
  let filterReader: FilterBlockReader | undefined
  try {
    const mh = footer.metaindexHandle
    const meta = new Block(readBlock(file, mh, read), { fileName: path, offset: mh.offset })
    const names: Array<{ name: string, offset: number, size: number }> = []
    const it = meta.newIterator(bytewiseComparator)
    for (it.seekToFirst(); it.valid(); it.next()) {
      const h = decodeBlockHandleBytes(it.value())
      names.push({ name: fromUtf8(it.key()), offset: h.offset, size: h.size })
    }
    it.checkError()
    report.metaindex = { ...blockInfo(file, mh, meta), names }
    const filterEntry = names.find((n) => n.name.startsWith('filter.'))
    if (filterEntry !== undefined) {
      const contents = readBlock(file, filterEntry, read)
      const info = filterLayout(filterEntry.name.slice('filter.'.length), filterEntry, contents)
      report.filter = info
      if (info.name === 'leveldb.BuiltinBloomFilter2') {
        filterReader = new FilterBlockReader(new InternalFilterPolicy(new BloomFilterPolicy()), contents)
        info.checked = true
      }
    }
  } catch (err) {
    problem(`metaindex or filter block: ${message(err)}`)
  }

  let index: Block
  try {
    const ih = footer.indexHandle
    index = new Block(readBlock(file, ih, read), { fileName: path, offset: ih.offset })
    report.index = blockInfo(file, ih, index)
  } catch (err) {
    problem(`index block: ${message(err)}`)
    return report
  }

  // Order checks: damage in bytewise order, not made under a foreign comparator, and with the
  // comparator unknown a first key out of bytewise order is noted and the checks stop.
  let checkOrder = report.keyOrder !== 'foreign'
  const outOfOrder = (text: string): void => {
    if (report.keyOrder === 'bytewise') {
      problem(text)
      return
    }
    report.notes.push(`${text}: the table may have been written under a comparator other than bytewise ` +
      '(no MANIFEST says which), so order is not checked further')
    checkOrder = false
  }
  const it = index.newIterator(icmp)
  let previous: Uint8Array | undefined
  let previousSeparator: Uint8Array | undefined
  for (it.seekToFirst(); it.valid(); it.next()) {
    const separator = it.key().slice()
    let handle: BlockHandle
    try {
      handle = decodeBlockHandleBytes(it.value())
    } catch (err) {
      problem(`index entry ${report.blocks.length}: bad block handle (${message(err)})`)
      continue
    }
    const info: DataBlockInfo = {
      offset: handle.offset, size: handle.size, compression: compressionName(trailerType(file, handle)), rawSize: -1,
      entries: 0, restarts: 0, firstKey: undefined, lastKey: undefined, error: undefined
    }
    report.blocks.push(info)
    const blockNumber = report.blocks.length - 1
    try {
      if (handle.offset + handle.size + BLOCK_TRAILER_SIZE > fileSize - FOOTER_SIZE) {
        throw new Error(`block handle (offset ${handle.offset}, size ${handle.size}) runs past the table's end`)
      }
      const block = new Block(readBlock(file, handle, read), { fileName: path, offset: handle.offset })
      info.rawSize = block.size
      info.restarts = block.numRestarts
      const bit = block.newIterator(icmp)
      for (bit.seekToFirst(); bit.valid(); bit.next()) {
        const key = bit.key()
        const value = bit.value()
        info.entries++
        report.entries++
        info.lastKey = key.slice()
        if (info.firstKey === undefined) info.firstKey = info.lastKey
        if (checkOrder && previous !== undefined && icmp.compare(previous, key) >= 0) outOfOrder(`block at offset ${handle.offset}: keys out of order at entry ${info.entries - 1}`)
        previous = info.lastKey
        if (checkOrder && icmp.compare(key, separator) > 0) outOfOrder(`block at offset ${handle.offset}: entry ${info.entries - 1} is past the block's index key`)
        try {
          const p = parseInternalKey(key)
          report.keyBytes += p.userKey.length
          report.valueBytes += value.length
          if (p.type === ValueType.Value) report.puts++
          else report.deletions++
          report.minSequence = Math.min(report.minSequence ?? p.sequence, p.sequence)
          report.maxSequence = Math.max(report.maxSequence ?? p.sequence, p.sequence)
          if (filterReader !== undefined && !filterReader.keyMayMatch(handle.offset, key)) {
            report.filter!.falseNegatives++
          }
        } catch {
          problem(`block at offset ${handle.offset}: entry ${info.entries - 1} is not an internal key`)
        }
        if (options.onEntry !== undefined) {
          const r = options.onEntry(key, value, blockNumber)
          if (r !== undefined) await r
        }
      }
      bit.checkError()
    } catch (err) {
      info.error = message(err)
      problem(`data block at offset ${handle.offset}: ${info.error}`)
    }
    if (checkOrder && previousSeparator !== undefined && icmp.compare(previousSeparator, separator) >= 0) {
      outOfOrder(`index entries out of order at block ${blockNumber}`)
    }
    previousSeparator = separator
    options.onProgress?.(handle.offset + handle.size)
  }
  try {
    it.checkError()
  } catch (err) {
    problem(`index block: ${message(err)}`)
  }
  const withKeys = report.blocks.filter((b) => b.firstKey !== undefined)
  report.smallest = withKeys[0]?.firstKey
  report.largest = withKeys[withKeys.length - 1]?.lastKey
  if (report.filter !== undefined && report.filter.falseNegatives > 0) {
    problem(`filter block denies ${report.filter.falseNegatives} keys the table holds`)
  }
  return report
}

function blockInfo (file: RandomAccessFile, handle: BlockHandle, block: Block): BlockInfo {
  let entries = 0
  const it = block.newIterator(bytewiseComparator)
  for (it.seekToFirst(); it.valid(); it.next()) entries++
  return {
    offset: handle.offset,
    size: handle.size,
    compression: compressionName(trailerType(file, handle)),
    rawSize: block.size,
    entries,
    restarts: block.numRestarts
  }
}

/** The filter block's layout (doc/table.md, "Filter block"), read without trusting it. */
function filterLayout (name: string, handle: BlockHandle, contents: Uint8Array): FilterInfo {
  const info: FilterInfo = {
    name, offset: handle.offset, size: handle.size, filters: 0, baseLg: 0, probes: [], checked: false, falseNegatives: 0
  }
  const n = contents.length
  if (n < 5) return info
  const arrayOffset = decodeFixed32(contents, n - 5)
  if (arrayOffset > n - 5) return info
  info.filters = Math.floor((n - 5 - arrayOffset) / 4)
  info.baseLg = contents[n - 1]!
  const probes = new Set<number>()
  for (let i = 0; i < info.filters; i++) {
    const start = decodeFixed32(contents, arrayOffset + i * 4)
    const limit = decodeFixed32(contents, arrayOffset + i * 4 + 4)
    if (start < limit && limit <= arrayOffset) probes.add(contents[limit - 1]!)
  }
  info.probes = [...probes].sort((a, b) => a - b)
  return info
}

// `npm start [directory]`: writes a write-ahead log of batches and a sorted table into a directory
// (./shale-data by default) with Shale's format layers, then reads both back and checks them.
// The files are LevelDB's formats: `000001.log` and `000002.ldb`.

import { resolve } from 'node:path'
import { NodeEnv } from './env/node-env.js'
import { joinPath } from './env/env.js'
import { LogWriter } from './log/writer.js'
import { LogReader } from './log/reader.js'
import { WriteBatch } from './dbformat/write-batch.js'
import { InternalFilterPolicy, InternalKeyComparator, makeInternalKey, parseInternalKey, ValueType } from './dbformat/internal-key.js'
import { MemTable } from './memtable/memtable.js'
import { TableBuilder } from './table/table-builder.js'
import { Table } from './table/table.js'
import { BloomFilterPolicy } from './table/bloom.js'
import { bytesEqual, fromUtf8, utf8 } from './util/coding.js'

const dir = resolve(process.argv[2] ?? 'shale-data')
const env = new NodeEnv()
env.createDir(dir)
const icmp = new InternalKeyComparator()
const filterPolicy = new InternalFilterPolicy(new BloomFilterPolicy(10))
const entries = 100_000

// 1. The write-ahead log: batches of 100 puts, as the engine will write them.
const started = performance.now()
const logPath = joinPath(dir, '000001.log')
const logFile = env.newWritableFile(logPath)
const log = new LogWriter(logFile)
let sequence = 1
const batch = new WriteBatch()
for (let i = 0; i < entries; i += 100) {
  batch.clear()
  batch.sequence = sequence
  for (let j = i; j < i + 100; j++) batch.put(utf8(`key${String(j).padStart(8, '0')}`), utf8(`value ${j} `.repeat(8)))
  sequence += batch.count
  log.addRecord(batch.contents())
}
logFile.sync()
logFile.close()
const wroteLog = performance.now()

// 2. Replay the log into a memtable, as recovery does, and flush it to a table.
const mem = new MemTable(icmp)
const reader = new LogReader(env.newSequentialFile(logPath), {
  fileName: logPath,
  reporter: { corruption: (bytes, reason) => { throw new Error(`log damaged: ${bytes} bytes, ${reason}`) } }
})
let records = 0
for (let r = reader.readRecord(); r !== null; r = reader.readRecord()) {
  mem.addBatch(WriteBatch.fromContents(r))
  records++
}
const tablePath = joinPath(dir, '000002.ldb')
const tableFile = env.newWritableFile(tablePath)
const builder = new TableBuilder(tableFile, { comparator: icmp, compression: 'snappy', filterPolicy })
const it = mem.newIterator()
for (it.seekToFirst(); it.valid(); it.next()) builder.add(it.key(), it.value())
const tableSize = builder.finish()
tableFile.sync()
tableFile.close()
const wroteTable = performance.now()

// 3. Read the table back: a full scan, and point lookups through the bloom filter.
const table = Table.open(env.newRandomAccessFile(tablePath), tableSize, { comparator: icmp, filterPolicy, fileName: tablePath })
const scan = table.newIterator()
let scanned = 0
for (scan.seekToFirst(); scan.valid(); scan.next()) scanned++
scan.checkError()
let found = 0
for (let i = 0; i < entries; i += 97) {
  const want = utf8(`key${String(i).padStart(8, '0')}`)
  table.get(makeInternalKey(want, sequence, ValueType.Value), (k, v) => {
    if (bytesEqual(parseInternalKey(k).userKey, want) && fromUtf8(v).startsWith(`value ${i} `)) found++
  })
}
table.file.close()
const done = performance.now()

const expectedFound = Math.ceil(entries / 97)
console.log(`directory        ${dir}`)
console.log(`log              000001.log: ${records} batches, ${entries} puts, ${logFile.size} bytes, ${(wroteLog - started).toFixed(0)} ms`)
console.log(`table            000002.ldb: ${scanned} entries, ${tableSize} bytes (Snappy, bloom filter), ${(wroteTable - wroteLog).toFixed(0)} ms from log replay`)
console.log(`read back        full scan and ${found} of ${expectedFound} point lookups in ${(done - wroteTable).toFixed(0)} ms`)
if (scanned !== entries || found !== expectedFound || records !== entries / 100) {
  console.error('demo: what was read back differs from what was written')
  process.exit(1)
}
console.log('ok')

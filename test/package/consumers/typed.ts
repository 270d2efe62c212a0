// A TypeScript consumer of the installed package, compiled with the strictest settings users run
// (strict, exactOptionalPropertyTypes, skipLibCheck false) as an ES module, as CommonJS and under
// bundler resolution, then run. The @ts-expect-error lines fail the compile if the types accept
// what they must refuse.
import { DB, MemEnv, ShaleError, ShaleLevel, WriteBatch, type DBOptions, type Env, type ShaleLevelOptions } from 'shale'
import { BloomFilterPolicy, Table, TableBuilder, bytewiseComparator, type TableOptions } from 'shale/sstable'
import { LogReader, LogWriter, VersionEdit } from 'shale/log'
import { FaultEnv, type CrashMode, type FileCall } from 'shale/testing'

interface Score { score: number }

async function main (): Promise<void> {
  const env: Env = new MemEnv()
  const options: ShaleLevelOptions<string, Score> = { env, valueEncoding: 'json', writeBufferSize: 1 << 16 }
  const db = new ShaleLevel<string, Score>('/typed/db', options)
  await db.put('alice', { score: 620 }, { sync: true })
  const alice: Score | undefined = await db.get('alice')
  if (alice?.score !== 620) throw new Error('get returned ' + JSON.stringify(alice))
  await db.batch([{ type: 'put', key: 'bob', value: { score: 1 } }])
  await db.compactRange('a', 'z')
  const bytes: number = await db.approximateSize('a', 'z')
  // @ts-expect-error a string-keyed database takes string bounds
  await db.compactRange(1, 2).catch(() => {})
  // @ts-expect-error a string-keyed database takes string bounds
  await db.approximateSize(new Uint8Array(1), 'z').catch(() => {})
  await db.compactRange(Uint8Array.of(0x61), Uint8Array.of(0x7a), { keyEncoding: 'view' })
  const stats: string = db.getProperty('shale.stats')
  await db.close()

  const engineOptions: DBOptions = { env, createIfMissing: true }
  const engine = await DB.open('/typed/engine', engineOptions)
  const batch = new WriteBatch()
  batch.put(Uint8Array.of(1), Uint8Array.of(2))
  await engine.write(batch)
  const value: Uint8Array | undefined = engine.getSync(Uint8Array.of(1))
  await engine.close()

  const faults = new FaultEnv(env)
  const calls: FileCall[] = faults.calls
  const mode: CrashMode = 'powerLoss'
  const tableOptions: TableOptions = { comparator: bytewiseComparator, filterPolicy: new BloomFilterPolicy(10) }
  const builder = new TableBuilder(faults.newWritableFile('/typed/t.ldb'), tableOptions)
  builder.add(Uint8Array.of(1), Uint8Array.of(1))
  const size = builder.finish()
  const table = Table.open(faults.newRandomAccessFile('/typed/t.ldb'), size, tableOptions)
  const it = table.newIterator()
  it.seekToFirst()
  if (!it.valid()) throw new Error('table is empty')
  it.close()
  const writer = new LogWriter(faults.newWritableFile('/typed/MANIFEST-000001'))
  writer.addRecord(new VersionEdit().encode())
  const record = new LogReader(faults.newSequentialFile('/typed/MANIFEST-000001')).readRecord()
  if (record === null) throw new Error('no record')
  const err: unknown = new ShaleError('LEVEL_CORRUPTION', 'example')
  console.log(JSON.stringify({ bytes, stats: stats.length, value: value?.[0], calls: calls.length, mode, err: err instanceof ShaleError }))
}

main().catch((err: unknown) => {
  console.error(err)
  process.exitCode = 1
})

// Compaction micro-benchmark, called by bench/micro.ts: the compaction job of a worker thread, run
// directly on this thread over tables in memory, so that the figure is its CPU cost alone and a
// `node --cpu-prof` run of it shows where that cost goes.
//
//   node dist/bench/micro.js --only compaction [--entries N]
//
// The inputs are those of a level-0 compaction after db_bench's fillrandom: four level-0 tables of
// random "%016d" keys over the whole key space, overlapping each other and the level-1 tables
// below them (half the key space, older sequences), 100-byte values that compress to about half.
// Every entry of level 0 overwrites whatever level 1 holds for its key, so the job drops the older
// versions as a real one does. The seed is fixed: every run compacts the same bytes.

import process from 'node:process'
import { performance } from 'node:perf_hooks'
import { tableFileName } from '../src/dbformat/filename.js'
import { encodeTag, InternalKeyComparator, TAG_SIZE, ValueType } from '../src/dbformat/internal-key.js'
import { MemEnv } from '../src/env/mem-env.js'
import { Random } from '../src/util/random.js'
import type { CompactionSpec } from '../src/version/compaction.js'
import { TableCache } from '../src/version/table-cache.js'
import type { FileMetaData } from '../src/version/version-edit.js'
import { runCompactionJob } from '../src/db/compaction-job.js'
import { TableOutput, type TableWriteOptions } from '../src/db/table-output.js'
import { KEY_SIZE, makeKey, VALUE_SIZE, type BenchRow } from './micro-table.js'

const LOCATION = '/compaction'
const SEED = 301
const LEVEL0_TABLES = 4
const MAX_FILE_SIZE = 2 << 20

const table: TableWriteOptions = { blockSize: 4096, blockRestartInterval: 16, compression: 'snappy', bloomBitsPerKey: 10 }

interface Inputs {
  env: MemEnv
  spec: CompactionSpec
  lastSequence: number
  /** Bytes of user keys and values in the input entries. */
  rawBytes: number
}

/** Writes `keys` (sorted numbers, no duplicates) as tables of at most `maxFileSize` bytes. */
function writeRun (env: MemEnv, keys: number[], firstSequence: number, maxFileSize: number,
  nextNumber: () => number, random: Random): FileMetaData[] {
  const files: FileMetaData[] = []
  const ikey = new Uint8Array(KEY_SIZE + TAG_SIZE)
  let output: TableOutput | undefined
  keys.forEach((k, i) => {
    ikey.set(makeKey(k))
    encodeTag(ikey, KEY_SIZE, firstSequence + i, ValueType.Value)
    output ??= TableOutput.create(env, LOCATION, nextNumber(), table)
    output.add(ikey, random.compressibleBytes(VALUE_SIZE))
    if (output.fileSize >= maxFileSize) {
      files.push(output.finish())
      output = undefined
    }
  })
  if (output !== undefined) files.push(output.finish())
  return files
}

/** About `entries` input entries: 1/8 in each of the level-0 tables, the other half in level 1. */
function makeInputs (entries: number): Inputs {
  const env = new MemEnv()
  env.createDir(LOCATION)
  const random = new Random(SEED)
  let number = 0
  const nextNumber = (): number => ++number
  const keySpace = entries
  const sortedUnique = (count: number, pick: () => number): number[] =>
    [...new Set(Array.from({ length: count }, pick))].sort((a, b) => a - b)

  let sequence = 1
  const level1Keys = sortedUnique(entries / 2, () => 2 * random.uniform(keySpace / 2))
  const level1 = writeRun(env, level1Keys, sequence, MAX_FILE_SIZE, nextNumber, random)
  sequence += level1Keys.length
  let count = level1Keys.length
  const level0: FileMetaData[] = []
  for (let t = 0; t < LEVEL0_TABLES; t++) {
    const keys = sortedUnique(entries / 8, () => random.uniform(keySpace))
    // One table per flushed memtable, the newest first, as the engine lists level 0.
    level0.unshift(...writeRun(env, keys, sequence, Infinity, nextNumber, random))
    sequence += keys.length
    count += keys.length
  }
  const spec: CompactionSpec = {
    level: 0,
    inputs: [level0, level1],
    grandparents: [],
    deeperLevels: [],
    maxOutputFileSize: MAX_FILE_SIZE,
    maxGrandparentOverlapBytes: 10 * MAX_FILE_SIZE
  }
  return { env, spec, lastSequence: sequence - 1, rawBytes: count * (KEY_SIZE + VALUE_SIZE) }
}

/** `seconds` of wall-clock time; `cpuSeconds` of this process's CPU time, all its threads. */
interface Round { seconds: number, cpuSeconds: number, bytesWritten: number, entriesWritten: number }

async function compactOnce (inputs: Inputs): Promise<Round> {
  const { env, spec } = inputs
  const icmp = new InternalKeyComparator()
  const tableCache = new TableCache(env, LOCATION, { icmp, maxOpenFiles: 1000 })
  let number = 1_000_000
  const t0 = performance.now()
  const cpu0 = process.cpuUsage()
  const result = await runCompactionJob(env, tableCache, {
    location: LOCATION, spec, smallestSnapshot: inputs.lastSequence, table
  }, () => ++number)
  const seconds = (performance.now() - t0) / 1000
  const cpu = process.cpuUsage(cpu0)
  const cpuSeconds = (cpu.user + cpu.system) / 1e6
  tableCache.close()
  for (const file of result.outputs) env.removeFile(tableFileName(LOCATION, file.number))
  return { seconds, cpuSeconds, bytesWritten: result.bytesWritten, entriesWritten: result.entriesRead - result.entriesDropped }
}

export async function benchCompaction (quick: boolean, entries: number | undefined): Promise<BenchRow[]> {
  const n = entries ?? (quick ? 100_000 : 400_000)
  const rounds = quick ? 3 : 7
  const inputs = makeInputs(n)
  await compactOnce(inputs) // warm-up
  const runs: Round[] = []
  for (let r = 0; r < rounds; r++) runs.push(await compactOnce(inputs))
  const median = (key: 'seconds' | 'cpuSeconds'): Round => {
    const sorted = runs.slice().sort((a, b) => a[key] - b[key])
    return sorted[Math.floor(sorted.length / 2)]!
  }
  const wall = median('seconds')
  const cpu = median('cpuSeconds')
  const written = wall.entriesWritten * (KEY_SIZE + VALUE_SIZE)
  const name = `compaction, ${inputs.spec.inputs[0].length} level-0 + ${inputs.spec.inputs[1].length} level-1 tables`
  // On a loaded machine the wall clock counts the time other processes held the cores; the CPU
  // time does not, so it is the steadier figure for comparing two builds.
  return [
    { group: 'compaction', name: `${name}, per CPU second (input keys + values)`, value: inputs.rawBytes / cpu.cpuSeconds / 1e6, unit: 'MB/s' },
    { group: 'compaction', name: `${name}, per wall-clock second`, value: inputs.rawBytes / wall.seconds / 1e6, unit: 'MB/s' },
    { group: 'compaction', name: 'compaction output size / output keys + values', value: wall.bytesWritten / written, unit: 'ratio' }
  ]
}

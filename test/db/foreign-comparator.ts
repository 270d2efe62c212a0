// A database made under a comparator Shale does not have, built from the format layers: tables
// whose keys run in reverse byte order (as a program with a reversing comparator writes them), a
// MANIFEST whose first record names that comparator "rev", CURRENT, and a live log. LevelDB with
// such a comparator writes exactly this (the CLI tests also check one that LevelDB wrote, through
// python3-plyvel, when it is installed). Nothing here uses the engine's write path, so that the
// tests see what a foreign program leaves, not what Shale would.

import { spawnSync } from 'node:child_process'
import { type Env, joinPath } from '../../src/env/env.js'
import { NodeEnv } from '../../src/env/node-env.js'
import { logFileName, manifestFileName, setCurrentFile, tableFileName } from '../../src/dbformat/filename.js'
import { InternalFilterPolicy, InternalKeyComparator, makeInternalKey, ValueType } from '../../src/dbformat/internal-key.js'
import { WriteBatch } from '../../src/dbformat/write-batch.js'
import { LogWriter } from '../../src/log/writer.js'
import { BloomFilterPolicy } from '../../src/table/bloom.js'
import { TableBuilder } from '../../src/table/table-builder.js'
import { compareBytes } from '../../src/util/coding.js'
import type { Comparator } from '../../src/util/comparator.js'
import { VersionEdit } from '../../src/version/version-edit.js'

/** Reverse byte order, under the name the MANIFEST records. */
export const reverseComparator: Comparator = {
  name: 'rev',
  compare: (a, b) => compareBytes(b, a),
  findShortestSeparator: (start) => start,
  findShortSuccessor: (key) => key
}

const enc = new TextEncoder()

export function foreignKey (i: number): string {
  return `k${String(i).padStart(5, '0')}`
}

export interface ForeignDb {
  /** Every key written, with its value (all live: no key is written twice). */
  model: Map<string, string>
  /** Table file names, and the level each is at. */
  tables: Array<{ name: string, level: number }>
  manifest: string
}

/**
 * Writes, in `dir` (which must exist), a database under comparator "rev": keys 0..n-1 split over
 * two level-1 tables and one level-0 table, each table's keys in reverse byte order, and a log of
 * a few more writes. Sequence numbers grow with the key number. `manifestComparator` changes the
 * name the MANIFEST records (undefined: none); `isolateComparatorRecord` puts the record naming it
 * in a log block of its own, so that damaging it loses nothing else.
 */
export function writeForeignDb (dir: string, n = 3000, options: { env?: Env, manifestComparator?: string, isolateComparatorRecord?: boolean } = {}): ForeignDb {
  const env = options.env ?? new NodeEnv()
  const icmp = new InternalKeyComparator(reverseComparator)
  const model = new Map<string, string>()
  const edit = new VersionEdit()
  // What the MANIFEST records; another name than the tables' order gives a MANIFEST that lies.
  edit.comparatorName = 'manifestComparator' in options ? options.manifestComparator : reverseComparator.name
  const tables: ForeignDb['tables'] = []
  // [first, last) key numbers per table; level 1 holds two disjoint ranges, level 0 the newest keys.
  const third = Math.floor(n / 3)
  const plan = [{ number: 5, level: 1, from: 0, to: third }, { number: 6, level: 1, from: third, to: 2 * third }, { number: 7, level: 0, from: 2 * third, to: n }]
  for (const t of plan) {
    const path = tableFileName(dir, t.number)
    const file = env.newWritableFile(path)
    const builder = new TableBuilder(file, {
      comparator: icmp, blockSize: 1024, filterPolicy: new InternalFilterPolicy(new BloomFilterPolicy(10))
    })
    let smallest: Uint8Array | undefined
    let largest: Uint8Array | undefined
    // Reverse order: the greatest key number first.
    for (let i = t.to - 1; i >= t.from; i--) {
      const k = foreignKey(i)
      const v = `value-${i}`
      const ikey = makeInternalKey(enc.encode(k), i + 1, ValueType.Value)
      builder.add(ikey, enc.encode(v))
      model.set(k, v)
      smallest ??= ikey
      largest = ikey
    }
    const fileSize = builder.finish()
    file.sync()
    file.close()
    edit.addFile(t.level, { number: t.number, fileSize, smallest: smallest!, largest: largest! })
    tables.push({ name: path.slice(dir.length + 1), level: t.level })
  }
  // A live log with a few more writes, as a program leaves it when it closes without a flush.
  const logNumber = 8
  const batch = new WriteBatch()
  for (let i = n; i < n + 5; i++) {
    batch.put(enc.encode(foreignKey(i)), enc.encode(`value-${i}`))
    model.set(foreignKey(i), `value-${i}`)
  }
  batch.sequence = n + 1
  const log = env.newWritableFile(logFileName(dir, logNumber))
  new LogWriter(log).addRecord(batch.contents())
  log.sync()
  log.close()

  edit.logNumber = logNumber
  edit.prevLogNumber = 0
  edit.nextFileNumber = 10
  edit.lastSequence = n
  const manifestNumber = 9
  const mf = env.newWritableFile(manifestFileName(dir, manifestNumber))
  // The comparator in a record of its own, first, so that a test can damage that record alone.
  const writer = new LogWriter(mf)
  const first = new VersionEdit()
  first.comparatorName = edit.comparatorName
  edit.comparatorName = undefined
  writer.addRecord(first.encode())
  if (options.isolateComparatorRecord === true) {
    // A record that runs into the next 32 KiB block: damage in the first record then loses the
    // rest of block 0 (as the log reader does) but not the edit naming the tables, after it.
    const filler = new VersionEdit()
    filler.setCompactPointer(1, makeInternalKey(new Uint8Array(33000).fill(0x6b), 1, ValueType.Value))
    writer.addRecord(filler.encode())
  }
  writer.addRecord(edit.encode())
  mf.sync()
  mf.close()
  setCurrentFile(env, dir, manifestNumber)
  return { model, tables, manifest: joinPath(dir, `MANIFEST-${String(manifestNumber).padStart(6, '0')}`).slice(dir.length + 1) }
}

/** python3 with Debian's plyvel (LevelDB 1.23), or undefined when it is not installed. */
export function plyvelPython (): string | undefined {
  for (const python of ['/usr/bin/python3', 'python3']) {
    const r = spawnSync(python, ['-c', 'import plyvel'], { encoding: 'utf8' })
    if (r.status === 0) return python
  }
  return undefined
}

/**
 * Has LevelDB itself (through plyvel) write `n` keys under a reversing comparator named "rev"
 * into `dir`, close, and reopen once (so that the log is flushed into a table).
 */
export function writePlyvelForeignDb (python: string, dir: string, n: number): void {
  const script = [
    'import plyvel, sys',
    'c = lambda a, b: (a < b) - (a > b)',
    "db = plyvel.DB(sys.argv[1], create_if_missing=True, comparator=c, comparator_name=b'rev')",
    `for i in range(${n}): db.put(b'k%05d' % i, b'value-%d' % i)`,
    'db.close()',
    "plyvel.DB(sys.argv[1], comparator=c, comparator_name=b'rev').close()"
  ].join('\n')
  const r = spawnSync(python, ['-c', script, dir], { encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`plyvel failed (exit ${String(r.status)}): ${r.stderr}`)
}

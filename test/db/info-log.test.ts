// The info log LOG (src/db/info-log.ts, doc/info-log.md): what an open, a flush, a compaction, a
// MANIFEST rotation, obsolete-file deletion and a close write to it; LOG.old after a reopen; the
// size cap; that no write is ever logged; that a LOG that cannot be written never fails the
// database; and that destroy removes both files.

import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import process from 'node:process'
import { DB } from '../../src/db/db.js'
import { InfoLog, timestamp } from '../../src/db/info-log.js'
import { resolveOptions, type DBOptions } from '../../src/db/options.js'
import { infoLogFileName, oldInfoLogFileName } from '../../src/dbformat/filename.js'
import type { Env } from '../../src/env/env.js'
import { FaultEnv, type FileCall } from '../../src/env/fault-env.js'
import { MemEnv } from '../../src/env/mem-env.js'
import { Random } from '../../src/util/random.js'
import { bytes, DIR, failure, readLiveVersion, scan, str } from './helpers.js'

const LINE = new RegExp(`^\\d{4}/\\d\\d/\\d\\d-\\d\\d:\\d\\d:\\d\\d\\.\\d{3}000 ${process.pid} \\S`)

function read (env: Env, path: string): string {
  return Buffer.from(env.readFile(path)).toString('utf8')
}

function lines (env: Env, path = infoLogFileName(DIR)): string[] {
  const text = read(env, path)
  assert.ok(text.endsWith('\n'), 'the LOG ends with a whole line')
  const out = text.slice(0, -1).split('\n')
  for (const l of out) assert.match(l, LINE, 'every line starts with the time and the process id')
  return out.map((l) => l.slice(l.indexOf(' ', l.indexOf(' ') + 1) + 1))
}

function find (ls: readonly string[], re: RegExp): RegExpExecArray {
  for (const l of ls) {
    const m = re.exec(l)
    if (m !== null) return m
  }
  assert.fail(`no line matches ${String(re)} in:\n${ls.join('\n')}`)
}

/** Puts `n` seeded values (printable, so tables keep their size) over `keys` keys. */
async function fill (db: DB, n: number, keys: number, seed: number, model?: Map<string, string>): Promise<void> {
  const rnd = new Random(seed)
  for (let i = 0; i < n; i++) {
    const k = `k${String(rnd.uniform(keys)).padStart(5, '0')}`
    const v = `${seed}:${i}:`.padEnd(100, 'abcdefghij'[i % 10])
    await db.put(bytes(k), bytes(v))
    model?.set(k, v)
  }
}

const inline: DBOptions = { backgroundWorkers: false }

describe('the info log', () => {
  test('the timestamp is LevelDB\'s format in local time', () => {
    assert.equal(timestamp(new Date(2024, 0, 2, 3, 4, 5, 678)), '2024/01/02-03:04:05.678000')
  })

  test('open, flush, compaction and close, each with its numbers', async () => {
    const env = new MemEnv()
    const db = await DB.open(DIR, { ...inline, env, writeBufferSize: 64 * 1024 })
    let ls = lines(env)
    find(ls, /^Creating \/db: writeBufferSize=65536 maxFileSize=2097152 .*backgroundWorkers=false env=MemEnv$/)
    find(ls, /^Recovered MANIFEST-000001: log number 0, previous log 0, last sequence 0/)
    find(ls, /^Opened in \d+ ms: last sequence 0, log 000003\.log, files per level 0 0 0 0 0 0 0$/)

    await fill(db, 300, 1000, 1)
    await db.flush()
    await Promise.resolve() // the lines of a step are appended a microtask later
    ls = lines(env)
    const live = readLiveVersion(env, DIR)
    assert.equal(live.files.length, 1)
    const table = live.files[0]!
    const flushed = find(ls, /^Flushed a memtable of (\d+) bytes \((\d+) entries\) to table #(\d+) \((\d+) bytes\) at level (\d) in \d+ ms$/)
    assert.ok(Number(flushed[1]) > 300 * 100, 'the memtable\'s bytes')
    assert.equal(Number(flushed[2]), 300, 'one entry per put')
    assert.equal(Number(flushed[3]), table.number)
    assert.equal(Number(flushed[4]), table.fileSize)
    assert.equal(Number(flushed[5]), table.level)
    find(ls, /^Deleted obsolete files: 000003\.log$/)

    // Three more level-0 tables over the same keys, then a compaction of all of them.
    await db.close()
    const db2 = await DB.open(DIR, { ...inline, env, writeBufferSize: 64 * 1024 })
    for (let round = 2; round <= 4; round++) {
      await fill(db2, 300, 1000, round)
      await db2.flush()
    }
    const before = readLiveVersion(env, DIR).files
    await db2.compactLevel(0)
    const after = readLiveVersion(env, DIR).files
    await db2.close()
    ls = lines(env)
    const c = find(ls, /^Compacted level 0 to level 1 \(manual\): inputs level 0 (.*), level 1 (.*); outputs (.*); read (\d+) bytes, wrote (\d+) bytes \((\d+) entries in, (\d+) dropped\) in \d+ ms$/)
    const files = (s: string): string[] => s === 'none' ? [] : s.split(' #').map((f) => f.replace(/^#/, ''))
    const describe = (fs: ReadonlyArray<{ number: number, fileSize: number }>): string[] =>
      fs.map((f) => `${f.number} (${f.fileSize} bytes)`).sort()
    assert.deepEqual(files(c[1]!).sort(), describe(before.filter((f) => f.level === 0)))
    assert.deepEqual(files(c[2]!).sort(), describe(before.filter((f) => f.level === 1)))
    assert.deepEqual(files(c[3]!).sort(), describe(after.filter((f) => f.level === 1)))
    assert.equal(Number(c[4]), before.filter((f) => f.level <= 1).reduce((n, f) => n + f.fileSize, 0))
    assert.equal(Number(c[5]), after.filter((f) => f.level === 1).reduce((n, f) => n + f.fileSize, 0))
    assert.ok(Number(c[6]) > 0 && Number(c[7]) > 0, 'entries read, and overwritten ones dropped')
    const deleted = find(ls, /^Deleted obsolete files: ((?:\d+\.ldb ?)+)$/)
    assert.deepEqual(deleted[1]!.split(' ').sort(), before.filter((f) => f.level <= 1).map((f) => `${String(f.number).padStart(6, '0')}.ldb`).sort())
    assert.match(ls[ls.length - 1]!, /^Closed: last sequence 1200, files per level 0 /)
  })

  test('a reopen moves LOG to LOG.old and logs the recovery of the log it replays', async () => {
    const env = new MemEnv()
    let db = await DB.open(DIR, { ...inline, env })
    await fill(db, 50, 20, 1)
    await db.close()
    const first = read(env, infoLogFileName(DIR))
    db = await DB.open(DIR, { ...inline, env })
    assert.equal(read(env, oldInfoLogFileName(DIR)), first, 'LOG.old is the previous open\'s LOG')
    const ls = lines(env)
    assert.match(ls[0]!, /^Opening \/db: /)
    find(ls, /^Replayed 000003\.log: 50 records, last sequence 50$/)
    find(ls, /^Recovery flushed a memtable of \d+ bytes to table #\d+ \(\d+ bytes\) at level 0$/)
    await db.close()
    // A third open replaces LOG.old.
    const second = read(env, infoLogFileName(DIR))
    db = await DB.open(DIR, { ...inline, env })
    await db.close()
    assert.equal(read(env, oldInfoLogFileName(DIR)), second)
  })

  test('a MANIFEST rotation by size is logged', async () => {
    const env = new MemEnv()
    const db = await DB.open(DIR, { ...inline, env, writeBufferSize: 4 * 1024, maxManifestFileSize: 1024 })
    await fill(db, 600, 300, 1)
    await db.close()
    const ls = lines(env)
    const started = ls.filter((l) => /^Started MANIFEST-\d+ \(snapshot of \d+ bytes\), replacing MANIFEST-\d+, (\d+) bytes$/.test(l))
    assert.ok(started.length >= 1, 'a MANIFEST was replaced once past its size')
    for (const l of started) assert.ok(Number(/, (\d+) bytes$/.exec(l)![1]) > 1024, l)
  })

  test('no line per write: a thousand puts append nothing to the LOG', async () => {
    const env = new FaultEnv(new MemEnv())
    const db = await DB.open(DIR, { ...inline, env })
    await Promise.resolve()
    const logAppends = (): number => env.calls.filter((c) => c.op === 'append' && c.path === infoLogFileName(DIR)).length
    const before = logAppends()
    assert.ok(before >= 1, 'the open wrote its lines')
    await fill(db, 1000, 1000, 1)
    assert.equal(logAppends(), before)
    await db.close()
    assert.equal(logAppends(), before + 1, 'the close line')
  })

  test('the LOG stays under its cap: past it, LOG becomes LOG.old and a new LOG starts', async () => {
    const env = new MemEnv()
    const cap = 2048
    const db = await DB.open(DIR, { ...inline, env, writeBufferSize: 4 * 1024, maxInfoLogFileSize: cap })
    for (let round = 0; round < 10; round++) {
      await fill(db, 100, 1000, round)
      await db.flush()
      // No single step logs more than this here, so neither file may pass cap + it.
      for (const path of [infoLogFileName(DIR), oldInfoLogFileName(DIR)]) {
        if (env.fileExists(path)) assert.ok(env.getFileSize(path) <= cap, `${path}: ${env.getFileSize(path)} bytes`)
      }
    }
    await db.close()
    assert.ok(env.fileExists(oldInfoLogFileName(DIR)), 'the LOG was rotated')
    const ls = lines(env)
    assert.equal(ls[0], `LOG reached its cap of ${cap} bytes: earlier lines are in LOG.old`)
    lines(env, oldInfoLogFileName(DIR))
  })

  test('maxInfoLogFileSize: 1 MiB by default, at least 1 KiB, 0 for none', () => {
    assert.equal(resolveOptions({}).maxInfoLogFileSize, 1 << 20)
    assert.equal(resolveOptions({ maxInfoLogFileSize: 5 }).maxInfoLogFileSize, 1024)
    assert.equal(resolveOptions({ maxInfoLogFileSize: 0 }).maxInfoLogFileSize, 0)
    assert.equal(resolveOptions({ maxInfoLogFileSize: 4096.5 }).maxInfoLogFileSize, 4096)
  })

  test('maxInfoLogFileSize 0 writes no LOG', async () => {
    const env = new MemEnv()
    const db = await DB.open(DIR, { ...inline, env, maxInfoLogFileSize: 0 })
    await fill(db, 10, 10, 1)
    await db.close()
    assert.equal(env.fileExists(infoLogFileName(DIR)), false)
  })

  const isInfoLog = (c: FileCall): boolean => /\/LOG(\.old)?$/.test(c.path) || c.path.startsWith(`${infoLogFileName(DIR)} ->`)
  /** Fails the `n`th call (from 0) that `match` accepts (a rule's `at` counts every call of its op). */
  const nth = (match: (c: FileCall) => boolean, n: number) => {
    let seen = 0
    return (c: FileCall): boolean => match(c) && seen++ === n
  }
  const faults: Array<{ name: string, rule: (env: FaultEnv) => void }> = [
    {
      name: 'every LOG call fails',
      // A rule that fires is removed unless sticky, and a sticky one fails every later call.
      rule: (env) => { for (let i = 0; i < 100; i++) env.inject({ when: isInfoLog, code: 'EIO' }) }
    },
    { name: 'creating the LOG fails', rule: (env) => env.inject({ op: 'create', when: isInfoLog, code: 'ENOSPC' }) },
    { name: 'the third LOG append fails', rule: (env) => env.inject({ op: 'append', when: nth(isInfoLog, 2), code: 'ENOSPC' }) },
    { name: 'moving LOG to LOG.old fails', rule: (env) => env.inject({ op: 'rename', when: isInfoLog, code: 'EIO' }) }
  ]
  for (const f of faults) {
    test(`a LOG that cannot be written never fails the database: ${f.name}`, async () => {
      const mem = new MemEnv()
      const env = new FaultEnv(mem)
      const model = new Map<string, string>()
      // A first open so that there is a LOG to move.
      await (await DB.open(DIR, { ...inline, env })).close()
      f.rule(env)
      const db = await DB.open(DIR, { ...inline, env, writeBufferSize: 4 * 1024 })
      await fill(db, 500, 200, 1, model)
      await db.compactRange()
      await db.close()
      assert.ok(env.calls.some((c) => isInfoLog(c) && c.error !== undefined), 'a LOG call did fail')
      env.clearFaults()
      const again = await DB.open(DIR, { ...inline, env, paranoidChecks: true })
      assert.deepEqual(new Map(scan(again).map(([k, v]) => [str(k), str(v)])), model)
      await again.close()
    })
  }

  test('a failed append drops the LOG for the rest of the open; what was written stays readable', async () => {
    const env = new FaultEnv(new MemEnv())
    let appends = 0
    env.inject({ op: 'append', when: (c) => c.path === infoLogFileName(DIR) && appends++ === 1, code: 'EIO' })
    const db = await DB.open(DIR, { ...inline, env, writeBufferSize: 4 * 1024 })
    await fill(db, 300, 200, 1)
    await db.flush()
    await db.close()
    const logAppends = env.calls.filter((c) => c.op === 'append' && c.path === infoLogFileName(DIR))
    assert.equal(logAppends.length, 2, 'nothing was appended after the failure')
    assert.equal(logAppends[1]!.error, 'EIO')
    const ls = lines(env)
    assert.match(ls[0]!, /^Creating /, 'the first append is there')
    assert.ok(!ls.some((l) => /^(Flushed|Closed)/.test(l)), 'nothing after the failed append')
  })

  test('an open that fails on the lock leaves the LOG of the open database alone', async () => {
    const env = new MemEnv()
    const db = await DB.open(DIR, { ...inline, env })
    const before = read(env, infoLogFileName(DIR))
    const err = await failure(async () => await DB.open(DIR, { ...inline, env }))
    assert.equal((err as { code?: string }).code, 'LEVEL_LOCKED')
    assert.equal(read(env, infoLogFileName(DIR)), before)
    assert.equal(env.fileExists(oldInfoLogFileName(DIR)), false)
    await db.close()
  })

  test('destroy removes LOG and LOG.old', async () => {
    const env = new MemEnv()
    for (let i = 0; i < 2; i++) {
      const db = await DB.open(DIR, { ...inline, env })
      await fill(db, 10, 10, i)
      await db.close()
    }
    assert.ok(env.fileExists(infoLogFileName(DIR)) && env.fileExists(oldInfoLogFileName(DIR)))
    await DB.destroy(DIR, { env })
    assert.equal(env.fileExists(infoLogFileName(DIR)), false)
    assert.equal(env.fileExists(oldInfoLogFileName(DIR)), false)
    assert.equal(env.fileExists(DIR), false, 'the directory is gone')
  })

  test('InfoLog.none writes nothing and never throws', () => {
    const log = InfoLog.none()
    log.log('x')
    log.flush()
    log.close()
    assert.equal(log.active, false)
  })
})

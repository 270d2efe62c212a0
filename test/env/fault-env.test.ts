import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CrashError, exploreCrashPoints, FaultEnv } from '../../src/env/fault-env.js'
import type { FileCall } from '../../src/env/fault-env.js'
import { MemEnv } from '../../src/env/mem-env.js'
import { NodeEnv } from '../../src/env/node-env.js'
import type { Env } from '../../src/env/env.js'
import { systemErrorCode } from '../../src/env/env.js'
import { ShaleError } from '../../src/util/errors.js'

const enc = new TextEncoder()
const dec = new TextDecoder()

function contents (env: MemEnv): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [path, data] of env.dumpFiles()) out[path] = dec.decode(data)
  return out
}

function isInjected (code: string) {
  return (err: unknown): boolean => {
    assert.ok(err instanceof ShaleError, `expected a ShaleError, got ${String(err)}`)
    assert.equal(err.code, 'LEVEL_IO_ERROR')
    assert.equal(systemErrorCode(err), code)
    assert.equal((err.cause as { code?: string }).code, code)
    return true
  }
}

/** A MemEnv holding /db with a durable CURRENT that says "old". */
function setupDb (): MemEnv {
  const env = new MemEnv()
  env.createDir('/db')
  env.syncDir('/')
  const f = env.newWritableFile('/db/CURRENT')
  f.append(enc.encode('old'))
  f.sync()
  f.close()
  env.syncDir('/db')
  return env
}

/** The CURRENT swap of contract 5: write a temp file, sync it, rename it over CURRENT, sync the directory. */
function swapCurrent (env: Env, options: { sync: boolean } = { sync: true }): void {
  const f = env.newWritableFile('/db/CURRENT.tmp')
  f.append(enc.encode('new'))
  if (options.sync) f.sync()
  f.close()
  env.renameFile('/db/CURRENT.tmp', '/db/CURRENT')
  env.syncDir('/db')
}

describe('FaultEnv counting', () => {
  test('counts every call by kind and in total, in order, with the path', () => {
    const env = new FaultEnv(new MemEnv())
    env.createDir('/d')
    const f = env.newWritableFile('/d/a')
    f.append(enc.encode('xy'))
    f.append(enc.encode('z'))
    f.sync()
    f.close()
    env.renameFile('/d/a', '/d/b')
    env.syncDir('/d')
    assert.deepEqual(env.getChildren('/d'), ['b'])
    assert.equal(env.fileExists('/d/b'), true)
    assert.equal(env.getFileSize('/d/b'), 3)
    const r = env.newRandomAccessFile('/d/b')
    assert.equal(dec.decode(r.read(1, 2)), 'yz')
    r.close()
    const s = env.newSequentialFile('/d/b')
    s.skip(1)
    assert.equal(dec.decode(s.read(5)), 'yz')
    s.close()
    assert.equal(dec.decode(env.readFile('/d/b')), 'xyz')
    const lock = env.lockFile('/d/LOCK')
    env.unlockFile(lock)
    env.removeFile('/d/b')
    env.removeFile('/d/LOCK')
    env.removeDir('/d')

    assert.deepEqual(env.calls.map((c) => `${c.index}:${c.op}#${c.kindIndex} ${c.path}`), [
      '0:mkdir#0 /d', '1:create#0 /d/a', '2:append#0 /d/a', '3:append#1 /d/a', '4:sync#0 /d/a',
      '5:close#0 /d/a', '6:rename#0 /d/a -> /d/b', '7:syncDir#0 /d', '8:list#0 /d', '9:stat#0 /d/b',
      '10:stat#1 /d/b', '11:open#0 /d/b', '12:read#0 /d/b', '13:close#1 /d/b', '14:open#1 /d/b',
      '15:read#1 /d/b', '16:close#2 /d/b', '17:read#2 /d/b', '18:lock#0 /d/LOCK', '19:lock#1 /d/LOCK',
      '20:remove#0 /d/b', '21:remove#1 /d/LOCK', '22:rmdir#0 /d'
    ])
    assert.equal(env.total, 23)
    assert.deepEqual(env.counts, {
      create: 1, append: 2, sync: 1, close: 3, read: 3, open: 2, rename: 1, remove: 2,
      mkdir: 1, rmdir: 1, syncDir: 1, list: 1, stat: 2, lock: 2, link: 0
    })
  })

  test('records real failures of the inner Env with their code', () => {
    const env = new FaultEnv(new MemEnv())
    assert.throws(() => env.readFile('/missing'), isInjected('ENOENT'))
    assert.equal(env.calls[0]!.error, 'ENOENT')
  })
})

describe('FaultEnv error injection', () => {
  test('ENOSPC at the Nth append, one-shot', () => {
    const env = new FaultEnv(new MemEnv())
    env.inject({ op: 'append', at: 2, code: 'ENOSPC' })
    const f = env.newWritableFile('/f')
    f.append(enc.encode('a'))
    f.append(enc.encode('b'))
    assert.throws(() => f.append(enc.encode('c')), isInjected('ENOSPC'))
    f.append(enc.encode('d'))
    assert.equal(dec.decode(env.readFile('/f')), 'abd')
    assert.deepEqual(env.calls.filter((c) => c.error !== undefined).map((c) => c.index), [3])
  })

  test('sticky EIO on sync: every later sync fails, other calls work', () => {
    const env = new FaultEnv(new MemEnv())
    env.inject({ op: 'sync', at: 1, sticky: true })
    const f = env.newWritableFile('/f')
    f.sync()
    assert.throws(() => f.sync(), isInjected('EIO'))
    f.append(enc.encode('x'))
    assert.throws(() => f.sync(), isInjected('EIO'))
    return assert.rejects(f.syncAsync(), isInjected('EIO'))
  })

  test('at the Nth call of any kind', () => {
    const env = new FaultEnv(new MemEnv())
    env.inject({ at: 3 })
    env.createDir('/a')
    env.createDir('/b')
    env.fileExists('/a')
    assert.throws(() => env.getChildren('/'), isInjected('EIO'))
    assert.deepEqual(env.getChildren('/'), ['a', 'b'])
  })

  test('by predicate on op, path and call index; several kinds watched', () => {
    const env = new FaultEnv(new MemEnv())
    const seen: FileCall[] = []
    env.inject({
      op: ['create', 'rename'],
      when: (call) => { seen.push(call); return call.path.includes('MANIFEST') },
      code: 'ENOSPC'
    })
    env.newWritableFile('/000003.log').close()
    assert.throws(() => env.newWritableFile('/MANIFEST-000002'), isInjected('ENOSPC'))
    assert.equal(env.fileExists('/MANIFEST-000002'), false, 'an injected failure never reaches the inner Env')
    env.newWritableFile('/MANIFEST-000002').close()
    assert.deepEqual(seen.map((c) => [c.index, c.op]), [[0, 'create'], [2, 'create']])
  })

  test('a removed rule stops firing; clearFaults removes all', () => {
    const env = new FaultEnv(new MemEnv())
    const remove = env.inject({ op: 'mkdir', sticky: true })
    assert.throws(() => env.createDir('/a'), isInjected('EIO'))
    remove()
    env.createDir('/a')
    env.inject({ op: 'mkdir', sticky: true })
    env.inject({ op: 'list', sticky: true })
    env.clearFaults()
    env.createDir('/b')
    env.getChildren('/')
  })

  test('a torn append: part of the data reaches the file before ENOSPC', () => {
    const env = new FaultEnv(new MemEnv())
    env.inject({ op: 'append', code: 'ENOSPC', partialBytes: 3 })
    const f = env.newWritableFile('/log')
    assert.throws(() => f.append(enc.encode('abcdef')), isInjected('ENOSPC'))
    assert.equal(f.size, 3)
    assert.equal(dec.decode(env.readFile('/log')), 'abc')
  })

  test('wraps NodeEnv as well', () => {
    const dir = mkdtempSync(join(tmpdir(), 'shale-fault-'))
    try {
      const env = new FaultEnv(new NodeEnv())
      env.inject({ op: 'sync', code: 'EIO' })
      const f = env.newWritableFile(join(dir, 'f'))
      f.append(enc.encode('data'))
      assert.throws(() => f.sync(), isInjected('EIO'))
      f.sync()
      f.close()
      assert.equal(dec.decode(env.readFile(join(dir, 'f'))), 'data')
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe('FaultEnv crash points', () => {
  test('crashAfter lets call K complete, then stops every later call', () => {
    const mem = setupDb()
    const env = new FaultEnv(mem)
    env.crashAfter(1)
    const f = env.newWritableFile('/db/x')
    assert.throws(() => f.append(enc.encode('data')), (err: unknown) => err instanceof CrashError && err.callIndex === 1)
    assert.equal(env.crashed, true)
    assert.throws(() => f.sync(), CrashError)
    assert.throws(() => env.syncDir('/db'), CrashError)
    assert.equal(dec.decode(mem.readFile('/db/x')), 'data', 'call 1 completed')
    assert.equal(env.total, 2)
  })

  test('run a workload, count its calls, then crash after each call K and see the state', async () => {
    // Counting run.
    const counting = new FaultEnv(setupDb())
    swapCurrent(counting)
    assert.deepEqual(counting.calls.map((c) => `${c.op} ${c.path}`), [
      'create /db/CURRENT.tmp', 'append /db/CURRENT.tmp', 'sync /db/CURRENT.tmp', 'close /db/CURRENT.tmp',
      'rename /db/CURRENT.tmp -> /db/CURRENT', 'syncDir /db'
    ])

    // One rerun per call K, by hand: power is lost right after call K.
    const states: Array<Record<string, string>> = []
    for (let k = 0; k < counting.total; k++) {
      const mem = setupDb()
      const env = new FaultEnv(mem)
      env.crashAfter(k)
      assert.throws(() => swapCurrent(env), CrashError)
      mem.powerLoss()
      states.push(contents(mem))
    }
    const old = { '/db/CURRENT': 'old' }
    assert.deepEqual(states, [old, old, old, old, old, { '/db/CURRENT': 'new' }])

    // The same through exploreCrashPoints, and with a snapshotting onCall hook instead of a crash.
    const explored: string[] = []
    await exploreCrashPoints({
      setup: setupDb,
      workload: swapCurrent,
      check: ({ call, env }) => { explored.push(`${call.index} ${contents(env)['/db/CURRENT'] ?? 'missing'}`) }
    })
    assert.deepEqual(explored, ['0 old', '1 old', '2 old', '3 old', '4 old', '5 new'])

    const snapshots: MemEnv[] = []
    const mem = setupDb()
    swapCurrent(new FaultEnv(mem, { onCall: () => { snapshots.push(mem.clone()) } }))
    assert.deepEqual(snapshots.map((s) => { s.powerLoss(); return contents(s)['/db/CURRENT'] }),
      ['old', 'old', 'old', 'old', 'old', 'new'])
  })

  test('the crash points expose a missing sync before the rename of CURRENT (google/leveldb#74)', async () => {
    const bad: string[] = []
    await exploreCrashPoints({
      setup: setupDb,
      workload: (env) => swapCurrent(env, { sync: false }),
      check: ({ call, env }) => {
        const current = contents(env)['/db/CURRENT']
        if (current !== 'old' && current !== 'new') bad.push(`after ${call.op}: CURRENT is ${JSON.stringify(current)}`)
      }
    })
    assert.deepEqual(bad, ['after syncDir: CURRENT is ""'])
  })

  test('a filter picks the crash points; other crash modes apply', async () => {
    const seen: string[] = []
    const points = await exploreCrashPoints({
      setup: setupDb,
      workload: async (env) => {
        const f = env.newWritableFile('/db/000003.log')
        env.syncDir('/db')
        f.append(enc.encode('rec1'))
        await f.syncAsync()
        f.append(enc.encode('rec2'))
      },
      filter: (call) => call.op === 'append' || call.op === 'sync',
      mode: 'processCrash',
      check: ({ call, env }) => { seen.push(`${call.op}:${contents(env)['/db/000003.log']!}`) }
    })
    assert.deepEqual(points.map((c) => c.index), [2, 3, 4])
    // A process crash keeps everything handed to the OS, synced or not.
    assert.deepEqual(seen, ['append:rec1', 'sync:rec1', 'append:rec1rec2'])
  })

  test('an engine that swallows the CrashError still cannot touch the files again', async () => {
    const points = await exploreCrashPoints({
      setup: setupDb,
      workload: (env) => {
        // Calls: create 0, syncDir 1, append 2, sync 3 | create 4, append 5, sync 6 | create 7, append 8, sync 9.
        for (let i = 0; i < 3; i++) {
          try {
            const f = env.newAppendableFile('/db/log')
            if (i === 0) env.syncDir('/db')
            f.append(enc.encode(String(i)))
            f.sync()
          } catch { /* a careless engine keeps going */ }
        }
      },
      check: ({ call, env }) => {
        // Nothing after the crash call may have happened: the log holds the appends synced up to it.
        const k = call.index
        const expected = k >= 9 ? '012' : k >= 6 ? '01' : k >= 3 ? '0' : ''
        assert.equal(contents(env)['/db/log'] ?? '', expected, `crash after call ${k}`)
      }
    })
    assert.equal(points.length, 10)
  })

  test('a workload that is not deterministic is reported', async () => {
    let run = 0
    await assert.rejects(exploreCrashPoints({
      setup: setupDb,
      workload: (env) => { env.createDir(`/db/run${run++}`) },
      check: () => {}
    }), /not deterministic/)
  })
})

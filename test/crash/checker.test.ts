// The crash checker must be able to fail. A disk that ignores some fsyncs is, to the checker, the
// same as an engine that forgot to issue them; each such lie must be caught, with a message that
// names the seed, the crash point and the call. Also the prefix model's own bookkeeping.

import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { bytes } from '../db/helpers.js'
import { describeFailure, exploreWorkload, type CrashFailure } from '../../harness/crash/explore.js'
import { LyingMemEnv, type Lies } from '../../harness/crash/broken-env.js'
import { PrefixModel, type Write } from '../../harness/crash/model.js'
import { DEFAULT_SHAPE, generateWorkload } from '../../harness/crash/workload.js'

async function failuresWith (lies: Lies, seed: number): Promise<CrashFailure[]> {
  const failures: CrashFailure[] = []
  const workload = generateWorkload(seed, { ...DEFAULT_SHAPE, syncChance: 0.5 })
  await exploreWorkload({
    workload,
    modes: ['powerLoss'],
    sampleRate: 0,
    newEnv: () => new LyingMemEnv(lies),
    onFailure: (f) => { failures.push(f) },
    stopAfterFailures: 5
  })
  return failures
}

describe('the crash checker catches a missing fsync', () => {
  test('log fsyncs that do nothing lose acknowledged sync writes', async () => {
    const failures = await failuresWith({ skipSync: (p) => p.endsWith('.log') }, 5)
    assert.ok(failures.length > 0, 'some crash point must fail')
    const lost = failures.find((f) => /not a prefix in \[\d+, \d+\] \(write \d+ \(sync\) acknowledged/.test(f.message))
    assert.ok(lost !== undefined, `a lost sync write is reported: ${failures.map(describeFailure).slice(0, 3).join('\n')}`)
    assert.match(describeFailure(lost), /^seed 5, powerLoss, crash point #\d+ \(after call \d+: (sync|syncDir|rename) \S+/)
  })

  test('directory syncs that do nothing lose new files', async () => {
    const failures = await failuresWith({ skipSyncDir: true }, 6)
    assert.ok(failures.length > 0, 'some crash point must fail')
  })

  test('table fsyncs that do nothing leave a MANIFEST naming empty tables', async () => {
    const failures = await failuresWith({ skipSync: (p) => p.endsWith('.ldb') }, 7)
    assert.ok(failures.some((f) => /(open|scan) failed: LEVEL_CORRUPTION/.test(f.message)),
      `a failure is reported: ${failures.map(describeFailure).slice(0, 3).join('\n')}`)
  })

  test('MANIFEST fsyncs that do nothing lose flushes and compactions', async () => {
    const failures = await failuresWith({ skipSync: (p) => p.includes('/MANIFEST-') }, 8)
    assert.ok(failures.length > 0, 'some crash point must fail')
  })
})

describe('the prefix model', () => {
  const put = (index: number, k: string, v: string, batch = false): Write =>
    ({ index, mutations: [{ kind: 'put', key: bytes(k), value: bytes(v) }], sync: false, batch })
  const del = (index: number, k: string): Write => ({ index, mutations: [{ kind: 'del', key: bytes(k) }], sync: false, batch: false })

  test('names every prefix whose state matches, and only those', () => {
    const writes: Write[] = [put(0, 'a', '1'), put(1, 'b', '2'), del(2, 'b'), put(3, 'a', '3'), put(4, 'a', '1')]
    const model = new PrefixModel(writes)
    assert.deepEqual(model.candidates([]), [0])
    assert.deepEqual(model.candidates([[bytes('a'), bytes('1')]]), [1, 3, 5])
    assert.deepEqual(model.candidates([[bytes('a'), bytes('1')], [bytes('b'), bytes('2')]]), [2])
    assert.deepEqual(model.candidates([[bytes('a'), bytes('3')]]), [4])
    // A value moved between key and value does not collide.
    assert.deepEqual(model.candidates([[bytes('a1'), bytes('')]]), [])
    assert.deepEqual(model.stateAfter(2).map(([k, v]) => [Buffer.from(k).toString(), Buffer.from(v).toString()]), [['a', '1'], ['b', '2']])
  })

  test('a batch is one write: no state inside it is a prefix', () => {
    const batch: Write = {
      index: 0,
      mutations: [{ kind: 'put', key: bytes('x'), value: bytes('1') }, { kind: 'put', key: bytes('y'), value: bytes('2') }],
      sync: true,
      batch: true
    }
    const model = new PrefixModel([batch])
    assert.deepEqual(model.candidates([[bytes('x'), bytes('1')]]), [])
    assert.deepEqual(model.candidates([[bytes('x'), bytes('1')], [bytes('y'), bytes('2')]]), [1])
  })
})

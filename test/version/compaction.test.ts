// Compaction picking (scores, level-0 expansion, compaction pointers, seek compactions, the
// expanded-input rule, grandparents, trivial moves, manual ranges) and the output policy
// (shouldStopBefore, isBaseLevelForKey), on VersionSets holding file metadata only.

import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { toHex, utf8 } from '../../src/util/coding.js'
import { CompactionOutputPolicy, type CompactionSpec } from '../../src/version/compaction.js'
import { L0_COMPACTION_TRIGGER, maxBytesForLevel } from '../../src/version/policy.js'
import { NUM_LEVELS, VersionEdit, type FileMetaData } from '../../src/version/version-edit.js'
import type { VersionSet } from '../../src/version/version-set.js'
import { createAndRecover, icmp, ik, meta, newEnv, openVersionSet } from './helpers.js'

const MiB = 1024 * 1024

/** A VersionSet (maxFileSize 2 MiB) holding the given files. */
async function withFiles (files: Array<[number, FileMetaData]>, options: { maxFileSize?: number } = {}): Promise<VersionSet> {
  const { vset } = createAndRecover(newEnv(), options)
  const e = new VersionEdit()
  for (const [level, f] of files) e.addFile(level, f)
  await vset.logAndApply(e)
  return vset
}

const nums = (files: readonly FileMetaData[]): number[] => files.map((f) => f.number)

describe('scores', () => {
  test('level 0 is scored by file count: the trigger is 4 files', async () => {
    const three = await withFiles([[0, meta(10, 'a', 'b')], [0, meta(11, 'c', 'd')], [0, meta(12, 'e', 'f')]])
    assert.equal(three.current.compactionScore, 3 / L0_COMPACTION_TRIGGER)
    assert.equal(three.needsCompaction(), false)
    assert.equal(three.pickCompaction(), undefined)
    const four = await withFiles([[0, meta(10, 'a', 'b')], [0, meta(11, 'c', 'd')], [0, meta(12, 'e', 'f')], [0, meta(13, 'g', 'h')]])
    assert.equal(four.current.compactionScore, 1)
    assert.equal(four.current.compactionLevel, 0)
    assert.equal(four.needsCompaction(), true)
    assert.equal(four.levelSummary(), 'files[ 4 0 0 0 0 0 0 ]')
  })

  test('deeper levels are scored by bytes against 10 MiB x 10^(L-1); the last level never', async () => {
    assert.equal(maxBytesForLevel(1), 10 * MiB)
    assert.equal(maxBytesForLevel(2), 100 * MiB)
    assert.equal(maxBytesForLevel(5), 100000 * MiB)
    const v = (await withFiles([
      [0, meta(10, 'a', 'b')],
      [1, meta(11, 'a', 'b', 5 * MiB)],
      [2, meta(12, 'a', 'b', 150 * MiB)],
      [6, meta(13, 'a', 'b', 1e12)]
    ])).current
    assert.equal(v.compactionLevel, 2)
    assert.equal(v.compactionScore, 1.5)
  })
})

describe('pickCompaction', () => {
  test('level 0: every file overlapping the picked one, transitively, and the level-1 files they overlap', async () => {
    const vset = await withFiles([
      [0, meta(10, 'a', 'c')], [0, meta(11, 'b', 'e')], [0, meta(12, 'd', 'f')], [0, meta(13, 'x', 'z')],
      [1, meta(20, 'a', 'b')], [1, meta(21, 'e', 'g')], [1, meta(22, 'h', 'i')]
    ])
    const c = vset.pickCompaction()!
    assert.equal(c.level, 0)
    assert.deepEqual(nums(c.inputs[0]), [10, 11, 12])
    assert.deepEqual(nums(c.inputs[1]), [20, 21])
    assert.equal(c.isTrivialMove(), false)
    // The compaction pointer is the largest level-0 input key, in the set and in the edit.
    assert.equal(toHex(vset.compactPointer(0)!), toHex(ik('f')))
    assert.deepEqual(c.edit.compactPointers.map((p) => [p.level, toHex(p.key)]), [[0, toHex(ik('f'))]])
  })

  test('compaction pointers rotate through the level and wrap around', async () => {
    const vset = await withFiles([
      [1, meta(10, 'a', 'b', 4 * MiB)], [1, meta(11, 'c', 'd', 4 * MiB)], [1, meta(12, 'e', 'f', 4 * MiB)]
    ])
    const picked: number[] = []
    for (let i = 0; i < 5; i++) {
      const c = vset.pickCompaction()!
      assert.equal(c.level, 1)
      picked.push(...nums(c.inputs[0]))
      c.releaseInputs()
    }
    assert.deepEqual(picked, [10, 11, 12, 10, 11])
  })

  test('the pointer is recorded in the MANIFEST and survives recovery', async () => {
    const env = newEnv()
    const { vset } = createAndRecover(env)
    const e = new VersionEdit()
    for (const [n, a, b] of [[10, 'a', 'b'], [11, 'c', 'd'], [12, 'e', 'f']] as const) e.addFile(1, meta(n, a, b, 4 * MiB))
    await vset.logAndApply(e)
    const c = vset.pickCompaction()!
    c.releaseInputs()
    // Logged as a compaction would log it (here with no other change).
    await vset.logAndApply(c.edit)
    const recovered = openVersionSet(env).vset
    recovered.recover()
    assert.equal(toHex(recovered.compactPointer(1)!), toHex(ik('b')))
    assert.deepEqual(nums(recovered.pickCompaction()!.inputs[0]), [11])
  })

  test('a seek compaction when no level is over budget; size compactions first', async () => {
    const vset = await withFiles([[1, meta(10, 'a', 'b')], [1, meta(11, 'c', 'd')], [2, meta(20, 'c', 'c5')]])
    const v = vset.current
    const f = v.files[1]![1]!
    assert.equal(f.allowedSeeks, 100)
    f.allowedSeeks = 2
    assert.equal(v.updateStats({ seekFile: f, seekFileLevel: 1 }), false)
    assert.equal(vset.needsCompaction(), false)
    assert.equal(v.updateStats({ seekFile: f, seekFileLevel: 1 }), true)
    assert.equal(v.fileToCompact, f)
    assert.equal(vset.needsCompaction(), true)
    // Charging more does not ask again.
    assert.equal(v.updateStats({ seekFile: v.files[1]![0]!, seekFileLevel: 1 }), false)
    const c = vset.pickCompaction()!
    assert.equal(c.level, 1)
    assert.deepEqual(nums(c.inputs[0]), [11])
    assert.deepEqual(nums(c.inputs[1]), [20])

    v.files[1]![0]!.fileSize = 11 * MiB // (test only) put level 1 over budget
    v.computeCompactionScore()
    assert.deepEqual(nums(vset.pickCompaction()!.inputs[0]), [10])
  })

  test('inputs at L widen when that takes in no more L+1 files and stays under 25 x the target size', async () => {
    const files: Array<[number, FileMetaData]> = [
      [1, meta(1, 'a', 'c', MiB)], [1, meta(2, 'd', 'f', MiB)], [1, meta(3, 'g', 'i', MiB)],
      [2, meta(10, 'b', 'e', MiB)]
    ]
    // Picking #1 takes in #10 (b..e), whose range also covers #2: #2 joins, #10 stays the only L2 input.
    let c = (await withFiles(files)).compactRange(1, ik('a'), ik('a'))!
    assert.deepEqual(nums(c.inputs[0]), [1, 2])
    assert.deepEqual(nums(c.inputs[1]), [10])

    // Too big: 46 MiB at L2 + 2 MiB of widened L1 inputs reaches 50 MiB (25 x 2 MiB).
    files[3] = [2, meta(10, 'b', 'e', 48 * MiB)]
    c = (await withFiles(files)).compactRange(1, ik('a'), ik('a'))!
    assert.deepEqual(nums(c.inputs[0]), [1])
    assert.deepEqual(nums(c.inputs[1]), [10])

    // Widening would take in another L2 file (#11 starts inside #2): not done.
    files[3] = [2, meta(10, 'b', 'e', MiB)]
    files.push([2, meta(11, 'f', 'f5', MiB)])
    c = (await withFiles(files)).compactRange(1, ik('a'), ik('a'))!
    assert.deepEqual(nums(c.inputs[0]), [1])
    assert.deepEqual(nums(c.inputs[1]), [10])
  })

  test('grandparents are the L+2 files overlapping the whole compaction range', async () => {
    const vset = await withFiles([
      [1, meta(1, 'c', 'f', 11 * MiB)], [2, meta(10, 'a', 'd')], [2, meta(11, 'e', 'h')],
      [3, meta(20, 'a', 'a5')], [3, meta(21, 'b', 'c')], [3, meta(22, 'g', 'k')], [3, meta(23, 'm', 'n')]
    ])
    const c = vset.pickCompaction()!
    assert.deepEqual(nums(c.inputs[1]), [10, 11])
    // The range is a..h (L2 inputs widen it): #20 (a..a5) included, #23 not.
    assert.deepEqual(nums(c.grandparents), [20, 21, 22])
  })

  test('trivial move: one input at L, none at L+1, grandparent overlap <= 10 x target, not manual', async () => {
    const move = await withFiles([[1, meta(1, 'c', 'f', 11 * MiB)], [3, meta(20, 'a', 'z', 20 * MiB)]])
    const c = move.pickCompaction()!
    assert.deepEqual([nums(c.inputs[0]), nums(c.inputs[1])], [[1], []])
    assert.equal(c.isTrivialMove(), true)

    const manual = move.compactRange(1, undefined, undefined)!
    assert.equal(manual.isManual, true)
    assert.equal(manual.isTrivialMove(), false)

    const bigGrandparents = await withFiles([[1, meta(1, 'c', 'f', 11 * MiB)], [3, meta(20, 'a', 'z', 20 * MiB + 1)]])
    assert.equal(bigGrandparents.pickCompaction()!.isTrivialMove(), false)

    const withNext = await withFiles([[1, meta(1, 'c', 'f', 11 * MiB)], [2, meta(10, 'e', 'g')]])
    assert.equal(withNext.pickCompaction()!.isTrivialMove(), false)

    // A smaller target size lowers the grandparent limit with it.
    const smallTarget = await withFiles([[1, meta(1, 'c', 'f', 11 * MiB)], [3, meta(20, 'a', 'z', 11 * MiB)]], { maxFileSize: MiB })
    assert.equal(smallTarget.pickCompaction()!.isTrivialMove(), false)
  })

  test('compactRange: overlapping files only, capped at maxFileSize above level 0, never at level 0', async () => {
    const files: Array<[number, FileMetaData]> = []
    for (let i = 0; i < 5; i++) files.push([1, meta(10 + i, `k${i}a`, `k${i}z`, MiB)])
    for (let i = 0; i < 5; i++) files.push([0, meta(20 + i, `k${i}a`, `k${i}z`, MiB)])
    const vset = await withFiles(files)
    // 1 MiB + 1 MiB reaches the 2 MiB cap at the second file.
    const c1 = vset.compactRange(1, ik('k1b'), undefined)!
    assert.deepEqual(nums(c1.inputs[0]), [11, 12])
    assert.equal(c1.isManual, true)
    const c0 = vset.compactRange(0, undefined, undefined)!
    assert.deepEqual(nums(c0.inputs[0]), [20, 21, 22, 23, 24])
    assert.equal(vset.compactRange(1, ik('z'), ik('zz')), undefined)
  })

  test('a compaction holds its input Version until releaseInputs (idempotent)', async () => {
    const vset = await withFiles([[0, meta(10, 'a', 'b')], [0, meta(11, 'a', 'b')], [0, meta(12, 'a', 'b')], [0, meta(13, 'a', 'b')]])
    const c = vset.pickCompaction()!
    assert.equal(c.inputVersion, vset.current)
    assert.equal(c.inputVersion.refCount, 2)
    // The Version moves on; the compaction's stays live.
    await vset.logAndApply(new VersionEdit())
    assert.equal(vset.liveVersionCount, 2)
    c.releaseInputs()
    c.releaseInputs()
    assert.equal(vset.liveVersionCount, 1)
    assert.equal(c.inputVersion.refCount, 0)
  })

  test('addInputDeletions and spec(): plain, clonable data describing the compaction', async () => {
    const vset = await withFiles([
      [1, meta(1, 'c', 'f', 11 * MiB)], [2, meta(10, 'a', 'd')], [3, meta(20, 'a', 'c')], [5, meta(30, 'x', 'y')]
    ])
    const c = vset.pickCompaction()!
    const e = new VersionEdit()
    c.addInputDeletions(e)
    assert.deepEqual(e.deletedFiles, [{ level: 1, number: 1 }, { level: 2, number: 10 }])
    const spec = structuredClone(c.spec())
    assert.equal(spec.level, 1)
    assert.deepEqual(spec.inputs.map(nums), [[1], [10]])
    assert.deepEqual(nums(spec.grandparents), [20])
    assert.equal(spec.deeperLevels.length, NUM_LEVELS - 3)
    assert.deepEqual(spec.deeperLevels.map(nums), [[20], [], [30], []])
    assert.equal(spec.maxOutputFileSize, 2 * MiB)
    assert.equal(spec.maxGrandparentOverlapBytes, 20 * MiB)
    assert.equal('allowedSeeks' in spec.inputs[0][0]!, false)
    // The policy built from the clone answers as the one built here.
    const a = new CompactionOutputPolicy(spec, icmp)
    const b = c.outputPolicy()
    for (const k of ['a', 'b', 'c', 'x', 'z']) assert.equal(a.isBaseLevelForKey(utf8(k)), b.isBaseLevelForKey(utf8(k)), k)
  })
})

describe('CompactionOutputPolicy', () => {
  const spec = (grandparents: FileMetaData[], deeperLevels: FileMetaData[][] = []): CompactionSpec => ({
    level: 1, inputs: [[], []], grandparents, deeperLevels, maxOutputFileSize: 2 * MiB, maxGrandparentOverlapBytes: 20 * MiB
  })

  test('shouldStopBefore: a new output once the grandparents passed since the first key exceed the limit', () => {
    const gp = [meta(1, 'a', 'b', 10 * MiB), meta(2, 'c', 'd', 10 * MiB), meta(3, 'e', 'f', 10 * MiB), meta(4, 'g', 'h', 10 * MiB)]
    const p = new CompactionOutputPolicy(spec(gp), icmp)
    const answers = ['a', 'c', 'e', 'g', 'h', 'z'].map((k) => p.shouldStopBefore(ik(k)))
    // 'c' passes #1 (10 MiB), 'e' #2 (20: not over), 'g' #3 (30 > 20: stop, reset), 'z' #4 (10).
    assert.deepEqual(answers, [false, false, false, true, false, false])

    // Files passed before the first key do not count: the output starts after them.
    const late = new CompactionOutputPolicy(spec(gp), icmp)
    assert.equal(late.shouldStopBefore(ik('z')), false)

    // Key order is internal-key order: the same user key at a lower sequence sorts later.
    const seq = new CompactionOutputPolicy(spec([meta(1, 'a', 'b', 30 * MiB, 100, 50)]), icmp)
    assert.equal(seq.shouldStopBefore(ik('a')), false)
    assert.equal(seq.shouldStopBefore(ik('b', 60)), false)
    assert.equal(seq.shouldStopBefore(ik('b', 40)), true)
  })

  test('isBaseLevelForKey: true only when no deeper level holds the key in its range', () => {
    const p = new CompactionOutputPolicy(spec([], [
      [meta(1, 'c', 'e'), meta(2, 'h', 'j')],
      [meta(3, 'm', 'p')],
      [],
      []
    ]), icmp)
    const answers = ['a', 'c', 'd', 'f', 'i', 'k', 'n', 'p', 'q'].map((k) => p.isBaseLevelForKey(utf8(k)))
    assert.deepEqual(answers, [true, false, false, true, false, true, false, false, true])
  })
})

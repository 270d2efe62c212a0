// VersionSet.logAndApply on MemEnv: the bytes of Appendix A's MANIFEST-000004 reproduced by the
// real sequence of edits, the snapshot record of a fresh MANIFEST, rotation past
// maxManifestFileSize, the order of file-system calls, serialization, Version lifetimes, and
// injected EIO/ENOSPC at every step of an append and of a MANIFEST switch.

import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { fromHex, toHex, utf8 } from '../../src/util/coding.js'
import { ShaleError } from '../../src/util/errors.js'
import { FaultEnv, type FaultRule } from '../../src/env/fault-env.js'
import { systemErrorCode } from '../../src/env/env.js'
import type { MemEnv } from '../../src/env/mem-env.js'
import { manifestFileName, setCurrentFile } from '../../src/dbformat/filename.js'
import { ValueType } from '../../src/dbformat/internal-key.js'
import { LogReader } from '../../src/log/reader.js'
import { LogWriter } from '../../src/log/writer.js'
import { VersionEdit } from '../../src/version/version-edit.js'
import { VersionSet } from '../../src/version/version-set.js'
import {
  createAndRecover, DB, filesOf, icmp, ik, meta, newEnv, openVersionSet, readCurrent, stateOf
} from './helpers.js'

const hex = (s: string): string => toHex(fromHex(s.replace(/'([^']*)'/g, (_m, text: string) => toHex(utf8(text)))))
const K12 = "0a 'k1' 01 02 00 00 00 00 00 00"

/** The records of a MANIFEST, decoded. */
function records (env: MemEnv | FaultEnv, number: number): VersionEdit[] {
  const out: VersionEdit[] = []
  const reader = new LogReader(env.newSequentialFile(manifestFileName(DB, number)))
  for (let r = reader.readRecord(); r !== null; r = reader.readRecord()) out.push(VersionEdit.decode(r))
  return out
}

function manifests (env: MemEnv | FaultEnv): string[] {
  return env.getChildren(DB).filter((n) => n.startsWith('MANIFEST-'))
}

function addEdit (number: number, level = 0, smallest = `k${number}a`, largest = `k${number}z`): VersionEdit {
  const e = new VersionEdit()
  e.addFile(level, meta(number, smallest, largest))
  return e
}

function isIoError (code: string) {
  return (err: unknown): boolean => {
    assert.ok(err instanceof ShaleError, `expected a ShaleError, got ${String(err)}`)
    assert.equal(err.code, 'LEVEL_IO_ERROR')
    assert.equal(systemErrorCode(err), code)
    return true
  }
}

describe('logAndApply', () => {
  test("reproduces Appendix A's MANIFEST-000004 byte for byte", async () => {
    const env = newEnv()
    // The fresh database's MANIFEST-000002 (log 3, next 4), as LevelDB left it.
    const fresh = new VersionEdit()
    fresh.comparatorName = 'leveldb.BytewiseComparator'
    const counters = new VersionEdit()
    counters.logNumber = 3
    counters.prevLogNumber = 0
    counters.nextFileNumber = 4
    counters.lastSequence = 0
    const { vset } = openVersionSet(env)
    const f = env.newWritableFile(manifestFileName(DB, 2))
    const w = new LogWriter(f)
    w.addRecord(fresh.encode())
    w.addRecord(counters.encode())
    f.sync()
    f.close()
    setCurrentFile(env, DB, 2)
    vset.recover()

    // Reopen: the log is flushed to table 5, log 6 is started, the edit goes to MANIFEST-000004.
    assert.equal(vset.newFileNumber(), 5)
    assert.equal(vset.newFileNumber(), 6)
    vset.lastSequence = 3
    const reopen = new VersionEdit()
    reopen.prevLogNumber = 0
    reopen.logNumber = 6
    reopen.addFile(0, { number: 5, fileSize: 144, smallest: ik('foo', 3, ValueType.Deletion), largest: ik('k1', 2) })
    await vset.logAndApply(reopen)
    assert.equal(readCurrent(env), 'MANIFEST-000004\n')
    assert.equal(vset.manifestFileNumber, 4)
    const golden4 = env.readFile(manifestFileName(DB, 4))
    assert.equal(golden4.length, 78)
    assert.equal(toHex(golden4.subarray(0, 7)), '56f9b8f81c0001')
    assert.equal(toHex(golden4.subarray(35, 42)), 'd8b6e810240001')

    // CompactRange: the empty memtable flush (log 7, number 8 allocated but unused) ...
    assert.equal(vset.newFileNumber(), 7)
    assert.equal(vset.newFileNumber(), 8)
    const flush = new VersionEdit()
    flush.prevLogNumber = 0
    flush.logNumber = 7
    await vset.logAndApply(flush)
    // ... then the level-0 compaction writing #9 at level 1.
    const c = vset.compactRange(0, undefined, undefined)!
    assert.deepEqual(c.inputs[0].map((f) => f.number), [5])
    assert.equal(c.isTrivialMove(), false) // manual
    assert.equal(vset.newFileNumber(), 9)
    c.addInputDeletions(c.edit)
    c.edit.addFile(1, { number: 9, fileSize: 116, smallest: ik('k1', 2), largest: ik('k1', 2) })
    await vset.logAndApply(c.edit)
    c.releaseInputs()

    const all = records(env, 4).map((e) => toHex(e.encode()))
    assert.deepEqual(all.slice(2), [
      hex('02 07 09 00 03 09 04 03'),
      hex(`02 07 09 00 03 0a 04 03 05 00 ${K12} 06 00 05 07 01 09 74 ${K12} ${K12}`)
    ])
    assert.deepEqual(filesOf(vset.current), ['1:9'])
  })

  test('a fresh MANIFEST starts with a snapshot: comparator, compact pointers and every file', async () => {
    const env = newEnv()
    const { vset } = createAndRecover(env, { maxManifestFileSize: 1024 })
    await vset.logAndApply(addEdit(10, 0, 'a', 'c'))
    await vset.logAndApply(addEdit(11, 2, 'x', 'z'))
    // Sets the level-0 compaction pointer.
    const c = vset.compactRange(0, undefined, undefined)!
    c.releaseInputs()
    await vset.logAndApply(c.edit)
    const before = vset.manifestFileNumber
    // Grow the MANIFEST past 1 KiB so that the next edit starts a new one.
    while (env.getFileSize(manifestFileName(DB, before)) <= 1024) {
      const e = new VersionEdit()
      e.setCompactPointer(3, ik('pad'.repeat(20), 1))
      await vset.logAndApply(e)
    }
    assert.equal(vset.manifestFileNumber, before)
    await vset.logAndApply(addEdit(12, 1, 'm', 'n'))
    const after = vset.manifestFileNumber
    assert.ok(after > before)
    const [snapshot, edit, ...rest] = records(env, after)
    assert.equal(rest.length, 0)
    assert.equal(snapshot!.comparatorName, 'leveldb.BytewiseComparator')
    assert.equal(snapshot!.logNumber, undefined)
    assert.deepEqual(snapshot!.compactPointers.map((p) => [p.level, toHex(p.key)]),
      [[0, toHex(ik('c'))], [3, toHex(ik('pad'.repeat(20), 1))]])
    // The files as they were before the edit; the edit follows, with all counters filled in.
    assert.deepEqual(snapshot!.newFiles.map((n) => [n.level, n.file.number]), [[0, 10], [2, 11]])
    assert.deepEqual(edit!.newFiles.map((n) => [n.level, n.file.number]), [[1, 12]])
    assert.equal(edit!.nextFileNumber, vset.nextFileNumber)
    assert.equal(edit!.logNumber, 0)
    assert.equal(edit!.lastSequence, 0)
  })

  test('rotation past maxManifestFileSize: CURRENT moves, the old MANIFEST is left behind, recovery reads the new one', async () => {
    const env = newEnv()
    const { vset } = createAndRecover(env, { maxManifestFileSize: 300 })
    const seen: number[] = []
    for (let n = 10; n < 40; n++) {
      // A small state (one file) so that the snapshot is small and rotation follows the limit.
      const e = addEdit(n)
      if (n > 10) e.removeFile(0, n - 1)
      vset.lastSequence = n * 10
      await vset.logAndApply(e)
      if (seen[seen.length - 1] !== vset.manifestFileNumber) seen.push(vset.manifestFileNumber)
      assert.equal(readCurrent(env), `MANIFEST-${String(vset.manifestFileNumber).padStart(6, '0')}\n`)
    }
    assert.ok(seen.length >= 4, `only ${seen.length} MANIFESTs`)
    // No MANIFEST grows past the limit by more than one edit.
    for (const name of manifests(env)) {
      if (name !== 'MANIFEST-000001') assert.ok(env.getFileSize(`${DB}/${name}`) < 300 + 80, name)
    }
    // The old MANIFESTs are complete logs of their own (CURRENT just no longer names them).
    assert.equal(records(env, seen[0]!).length > 2, true)
    const expected = stateOf(vset)
    assert.deepEqual(expected.files, ['0:39'])
    env.powerLoss()
    const recovered = openVersionSet(env).vset
    recovered.recover()
    assert.deepEqual(stateOf(recovered), expected)
    assert.equal(recovered.manifestFileNumber, seen[seen.length - 1])
    assert.ok(recovered.nextFileNumber > 39)
  })

  test('a state whose snapshot exceeds the limit is not rewritten at every edit', async () => {
    const env = newEnv()
    const { vset } = createAndRecover(env, { maxManifestFileSize: 300 })
    for (let n = 10; n < 70; n++) await vset.logAndApply(addEdit(n))
    // Each new MANIFEST is paid for by edits at least as large as its snapshot: few rewrites.
    const names = manifests(env).filter((n) => n !== 'MANIFEST-000001')
    assert.ok(names.length >= 3 && names.length <= 8, `${names.length} MANIFESTs`)
    const recovered = openVersionSet(env).vset
    recovered.recover()
    assert.equal(recovered.current.numFiles(0), 60)
  })

  test('file-system calls: syncDir before appending an edit that adds files, then the MANIFEST sync', async () => {
    const mem = newEnv()
    VersionSet.createNew(mem, DB, icmp)
    const env = new FaultEnv(mem)
    const { vset } = openVersionSet(env)
    vset.recover()
    env.calls.length = 0

    await vset.logAndApply(addEdit(10))
    const first = env.calls.map((c) => `${c.op} ${c.path}`)
    assert.deepEqual(first, [
      'create /db/MANIFEST-000002',
      'append /db/MANIFEST-000002', // the snapshot
      'syncDir /db',
      'append /db/MANIFEST-000002', // the edit
      'sync /db/MANIFEST-000002',
      // setCurrentFile (contract 5)
      'create /db/000002.dbtmp',
      'append /db/000002.dbtmp',
      'sync /db/000002.dbtmp',
      'close /db/000002.dbtmp',
      'rename /db/000002.dbtmp -> /db/CURRENT',
      'syncDir /db'
    ])

    env.calls.length = 0
    await vset.logAndApply(addEdit(11))
    assert.deepEqual(env.calls.map((c) => `${c.op} ${c.path}`), ['syncDir /db', 'append /db/MANIFEST-000002', 'sync /db/MANIFEST-000002'])

    env.calls.length = 0
    const deleteOnly = new VersionEdit()
    deleteOnly.removeFile(0, 10)
    await vset.logAndApply(deleteOnly)
    assert.deepEqual(env.calls.map((c) => `${c.op} ${c.path}`), ['append /db/MANIFEST-000002', 'sync /db/MANIFEST-000002'])
  })

  test('calls are serialized in call order, and each edit is filled in when its turn comes', async () => {
    const env = newEnv()
    const { vset } = createAndRecover(env)
    const done: number[] = []
    const pending = [10, 11, 12].map((n) => vset.logAndApply(addEdit(n)).then(() => { done.push(n) }))
    vset.lastSequence = 77
    await Promise.all(pending)
    assert.deepEqual(done, [10, 11, 12])
    assert.deepEqual(filesOf(vset.current), ['0:10', '0:11', '0:12'])
    const edits = records(env, vset.manifestFileNumber).slice(1)
    assert.deepEqual(edits.map((e) => e.newFiles[0]!.file.number), [10, 11, 12])
    // The sequence was set before any edit ran: all record it.
    assert.deepEqual(edits.map((e) => e.lastSequence), [77, 77, 77])
  })

  test('a log number outside [current, next file) is refused', async () => {
    const env = newEnv()
    const { vset } = createAndRecover(env)
    const e = new VersionEdit()
    e.logNumber = vset.nextFileNumber
    await assert.rejects(vset.logAndApply(e), (err: unknown) => err instanceof ShaleError && err.code === 'LEVEL_INVALID_ARGUMENT')
    const ok = new VersionEdit()
    ok.logNumber = vset.newFileNumber()
    await vset.logAndApply(ok)
    const back = new VersionEdit()
    back.logNumber = ok.logNumber - 1
    await assert.rejects(vset.logAndApply(back))
    // A refused edit does not block the queue.
    await vset.logAndApply(addEdit(50))
    assert.deepEqual(filesOf(vset.current), ['0:50'])
  })

  test('an edit that would overlap files in a level >= 1 is refused and nothing changes', async () => {
    const env = newEnv()
    const { vset } = createAndRecover(env)
    await vset.logAndApply(addEdit(10, 1, 'a', 'm'))
    const before = vset.current
    await assert.rejects(vset.logAndApply(addEdit(11, 1, 'c', 'z')), /overlapping ranges in level 1/)
    assert.equal(vset.current, before)
  })

  test('old Versions stay live while referenced; their files with them', async () => {
    const env = newEnv()
    const { vset } = createAndRecover(env)
    await vset.logAndApply(addEdit(10))
    const old = vset.current
    old.ref()
    const e = new VersionEdit()
    e.removeFile(0, 10)
    e.addFile(1, meta(11, 'k10a', 'k10z'))
    await vset.logAndApply(e)
    assert.notEqual(vset.current, old)
    assert.equal(vset.liveVersionCount, 2)
    let live = new Set<number>()
    vset.addLiveFiles(live)
    assert.deepEqual([...live].sort(), [10, 11])
    old.unref()
    assert.equal(vset.liveVersionCount, 1)
    live = new Set<number>()
    vset.addLiveFiles(live)
    assert.deepEqual([...live], [11])
    assert.throws(() => old.unref())
  })

  describe('injected errors', () => {
    interface Case {
      name: string
      rule: FaultRule
      /** The failing call comes while a new MANIFEST is being started. */
      newManifest: boolean
      /** The new MANIFEST may be named by CURRENT after the failure, so it must stay. */
      keepsNewManifest?: boolean
    }
    const isManifest = (path: string): boolean => path.includes('MANIFEST-')
    const cases: Case[] = []
    for (const code of ['EIO', 'ENOSPC'] as const) {
      cases.push(
        { name: `${code} appending to the open MANIFEST`, rule: { op: 'append', when: (c) => isManifest(c.path), code }, newManifest: false },
        { name: `${code} appending to the open MANIFEST, torn`, rule: { op: 'append', when: (c) => isManifest(c.path), code, partialBytes: 9 }, newManifest: false },
        { name: `${code} syncing the open MANIFEST`, rule: { op: 'sync', when: (c) => isManifest(c.path), code }, newManifest: false },
        { name: `${code} creating a new MANIFEST`, rule: { op: 'create', when: (c) => isManifest(c.path), code }, newManifest: true },
        { name: `${code} writing a new MANIFEST's snapshot`, rule: { op: 'append', when: (c) => isManifest(c.path), code }, newManifest: true },
        { name: `${code} syncing a new MANIFEST`, rule: { op: 'sync', when: (c) => isManifest(c.path), code }, newManifest: true },
        { name: `${code} writing CURRENT's temp file`, rule: { op: 'append', when: (c) => c.path.endsWith('.dbtmp'), code }, newManifest: true },
        { name: `${code} renaming over CURRENT`, rule: { op: 'rename', code }, newManifest: true },
        { name: `${code} syncing the directory after the rename`, rule: { op: 'syncDir', at: 1, code }, newManifest: true, keepsNewManifest: true }
      )
    }

    for (const c of cases) {
      test(c.name, async () => {
        const mem = newEnv()
        VersionSet.createNew(mem, DB, icmp)
        const env = new FaultEnv(mem)
        const { vset } = openVersionSet(env)
        vset.recover()
        if (!c.newManifest) await vset.logAndApply(addEdit(10))
        const before = vset.current
        const stateBefore = stateOf(vset)
        const manifestBefore = vset.manifestFileNumber
        const currentBefore = readCurrent(mem)

        env.inject(c.rule)
        await assert.rejects(vset.logAndApply(addEdit(20)), isIoError(c.rule.code!))
        assert.equal(vset.current, before)
        assert.deepEqual(stateOf(vset), stateBefore)
        assert.equal(vset.manifestFileNumber, manifestBefore)
        // Table 20 may be named by a MANIFEST on disk now: it counts as live until a success.
        const live = new Set<number>()
        vset.addLiveFiles(live)
        assert.ok(live.has(20))
        if (c.newManifest) {
          if (c.keepsNewManifest === true) {
            // The rename happened: CURRENT names the new MANIFEST, which must not be deleted.
            const [other, ...none] = manifests(mem).filter((n) => `${n}\n` !== currentBefore)
            assert.equal(none.length, 0)
            assert.equal(readCurrent(mem), `${other!}\n`)
          } else {
            assert.deepEqual(manifests(mem), [`MANIFEST-${String(manifestBefore).padStart(6, '0')}`])
            assert.equal(readCurrent(mem), currentBefore)
          }
        }

        // The next call starts a new MANIFEST and succeeds.
        env.clearFaults()
        await vset.logAndApply(addEdit(30))
        assert.ok(vset.manifestFileNumber > manifestBefore)
        assert.equal(readCurrent(mem), `MANIFEST-${String(vset.manifestFileNumber).padStart(6, '0')}\n`)
        assert.deepEqual(filesOf(vset.current), [...stateBefore.files, '0:30'])
        const live2 = new Set<number>()
        vset.addLiveFiles(live2)
        assert.equal(live2.has(20), false)

        // What survives a power cut is exactly that state.
        mem.powerLoss()
        const recovered = openVersionSet(mem).vset
        recovered.recover()
        assert.deepEqual(stateOf(recovered), stateOf(vset))
      })
    }
  })
})

// Crash safety of the MANIFEST: a sequence of flushes, compactions and trivial moves, with
// MANIFEST rotations, is cut after every single file-system call (exploreCrashPoints), the disk
// loses what was not durable, and recovery must (1) succeed, (2) give exactly the state before or
// after each edit (a prefix of the edits), (3) include every edit whose logAndApply had returned,
// and (4) name only tables that exist with the recorded size. Then the recovered set must accept
// a new edit and recover again to the same state, so the MANIFEST number it reserves is free.

import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import type { Env } from '../../src/env/env.js'
import { ShaleError } from '../../src/util/errors.js'
import { exploreCrashPoints, FaultEnv, type FaultRule } from '../../src/env/fault-env.js'
import type { CrashMode, MemEnv } from '../../src/env/mem-env.js'
import { joinPath } from '../../src/env/env.js'
import { parseFileName, tableFileName } from '../../src/dbformat/filename.js'
import { VersionEdit } from '../../src/version/version-edit.js'
import { VersionSet } from '../../src/version/version-set.js'
import { DB, icmp, newEnv, openVersionSet, type State, stateOf, writeTable } from './helpers.js'

/** One step of the workload: writes its tables, then returns the edit to log. */
type Step = (env: Env, vset: VersionSet) => VersionEdit

function flush (key: string): Step {
  return (env, vset) => {
    const number = vset.newFileNumber()
    const log = vset.newFileNumber()
    const e = new VersionEdit()
    e.addFile(0, writeTable(env, number, [{ key: `${key}1`, seq: vset.lastSequence + 1, value: 'v' }, { key: `${key}9`, seq: vset.lastSequence + 2 }]))
    e.logNumber = log
    e.prevLogNumber = 0
    vset.lastSequence += 2
    return e
  }
}

/** Compacts every level-0 file into one level-1 table (deleting them). */
function compactLevel0 (): Step {
  return (env, vset) => {
    const e = new VersionEdit()
    const inputs = vset.current.files[0]!
    const c = vset.compactRange(0, undefined, undefined)!
    c.releaseInputs()
    c.addInputDeletions(e)
    for (const { level, key } of c.edit.compactPointers) e.setCompactPointer(level, key)
    const entries = inputs.map((f, i) => ({ key: `c${String(f.number).padStart(3, '0')}`, seq: i + 1, value: 'x'.repeat(10) }))
    e.addFile(1, writeTable(env, vset.newFileNumber(), entries))
    return e
  }
}

/** Moves the only level-0 file to level 2 without rewriting it. */
function moveDown (): Step {
  return (_env, vset) => {
    const f = vset.current.files[0]![0]!
    const e = new VersionEdit()
    e.removeFile(0, f.number)
    e.addFile(2, f)
    return e
  }
}

const STEPS: Step[] = [
  flush('a'), flush('b'), compactLevel0(), flush('d'), moveDown(), flush('e'), flush('f'), compactLevel0(), flush('g')
]

/** What a database's cleanup would do: delete tables no live Version names and older MANIFESTs. */
function removeObsoleteFiles (env: Env, vset: VersionSet): void {
  const live = new Set<number>()
  vset.addLiveFiles(live)
  for (const name of env.getChildren(DB)) {
    const parsed = parseFileName(name)
    if (parsed === undefined) continue
    const obsolete = (parsed.type === 'table' && !live.has(parsed.number)) ||
      (parsed.type === 'manifest' && parsed.number < vset.manifestFileNumber)
    if (obsolete) env.removeFile(joinPath(DB, name))
  }
}

interface Trace {
  /** The state after recovery and after each successful edit. */
  states: State[]
  /** For each successful edit, the index of the last file-system call of its logAndApply. */
  doneAt: number[]
  /**
   * The state a failed edit would give if its record counts after all (it may have reached the
   * disk), and how many edits had succeeded before it.
   */
  failed?: { state: State, after: number }
}

/** An injected failure of the logAndApply of one step. */
interface FaultPlan {
  step: number
  rule: FaultRule
}

async function workload (env: Env, trace?: Trace, plan?: FaultPlan): Promise<void> {
  const { vset } = openVersionSet(env, { maxManifestFileSize: 200 })
  vset.recover()
  trace?.states.push(stateOf(vset))
  for (let i = 0; i < STEPS.length; i++) {
    const edit = STEPS[i]!(env, vset)
    if (plan?.step === i) {
      const fault = env as FaultEnv
      fault.inject(plan.rule)
      await assert.rejects(vset.logAndApply(edit), (err: unknown) => err instanceof ShaleError && err.code === 'LEVEL_IO_ERROR')
      fault.clearFaults()
      if (trace !== undefined) {
        // What the next process would find if this one were killed now (nothing lost).
        const copy = (fault.inner as MemEnv).clone()
        copy.processCrash()
        const probe = openVersionSet(copy).vset
        probe.recover()
        trace.failed = { state: stateOf(probe), after: trace.doneAt.length }
      }
    } else {
      await vset.logAndApply(edit)
      if (trace !== undefined) {
        trace.doneAt.push((env as FaultEnv).total - 1)
        trace.states.push(stateOf(vset))
      }
    }
    removeObsoleteFiles(env, vset)
  }
}

function baseEnv (): MemEnv {
  const env = newEnv()
  VersionSet.createNew(env, DB, icmp)
  return env
}

async function explore (mode: CrashMode, plan?: FaultPlan): Promise<{ points: number, reached: number[], failedReached: number }> {
  const base = baseEnv()
  const trace: Trace = { states: [], doneAt: [] }
  // A counting run of our own, to learn the states and when each logAndApply returned.
  await workload(new FaultEnv(base.clone()), trace, plan)
  assert.equal(trace.states.length, STEPS.length + (plan === undefined ? 1 : 0))
  const reached = new Array<number>(trace.states.length).fill(0)
  let failedReached = 0

  const points = await exploreCrashPoints({
    setup: () => base.clone(),
    workload: async (env) => { await workload(env, undefined, plan) },
    mode,
    check: async ({ call, env }) => {
      const where = `crash after call ${call.index} (${call.op} ${call.path}), ${mode}`
      const { vset } = openVersionSet(env)
      vset.recover()
      const state = stateOf(vset)
      const durable = trace.doneAt.filter((k) => k <= call.index).length
      const index = trace.states.findIndex((s) => JSON.stringify(s) === JSON.stringify(state))
      if (index < 0 && trace.failed !== undefined && JSON.stringify(trace.failed.state) === JSON.stringify(state)) {
        // The failed edit counted after all: allowed only while no later edit has returned.
        assert.ok(durable <= trace.failed.after, `${where}: the failed edit's state after ${durable} edits had returned`)
        failedReached++
      } else {
        assert.ok(index >= 0, `${where}: recovered ${JSON.stringify(state)}, which is no prefix of the edits`)
        assert.ok(index >= durable, `${where}: recovered the state after ${index} edits, but ${durable} had returned`)
        reached[index]!++
      }
      for (const level of vset.current.files) {
        for (const f of level) {
          assert.equal(env.getFileSize(tableFileName(DB, f.number)), f.fileSize, `${where}: table #${f.number}`)
        }
      }
      // Life goes on: a new edit, a new MANIFEST (never the file CURRENT names), and the same
      // state again.
      const recoveredManifest = vset.manifestFileNumber
      await vset.logAndApply(new VersionEdit())
      assert.ok(vset.manifestFileNumber > recoveredManifest, `${where}: MANIFEST-${recoveredManifest} reused`)
      vset.close()
      const again = openVersionSet(env).vset
      again.recover()
      assert.deepEqual(stateOf(again), state, `${where}: second recovery`)
    }
  })
  return { points: points.length, reached, failedReached }
}

describe('crash safety of logAndApply', () => {
  test('the workload rotates the MANIFEST and every edit is applied', async () => {
    const env = baseEnv()
    const fault = new FaultEnv(env)
    const trace: Trace = { states: [], doneAt: [] }
    await workload(fault, trace)
    const manifestsCreated = fault.calls.filter((c) => c.op === 'create' && c.path.includes('MANIFEST-')).length
    assert.ok(manifestsCreated >= 3, `${manifestsCreated} MANIFESTs`)
    assert.deepEqual(trace.states[trace.states.length - 1]!.files, ['0:17', '1:7', '1:15', '2:8'])
  })

  for (const mode of ['powerLoss', 'dropUnsyncedData', 'deleteUnsyncedFiles', 'processCrash'] as const) {
    test(`crash after every file-system call (${mode}) recovers a prefix including every returned edit`, async () => {
      const { points, reached } = await explore(mode)
      assert.ok(points > 100, `${points} crash points`)
      // Every intermediate state is reachable by some crash: the test can tell them apart.
      if (mode === 'powerLoss') assert.ok(reached.every((n) => n > 0), `states reached: ${reached.join(' ')}`)
    })
  }

  // A failed logAndApply followed by more edits: the failed record may or may not count after a
  // crash, but nothing it names may be deleted while it could, and the edits after it must hold.
  const isManifest = (c: { path: string }): boolean => c.path.includes('MANIFEST-')
  const plans: Array<[string, FaultPlan]> = [
    ['the directory sync after the rename over CURRENT fails', { step: 0, rule: { op: 'syncDir', at: 1 } }],
    ['the sync of the open MANIFEST fails', { step: 5, rule: { op: 'sync', when: isManifest } }],
    ['an append to the open MANIFEST is torn', { step: 4, rule: { op: 'append', when: isManifest, partialBytes: 10, code: 'ENOSPC' } }]
  ]
  for (const [name, plan] of plans) {
    for (const mode of ['powerLoss', 'processCrash'] as const) {
      test(`${name}, then crash after every call (${mode})`, async () => {
        const { points, failedReached } = await explore(mode, plan)
        assert.ok(points > 80, `${points} crash points`)
        // A killed process leaves the failed (but written) record where recovery reads it.
        if (mode === 'processCrash' && plan.step !== 4) assert.ok(failedReached > 0)
      })
    }
  }
})

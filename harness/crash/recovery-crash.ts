// A crash during recovery from a crash. Opening a crashed database does real work: it replays the
// logs into level-0 tables, writes a new MANIFEST, swaps CURRENT, deletes the old logs and
// MANIFEST, and may start a compaction. Cutting that work short must not change what the next
// open finds: every recovery of the same crashed disk must give the same contents, the ones an
// uninterrupted recovery gives (which must itself pass the checks of explore.ts).

import { DB } from '../../src/db/db.js'
import { exploreCrashPoints, FaultEnv, type FileCall } from '../../src/env/fault-env.js'
import { MemEnv, type CrashMode } from '../../src/env/mem-env.js'
import { scan } from '../db/entries.js'
import {
  assertSameCalls, bounds, checkRecovered, countWorkload, describeFailure, errorText, isSyncFamily, type CrashFailure
} from './explore.js'
import { describeDifference, sameEntries } from './model.js'
import { DIR, type Workload } from './workload.js'
import { runWorkload, withVirtualTime } from './runner.js'

export interface RecoveryCrashConfig {
  workload: Workload
  /** How many crashed disks to recover from: sync-family crash points spread over the workload. */
  states: number
  /** How the recovery itself is cut short. */
  modes: readonly CrashMode[]
  onFailure?: (failure: CrashFailure) => void
}

export interface RecoveryCrashResult {
  states: number
  /** Calls of a recovery crashed after, over all states. */
  points: number
  checks: number
  failures: number
}

/** The disk after the workload loses power right after call `k`. */
async function crashedDisk (workload: Workload, k: number): Promise<MemEnv> {
  const disk = new MemEnv()
  const fault = new FaultEnv(disk)
  fault.crashAfter(k)
  try {
    await runWorkload(fault, workload)
  } catch (err) {
    if (!fault.crashed) throw err
  }
  if (!fault.crashed) throw new Error(`the workload never reached call ${k}`)
  disk.powerLoss()
  return disk
}

/** One recovery: open (in virtual time), let background compaction finish, close. */
async function recover (env: FaultEnv, workload: Workload): Promise<void> {
  await withVirtualTime(env, async () => {
    // Jobs on this thread: each recovery is rerun call for call.
    const db = await DB.open(DIR, { ...workload.options, env, paranoidChecks: true, backgroundWorkers: false })
    await db.waitForIdle()
    await db.close()
  })
}

/** Opens, scans and closes; throws what open or the scan throws. */
async function contentsAfterOpen (workload: Workload, env: MemEnv): Promise<Array<[Uint8Array, Uint8Array]>> {
  const db = await DB.open(DIR, { ...workload.options, env, paranoidChecks: true })
  try {
    return scan(db)
  } finally {
    await db.close()
  }
}

export async function exploreRecoveryCrashes (config: RecoveryCrashConfig): Promise<RecoveryCrashResult> {
  const { workload } = config
  const counted = await countWorkload(workload)
  const syncCalls = counted.calls.filter(isSyncFamily)
  const step = Math.max(1, Math.floor(syncCalls.length / config.states))
  const result: RecoveryCrashResult = { states: 0, points: 0, checks: 0, failures: 0 }
  const fail = (mode: CrashMode, call: FileCall, message: string): void => {
    result.failures++
    const failure: CrashFailure = { seed: workload.seed, mode, point: result.points, call, message }
    if (config.onFailure === undefined) throw new Error(describeFailure(failure))
    config.onFailure(failure)
  }

  for (let s = step - 1; s < syncCalls.length && result.states < config.states; s += step) {
    const first = syncCalls[s]!
    const firstCrash = `recovering from a power loss after call ${first.index} (${first.op} ${first.path})`
    const disk = await crashedDisk(workload, first.index)
    result.states++

    // The uninterrupted recovery, checked as explore.ts checks every crash point.
    const b = bounds(counted.trace, counted.index, first.index, 'powerLoss')
    const outcome = await checkRecovered(workload, counted.model, disk.clone(), b).catch((err) => `checking threw ${errorText(err)}`)
    if (typeof outcome === 'string') {
      fail('powerLoss', first, outcome)
      continue
    }
    const expected = counted.model.stateAfter(outcome)

    const counting = new FaultEnv(disk.clone())
    await recover(counting, workload)
    let run: FaultEnv | undefined
    await exploreCrashPoints({
      setup: () => disk.clone(),
      workload: async (env) => {
        run = env as FaultEnv
        await recover(run, workload)
      },
      mode: 'processCrash',
      check: async ({ call, env }) => {
        assertSameCalls(counting.calls, run, call.index)
        for (const mode of config.modes) {
          const copy = env.clone()
          copy.crash(mode)
          result.checks++
          let got: Array<[Uint8Array, Uint8Array]>
          try {
            got = await contentsAfterOpen(workload, copy)
          } catch (err) {
            fail(mode, call, `${firstCrash}, cut short here: the next open failed: ${errorText(err)}`)
            continue
          }
          if (!sameEntries(got, expected)) {
            fail(mode, call, `${firstCrash}, cut short here: the next open differs from an uninterrupted recovery ` +
              `(the state after ${outcome} writes): ${describeDifference(got, expected)}`)
          }
        }
        result.points++
      }
    })
  }
  return result
}

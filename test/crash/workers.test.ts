// The crash tests with flush and compaction in worker threads. The exhaustive
// explorations (power-loss.test.ts) keep jobs on the main thread because they replay each run
// call for call; here the same workloads run with workers on, are cut at sampled points of each
// run, and are judged by that run's own trace with the same bounds (explore.ts,
// exploreWithWorkers). Real processes killed with workers on are in kill-loop.test.ts.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { jobCounts } from '../../src/db/jobs.js'
import { exploreWithWorkers } from '../../harness/crash/explore.js'
import { DEFAULT_SHAPE, generateWorkload } from '../../harness/crash/workload.js'

const SEEDS = [1, 2, 3, 4, 21, 24]
const POINTS = 40

test('power loss and process crashes with flush and compaction in worker threads (contract 3)', async () => {
  const before = jobCounts.worker
  let crashed = 0
  let checks = 0
  const failures: string[] = []
  for (const seed of SEEDS) {
    const shape = seed === 21 ? { ...DEFAULT_SHAPE, syncChance: 1 } : seed === 24 ? { ...DEFAULT_SHAPE, writesPerPhase: 16, keySpace: 400, syncChance: 0.1 } : DEFAULT_SHAPE
    const r = await exploreWithWorkers({ workload: generateWorkload(seed, shape), modes: ['powerLoss', 'processCrash'], points: POINTS })
    crashed += r.crashed
    checks += r.checks
    failures.push(...r.failures)
  }
  console.log(`worker crash points: ${crashed} crashed runs, ${checks} recoveries, ${jobCounts.worker - before} jobs in workers`)
  assert.deepEqual(failures.slice(0, 5), [])
  // Most draws land inside the run; the jobs really ran in workers.
  assert.ok(crashed >= SEEDS.length * POINTS * 0.8, `${crashed} runs crashed`)
  assert.ok(jobCounts.worker - before >= SEEDS.length * POINTS, `${jobCounts.worker - before} jobs ran in workers`)
})

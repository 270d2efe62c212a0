// The engine against an ordered model (the workload and its checks: model-workload.ts), under
// Node: four seeds on a MemEnv and one on the real file system, flush and compaction in workers.

import { describe, test } from 'node:test'
import { MemEnv } from '../../src/env/mem-env.js'
import { NodeEnv } from '../../src/env/node-env.js'
import { removeTempDir, tempDir } from './helpers.js'
import { checkCoverage, runWorkload } from './model-workload.js'

describe('the engine against an ordered model', () => {
  for (const seed of [1, 2, 3, 4]) {
    test(`MemEnv, seed ${seed}`, async () => {
      const stats = await runWorkload(seed, 8000, new MemEnv(), '/db')
      checkCoverage(seed, stats)
    })
  }

  test('NodeEnv, seed 5', async () => {
    const dir = tempDir('model')
    try {
      const stats = await runWorkload(5, 4000, new NodeEnv(), dir)
      checkCoverage(5, stats)
    } finally {
      removeTempDir(dir)
    }
  })
})

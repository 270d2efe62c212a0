// The engine's model test (test/db/model-workload.ts) as a plain script, so that Bun and Deno can
// run it: bun-deno.test.ts starts it under each runtime and reads its last line.
//
//   <runtime> dist/test/runtimes/model-script.js mem|disk <seed> <steps>
//
// mem: a MemEnv, whose files the workers reach through the main thread (RemoteEnv: Atomics.wait
// and receiveMessageOnPort); disk: a NodeEnv in a temporary directory, which workers open
// themselves. Flush and compaction run in workers (the default). On success the last line is
// "result " and JSON with the workload's stats and the pool's job counts; on failure the error
// (which names the seed and step) goes to stderr and the exit code is 1.

import process from 'node:process'
import { jobCounts } from '../../src/db/jobs.js'
import { MemEnv } from '../../src/env/mem-env.js'
import { NodeEnv } from '../../src/env/node-env.js'
import { removeTempDir, tempDir } from '../db/helpers.js'
import { checkCoverage, runWorkload } from '../db/model-workload.js'

async function main (): Promise<void> {
  const [kind, seedArg, stepsArg] = process.argv.slice(2)
  const seed = Number(seedArg)
  const steps = Number(stepsArg)
  if ((kind !== 'mem' && kind !== 'disk') || !Number.isSafeInteger(seed) || !Number.isSafeInteger(steps)) {
    throw new Error('usage: model-script.js mem|disk <seed> <steps>')
  }
  const dir = kind === 'mem' ? '/db' : tempDir('model')
  try {
    const stats = await runWorkload(seed, steps, kind === 'mem' ? new MemEnv() : new NodeEnv(), dir)
    checkCoverage(seed, stats)
    console.log(`result ${JSON.stringify({ stats, jobCounts })}`)
  } finally {
    if (kind === 'disk') removeTempDir(dir)
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.stack : String(err))
  process.exit(1)
})

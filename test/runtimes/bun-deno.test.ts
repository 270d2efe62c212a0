// Shale under Bun and Deno (README.md, "Runtimes"; doc/runtimes.md). Each runtime, from its pinned
// npm package (runtimes.ts finds the binary), runs the compiled ES modules of dist/ in child
// processes; everything is judged here, in Node:
//   - its version is the pinned one;
//   - abstract-level's official suite on ShaleLevel (default options), judged as under Node;
//   - the engine's model test (test/db/model-workload.ts) on a MemEnv and on the real disk;
//   - interop both ways with classic-level, which runs in this Node process;
//   - the lock between the runtime and Node, classic-level, and a killed process of the runtime;
//   - flush and compaction really ran in worker threads (the pool's counts, each job's result
//     coming from another thread), in the model and interop children;
//   - the SIGKILL loop (scripts/kill-loop.ts) with its child under the runtime, checked by Node.

import { describe, test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync, spawn } from 'node:child_process'
import { once } from 'node:events'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ClassicLevel } from 'classic-level'
import { runKillLoop } from '../../scripts/kill-loop.js'
import { DB } from '../../src/db/db.js'
import { KillModel } from '../../harness/crash/kill-shared.js'
import { assertSameEntries, errorCode, memoryTempDir, removeTempDir, tempDir } from '../db/helpers.js'
import { readWithClassic, sortedModel, writeWithClassic } from '../interop/classic-fixture.js'
import { readManifest } from '../interop/shale-pieces.js'
import { checkSummary, runSuite } from '../level/abstract-suite-tap.js'
import { runScript, runtime, type Runtime, type RuntimeName, type ScriptRun } from '../../harness/runtimes/runtimes.js'

const script = (name: string): string => fileURLToPath(new URL(`./${name}`, import.meta.url))
const MODEL_SCRIPT = script('model-script.js')
const INTEROP_SCRIPT = script('interop-script.js')
const LOCK_SCRIPT = script('lock-script.js')

/** Kills per runtime: each costs a runtime start, 20-800 ms of writing, and a check. */
const KILLS = 20

interface JobCounts { worker: number, inline: number, doneOffThread: number }

/** The JSON after "result " on the child's last such line; fails with its output if it failed. */
function resultOf (run: ScriptRun, what: string): { jobCounts: JobCounts, [k: string]: unknown } {
  const detail = `${what}: exit ${String(run.code)}, signal ${String(run.signal)}\nstderr: ${run.stderr.slice(0, 4000)}\nstdout: ${run.stdout.slice(-2000)}`
  assert.equal(run.code, 0, detail)
  const line = run.stdout.split('\n').reverse().find((l) => l.startsWith('result '))
  assert.ok(line !== undefined, detail)
  return JSON.parse(line.slice('result '.length))
}

/** Every flush and compaction of the child started in the worker pool and returned from another thread. */
function assertRanInWorkers (counts: JobCounts, what: string): void {
  assert.equal(counts.inline, 0, `${what}: no job fell back to the main thread (${JSON.stringify(counts)})`)
  assert.ok(counts.worker > 10, `${what}: jobs ran in the pool (${JSON.stringify(counts)})`)
  assert.equal(counts.doneOffThread, counts.worker, `${what}: each job's result came from a worker thread (${JSON.stringify(counts)})`)
}

function runtimeTests (name: RuntimeName, seed: number): void {
  // Looked up by each test, so that a missing binary fails each with the paths it tried.
  const rt = (): Runtime => runtime(name)

  test('the binary from npm is the pinned version', (t) => {
    const r = rt()
    const first = execFileSync(r.executable, ['--version'], { env: r.env, encoding: 'utf8' }).split('\n')[0]!
    t.diagnostic(`${r.executable}: ${first}`)
    assert.equal(/\d+\.\d+\.\d+/.exec(first)?.[0], r.packageVersion)
  })

  // On a memory file system where there is one: the suite checks the API, and its hundreds of
  // database creations would otherwise spend most of their time in fsync (test/level runs it on
  // disk under Node; the on-disk model test and the kill loop below run on disk under this runtime).
  test('abstract-level test suite on ShaleLevel, default options', async (t) => {
    const r = rt()
    const dir = memoryTempDir(`${name}-suite`)
    let summary
    try {
      summary = await runSuite('default', r, dir)
    } finally {
      removeTempDir(dir)
    }
    checkSummary(summary, (m) => { t.diagnostic(m) })
    console.log(`abstract-level suite under ${name} ${r.packageVersion}: ${summary.pass}/${summary.tests} assertions in ${summary.seconds.toFixed(1)} s`)
  })

  const model = async (t: TestContext, kind: 'mem' | 'disk', modelSeed: number, steps: number): Promise<void> => {
    const run = await runScript(rt(), MODEL_SCRIPT, [kind, String(modelSeed), String(steps)])
    const result = resultOf(run, `model test under ${name}, ${kind}, seed ${modelSeed}`)
    t.diagnostic(`${(run.ms / 1000).toFixed(1)} s; ${JSON.stringify(result)}`)
    assertRanInWorkers(result.jobCounts, `model test under ${name}, ${kind}, seed ${modelSeed}`)
  }

  test('the engine against its model, MemEnv (workers reach it through the main thread), seed 4', async (t) => {
    await model(t, 'mem', 4, 4000)
  })

  test('the engine against its model, on disk (workers open the files), seed 5', async (t) => {
    await model(t, 'disk', 5, 2500)
  })

  test(`Shale under ${name} writes, classic-level under Node reads (seed ${seed})`, async (t) => {
    const dir = memoryTempDir(`${name}-to-classic`)
    try {
      const batches = 1000
      const run = await runScript(rt(), INTEROP_SCRIPT, ['write', dir, String(seed), String(batches)])
      const result = resultOf(run, `interop writer under ${name}, seed ${seed}`)
      assertRanInWorkers(result.jobCounts, `interop writer under ${name}`)
      const levels = new Set([...readManifest(dir).files.values()].map((f) => f.level))
      t.diagnostic(`${(run.ms / 1000).toFixed(1)} s; tables at levels ${[...levels].sort().join(',')}; ${JSON.stringify(result.jobCounts)}`)
      assert.ok(levels.size >= 2, `tables at several levels (${[...levels].join(',')})`)
      const expected = new KillModel(seed)
      expected.advanceTo(batches)
      assertSameEntries(await readWithClassic(dir), expected.sorted(), `seed ${seed}: classic-level reads what Shale wrote under ${name}`)
    } finally {
      removeTempDir(dir)
    }
  })

  test(`classic-level under Node writes, Shale under ${name} reads (seed ${seed})`, async (t) => {
    const dir = memoryTempDir(`classic-to-${name}`)
    const out = tempDir(`${name}-dump`)
    try {
      const written = await writeWithClassic(dir, { seed, operations: 3000, keySpace: 2000, maxValue: 600, compression: true, writeBufferSize: 16 * 1024 })
      const run = await runScript(rt(), INTEROP_SCRIPT, ['dump', dir, join(out, 'entries')])
      assert.equal(run.code, 0, `dump under ${name}: ${run.stderr.slice(0, 4000)}`)
      const got = readFileSync(join(out, 'entries'), 'latin1').split('\n').filter((l) => l !== '').map((l) => {
        const [k, v] = l.split(' ')
        return [Buffer.from(k!, 'hex'), Buffer.from(v ?? '', 'hex')] as [Buffer, Buffer]
      })
      t.diagnostic(`${got.length} entries read in ${(run.ms / 1000).toFixed(1)} s`)
      assertSameEntries(got, sortedModel(written), `seed ${seed}: Shale under ${name} reads what classic-level wrote`)
    } finally {
      removeTempDir(dir)
      removeTempDir(out)
    }
  })

  test('the lock: Node, classic-level and a live process of the runtime keep each other out; a killed one does not', async () => {
    const r = rt()
    const dir = tempDir(`${name}-lock`)
    const tryOpen = async (): Promise<string> => {
      const run = await runScript(r, LOCK_SCRIPT, ['open', dir])
      assert.equal(run.code, 0, run.stderr)
      return run.stdout.trim()
    }
    try {
      assert.equal(await tryOpen(), 'opened', 'a new directory opens')
      const db = await DB.open(dir)
      try {
        assert.match(await tryOpen(), /^refused LEVEL_LOCKED: .*held by another process/, 'Node holds it')
      } finally {
        await db.close()
      }
      // LevelDB's fcntl lock, which the runtime must find in /proc/locks.
      const classic = new ClassicLevel(dir, { createIfMissing: false })
      await classic.open()
      try {
        assert.match(await tryOpen(), /^refused LEVEL_LOCKED: .*LevelDB process/, 'classic-level holds it')
      } finally {
        await classic.close()
      }
      // A holder under the runtime keeps Node out; once SIGKILLed, its claim must not block the
      // runtime itself (which judges the dead process) nor Node.
      const holder = spawn(r.executable, r.argv(LOCK_SCRIPT, ['hold', dir]), { stdio: ['pipe', 'pipe', 'inherit'], env: r.env })
      try {
        // Its first line, or nothing if it died first (its stderr is inherited).
        const first = await Promise.race([
          once(holder.stdout.setEncoding('utf8'), 'data').then(([d]) => String(d)),
          once(holder, 'close').then(() => '(the holder exited)')
        ])
        assert.equal(first.trim(), 'ready')
        assert.equal(errorCode(await DB.open(dir).then(async (d) => { await d.close() }, (err: unknown) => err)), 'LEVEL_LOCKED', 'the runtime holds it')
      } finally {
        holder.kill('SIGKILL')
        await once(holder, 'close')
      }
      assert.equal(await tryOpen(), 'opened', 'the claim of a killed holder does not block the runtime')
      await (await DB.open(dir)).close()
    } finally {
      removeTempDir(dir)
    }
  })

  test(`${KILLS} SIGKILLs of a child writing under ${name} lose no acknowledged batch (seed ${seed})`, { timeout: 180_000 }, async (t) => {
    const result = await runKillLoop({ seed, kills: KILLS, stopOnFailure: true, runtime: rt() })
    const summary = `kill loop under ${name}, seed ${seed}: ${result.kills} kills in ${(result.elapsedMs / 1000).toFixed(1)} s, ` +
      `${result.batchesAcknowledged} batches acknowledged, ${result.killsBeforeReady} kills during open, ` +
      `${result.killsWithUnacknowledgedBatches} with in-flight batches recovered, deepest level ${result.deepestLevel}`
    t.diagnostic(summary)
    const failure = result.failures[0]
    assert.equal(failure, undefined,
      failure === undefined ? '' : `kill #${failure.kill} (seed ${seed}): ${failure.message}; database kept in ${failure.dir}`)
    assert.equal(result.kills, KILLS)
    assert.ok(result.batchesAcknowledged >= KILLS, `children acknowledged batches between kills (${summary})`)
    removeTempDir(result.baseDir)
  })
}

// The two runtimes side by side: their children spend most of their time waiting on fsync and on
// child processes starting, so together they take little longer than the slower one alone.
describe('Shale under other runtimes', { concurrency: true }, () => {
  describe('Bun', { concurrency: 1 }, () => { runtimeTests('bun', 20261206) })
  describe('Deno', { concurrency: 1 }, () => { runtimeTests('deno', 20261207) })
})

// Runs abstract-suite-runner.js (abstract-level's official suite under tape) in a child process of
// any runtime and reads its TAP summary: shared by abstract-suite.test.ts (Node) and
// test/runtimes/bun-deno.test.ts (Bun and Deno), so that all three are run and judged alike.

import assert from 'node:assert/strict'
import { fileURLToPath } from 'node:url'
import { runScript, runtime, type Runtime } from '../../harness/runtimes/runtimes.js'
import { tapCounts } from './tap-counts.js'

/** Assertions classic-level 3.0.0 passes with abstract-level 3.1.1 (measured with the runner's classic mode). */
export const CLASSIC_LEVEL_ASSERTIONS = 5168
const runner = fileURLToPath(new URL('./abstract-suite-runner.js', import.meta.url))

export interface TapSummary {
  runtime: string
  exitCode: number | null
  tests: number
  pass: number
  fail: number
  failures: string[]
  comments: string[]
  /** Wall time of the child, from spawn to exit. */
  seconds: number
}

/**
 * Runs the suite in `mode` (see abstract-suite-runner.ts) under `r`, Node by default, with the
 * databases under `dir` (the system's temporary directory by default).
 */
export async function runSuite (mode: string, r: Runtime = runtime('node'), dir?: string): Promise<TapSummary> {
  const run = await runScript(r, runner, dir === undefined ? [mode] : [mode, dir])
  const lines = run.stdout.split('\n')
  const { tests, pass, fail, failures } = tapCounts(lines)
  if (run.stderr.trim() !== '') failures.push(`stderr:\n${run.stderr.slice(0, 4000)}`)
  return {
    runtime: r.name,
    exitCode: run.code,
    tests,
    pass,
    fail,
    failures,
    comments: lines.filter((l) => l.startsWith('# shale ')),
    seconds: run.ms / 1000
  }
}

/** Fails unless every assertion passed and there were at least as many as classic-level passes. */
export function checkSummary (summary: TapSummary, diagnostic: (message: string) => void): void {
  diagnostic(`abstract-level suite under ${summary.runtime}: ${summary.pass} passed, ${summary.fail} failed, ` +
    `of ${summary.tests} assertions, in ${summary.seconds.toFixed(1)} s`)
  for (const c of summary.comments) diagnostic(c.slice(2))
  assert.equal(summary.failures.length, 0, `failures:\n${summary.failures.slice(0, 20).join('\n\n')}`)
  assert.equal(summary.fail, 0)
  assert.equal(summary.exitCode, 0, 'tape exits non-zero on any failure or unfinished plan')
  assert.ok(summary.pass >= CLASSIC_LEVEL_ASSERTIONS, `only ${summary.pass} assertions passed; classic-level passes ${CLASSIC_LEVEL_ASSERTIONS}`)
  assert.equal(summary.pass, summary.tests)
}

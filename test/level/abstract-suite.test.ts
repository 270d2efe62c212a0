// The official abstract-level test suite (abstract-level/test, run by tape) against ShaleLevel, three
// times: default options; a 1 KiB write buffer, so that the suite's data goes through tables and
// compaction; and as a client of a database another thread owns (multithreading). Each run is a child process (tape owns its process: it reports at exit); this file
// reads its TAP summary and fails unless every assertion passed and there were at least as many
// as classic-level passes with the same suite version. test/runtimes/bun-deno.test.ts runs the
// default configuration under Bun and Deno the same way.

import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { checkSummary, runSuite } from './abstract-suite-tap.js'

/** Runs and checks one mode, and returns the numbers of the runner's comment that starts with `proof`. */
async function checkedRun (mode: string, proof: string, diagnostic: (message: string) => void): Promise<number[]> {
  const summary = await runSuite(mode)
  checkSummary(summary, diagnostic)
  const line = summary.comments.find((c) => c.startsWith(proof))
  assert.ok(line !== undefined, `the runner reports "${proof}"`)
  return line.match(/\d+/g)!.map(Number)
}

// The runs at once: each spends most of its time waiting on fsync, not on a core.
describe('abstract-level test suite', { concurrency: true }, () => {
  test('ShaleLevel with default options', async (t) => {
    checkSummary(await runSuite('default'), (m) => { t.diagnostic(m) })
  })

  test('ShaleLevel with writeBufferSize 1 KiB (data through tables and compaction)', async (t) => {
    const [written, deleted] = await checkedRun('small-buffer', '# shale tables written', (m) => { t.diagnostic(m) })
    assert.ok(written! > 0, 'flushes wrote tables')
    assert.ok(deleted! > 0, 'compactions replaced tables')
  })

  test('ShaleLevel as a client of another thread (multithreading)', async (t) => {
    const [forwarded, owned] = await checkedRun('forwarded', '# shale forwarded opens', (m) => { t.diagnostic(m) })
    assert.ok(owned! > 500, `the suite opened ${owned} databases owned by another thread`)
    assert.equal(forwarded, owned, 'every one of them was served to this thread as a client')
  })
})

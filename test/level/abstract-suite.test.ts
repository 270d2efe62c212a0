// The official abstract-level test suite (abstract-level/test, run by tape) against ShaleLevel, twice:
// default options, and a 1 KiB write buffer so that the suite's data goes through tables and
// compaction. Each run is a child process (tape owns its process: it reports at exit); this file
// reads its TAP summary and fails unless every assertion passed and there were at least as many
// as classic-level passes with the same suite version. test/runtimes/bun-deno.test.ts runs the
// default configuration under Bun and Deno the same way.

import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { checkSummary, runSuite } from './abstract-suite-tap.js'

// Both runs at once: each spends most of its time waiting on fsync, not on a core.
describe('abstract-level test suite', { concurrency: true }, () => {
  test('ShaleLevel with default options', async (t) => {
    checkSummary(await runSuite('default'), (m) => { t.diagnostic(m) })
  })

  test('ShaleLevel with writeBufferSize 1 KiB (data through tables and compaction)', async (t) => {
    const summary = await runSuite('small-buffer')
    checkSummary(summary, (m) => { t.diagnostic(m) })
    const proof = summary.comments.find((c) => c.startsWith('# shale tables written'))
    assert.ok(proof !== undefined, 'the runner reports table counts')
    const [written, deleted] = proof.match(/\d+/g)!.map(Number)
    assert.ok(written! > 0, 'flushes wrote tables')
    assert.ok(deleted! > 0, 'compactions replaced tables')
  })
})

// The browser benchmark end to end in headless Chromium, in its quick mode at a tiny N: every
// store and thread runs every phase, the reads find what the seeds say they must, and the
// console tables and the JSON file have their shape.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { BROWSER_PHASES, SCAN_PASSES } from '../../bench/browser/workload.js'
import type { PageResult } from '../../bench/browser/bench-entry.js'

const SCRIPT = fileURLToPath(new URL('../../bench/browser/browser-bench.js', import.meta.url))
const N = 1000

test('npm run bench:browser -- --quick runs every store and phase and prints the tables', { timeout: 300_000 }, () => {
  const out = mkdtempSync(join(tmpdir(), 'shale-bbench-test-'))
  try {
    const run = spawnSync(process.execPath, [SCRIPT, '--quick', '--n', String(N), '--out', out], { encoding: 'utf8', timeout: 280_000 })
    const output = `${run.stdout}\n${run.stderr}`
    assert.equal(run.status, 0, `the benchmark failed:\n${output}`)
    // The small write buffer makes Shale flush: its fills leave tables behind.
    assert.match(run.stdout, /Shale \(worker, 64 KiB write buffer\) after each write phase:\n {2}fillseq: tables per level [\d/]*[1-9]/, output)
    assert.match(run.stdout, new RegExp(`N = ${N.toLocaleString('en-US')}, 16-byte keys, 100-byte values, utf8`))
    const lines = run.stdout.split('\n')
    assert.ok(lines.some((l) => /^phase\s+Shale \(worker\)\s+browser-level \(worker\)\s+Shale \(page\)\s+browser-level \(page\)\s+worker ÷\s+page ÷$/.test(l)), output)
    for (const phase of BROWSER_PHASES) {
      // Four rates, then two ratios.
      const row = new RegExp(`^${phase}\\s+[\\d,]+\\s+[\\d,]+\\s+[\\d,]+\\s+[\\d,]+\\s+\\d+\\.\\d×\\s+\\d+\\.\\d×$`)
      assert.ok(lines.some((l) => row.test(l)), `no row for ${phase}:\n${output}`)
    }
    for (const store of ['Shale \\(worker\\)', 'browser-level \\(worker\\)', 'Shale \\(page\\)', 'browser-level \\(page\\)', 'Shale \\(worker, 64 KiB write buffer\\)', 'Shale \\(page, 64 KiB write buffer\\)', 'nothing \\(baseline\\)']) {
      assert.ok(lines.some((l) => new RegExp(`^${store}\\s+\\d+(\\s+[\\d.-]+){5}$`).test(l)), `no frame gaps for ${store}:\n${output}`)
    }

    const files = readdirSync(out).filter((f) => f.startsWith('browser-bench-') && f.endsWith('.json'))
    assert.equal(files.length, 1, `one JSON file in ${out}: ${files.join(', ')}`)
    const json = JSON.parse(readFileSync(join(out, files[0]!), 'utf8')) as { n: number, results: PageResult[] }
    assert.equal(json.n, N)
    assert.deepEqual(json.results.map((r) => `${r.store}/${r.where}`),
      ['shale/worker', 'browser-level/worker', 'shale/page', 'browser-level/page', 'shale/worker', 'shale/page', 'none/page'])
    for (const r of json.results) {
      assert.ok(r.ok, `${r.store} (${r.where}): ${r.error ?? ''}`)
      assert.ok(r.idleGaps !== undefined && r.idleGaps.frames > 0, `${r.store} (${r.where}): frames before the case started`)
      if (r.store === 'none') {
        assert.deepEqual(r.phases, [], 'the baseline runs no phase')
        continue
      }
      assert.deepEqual(r.phases.map((p) => p.phase), [...BROWSER_PHASES])
      for (const p of r.phases) {
        assert.ok(p.rate > 0 && Number.isFinite(p.rate), `${r.store} ${p.phase} rate ${p.rate}`)
        if (p.phase === 'readseq') assert.equal(p.ops, SCAN_PASSES * p.expectedFound!, `${r.store} (${r.where}) readseq entries over ${SCAN_PASSES} passes`)
        else assert.equal(p.ops, N, `${r.store} (${r.where}) ${p.phase} operations`)
        if (p.expectedFound !== undefined) {
          assert.ok(p.expectedFound > 0, `${p.phase}: some reads must hit`)
          assert.equal(p.found, p.expectedFound, `${r.store} (${r.where}) ${p.phase} found`)
        }
      }
    }
  } finally {
    rmSync(out, { recursive: true, force: true })
  }
})

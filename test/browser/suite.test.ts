// abstract-level's official test suite in headless Chromium, on ShaleLevel without an Env: in a
// dedicated worker (the engine in place on OPFS) and on a page's main thread (each database's
// engine in an engine worker, every call forwarded). Fails unless every assertion passed and
// there were at least as many as classic-level passes under Node with the same suite.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { fileURLToPath } from 'node:url'
import { CLASSIC_LEVEL_ASSERTIONS } from '../level/abstract-suite-tap.js'
import { bundleWorker, runCase, withChromium } from './harness.js'
import type { SuiteSummary } from './suite-run.js'

const here = (file: string): string => fileURLToPath(new URL(file, import.meta.url))

test('abstract-level suite in Chromium, in a worker and from a page', { timeout: 1_800_000 }, async (t) => {
  const [worker, page, engine] = await Promise.all([
    bundleWorker(here('./suite-worker.js'), { tape: true }),
    bundleWorker(here('./suite-page.js'), { tape: true }),
    bundleWorker(here('../../src/engine-worker.js'))
  ])
  await withChromium(worker, { '/page.js': page, '/engine-worker.js': engine }, async (browser, url) => {
    const tab = await browser.newPage()
    for (const where of ['worker', 'page']) {
      await t.test(`${where}`, async (t) => {
        const result = await runCase(tab, url, { where }, 1_500_000)
        assert.ok(result.ok, `the suite did not run in the ${where}: ${result.error}`)
        const summary = JSON.parse(result.lines[0]!) as SuiteSummary & { databases: number, seconds: number }
        t.diagnostic(`abstract-level suite in the ${where}: ${summary.pass} passed, ${summary.fail} failed, of ${summary.tests} assertions, ` +
          `${summary.databases} databases, ${summary.seconds.toFixed(1)} s`)
        assert.equal(summary.failures.length, 0, `failures:\n${summary.failures.slice(0, 20).join('\n\n')}`)
        assert.equal(summary.fail, 0)
        assert.ok(summary.pass >= CLASSIC_LEVEL_ASSERTIONS, `only ${summary.pass} assertions passed; classic-level passes ${CLASSIC_LEVEL_ASSERTIONS}`)
        assert.equal(summary.pass, summary.tests)
      })
    }
  })
})

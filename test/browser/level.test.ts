// ShaleLevel with no Env in headless Chromium (doc/browser.md): in a dedicated worker, where the
// engine runs in place on OPFS, and on a page's main thread, where it runs in the engine worker
// and every call is forwarded. In both: reads and writes of every kind, the lock against a second
// open, a reopen, and a seeded random workload checked against a Map; in the worker, flushes and
// compactions counted as done in nested job workers; on a page that is not cross-origin isolated,
// everything but the synchronous calls.

import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { bundleWorker, runCase, serve, serverUrl, withChromium, TEST_SEED, assertWorkerOk as assertOk } from './harness.js'

const SEED = TEST_SEED
const here = (file: string): string => fileURLToPath(new URL(file, import.meta.url))


test('ShaleLevel without an Env, in a worker and from a page, in Chromium', { timeout: 600_000 }, async (t) => {
  const [worker, page, engine] = await Promise.all([
    bundleWorker(here('./level-worker.js')),
    bundleWorker(here('./level-page.js')),
    bundleWorker(here('../../src/engine-worker.js'))
  ])
  await withChromium(worker, { '/page.js': page, '/engine-worker.js': engine }, async (browser, url) => {
    const tab = await browser.newPage()
    for (const where of ['worker', 'page']) {
      await t.test(`${where}: reads and writes, the lock, a reopen`, async (t) => {
        assertOk(t, await runCase(tab, url, { where, case: 'basics' }), `${where} basics`)
      })
      await t.test(`${where}: a seeded random workload against a Map`, async (t) => {
        assertOk(t, await runCase(tab, url, { where, case: 'model', seed: SEED, ops: 1500 }), `${where} model`)
      })
    }
    await t.test('worker: flush and compaction in nested job workers', async (t) => {
      assertOk(t, await runCase(tab, url, { where: 'worker', case: 'jobs' }), 'jobs')
    })
    await t.test('page not cross-origin isolated: getSync and getProperty not supported, the rest works', async (t) => {
      const plain = await serve(worker, 0, { '/page.js': page, '/engine-worker.js': engine }, false)
      try {
        assertOk(t, await runCase(tab, serverUrl(plain), { where: 'page', case: 'not-isolated' }), 'not-isolated')
      } finally {
        plain.close()
      }
    })
  })
})

// Flush and compaction of a database opened from a page's main thread (doc/browser.md, "Jobs in
// nested workers"): the page's ShaleLevel starts the engine worker, which must run the jobs in
// nested job workers rather than on its own thread, and none on the page (page-jobs-page.ts).

import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { assertWorkerOk, bundleWorker, runCase, withChromium } from './harness.js'

const here = (file: string): string => fileURLToPath(new URL(file, import.meta.url))

test('a page-opened database runs its flushes and compactions in nested workers', { timeout: 300_000 }, async (t) => {
  const [page, engine] = await Promise.all([bundleWorker(here('./page-jobs-page.js')), bundleWorker(here('./page-jobs-engine.js'))])
  await withChromium('', { '/page.js': page, '/engine-worker.js': engine }, async (browser, url) => {
    const tab = await browser.newPage()
    assertWorkerOk(t, await runCase(tab, url, { where: 'page' }), 'page jobs')
  })
})

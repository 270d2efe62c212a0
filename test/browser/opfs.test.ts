// OpfsEnv and the engine on it, in a dedicated worker of headless Chromium (harness.ts runs the
// cases of opfs-worker.ts): the Env's own behaviour, a database written through several memtable
// switches, flushes and compactions and reopened, and the same database after a page reload, and,
// left open by the page, after a restart of the browser on the same profile (which also shows
// that the lock of a worker that ended is free).

import { test } from 'node:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { bundleWorker, launch, runCase, serve, serverUrl, TEST_SEED, assertWorkerOk as assertOk } from './harness.js'

const SEED = TEST_SEED


test('OpfsEnv and a database on it, in Chromium, across a reload and a browser restart', { timeout: 600_000 }, async (t) => {
  const bundle = await bundleWorker(fileURLToPath(new URL('./opfs-worker.js', import.meta.url)))
  // OPFS belongs to the origin, port included, and to the profile: both stay fixed for the whole test.
  const server = await serve(bundle, 0)
  const url = serverUrl(server)
  const profile = mkdtempSync(join(tmpdir(), 'shale-opfs-'))
  try {
    let browser = await launch(profile)
    try {
      let page = await browser.newPage()
      await t.test('OpfsEnv: prepared creation, appends, reads, renames, removals, listing, lock', async (t) => {
        assertOk(t, await runCase(page, url, { case: 'env-unit' }), 'env-unit')
      })
      await t.test('a database through memtable switches, flushes and compactions, then reopened', async (t) => {
        assertOk(t, await runCase(page, url, { case: 'db-write', seed: SEED, rounds: 3 }), 'db-write')
      })
      await t.test('the database after a page reload; more writes, left open', async (t) => {
        assertOk(t, await runCase(page, url, { case: 'db-check', seed: SEED, rounds: 3, more: 1, close: 0 }), 'db-check after reload')
      })
      await browser.close()
      browser = await launch(profile)
      page = await browser.newPage()
      await t.test('the database left open, after a browser restart on the same profile; then destroyed', async (t) => {
        assertOk(t, await runCase(page, url, { case: 'db-check', seed: SEED, rounds: 4, more: 0, destroy: 1 }), 'db-check after restart')
      })
    } finally {
      await browser.close()
    }
  } finally {
    server.close()
    rmSync(profile, { recursive: true, force: true })
  }
})

// Crash behaviour in a browser: a worker in headless Chromium writes continuously on OpfsEnv (a
// seeded mix of sync and non-sync puts and batches, through memtable switches, flushes and
// compactions) and reports each acknowledgement to the mailbox; Node kills the whole browser
// (SIGKILL to its process group) at a random moment, restarts it on the same profile and port,
// and the worker, reopening, must find exactly a prefix of the issued writes holding every write
// acknowledged before the kill, sync or not (README, "Durability contract"; doc/opfs.md).
// SHALE_KILLS sets the number of kills (20 by default): a longer soak is the same test.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { bundleWorker, launch, serve, serverUrl } from './harness.js'
import { openMailbox } from './mailbox.js'
import { Random } from '../../src/util/random.js'

const SEED = Number(process.env.SHALE_TEST_SEED ?? Date.now() % 100000)
const KILLS = Number(process.env.SHALE_KILLS ?? 20)

test(`${KILLS} SIGKILLs of Chromium while a worker writes on OPFS: every acknowledged write survives`, { timeout: 60_000 + KILLS * 15_000 }, async (t) => {
  const rnd = new Random(SEED)
  const bundle = await bundleWorker(fileURLToPath(new URL('./kill-loop-worker.js', import.meta.url)))
  // OPFS belongs to the origin, port included, and to the profile: both stay fixed across restarts.
  const server = await serve(bundle, 0)
  const url = serverUrl(server)
  const mailbox = await openMailbox()
  const profile = mkdtempSync(join(tmpdir(), 'shale-kill-'))
  let ackedAll = 0
  let ackedSync = 0
  let beyondReported = 0
  /** Over all kills: writes acknowledged with sync: false after the last sync one, so no flush covered them. */
  let unflushedAtKills = 0
  try {
    for (let round = 0; round <= KILLS; round++) {
      const last = round === KILLS
      const browser = await launch(profile)
      const child = browser.process()!
      const exited = new Promise((resolve) => child.once('exit', resolve))
      const page = await browser.newPage()
      const from = mailbox.posts.length
      const query = new URLSearchParams({ case: 'kill-write', seed: String(SEED), mb: mailbox.url, stop: last ? '1' : '0' })
      await page.goto(`${url}?${query.toString()}`)
      const { post, index } = await mailbox.next('/state', from, 60_000)
      const state = JSON.parse(post.body.toString()) as { n?: number, error?: string }
      assert.equal(state.error, undefined, `round ${round}: the reopened database (seed ${SEED})`)
      const n = state.n!
      assert.ok(n >= ackedAll, `round ${round}: ${n} writes survived, but ${ackedAll} were acknowledged (${ackedSync} of them sync) before the kill (seed ${SEED})`)
      beyondReported += n - ackedAll
      if (last) {
        await page.waitForFunction('window.__result !== undefined', { timeout: 30_000, polling: 50 })
        const result = await page.evaluate('window.__result') as { ok: boolean, error?: string }
        assert.ok(result.ok, `the last reopen (seed ${SEED}): ${result.error}`)
        await browser.close()
        break
      }
      // Let it write for a random while, then kill the whole browser at once, as a crash would.
      await new Promise((resolve) => setTimeout(resolve, rnd.range(50, 500)))
      process.kill(-child.pid!, 'SIGKILL')
      await exited
      for (const p of mailbox.posts.slice(index)) {
        if (p.path !== '/ack') continue
        ackedAll = Math.max(ackedAll, Number(p.query.get('all')))
        ackedSync = Math.max(ackedSync, Number(p.query.get('sync')))
      }
      unflushedAtKills += ackedAll - Math.max(ackedSync, n)
      browser.disconnect().catch(() => {})
    }
    t.diagnostic(`seed ${SEED}: ${KILLS} kills, ${ackedAll} writes acknowledged; at the kills, ${unflushedAtKills} acknowledged ` +
      `non-sync writes no flush covered, all survived; ${beyondReported} writes survived beyond the last acknowledgement Node had seen`)
    assert.ok(ackedAll > KILLS * 10, `the worker wrote between the kills: ${ackedAll} writes acknowledged`)
  } finally {
    mailbox.close()
    server.close()
    rmSync(profile, { recursive: true, force: true })
  }
})

// Runs on a page's main thread in headless Chromium (bundled by harness.ts; page-jobs.test.ts):
// a ShaleLevel opened there runs its engine in the engine worker (page-jobs-engine.ts, served at
// /engine-worker.js), and that worker must run the database's flushes and compactions in nested
// job workers. The engine worker's own counts say how many jobs came back from another thread and
// how many ran inline; the job workers announce each job they finished. The page's own counts
// show that no job ran on the page.

import { ShaleLevel } from '../../src/browser.js'
import { jobCounts } from '../../src/db/jobs.js'
import { check, equal } from './level-cases.js'
import { COUNTS_CHANNEL, type CountsMessage } from './page-jobs-channel.js'

const lines: string[] = []
const say = (line: string): void => { lines.push(line) }

async function run (): Promise<void> {
  const channel = new BroadcastChannel(COUNTS_CHANNEL)
  const done: string[] = []
  let counts: Extract<CountsMessage, { type: 'counts' }> | undefined
  channel.onmessage = (event: { data: CountsMessage }) => {
    const m = event.data
    if (m.type === 'job-done') {
      check(m.jobWorker, 'a job reported done by a dedicated worker in its job role')
      done.push(m.job)
    } else if (m.type === 'counts') {
      counts = m
    }
  }
  // A 1 KiB MANIFEST cap switches CURRENT to a new MANIFEST again and again while job workers run,
  // each with the database's directory open in an OpfsEnv of its own: the rename over CURRENT
  // must not be blocked by their handles.
  const db = new ShaleLevel<string, string>('page-jobs', { writeBufferSize: 4096, maxManifestFileSize: 1024, engineWorker: '/engine-worker.js' })
  await db.open()
  await db.clear()
  for (let i = 0; i < 3000; i++) await db.put(`key${String(i % 700).padStart(4, '0')}`, `value ${i} ` + 'y'.repeat(60))
  await db.compactRange('key', 'kez')
  check((await db.get('key0005'))?.startsWith('value 2805 ') === true, 'a value read back after compaction')
  const entries = await db.iterator().all()
  equal(entries.length, 700, 'keys after the writes')
  check(entries.every(([k, v], i) => k === `key${String(i).padStart(4, '0')}` && v.startsWith(`value ${i < 200 ? 2800 + i : 2100 + i} `)), 'every key holds its last value')
  const levels = [0, 1, 2].map((n) => db.getProperty(`shale.num-files-at-level${n}`)).join('/')
  channel.postMessage({ type: 'ask' } satisfies CountsMessage)
  const deadline = Date.now() + 10_000
  while (counts === undefined && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20))
  await db.close()
  channel.close()
  if (counts === undefined) throw new Error('the engine worker did not answer with its job counts')
  const { doneOffThread, inline, worker } = counts.counts
  const flushes = done.filter((job) => job === 'flush').length
  const compactions = done.filter((job) => job === 'compaction').length
  say(`engine worker: ${worker} jobs sent to job workers, ${doneOffThread} came back done, ${inline} inline; ` +
    `job workers announced ${flushes} flushes and ${compactions} compactions; tables at levels 0/1/2 ${levels}`)
  check(counts.engineWorker, 'the engine ran in a dedicated worker')
  equal(inline, 0, 'jobs the engine worker ran inline')
  check(doneOffThread >= 3, `at least 3 jobs done off the engine worker's thread (${doneOffThread})`)
  check(flushes >= 1 && compactions >= 1, `job workers did flushes (${flushes}) and compactions (${compactions})`)
  check(done.length <= doneOffThread, `no more jobs announced (${done.length}) than the engine received (${doneOffThread})`)
  equal({ ...jobCounts }, { worker: 0, inline: 0, doneOffThread: 0 }, 'jobs on the page itself')
}

const scope = globalThis as unknown as { __result?: unknown }
run().then(
  () => { scope.__result = { ok: true, lines } },
  (err: unknown) => { scope.__result = { ok: false, lines, error: err instanceof Error ? `${err.name}: ${err.message}\n${err.stack ?? ''}` : String(err) } }
)

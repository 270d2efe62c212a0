// Runs in a dedicated worker of headless Chromium (bundled by harness.ts): `new ShaleLevel(name)`
// with no Env runs the engine right here on the Origin Private File System. Cases by name, asked
// for by level.test.ts; the worker posts { ok, lines, error } back to the page.

import { ShaleLevel, useOpfsJobWorkers } from '../../src/browser.js'
import { jobCounts } from '../../src/db/jobs.js'
import { basics, check, model, type Make } from './level-cases.js'

const lines: string[] = []
const say = (line: string): void => { lines.push(line) }
const make: Make = (location, options) => new ShaleLevel(location, options)

/** Flushes and compactions in nested workers (the engine worker script in its job role), counted there. */
async function jobs (): Promise<void> {
  useOpfsJobWorkers(new URL('/engine-worker.js', scope.location.href))
  const db = new ShaleLevel('jobs', { writeBufferSize: 4096 })
  await db.open()
  await db.clear()
  const before = { ...jobCounts }
  for (let i = 0; i < 3000; i++) await db.put(`key${String(i % 700).padStart(4, '0')}`, `value ${i} ` + 'y'.repeat(60))
  await db.compactRange('key', 'kez')
  check((await db.get('key0005'))?.startsWith('value 2805 ') === true, 'a value read back after compaction')
  const levels = [0, 1, 2].map((n) => db.getProperty(`shale.num-files-at-level${n}`)).join('/')
  await db.close()
  const offThread = jobCounts.doneOffThread - before.doneOffThread
  const inline = jobCounts.inline - before.inline
  say(`jobs: ${offThread} done in nested workers, ${inline} inline; tables at levels 0/1/2 ${levels}`)
  check(offThread >= 3, `at least 3 jobs ran off the engine's thread (${offThread})`)
  equal0(inline, 'jobs run inline')
}

function equal0 (n: number, what: string): void {
  if (n !== 0) throw new Error(`${what}: ${n}, expected 0`)
}

async function run (name: string, arg: URLSearchParams): Promise<void> {
  const seed = Number(arg.get('seed') ?? 1)
  say(`case ${name} in a worker, seed ${seed}`)
  switch (name) {
    case 'basics': return await basics(make, say)
    case 'model': return await model(make, say, seed, Number(arg.get('ops') ?? 1000))
    case 'jobs': return await jobs()
    default: throw new Error(`no case ${name}`)
  }
}

const scope = globalThis as unknown as { location: { search: string, href: string }, postMessage: (m: unknown) => void }
const params = new URLSearchParams(scope.location.search)
run(params.get('case') ?? '', params).then(
  () => { scope.postMessage({ ok: true, lines }) },
  (err: unknown) => { scope.postMessage({ ok: false, lines, error: err instanceof Error ? `${err.name}: ${err.message}\n${err.stack ?? ''}` : String(err) }) }
)

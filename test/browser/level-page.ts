// Runs on the main thread of a page in headless Chromium (bundled by harness.ts): `new
// ShaleLevel(name)` there starts the engine in a dedicated worker (the engine worker script,
// served at /engine-worker.js) and forwards every call to it. Cases by name, asked for by
// level.test.ts; the result goes to window.__result.

import { ShaleLevel } from '../../src/browser.js'
import { basics, check, equal, model, type Make } from './level-cases.js'

const lines: string[] = []
const say = (line: string): void => { lines.push(line) }
const make: Make = (location, options) => new ShaleLevel(location, { ...options, engineWorker: '/engine-worker.js' })

/** A page that is not cross-origin isolated: everything but the synchronous calls. */
async function notIsolated (): Promise<void> {
  check(typeof SharedArrayBuffer === 'undefined', 'this page has no SharedArrayBuffer')
  const db = make('plain')
  await db.open()
  await db.put('a', '1')
  equal(await db.get('a'), '1', 'get')
  equal(await db.iterator().all(), [['a', '1']], 'iterator')
  for (const [name, call] of [['getSync', () => db.getSync('a')], ['getProperty', () => db.getProperty('shale.stats')]] as const) {
    try {
      call()
      throw new Error(`${name} worked without SharedArrayBuffer`)
    } catch (err) {
      const e = err as { code?: string, message?: string }
      check(e.code === 'LEVEL_NOT_SUPPORTED' && e.message?.includes('SharedArrayBuffer') === true, `${name}: ${String(err)}`)
    }
  }
  await db.close()
  say('without cross-origin isolation: reads and writes work; getSync and getProperty fail with LEVEL_NOT_SUPPORTED')
}

async function run (name: string, arg: URLSearchParams): Promise<void> {
  const seed = Number(arg.get('seed') ?? 1)
  say(`case ${name} on the page, seed ${seed}`)
  switch (name) {
    case 'basics': return await basics(make, say)
    case 'model': return await model(make, say, seed, Number(arg.get('ops') ?? 1000))
    case 'not-isolated': return await notIsolated()
    default: throw new Error(`no case ${name}`)
  }
}

const scope = globalThis as unknown as { location: { search: string }, __result?: unknown }
run(new URLSearchParams(scope.location.search).get('case') ?? '', new URLSearchParams(scope.location.search)).then(
  () => { scope.__result = { ok: true, lines } },
  (err: unknown) => { scope.__result = { ok: false, lines, error: err instanceof Error ? `${err.name}: ${err.message}\n${err.stack ?? ''}` : String(err) } }
)

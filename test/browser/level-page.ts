// Runs on the main thread of a page in headless Chromium (bundled by harness.ts): `new
// ShaleLevel(name)` there starts the engine in a dedicated worker (the engine worker script,
// served at /engine-worker.js) and forwards every call to it. Cases by name, asked for by
// level.test.ts; the result goes to window.__result.

import { ShaleLevel } from '../../src/browser.js'
import { basics, model, type Make } from './level-cases.js'

const lines: string[] = []
const say = (line: string): void => { lines.push(line) }
const make: Make = (location, options) => new ShaleLevel(location, { ...options, engineWorker: '/engine-worker.js' })

async function run (name: string, arg: URLSearchParams): Promise<void> {
  const seed = Number(arg.get('seed') ?? 1)
  say(`case ${name} on the page, seed ${seed}`)
  switch (name) {
    case 'basics': return await basics(make, say)
    case 'model': return await model(make, say, seed, Number(arg.get('ops') ?? 1000))
    default: throw new Error(`no case ${name}`)
  }
}

const scope = globalThis as unknown as { location: { search: string }, __result?: unknown }
run(new URLSearchParams(scope.location.search).get('case') ?? '', new URLSearchParams(scope.location.search)).then(
  () => { scope.__result = { ok: true, lines } },
  (err: unknown) => { scope.__result = { ok: false, lines, error: err instanceof Error ? `${err.name}: ${err.message}\n${err.stack ?? ''}` : String(err) } }
)

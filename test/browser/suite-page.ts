// abstract-level's suite on a page's main thread in headless Chromium: every database a
// `new ShaleLevel(name)` without an Env, whose engine runs in an engine worker of its own.

import { ShaleLevel } from '../../src/browser.js'
import { runAbstractSuite } from './suite-run.js'

const scope = globalThis as unknown as { __result?: unknown }
let next = 0
const started = Date.now()
runAbstractSuite((options) => new ShaleLevel(`suite-page-${next++}`, { ...options, engineWorker: '/engine-worker.js' })).then(
  (summary) => { scope.__result = { ok: true, lines: [JSON.stringify({ ...summary, databases: next, seconds: (Date.now() - started) / 1000 })] } },
  (err: unknown) => { scope.__result = { ok: false, lines: [], error: String((err as Error)?.stack ?? err) } }
)

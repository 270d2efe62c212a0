// abstract-level's suite in a dedicated worker of headless Chromium: every database a
// `new ShaleLevel(name)` without an Env, so the engine runs in this worker on OPFS.

import { ShaleLevel } from '../../src/browser.js'
import { runAbstractSuite } from './suite-run.js'

const scope = globalThis as unknown as { postMessage: (m: unknown) => void }
let next = 0
const started = Date.now()
runAbstractSuite((options) => new ShaleLevel(`suite-worker-${next++}`, options)).then(
  (summary) => { scope.postMessage({ ok: true, lines: [JSON.stringify({ ...summary, databases: next, seconds: (Date.now() - started) / 1000 })] }) },
  (err: unknown) => { scope.postMessage({ ok: false, lines: [], error: String((err as Error)?.stack ?? err) }) }
)

// abstract-level's suite on a page's main thread in headless Chromium: every database a
// `new ShaleLevel(name)` without an Env, whose engine runs in an engine worker of its own.

import { ShaleLevel, type ShaleOpenOptions } from '../../src/browser.js'
import { runAbstractSuite } from './suite-run.js'

// The suite checks that open options reach the postopen hook unchanged, so the engine worker's
// URL is added below abstract-level, where it meets the engine (as the Node runner adds its options).
class PageLevel extends ShaleLevel {
  protected override async _open (options: ShaleOpenOptions & { createIfMissing: boolean, errorIfExists: boolean }): Promise<void> {
    await super._open({ ...options, engineWorker: '/engine-worker.js' })
  }
}

const scope = globalThis as unknown as { __result?: unknown }
let next = 0
const started = Date.now()
runAbstractSuite((options) => new PageLevel(`suite-page-${next++}`, options)).then(
  (summary) => { scope.__result = { ok: true, lines: [JSON.stringify({ ...summary, databases: next, seconds: (Date.now() - started) / 1000 })] } },
  (err: unknown) => { scope.__result = { ok: false, lines: [], error: String((err as Error)?.stack ?? err) } }
)

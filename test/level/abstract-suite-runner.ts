// Runs abstract-level's official test suite (which needs tape) against ShaleLevel, printing TAP.
// Not a node:test file: abstract-suite.test.ts spawns it once per configuration and reads the
// summary. Usage: node dist/test/level/abstract-suite-runner.js [default|small-buffer|classic] [dir]
//   default       ShaleLevel with default options
//   small-buffer  writeBufferSize 1 KiB, so the suite's data goes through tables and compaction
//   classic       classic-level itself, to compare assertion counts (not part of npm test)
// The databases go in a new directory under `dir` (the system's temporary directory by default).
// Bun and Deno run this file too (test/runtimes/bun-deno.test.ts).

import { createRequire } from 'node:module'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Worker } from 'node:worker_threads'
import process from 'node:process'
import { NodeEnv, ShaleLevel, type ShaleOpenOptions } from '../../src/index.js'

interface Tape {
  (name: string, fn: (...args: unknown[]) => unknown): void
  onFinish (fn: () => void): void
}

const require = createRequire(import.meta.url)
const tape = require('tape') as Tape
const suite = require('abstract-level/test') as (options: { test: Tape, factory: (options?: object) => unknown }) => void

const mode = process.argv[2] ?? 'default'
const root = mkdtempSync(join(process.argv[3] ?? tmpdir(), `shale-suite-${mode}-`))
let next = 0
const location = (): string => join(root, String(next++))

/** Counts table files written (by flushes and compactions) and deleted (only after compactions). */
class CountingEnv extends NodeEnv {
  tablesWritten = 0
  tablesDeleted = 0

  override newWritableFile (path: string): ReturnType<NodeEnv['newWritableFile']> {
    if (path.endsWith('.ldb')) this.tablesWritten++
    return super.newWritableFile(path)
  }

  override removeFile (path: string): void {
    if (path.endsWith('.ldb')) this.tablesDeleted++
    super.removeFile(path)
  }

  override async removeFileAsync (path: string): Promise<void> {
    if (path.endsWith('.ldb')) this.tablesDeleted++
    await super.removeFileAsync(path)
  }
}
const countingEnv = new CountingEnv()

// The suite checks that open options reach the postopen hook unchanged, so the small write
// buffer is added below abstract-level, where it meets the engine.
class SmallBufferLevel extends ShaleLevel {
  protected override async _open (options: ShaleOpenOptions & { createIfMissing: boolean, errorIfExists: boolean }): Promise<void> {
    await super._open({ ...options, writeBufferSize: 1024, env: countingEnv })
  }
}

/** The thread that owns the forwarded mode's databases, and a request to it. */
let owner: Worker | undefined
let ownerCalls = 0
const ownerWaiting = new Map<number, { resolve: (result: unknown) => void, reject: (err: Error) => void }>()
async function askOwner (request: Record<string, unknown>): Promise<unknown> {
  if (owner === undefined) {
    owner = new Worker(new URL('./forwarded-owner.js', import.meta.url))
    owner.unref()
    owner.on('message', (reply: { id: number, ok: boolean, result?: unknown, code?: string, message?: string }) => {
      const waiter = ownerWaiting.get(reply.id)!
      ownerWaiting.delete(reply.id)
      if (reply.ok) waiter.resolve(reply.result)
      else waiter.reject(Object.assign(new Error(reply.message), { code: reply.code }))
    })
  }
  const id = ++ownerCalls
  return await new Promise((resolve, reject) => {
    ownerWaiting.set(id, { resolve, reject })
    owner!.postMessage({ ...request, id })
  })
}
let forwardedOpens = 0
let ownedElsewhere = 0

// The owner opens the database first, with the same create options; when it could, this open
// becomes its client (the owner has done the errorIfExists check), and otherwise fails as the
// owner's did. Closing closes the client, then the owner.
class ForwardedLevel extends ShaleLevel {
  protected override async _open (options: ShaleOpenOptions & { createIfMissing: boolean, errorIfExists: boolean }): Promise<void> {
    let owned = true
    try {
      await askOwner({ op: 'open', location: this.location, options: { createIfMissing: options.createIfMissing, errorIfExists: options.errorIfExists } })
    } catch {
      owned = false
    }
    try {
      await super._open({ ...options, multithreading: true, errorIfExists: owned ? false : options.errorIfExists })
    } catch (err) {
      if (owned) await askOwner({ op: 'close', location: this.location })
      throw err
    }
    if (owned) {
      ownedElsewhere++
      // At least this client (a hello answered too late for an earlier attempt may linger a second).
      if (await askOwner({ op: 'clients', location: this.location }) as number >= 1) forwardedOpens++
    }
  }

  protected override async _close (): Promise<void> {
    await super._close()
    await askOwner({ op: 'close', location: this.location })
  }
}

let factory: (options?: object) => unknown
switch (mode) {
  case 'default':
    factory = (options) => new ShaleLevel(location(), options)
    break
  case 'small-buffer':
    factory = (options) => new SmallBufferLevel(location(), options)
    tape.onFinish(() => {
      // A TAP comment that abstract-suite.test.ts reads: proof that data went through tables.
      console.log(`# shale tables written ${countingEnv.tablesWritten}, deleted after compaction ${countingEnv.tablesDeleted}`)
    })
    break
  case 'forwarded':
    factory = (options) => new ForwardedLevel(location(), options)
    tape.onFinish(() => {
      // Read by abstract-suite.test.ts: proof that the databases were clients of another thread.
      console.log(`# shale forwarded opens ${forwardedOpens} of ${ownedElsewhere} owned by another thread`)
      void owner?.terminate()
    })
    break
  case 'classic': {
    const { ClassicLevel } = require('classic-level') as { ClassicLevel: new (location: string, options?: object) => unknown }
    factory = (options) => new ClassicLevel(location(), options)
    break
  }
  default:
    throw new Error(`unknown mode ${mode}`)
}

tape.onFinish(() => { rmSync(root, { recursive: true, force: true }) })
suite({ test: tape, factory })

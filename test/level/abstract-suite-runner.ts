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
}
const countingEnv = new CountingEnv()

// The suite checks that open options reach the postopen hook unchanged, so the small write
// buffer is added below abstract-level, where it meets the engine.
class SmallBufferLevel extends ShaleLevel {
  protected override async _open (options: ShaleOpenOptions & { createIfMissing: boolean, errorIfExists: boolean }): Promise<void> {
    await super._open({ ...options, writeBufferSize: 1024, env: countingEnv })
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

// Shared pieces of the CLI tests: run the compiled `shale` command as a child process, and make
// databases with the engine whose contents and shape are known. What the CLI prints is checked
// against the model of what was written and against the interop tests' piece-by-piece decoders
// (test/interop/shale-pieces.ts), which share no code with the CLI's own readers.

import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { DB } from '../../src/db/db.js'

/** dist/test/cli/helpers.js -> dist/src/cli/main.js */
export const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url))

export interface CliResult {
  code: number
  stdout: string
  stderr: string
}

export function shale (args: readonly string[], options: { input?: string, cwd?: string } = {}): CliResult {
  const run = spawnSync(process.execPath, [CLI, ...args], {
    encoding: 'utf8',
    input: options.input ?? '',
    cwd: options.cwd,
    timeout: 60_000,
    maxBuffer: 256 << 20,
    env: { ...process.env, SHALE_DEBUG: '' }
  })
  if (run.error !== undefined) throw run.error
  return { code: run.status ?? -1, stdout: run.stdout, stderr: run.stderr }
}

/** Runs `shale` and parses its stdout as JSON, failing with the output when it is not JSON. */
export function shaleJson<T = any> (args: readonly string[]): { code: number, json: T, stderr: string } {
  const r = shale(args)
  try {
    return { code: r.code, json: JSON.parse(r.stdout) as T, stderr: r.stderr }
  } catch {
    throw new Error(`shale ${args.join(' ')} printed no JSON (exit ${r.code}):\n${r.stdout}\n${r.stderr}`)
  }
}

export { tempDir, removeTempDir as removeDir } from '../db/helpers.js'

const enc = new TextEncoder()

export function key (i: number): string {
  return `key${String(i).padStart(6, '0')}`
}

/**
 * Writes `n` keys in a scattered order with small memtables and tables, compacting part of the
 * range on the way, then deletes a few keys and leaves the last writes in the log: a database with
 * files on several levels, a MANIFEST of many edits, and a live log. Returns the model.
 */
export async function makeEngineDb (dir: string, n = 8000): Promise<Map<string, string>> {
  const model = new Map<string, string>()
  const db = await DB.open(dir, { writeBufferSize: 64 * 1024, maxFileSize: 64 * 1024 })
  try {
    for (let i = 0; i < n; i++) {
      const k = key((i * 7919) % n)
      const v = `value-${i}-`.padEnd(100, 'x')
      await db.put(enc.encode(k), enc.encode(v))
      model.set(k, v)
      if (i % 3000 === 2999) await db.compactRange(enc.encode(key(0)), enc.encode(key(Math.floor(n / 3))))
    }
    await db.waitForIdle()
    for (let i = 0; i < 60; i += 3) {
      await db.del(enc.encode(key(i)))
      model.delete(key(i))
    }
  } finally {
    await db.close()
  }
  return model
}

/** The model's entries in key order (keys are ASCII, so string order is byte order). */
export function sorted (model: Map<string, string>): Array<[string, string]> {
  return [...model.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
}

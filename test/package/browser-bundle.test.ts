// The browser build as a bundler sees it: esbuild bundles `shale`, `shale/worker` and
// `shale/engine-worker` for the
// browser platform, by name, as an application's bundler would (the package refers to itself
// through its `exports`, whose `browser` condition must lead to dist/src/browser.js and
// browser-worker.js), and nothing Node-only may be reachable from them (doc/browser.md): no
// `node:` module or bare Node built-in (the npm package `buffer`, which abstract-level depends on
// in browsers, is an ordinary package), and no free reference to Node's globals Buffer,
// setImmediate, process or global. A free reference is found by `define`, which replaces exactly
// the identifiers that are not bound locally (a property of globalThis is a feature test, and
// stays). Then the bundle runs for real, in a Node process whose Node globals were deleted first,
// on a MemEnv: puts, gets, a scan, a flush and a compaction.

import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { builtinModules } from 'node:module'
import { join } from 'node:path'
import { after, describe, test } from 'node:test'
import { fileURLToPath, pathToFileURL } from 'node:url'
import * as esbuild from 'esbuild'
import { removeTempDir, tempDir } from '../db/helpers.js'

/** dist/test/package/browser-bundle.test.js -> the repository root. */
const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const ENTRIES = [{ in: 'shale', out: 'browser' }, { in: 'shale/worker', out: 'browser-worker' }, { in: 'shale/engine-worker', out: 'engine-worker' }]
const NODE_GLOBALS = ['Buffer', 'setImmediate', 'clearImmediate', 'process', 'global']
const MARK = '__shale_node_global_'
const BUILTINS = new Set(builtinModules)

interface Reached { module: string, importer: string }

/** Bundles `entries` for browsers; Node modules they reach are left external and listed. */
async function bundle (entries: Array<{ in: string, out: string }>, define: Record<string, string>, outdir: string, write: boolean): Promise<{ result: esbuild.BuildResult & { metafile: esbuild.Metafile }, reached: Reached[] }> {
  const reached: Reached[] = []
  const nodeModules: esbuild.Plugin = {
    name: 'node-modules',
    setup (build) {
      build.onResolve({ filter: /.*/ }, async (args) => {
        if (args.pluginData === 'inner') return undefined
        const bare = args.path.replace(/^node:/, '').split('/')[0]!
        if (!args.path.startsWith('node:') && !BUILTINS.has(bare)) return undefined
        // A bare name such as 'buffer' may be an npm package installed for browsers: then it is one.
        if (!args.path.startsWith('node:')) {
          const found = await build.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, importer: args.importer, pluginData: 'inner' })
          if (found.errors.length === 0 && !found.external) return undefined
        }
        reached.push({ module: args.path, importer: args.importer })
        return { path: args.path, external: true }
      })
    }
  }
  const result = await esbuild.build({
    entryPoints: entries,
    absWorkingDir: ROOT,
    bundle: true,
    platform: 'browser',
    format: 'esm',
    outdir,
    write,
    metafile: true,
    define,
    logLevel: 'silent',
    plugins: [nodeModules]
  })
  return { result, reached }
}

describe('the browser build', { timeout: 120_000 }, () => {
  const work = tempDir('browser-bundle')
  after(() => { removeTempDir(work) })

  test('reaches no Node module and names no Node global', async () => {
    const define = Object.fromEntries(NODE_GLOBALS.map((name) => [name, MARK + name]))
    const { result, reached } = await bundle(ENTRIES, define, join(work, 'checked'), false)
    const inputs = Object.keys(result.metafile.inputs)
    for (const entry of ['dist/src/browser.js', 'dist/src/browser-worker.js', 'dist/src/engine-worker.js', 'dist/src/db/platform-browser.js', 'dist/src/level/default-open-browser.js']) {
      assert.ok(inputs.includes(entry), `${entry} is bundled`)
    }
    assert.ok(!inputs.some((f) => /\/(platform-node|default-open|node-env|job-worker|background-jobs|remote-env|lock)\.js$/.test(f)),
      `no Node-only module of the engine is bundled: ${inputs.filter((f) => f.includes('dist/src')).join(', ')}`)
    assert.deepEqual(reached, [], 'Node modules reachable from the browser entries')
    const globals: string[] = []
    for (const file of result.outputFiles ?? []) {
      for (const m of file.text.matchAll(new RegExp(`${MARK}(\\w+)`, 'g'))) {
        const at = m.index
        globals.push(`${m[1]!} in ${file.path.slice(work.length)}: …${file.text.slice(Math.max(0, at - 120), at + 60)}…`)
      }
    }
    assert.deepEqual(globals, [], 'free references to Node globals in the browser bundle')
    const bytes = (result.outputFiles ?? []).map((f) => `${f.path.slice(work.length)} ${(f.contents.byteLength / 1024).toFixed(0)} KiB`)
    console.log(`# bundles: ${bytes.join(', ')}; ${inputs.length} inputs`)
  })

  test('runs without Node globals, on a MemEnv', async () => {
    const outdir = join(work, 'run')
    const { reached } = await bundle([ENTRIES[0]!], {}, outdir, true)
    assert.deepEqual(reached, [])
    const script = join(outdir, 'smoke.mjs')
    writeFileSync(script, SMOKE.replace('BUNDLE', JSON.stringify(pathToFileURL(join(outdir, 'browser.js')).href)))
    const r = spawnSync(process.execPath, [script], { encoding: 'utf8', timeout: 60_000 })
    assert.equal(r.status, 0, `the smoke run exited ${String(r.status)}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`)
    const report = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Record<string, unknown>
    assert.deepEqual(report, {
      globals: ['undefined', 'undefined', 'undefined'],
      get: 'value 7',
      buffer: [true, 'value 8'],
      scan: 200,
      reopened: 'value 199',
      tables: true,
      engine: 'b',
      noEnv: 'LEVEL_INVALID_ARGUMENT'
    })
  })
})

/**
 * Runs in a child process: deletes Node's globals, imports the bundle, and uses it. Prints one
 * line of JSON with what it saw; any exception fails the run.
 */
const SMOKE = `
const print = console.log
delete globalThis.setImmediate
delete globalThis.clearImmediate
delete globalThis.Buffer
delete globalThis.process
const { ShaleLevel, DB, MemEnv } = await import(BUNDLE)
const env = new MemEnv()
const report = { globals: [typeof setImmediate, typeof Buffer, typeof process] }
// A tiny write buffer: flushes and compactions run (inline: no job workers are set up).
const db = new ShaleLevel('/db', { env, writeBufferSize: 4096 })
await db.open()
for (let i = 0; i < 200; i++) await db.put('key ' + String(i).padStart(3, '0'), 'value ' + i)
report.get = await db.get('key 007')
const b = await db.get('key 008', { valueEncoding: 'buffer' })
report.buffer = [b instanceof Uint8Array && typeof b.readUInt8 === 'function', new TextDecoder().decode(b)]
let n = 0
for await (const [k, v] of db.iterator({ gte: 'key 000' })) { if (v === 'value ' + Number(k.slice(4))) n++ }
report.scan = n
await db.close()
const again = new ShaleLevel('/db', { env })
await again.open()
report.reopened = await again.get('key 199')
report.tables = env.getChildren('/db').some((f) => f.endsWith('.ldb'))
await again.close()
const engine = await DB.open('/engine', { env, createIfMissing: true })
await engine.put(new TextEncoder().encode('a'), new TextEncoder().encode('b'))
report.engine = new TextDecoder().decode(engine.getSync(new TextEncoder().encode('a')))
await engine.close()
report.noEnv = await DB.open('/elsewhere', { createIfMissing: true }).then(() => 'opened', (err) => err.code)
print(JSON.stringify(report))
`

// `shale verify`, `compact`, `repair` and `destroy`: damage found and named per file (exit 1), a
// repair that makes the database whole again, a compaction that keeps every entry, and a destroy
// that asks on a terminal and refuses without one. Progress is plain lines off a terminal and a
// bar on one (a pseudo-terminal made with util-linux's `script`).

import { before, after, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { cpSync, existsSync, readdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { readManifest, tableName } from '../interop/shale-pieces.js'
import { DB } from '../../src/db/db.js'
import { CLI, key, makeEngineDb, removeDir, shale, shaleJson, sorted, tempDir } from './helpers.js'

/** Runs the CLI on a pseudo-terminal (stdin, stdout and stderr all a TTY), feeding it `input`. */
function onTerminal (args: string[], input: string): { code: number, output: string } {
  const command = [process.execPath, CLI, ...args].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(' ')
  const run = spawnSync('script', ['-qec', command, '/dev/null'], { input, encoding: 'utf8', timeout: 60_000 })
  if (run.error !== undefined) throw run.error
  return { code: run.status ?? -1, output: run.stdout }
}

function flipByte (path: string, offset: number): void {
  const bytes = readFileSync(path)
  bytes[offset] = bytes[offset]! ^ 0x80
  writeFileSync(path, bytes)
}

describe('verify, compact, repair and destroy', () => {
  let original: string
  let model: Map<string, string>
  const copies: string[] = []

  function copy (): string {
    const dir = tempDir('maintain')
    cpSync(original, dir, { recursive: true })
    copies.push(dir)
    return dir
  }

  before(async () => {
    original = tempDir('maintain-original')
    model = await makeEngineDb(original)
  })
  after(() => { for (const d of [original, ...copies]) removeDir(d) })

  test('verify: an intact database passes, every file read', () => {
    const { code, json } = shaleJson(['verify', original, '--json', '--quiet'])
    assert.equal(code, 0)
    assert.equal(json.ok, true)
    const state = readManifest(original)
    assert.equal(json.files.filter((f: { kind: string }) => f.kind === 'table').length, state.files.size)
    assert.equal(json.files.filter((f: { kind: string }) => f.kind === 'log').length, 1)
    assert.ok(json.files.every((f: { problems: string[] }) => f.problems.length === 0))
  })

  test('verify: damage is reported per file with its offset, exit 1; progress is plain lines off a terminal', () => {
    const dir = copy()
    const state = readManifest(dir)
    const victim = [...state.files.values()].sort((a, b) => b.fileSize - a.fileSize)[0]!
    flipByte(tableName(dir, victim.number), 100)
    const r = shale(['verify', dir])
    assert.equal(r.code, 1)
    const name = `${String(victim.number).padStart(6, '0')}.ldb`
    assert.match(r.stdout, new RegExp(`^${name}  L${victim.level}  DAMAGED`, 'm'))
    assert.match(r.stdout, /block checksum mismatch \(in .* at offset 0\)/)
    assert.match(r.stdout, /1 damaged file$/m)
    assert.match(r.stderr, new RegExp(`damage in ${name}`))
    const progress = r.stderr.split('\n').filter((l) => l.startsWith('verify: '))
    assert.ok(progress.length >= 3 && progress.length <= 14, r.stderr)
    assert.ok(!r.stderr.includes('\r'), 'no terminal control off a terminal')
    const j = shaleJson(['verify', dir, '--json', '-q']).json
    assert.equal(j.ok, false)
    assert.deepEqual(j.files.filter((f: { problems: string[] }) => f.problems.length > 0).map((f: { file: string }) => f.file), [name])
  })

  test('verify: a table missing or of the wrong size is damage', () => {
    const dir = copy()
    const files = [...readManifest(dir).files.values()]
    const a = tableName(dir, files[0]!.number)
    const b = tableName(dir, files[1]!.number)
    writeFileSync(a, readFileSync(a).subarray(0, 100))
    unlinkSync(b)
    const j = shaleJson(['verify', dir, '--json', '-q']).json
    const damaged = j.files.filter((f: { problems: string[] }) => f.problems.length > 0)
    assert.equal(damaged.length, 2)
    assert.ok(damaged.some((f: { problems: string[] }) => f.problems.some((p) => /missing/.test(p))))
    assert.ok(damaged.some((f: { problems: string[] }) => f.problems.some((p) => /100 bytes on disk/.test(p))))
  })

  test('repair rebuilds a damaged database: verify passes after it, damaged files are archived', () => {
    const dir = copy()
    const state = readManifest(dir)
    const victim = [...state.files.values()][0]!
    flipByte(tableName(dir, victim.number), 50)
    const r = shaleJson(['repair', dir, '--json', '--quiet'])
    assert.equal(r.code, 0)
    assert.equal(r.json.tablesRecovered + r.json.tablesLost, 1)
    assert.ok(r.json.filesMovedToLost.includes(`lost/${String(victim.number).padStart(6, '0')}.ldb`))
    assert.equal(shale(['verify', dir, '-q']).code, 0)
    // Keys outside the damaged block are all still there.
    const scan = shaleJson(['scan', dir, '--json', '--keys-only']).json as Array<{ key: string }>
    assert.ok(scan.length > model.size * 0.9, `${scan.length} of ${model.size} keys survive`)
  })

  test('repair on an open database prints only the lock error (exit 1) and changes nothing', async () => {
    const dir = copy()
    const db = await DB.open(dir)
    try {
      await db.waitForIdle()
      const before = readdirSync(dir).sort()
      const r = shale(['repair', dir])
      assert.equal(r.code, 1)
      assert.equal(r.stdout, '')
      assert.match(r.stderr, /^shale repair: .*\[LEVEL_LOCKED\]\n$/, 'the error alone: no progress lines before it')
      assert.deepEqual(readdirSync(dir).sort(), before)
    } finally {
      await db.close()
    }
  })

  test('compact moves everything to one level and keeps every entry', () => {
    const dir = copy()
    const r = shaleJson(['compact', dir, '--json', '--quiet'])
    assert.equal(r.code, 0)
    const levels = r.json.after.map((l: { files: number }) => l.files)
    assert.equal(levels.filter((n: number) => n > 0).length, 1, `files per level after: ${levels.join(' ')}`)
    assert.equal(levels[0], 0)
    const scan = shale(['scan', dir])
    assert.deepEqual(scan.stdout.trimEnd().split('\n'), sorted(model).map(([k, v]) => `${k}\t${v}`))
  })

  test('compact --start/--end compacts only overlapping files; its steps show as plain lines', () => {
    const dir = copy()
    const r = shale(['compact', dir, '--start', key(0), '--end', key(10)])
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /^level\s+files before\s+after/m)
    assert.match(r.stderr, /^compact: started/m)
    assert.match(r.stderr, /^compact: \d+% \(\d+ of \d+\) level 0 -> 1$/m)
    assert.equal(shale(['get', dir, key(10)]).stdout, model.get(key(10))! + '\n')
  })

  test('on a terminal: verify draws a bar in place', () => {
    const t = onTerminal(['verify', original], '')
    assert.equal(t.code, 0, t.output)
    assert.match(t.output, /\r\x1b\[Kverify \[[#.]{24}\]\s+\d+%/)
    assert.match(t.output, /verify: all intact in/)
  })

  test('destroy: refuses without --yes and without a terminal (exit 2), deletes with --yes', () => {
    const dir = copy()
    const before = readdirSync(dir).length
    const r = shale(['destroy', dir])
    assert.equal(r.code, 2)
    assert.match(r.stderr, /refusing to destroy without --yes/)
    assert.equal(readdirSync(dir).length, before)
    const y = shale(['destroy', dir, '--yes'])
    assert.equal(y.code, 0, y.stderr)
    assert.equal(existsSync(dir), false)
    assert.equal(shale(['destroy', dir, '--yes']).code, 1, 'nothing left to destroy')
  })

  test('destroy: asks on a terminal; "n" keeps the database, "y" deletes it', () => {
    const dir = copy()
    const no = onTerminal(['destroy', dir], 'n\n')
    assert.match(no.output, /Destroy the database at .* \(\d+ files, .*\)\? \[y\/N\]/)
    assert.equal(no.code, 1)
    assert.ok(existsSync(join(dir, 'CURRENT')))
    const yes = onTerminal(['destroy', dir], 'y\n')
    assert.equal(yes.code, 0, yes.output)
    assert.equal(existsSync(dir), false)
  })

  test('destroy refuses a directory that is not a database', () => {
    const dir = tempDir('not-a-db')
    copies.push(dir)
    writeFileSync(join(dir, 'notes.txt'), 'keep me')
    assert.equal(shale(['destroy', dir, '--yes']).code, 1)
    assert.ok(existsSync(join(dir, 'notes.txt')))
  })
})

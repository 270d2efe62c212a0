// `shale info`, `manifest`, `sst` and `wal` on a database the engine wrote, checked against the
// interop tests' independent decoders (shale-pieces.ts) and the model of what was written; and
// the inspection commands' promise to change nothing in the directory they read.

import { before, after, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { copyFileSync, cpSync, existsSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { batchEntries, logName, openTable, readLogRecords, readManifest, tableEntries, tableName, type ManifestState } from '../interop/shale-pieces.js'
import { COMMAND_NAMES } from './command-names.js'
import { makeEngineDb, removeDir, shale, shaleJson, tempDir } from './helpers.js'

function snapshot (dir: string): string {
  return readdirSync(dir).sort().map((name) => {
    const st = statSync(join(dir, name))
    return `${name}:${st.size}:${st.mtimeMs}`
  }).join('\n')
}

function flipByte (path: string, offset: number): void {
  const bytes = readFileSync(path)
  bytes[offset] = bytes[offset]! ^ 0x80
  writeFileSync(path, bytes)
}

describe('inspecting a database the engine wrote', () => {
  let dir: string
  let scratch: string
  let state: ManifestState

  before(async () => {
    dir = tempDir('inspect')
    scratch = tempDir('inspect-scratch')
    await makeEngineDb(dir)
    state = readManifest(dir)
  })
  after(() => { removeDir(dir); removeDir(scratch) })

  test('the database has the shape the tests need', () => {
    const levels = new Set([...state.files.values()].map((f) => f.level))
    assert.ok(levels.size >= 2, `files on several levels (${[...levels].join(',')})`)
    assert.ok(state.edits.length >= 10)
  })

  test('info --json: files, bytes and key ranges per level, counters and the live log', () => {
    const { code, json } = shaleJson(['info', dir, '--json'])
    assert.equal(code, 0)
    assert.equal(json.comparator, 'leveldb.BytewiseComparator')
    assert.equal(json.lastSequence, state.lastSequence)
    assert.equal(json.logNumber, state.logNumber)
    assert.equal(json.nextFileNumber, state.nextFileNumber)
    assert.equal(json.manifest.edits, state.edits.length)
    for (let level = 0; level < 7; level++) {
      const expected = [...state.files.values()].filter((f) => f.level === level)
      const got = json.levels[level]
      assert.equal(got.files, expected.length, `files at level ${level}`)
      assert.equal(got.bytes, expected.reduce((s, f) => s + f.fileSize, 0), `bytes at level ${level}`)
      assert.deepEqual(got.fileList.map((f: { number: number }) => f.number).sort(), expected.map((f) => f.number).sort())
      const userKeys = (which: 'smallest' | 'largest'): string[] =>
        expected.map((f) => Buffer.from(f[which].subarray(0, f[which].length - 8)).toString()).sort()
      if (expected.length > 0) {
        assert.equal(got.smallest, userKeys('smallest')[0], `smallest key of level ${level}`)
        assert.equal(got.largest, userKeys('largest').pop(), `largest key of level ${level}`)
      }
    }
    const records = readLogRecords(logName(dir, state.logNumber)).flatMap(batchEntries)
    assert.equal(json.logs.length, 1)
    assert.equal(json.logs[0].writes, records.length)
    assert.equal(json.lastSequenceInLogs, Math.max(...records.map((e) => e.sequence)))
    assert.deepEqual(json.problems, [])
  })

  test('info prints a level table and the live log in text', () => {
    const r = shale(['info', dir])
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /^level\s+files\s+bytes\s+key range$/m)
    assert.match(r.stdout, new RegExp(`last sequence\\s+${state.lastSequence}`))
    assert.match(r.stdout, new RegExp(`${String(state.logNumber).padStart(6, '0')}\\.log`))
  })

  test('info shows the last lines of the info log LOG: ten by default, --log N, none with --log 0 or without a LOG', () => {
    const logLines = readFileSync(join(dir, 'LOG'), 'utf8').split('\n').filter((l) => l !== '')
    assert.ok(logLines.length > 10, `the engine wrote a LOG (${logLines.length} lines)`)
    const section = (stdout: string): string[] => {
      const at = stdout.indexOf('\ninfo log (LOG, ')
      if (at < 0) return []
      return stdout.slice(at + 1).split('\n').slice(1).filter((l) => l !== '').map((l) => l.replace(/^ {2}/, ''))
    }
    let r = shale(['info', dir])
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, new RegExp(`^info log \\(LOG, last 10 of ${logLines.length} lines\\):$`, 'm'))
    assert.deepEqual(section(r.stdout), logLines.slice(-10))
    assert.match(section(r.stdout).at(-1)!, /^\d{4}\/\d\d\/\d\d-\d\d:\d\d:\d\d\.\d{6} \d+ Closed: /)
    r = shale(['info', dir, '--log', '3'])
    assert.deepEqual(section(r.stdout), logLines.slice(-3))
    r = shale(['info', dir, '--log', String(logLines.length + 5)])
    assert.match(r.stdout, new RegExp(`^info log \\(LOG, ${logLines.length} lines\\):$`, 'm'))
    assert.deepEqual(section(r.stdout), logLines)
    r = shale(['info', dir, '--log', '0'])
    assert.deepEqual(section(r.stdout), [])
    const { json } = shaleJson(['info', dir, '--json', '--log', '2'])
    assert.deepEqual(json.infoLog, { file: 'LOG', totalLines: logLines.length, lastLines: logLines.slice(-2) })

    const copy = join(scratch, 'no-log')
    cpSync(dir, copy, { recursive: true })
    rmSync(join(copy, 'LOG'))
    r = shale(['info', copy])
    assert.equal(r.code, 0, r.stderr)
    assert.deepEqual(section(r.stdout), [])
    assert.doesNotMatch(r.stdout, /info log/)
    assert.equal(shaleJson(['info', copy, '--json']).json.infoLog, null)
  })

  test('manifest: one entry per VersionEdit, in order, with the files each added and removed', () => {
    const { code, json } = shaleJson(['manifest', dir, '--json'])
    assert.equal(code, 0)
    assert.equal(json.edits.length, state.edits.length)
    json.edits.forEach((e: { index: number, newFiles: unknown[], deletedFiles: unknown[], lastSequence?: number }, i: number) => {
      const expected = state.edits[i]!
      assert.equal(e.index, i)
      assert.equal(e.newFiles.length, expected.newFiles.length, `edit ${i} adds`)
      assert.equal(e.deletedFiles.length, expected.deletedFiles.length, `edit ${i} removes`)
      assert.equal(e.lastSequence, expected.lastSequence)
    })
    // Given the MANIFEST file itself rather than the directory.
    const text = shale(['manifest', join(dir, readFileSync(join(dir, 'CURRENT'), 'utf8').trim())])
    assert.equal(text.code, 0, text.stderr)
    assert.equal(text.stdout.split('\n').filter((l) => /^edit \d+ /.test(l)).length, state.edits.length)
  })

  test('sst: every entry, block statistics and the filter, as the table reader sees them', () => {
    const files = [...state.files.values()].slice(0, 3)
    for (const f of files) {
      const path = tableName(dir, f.number)
      const { code, json } = shaleJson(['sst', path, '--json', '--entries'])
      assert.equal(code, 0)
      const expected = tableEntries(openTable(dir, f))
      assert.equal(json.entries.length, expected.length)
      assert.equal(json.table.entries, expected.length)
      json.entries.forEach((e: { key: string, sequence: number, type: string }, i: number) => {
        const x = expected[i]!
        assert.equal(e.key, Buffer.from(x.userKey).toString('utf8'))
        assert.equal(e.sequence, x.sequence)
        assert.equal(e.type, x.type === 1 ? 'put' : 'del')
      })
      assert.equal(json.table.filter.name, 'leveldb.BuiltinBloomFilter2')
      assert.equal(json.table.filter.falseNegatives, 0)
      assert.equal(json.table.blocks.reduce((s: number, b: { entries: number }) => s + b.entries, 0), expected.length)
      assert.equal(json.table.bytes, f.fileSize)
    }
    const text = shale(['sst', tableName(dir, files[0]!.number)])
    assert.equal(text.code, 0)
    assert.match(text.stdout, /admits every key/)
    assert.match(text.stdout, /^block\s+offset\s+stored\s+raw\s+compression\s+entries/m)
  })

  test('sst: a damaged block is reported (exit 1) and the walk goes on to the others', () => {
    const f = [...state.files.values()].sort((a, b) => b.fileSize - a.fileSize)[0]!
    const copy = join(scratch, 'damaged.ldb')
    copyFileSync(tableName(dir, f.number), copy)
    const clean = shaleJson(['sst', copy, '--json']).json
    assert.ok(clean.blocks.length >= 3)
    flipByte(copy, clean.blocks[1].offset + 10)
    const { code, json, stderr } = shaleJson(['sst', copy, '--json'])
    assert.equal(code, 1)
    assert.equal(json.blocks.length, clean.blocks.length, 'every block is still listed')
    assert.match(json.blocks[1].error, /checksum mismatch/)
    assert.equal(json.entries, clean.entries - clean.blocks[1].entries)
    assert.match(stderr, /problem: data block at offset \d+: block checksum mismatch/)
    // Not a table at all.
    assert.equal(shale(['sst', join(dir, 'CURRENT')]).code, 1)
  })

  test('wal: the batches of the live log with their sequence numbers', () => {
    const log = logName(dir, state.logNumber)
    const records = readLogRecords(log)
    const { code, json } = shaleJson(['wal', log, '--json', '--entries'])
    assert.equal(code, 0)
    assert.equal(json.batches.length, records.length)
    json.batches.forEach((b: { sequence: number, count: number, ops: Array<{ type: string, key: string }> }, i: number) => {
      const entries = batchEntries(records[i]!)
      assert.equal(b.sequence, entries[0]!.sequence)
      assert.equal(b.count, entries.length)
      assert.deepEqual(b.ops.map((o) => `${o.type} ${o.key}`), entries.map((e) => `${e.type === 1 ? 'put' : 'del'} ${Buffer.from(e.userKey).toString()}`))
    })
    assert.deepEqual(json.dropped, [])
  })

  test('wal: a torn tail is dropped silently (exit 0) and said so; damage inside is exit 1', () => {
    const log = logName(dir, state.logNumber)
    const records = readLogRecords(log)
    const torn = join(scratch, 'torn.log')
    copyFileSync(log, torn)
    truncateSync(torn, statSync(torn).size - 3)
    const t = shaleJson(['wal', torn, '--json'])
    assert.equal(t.code, 0)
    assert.equal(t.json.batches.length, records.length - 1)
    assert.equal(t.json.dropped.length, 1)
    assert.equal(t.json.dropped[0].reported, false)
    assert.match(t.json.dropped[0].reason, /torn write/)

    const bad = join(scratch, 'bad.log')
    copyFileSync(log, bad)
    flipByte(bad, 10)
    const b = shaleJson(['wal', bad, '--json'])
    assert.equal(b.code, 1)
    assert.equal(b.json.dropped[0].reported, true)
    assert.match(b.json.dropped[0].reason, /checksum mismatch/)
    assert.match(b.stderr, /problem: .*checksum mismatch/)

  })

  test('wal and manifest tell a MANIFEST from a log, by name and else by content, and point to the right command', () => {
    const manifest = join(dir, readFileSync(join(dir, 'CURRENT'), 'utf8').trim())
    const log = logName(dir, state.logNumber)
    const renamedManifest = join(scratch, 'manifest-copy')
    const renamedLog = join(scratch, 'log-copy')
    copyFileSync(manifest, renamedManifest)
    copyFileSync(log, renamedLog)
    for (const m of [manifest, renamedManifest]) {
      const r = shale(['wal', m])
      assert.equal(r.code, 2, m)
      assert.equal(r.stdout, '', 'no nonsense batches are printed')
      assert.match(r.stderr, new RegExp(`is a MANIFEST, not a write-ahead log: run "shale manifest ${m.replace(/[/.]/g, '\\$&')}"`))
    }
    for (const l of [log, renamedLog]) {
      const r = shale(['manifest', l])
      assert.equal(r.code, 2, l)
      assert.equal(r.stdout, '')
      assert.match(r.stderr, /is a write-ahead log, not a MANIFEST: run "shale wal /)
    }
    const table = tableName(dir, [...state.files.keys()][0]!)
    for (const command of ['wal', 'manifest']) {
      const r = shale([command, table])
      assert.equal(r.code, 2, command)
      assert.match(r.stderr, /is a table file, .*run "shale sst /)
    }
    // Content decides only where the name does not: the renamed copies still read as what they are.
    const w = shaleJson(['wal', renamedLog, '--json'])
    assert.equal(w.code, 0)
    assert.equal(w.json.batches.length, readLogRecords(log).length)
    const m = shaleJson(['manifest', renamedManifest, '--json'])
    assert.equal(m.code, 0)
    assert.equal(m.json.edits.length, state.edits.length)
  })

  test('the directory commands given a regular file say it is not a directory (exit 1)', () => {
    const file = join(scratch, 'a-file')
    writeFileSync(file, 'not a database\n')
    for (const command of ['info', 'verify', 'map']) {
      const r = shale([command, file])
      assert.equal(r.code, 1, command)
      assert.match(r.stderr, /a-file is not a directory/, command)
      assert.doesNotMatch(r.stderr, /CURRENT/, command)
    }
    const missing = shale(['info', join(scratch, 'nothing-here')])
    assert.equal(missing.code, 1)
    assert.match(missing.stderr, /nothing-here does not exist/)
  })

  test('a damaged MANIFEST: info, manifest and verify say so and exit 1', () => {
    const copy = join(scratch, 'damaged-manifest')
    cpSync(dir, copy, { recursive: true })
    const manifest = join(copy, readFileSync(join(copy, 'CURRENT'), 'utf8').trim())
    flipByte(manifest, Math.floor(statSync(manifest).size / 2))
    for (const command of ['info', 'manifest', 'verify']) {
      const r = shale([command, copy])
      assert.equal(r.code, 1, command)
      assert.match(r.stdout + r.stderr, /checksum mismatch/, command)
    }
    const m = shaleJson(['manifest', copy, '--json'])
    assert.ok(m.json.edits.length > 0 && m.json.edits.length < state.edits.length, 'the edits before the damage are shown')
  })

  test('the inspection commands change nothing in the directory', () => {
    const before = snapshot(dir)
    for (const args of [['info', dir, '--files'], ['manifest', dir], ['verify', dir, '-q'], ['map', dir, '-o', join(scratch, 'm.html')]]) {
      assert.equal(shale(args).code, 0, args.join(' '))
    }
    assert.equal(snapshot(dir), before)
  })
})

describe('usage and missing databases', () => {
  test('exit 2 for usage errors, with the message on stderr and nothing on stdout', () => {
    for (const args of [[], ['nosuch'], ['info'], ['info', 'a', 'b'], ['scan', '/tmp', '--limit', 'x'], ['get', '/tmp', 'k', '--bogus']]) {
      const r = shale(args)
      assert.equal(r.code, 2, args.join(' '))
      assert.equal(r.stdout, '', args.join(' '))
      assert.ok(r.stderr.length > 0)
    }
  })

  test('--help for the command list and for every subcommand', () => {
    const r = shale(['--help'])
    assert.equal(r.code, 0)
    for (const name of COMMAND_NAMES) {
      assert.match(r.stdout, new RegExp(`^  ${name} `, 'm'))
      const h = shale([name, '--help'])
      assert.equal(h.code, 0, name)
      assert.ok(h.stdout.startsWith(`Usage: shale ${name}`), `${name} --help:\n${h.stdout}`)
    }
  })

  test('a directory that is not a database: exit 1, and nothing is created', () => {
    const parent = tempDir('missing')
    try {
      const missing = join(parent, 'nothing-here')
      for (const args of [['info', missing], ['get', missing, 'k'], ['scan', missing], ['verify', missing], ['compact', missing], ['put', missing, 'k', 'v']]) {
        const r = shale(args)
        assert.equal(r.code, 1, args.join(' '))
        assert.match(r.stderr, /not a database|does not exist|not a directory/, args.join(' '))
      }
      assert.equal(existsSync(missing), false)
    } finally {
      removeDir(parent)
    }
  })
})

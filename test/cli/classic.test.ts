// The CLI on a database written by the real LevelDB (classic-level): it reads the same tree, the
// same tables and the same log as the interop tests' decoders do, finds no damage, draws the map,
// and — opening the database through the engine — scans exactly what classic-level itself reads.

import { before, after, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { cpSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { readWithClassic, writeWithClassic, type Model, sortedModel } from '../interop/classic-fixture.js'
import { batchEntries, logName, openTable, readLogRecords, readManifest, tableEntries, tableName, type ManifestState } from '../interop/shale-pieces.js'
import { checkPage, checkSelfContained } from './map-page-check.js'
import { removeDir, shale, shaleJson, tempDir } from './helpers.js'

describe('a database classic-level wrote', () => {
  let dir: string
  let scratch: string
  let model: Model
  let state: ManifestState

  before(async () => {
    dir = tempDir('classic')
    scratch = tempDir('classic-scratch')
    model = await writeWithClassic(dir, {
      seed: 7, operations: 6000, keySpace: 6000, maxValue: 400, compression: true, writeBufferSize: 32 * 1024
    })
    state = readManifest(dir)
  })
  after(() => { removeDir(dir); removeDir(scratch) })

  test('info: the same levels, files and counters as the MANIFEST holds', () => {
    const { code, json } = shaleJson(['info', dir, '--json'])
    assert.equal(code, 0)
    assert.equal(json.lastSequence, state.lastSequence)
    for (let level = 0; level < 7; level++) {
      const expected = [...state.files.values()].filter((f) => f.level === level)
      assert.equal(json.levels[level].files, expected.length, `level ${level}`)
    }
    assert.ok(json.otherFiles.some((f: { name: string, note: string }) => f.name === 'LOG' && /info log/.test(f.note)))
  })

  test('verify finds no damage in LevelDB\'s files', () => {
    const r = shale(['verify', dir, '-v', '-q'])
    assert.equal(r.code, 0, r.stdout + r.stderr)
    // Usually one live log; two when classic-level closed while a memtable was being flushed
    // (LevelDB then leaves the flush's log and the new one, and recovery replays both).
    const liveLogs = readdirSync(dir).filter((n) => /^\d+\.log$/.test(n) && Number(n.slice(0, -4)) >= state.logNumber).length
    assert.ok(liveLogs >= 1)
    assert.equal(r.stdout.split('\n').filter((l) => / {2}ok {2}/.test(l)).length, state.files.size + liveLogs + 1, 'every table, the logs and the MANIFEST')
  })

  test('sst and wal read LevelDB\'s tables and log entry for entry', () => {
    const f = [...state.files.values()][0]!
    const sst = shaleJson(['sst', tableName(dir, f.number), '--json', '--entries', '--encoding', 'hex'])
    assert.equal(sst.code, 0)
    const expected = tableEntries(openTable(dir, f))
    assert.deepEqual(sst.json.entries.map((e: { key: string, sequence: number }) => `${e.key}@${e.sequence}`),
      expected.map((e) => `${Buffer.from(e.userKey).toString('hex')}@${e.sequence}`))
    assert.equal(sst.json.table.filter.falseNegatives, 0)
    const wal = shaleJson(['wal', logName(dir, state.logNumber), '--json'])
    assert.equal(wal.code, 0)
    const records = readLogRecords(logName(dir, state.logNumber))
    assert.equal(wal.json.batches.length, records.length)
    assert.equal(wal.json.writes, records.flatMap(batchEntries).length)
  })

  test('map: one box per live file, one timeline entry per edit', () => {
    const page = join(scratch, 'classic.html')
    assert.equal(shale(['map', dir, '-o', page]).code, 0)
    const html = readFileSync(page, 'utf8')
    checkPage(html, state)
    checkSelfContained(html)
  })

  test('scan, through the engine, gives exactly what classic-level reads', async () => {
    const copy = join(scratch, 'db')
    cpSync(dir, copy, { recursive: true })
    const classic = await readWithClassic(dir)
    assert.deepEqual(classic, sortedModel(model))
    const r = shaleJson(['scan', copy, '--json', '--encoding', 'hex'])
    assert.equal(r.code, 0)
    assert.deepEqual(r.json.map((e: { key: string, value: string }) => [e.key, e.value]),
      classic.map(([k, v]) => [k.toString('hex'), v.toString('hex')]))
  })
})

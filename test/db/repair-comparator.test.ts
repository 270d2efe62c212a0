// Repair knows only the bytewise key order. A database made under another comparator must be
// refused, with nothing written, rather than rebuilt as bytewise: after that the engine would read
// its tables in the wrong order and its owner could no longer open it. Both ways of knowing are
// tested: the MANIFEST naming the comparator, and (with every MANIFEST gone) tables whose keys are
// out of bytewise order.

import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, unlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DB } from '../../src/db/db.js'
import { repairDB } from '../../src/db/repair.js'
import { NodeEnv } from '../../src/env/node-env.js'
import { ShaleLevel } from '../../src/level/shale-level.js'
import { ShaleError } from '../../src/util/errors.js'
import { writeForeignDb } from './foreign-comparator.js'

/** Every file in `dir` with its bytes, to show that nothing was written. */
function snapshot (dir: string): Map<string, string> {
  const out = new Map<string, string>()
  for (const name of readdirSync(dir).sort()) {
    if (statSync(join(dir, name)).isFile()) out.set(name, readFileSync(join(dir, name)).toString('base64'))
    else out.set(name + '/', '')
  }
  return out
}

function isCode (code: string, text: RegExp): (err: unknown) => boolean {
  return (err: unknown) => {
    assert.ok(err instanceof ShaleError, `a ShaleError, got ${String(err)}`)
    assert.equal(err.code, code)
    assert.match(err.message, text)
    return true
  }
}

describe('repair of a database made under another comparator', () => {
  const made: string[] = []
  const fresh = (): string => {
    const dir = mkdtempSync(join(tmpdir(), 'shale-repair-cmp-'))
    made.push(dir)
    writeForeignDb(dir, 900)
    return dir
  }

  test('the MANIFEST names "rev": repairDB refuses with LEVEL_INVALID_ARGUMENT and writes nothing, not even LOCK', async () => {
    const dir = fresh()
    const before = snapshot(dir)
    let started = false
    await assert.rejects(repairDB(new NodeEnv(), dir, {}, { started: () => { started = true } }),
      isCode('LEVEL_INVALID_ARGUMENT', /comparator rev.*leveldb\.BytewiseComparator/))
    assert.deepEqual(snapshot(dir), before)
    assert.equal(started, false, 'refused before the lock was taken')
  })

  test('DB.repair and ShaleLevel.repair refuse it too, as DB.open does', async () => {
    const dir = fresh()
    const before = snapshot(dir)
    await assert.rejects(DB.repair(dir), isCode('LEVEL_INVALID_ARGUMENT', /comparator rev/))
    await assert.rejects(ShaleLevel.repair(dir), isCode('LEVEL_INVALID_ARGUMENT', /comparator rev/))
    assert.deepEqual(snapshot(dir), before)
    // Open takes the lock (and so makes LOCK) and starts its info log before it reads the
    // MANIFEST, as LevelDB does; the LOG says why the open failed. It changes nothing else.
    await assert.rejects(DB.open(dir), isCode('LEVEL_INVALID_ARGUMENT', /rev does not match existing comparator/))
    const after = snapshot(dir)
    after.delete('LOCK')
    assert.match(Buffer.from(after.get('LOG') ?? '', 'base64').toString(), /Open failed: LEVEL_INVALID_ARGUMENT rev does not match/)
    after.delete('LOG')
    assert.deepEqual(after, before)
  })

  test('with every MANIFEST and CURRENT gone, tables out of bytewise order are refused and the directory kept', async () => {
    const dir = fresh()
    for (const name of readdirSync(dir)) if (name.startsWith('MANIFEST-') || name === 'CURRENT') unlinkSync(join(dir, name))
    const before = snapshot(dir)
    await assert.rejects(repairDB(new NodeEnv(), dir), isCode('LEVEL_INVALID_ARGUMENT', /000005\.ldb: keys are out of leveldb\.BytewiseComparator order/))
    const after = snapshot(dir)
    // The lock was taken (LOCK is the lock protocol's file); nothing else appeared or changed.
    after.delete('LOCK')
    assert.deepEqual(after, before)
  })

  test('a bytewise database with the same shape still repairs (the order check passes intact tables)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'shale-repair-cmp-'))
    made.push(dir)
    const db = await DB.open(dir, { writeBufferSize: 4096 })
    const enc = new TextEncoder()
    for (let i = 0; i < 900; i++) await db.put(enc.encode(`k${String(i).padStart(5, '0')}`), enc.encode(`value-${i}`))
    await db.close()
    const report = await repairDB(new NodeEnv(), dir)
    assert.ok(report.tablesKept + report.tablesFromLogs > 0)
    const reopened = await DB.open(dir)
    try {
      assert.equal(new TextDecoder().decode(reopened.getSync(enc.encode('k00450'))), 'value-450')
    } finally {
      await reopened.close()
    }
  })

  test.after(() => {
    for (const dir of made) rmSync(dir, { recursive: true, force: true })
  })
})

// The work every JavaScript consumer of the packed package does, whichever way it loaded the
// package: it receives the four entry points' modules and uses each for real. Shared by the ESM
// and the CommonJS consumer so that both prove the same things. Prints one JSON line of results.
'use strict'
const assert = require('node:assert/strict')
const { mkdtempSync, readdirSync, statSync, rmSync } = require('node:fs')
const { join } = require('node:path')
const { tmpdir } = require('node:os')

const ENTRIES = 20000

async function run (shale, sstable, log, testing) {
  const dir = mkdtempSync(join(tmpdir(), 'shale-consumer-'))
  try {
    // The root: what a user of a key-value store needs, and none of the internals.
    for (const name of ['ShaleLevel', 'DB', 'WriteBatch', 'ShaleError', 'NodeEnv', 'MemEnv']) {
      assert.equal(typeof shale[name], 'function', `shale exports ${name}`)
    }
    for (const name of ['MemTable', 'VersionEdit', 'LookupKey', 'FaultEnv', 'Table', 'LogWriter', 'bytewiseComparator']) {
      assert.equal(name in shale, false, `shale does not export ${name}`)
    }

    // ShaleLevel with string keys and values: small memtables, so flushes and compactions run in
    // the worker threads (whose script must load in this module system too).
    const location = join(dir, 'db')
    let db = new shale.ShaleLevel(location, { writeBufferSize: 64 * 1024 })
    for (let i = 0; i < ENTRIES; i += 100) {
      const ops = []
      for (let j = i; j < i + 100; j++) ops.push({ type: 'put', key: key(j), value: 'value-' + j })
      await db.batch(ops)
    }
    await db.put('solo', 'one', { sync: true })
    await db.del(key(7))
    await db.compactRange(key(0), key(ENTRIES))
    assert.ok(Number(db.getProperty('shale.num-files-at-level0')) >= 0)
    assert.ok(await db.approximateSize(key(0), key(ENTRIES)) > 0)
    await db.close()

    db = new shale.ShaleLevel(location)
    await db.open()
    assert.equal(await db.get(key(123)), 'value-123')
    assert.equal(await db.get(key(7)), undefined)
    assert.equal(db.getSync('solo'), 'one')
    let count = 0
    for await (const [k, v] of db.iterator({ gte: key(0), lt: key(ENTRIES) })) {
      assert.equal(v, 'value-' + Number(k.slice(4)))
      count++
    }
    assert.equal(count, ENTRIES - 1)
    const err = await db.put(undefined, 'x').catch((e) => e)
    assert.equal(err.code, 'LEVEL_INVALID_KEY')
    await db.close()
    const locked = await shale.DB.open(location).then(async (first) => {
      const e = await shale.DB.open(location).catch((e) => e)
      await first.close()
      return e
    })
    assert.ok(locked instanceof shale.ShaleError, 'a second open fails with a ShaleError')
    assert.equal(locked.code, 'LEVEL_LOCKED')

    // shale/sstable: the tables written above, read without the database.
    const tables = readdirSync(location).filter((name) => name.endsWith('.ldb'))
    assert.ok(tables.length > 0, 'compaction wrote tables')
    const env = new shale.NodeEnv()
    const path = join(location, tables[0])
    const table = sstable.Table.open(env.newRandomAccessFile(path), statSync(path).size, {
      comparator: new sstable.InternalKeyComparator(sstable.bytewiseComparator)
    })
    const it = table.newIterator()
    let tableEntries = 0
    for (it.seekToFirst(); it.valid(); it.next()) {
      const parsed = sstable.parseInternalKey(it.key())
      assert.ok(parsed.sequence > 0)
      tableEntries++
    }
    it.checkError()
    it.close()
    assert.ok(tableEntries > 0)

    // shale/log: the MANIFEST is a log of VersionEdits.
    const manifest = readdirSync(location).find((name) => name.startsWith('MANIFEST-'))
    const reader = new log.LogReader(env.newSequentialFile(join(location, manifest)))
    let edits = 0
    for (let record = reader.readRecord(); record !== null; record = reader.readRecord()) {
      log.VersionEdit.decode(record)
      edits++
    }
    assert.ok(edits > 0)

    // shale/testing: a database on a MemEnv that loses power keeps its synced writes.
    const mem = new testing.MemEnv()
    const faults = new testing.FaultEnv(mem)
    const engine = await shale.DB.open('/mem', { env: faults })
    const batch = new shale.WriteBatch()
    batch.put(new TextEncoder().encode('a'), new TextEncoder().encode('1'))
    await engine.write(batch, { sync: true })
    faults.inject({ op: 'append', code: 'ENOSPC', sticky: true })
    const full = await engine.put(new TextEncoder().encode('b'), new TextEncoder().encode('2')).catch((e) => e)
    assert.equal(full.code, 'LEVEL_IO_ERROR')
    await engine.close().catch(() => {})
    mem.crash('powerLoss')
    const again = await shale.DB.open('/mem', { env: mem })
    assert.equal(new TextDecoder().decode(again.getSync(new TextEncoder().encode('a'))), '1')
    await again.close()

    console.log(JSON.stringify({ entries: count, tables: tables.length, tableEntries, edits, calls: faults.total }))
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

function key (i) {
  return 'key:' + String(i).padStart(6, '0')
}

module.exports = { run }

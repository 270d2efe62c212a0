// Failures found by error injection that the engine once mishandled. Each test
// failed before its fix.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { DB } from '../../src/db/db.js'
import { joinPath, systemErrorCode } from '../../src/env/env.js'
import { FaultEnv } from '../../src/env/fault-env.js'
import { MemEnv } from '../../src/env/mem-env.js'
import { ShaleError } from '../../src/util/errors.js'
import { bytes, failure, str } from '../db/helpers.js'

const DIR = '/db'

// Contract 8: after a failed write to the MANIFEST the database refuses further writes. The
// automatic compaction path records the error (db.ts, maybeScheduleCompaction's catch); the manual
// one (compactLevel -> runManualStep -> runCompaction) lets it propagate to the caller only, so
// the next put succeeds.
test('a manual compaction whose MANIFEST append fails makes the error sticky', async () => {
  const mem = new MemEnv()
  const fault = new FaultEnv(mem)
  const db = await DB.open(DIR, { env: fault })
  try {
    // Three flushes over the same range: level 0 keeps a table to compact by hand.
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 20; i++) await db.put(bytes(`k${String(i * 3 + round).padStart(3, '0')}`), bytes(`v${round}`))
      await db.put(bytes('k000'), bytes(`edge${round}`))
      await db.put(bytes('k099'), bytes(`edge${round}`))
      await db.flush()
    }
    assert.ok(Number(db.getProperty('shale.num-files-at-level0')) > 0, 'level 0 holds a table')
    fault.inject({ op: 'append', when: (c) => /MANIFEST-\d+$/.test(c.path), code: 'EIO' })
    const err = await failure(() => db.compactLevel(0))
    assert.ok(err instanceof ShaleError && err.code === 'LEVEL_IO_ERROR' && systemErrorCode(err) === 'EIO', `compactLevel fails: ${String(err)}`)
    const later = await failure(() => db.put(bytes('later'), bytes('x')))
    assert.ok(later instanceof ShaleError, 'the next write is refused')
    assert.equal(later.message, err.message, 'with the MANIFEST error')
  } finally {
    await db.close()
  }
})

// VersionSet.createNew (src/version/version-set.ts) removes MANIFEST-000001 whenever anything in
// it throws, including setCurrentFile's directory sync, which runs after the rename over CURRENT
// has already happened. CURRENT then names a file that no longer exists, and every later open
// fails with "CURRENT points to a non-existent file" until the database is repaired.
test('a failed directory sync after creating CURRENT leaves a database that opens', async () => {
  const mem = new MemEnv()
  const fault = new FaultEnv(mem)
  let renamed = false
  fault.inject({
    op: ['rename', 'syncDir'],
    when: (c) => {
      if (c.op === 'rename' && c.path.endsWith(`-> ${joinPath(DIR, 'CURRENT')}`)) renamed = true
      return c.op === 'syncDir' && renamed
    },
    code: 'EIO'
  })
  const err = await failure(async () => { await (await DB.open(DIR, { env: fault })).close() })
  assert.ok(err instanceof ShaleError && err.code === 'LEVEL_IO_ERROR', `the first open fails with the injected error: ${String(err)}`)
  const db = await DB.open(DIR, { env: mem })
  try {
    await db.put(bytes('k'), bytes('v'))
    assert.equal(str(db.getSync(bytes('k'))!), 'v')
  } finally {
    await db.close()
  }
})

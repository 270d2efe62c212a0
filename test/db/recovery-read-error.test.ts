// A failed read of a log during open is an I/O error, not damage: open must fail and lose nothing,
// rather than drop the rest of the log as if it were corrupt (and then delete the log once its
// memtable is flushed).

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { DB } from '../../src/db/db.js'
import { MemEnv } from '../../src/env/mem-env.js'
import { FaultEnv } from '../../src/env/fault-env.js'
import { ShaleError } from '../../src/util/errors.js'
import { utf8 } from '../../src/util/coding.js'

test('an EIO while replaying a log fails the open, and a later open recovers every write', async () => {
  const mem = new MemEnv()
  const db = await DB.open('/db', { env: mem })
  for (let i = 0; i < 2000; i++) await db.put(utf8(`key${String(i).padStart(5, '0')}`), new Uint8Array(100).fill(i & 0xff))
  await db.close()

  const faulty = new FaultEnv(mem)
  faulty.inject({ op: 'read', when: (call) => call.path.endsWith('.log'), code: 'EIO', sticky: true })
  await assert.rejects(DB.open('/db', { env: faulty }), (err: unknown) => {
    assert.ok(err instanceof ShaleError)
    assert.equal(err.code, 'LEVEL_IO_ERROR')
    return true
  })

  const again = await DB.open('/db', { env: mem })
  try {
    const all = again.iterator().all()
    assert.equal(all.length, 2000)
    assert.deepEqual(all[1999]![1], new Uint8Array(100).fill(1999 & 0xff))
  } finally {
    await again.close()
  }
})

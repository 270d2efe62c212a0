// Misuses of the engine API that were once not rejected cleanly. Each test states
// the behaviour the contract asks for, and failed before its fix.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { DB } from '../../src/db/db.js'
import type { DBOptions } from '../../src/db/options.js'
import { MemEnv } from '../../src/env/mem-env.js'
import { ShaleError } from '../../src/util/errors.js'
import { bytes, memoryTempDir, rejection, removeTempDir } from './helpers.js'

const DIR = '/db'

async function expectCode (action: () => unknown, codes: string[], what: string): Promise<void> {
  const err = await rejection(action, what)
  assert.ok(err instanceof ShaleError, `${what}: expected a ShaleError, got ${String(err)}`)
  assert.ok(codes.includes(err.code), `${what}: code ${err.code}, expected ${codes.join(' or ')} (${err.message})`)
}

// abstract-level callers pass null for "no options"; the engine dereferences it.
test('null options objects are treated as "no options" or refused, never a TypeError', async () => {
  const env = new MemEnv()
  const attempts: Array<[string, () => unknown]> = []
  const db = await DB.open(DIR, { env })
  attempts.push(['put(k, v, null)', () => db.put(bytes('a'), bytes('1'), null as unknown as undefined)])
  attempts.push(['getSync(k, null)', () => db.getSync(bytes('a'), null as unknown as undefined)])
  attempts.push(['iterator(null)', () => db.iterator(null as unknown as undefined).close()])
  attempts.push(['getProperty(5)', () => db.getProperty(5 as unknown as string)])
  for (const [what, call] of attempts) {
    try {
      await call()
    } catch (err) {
      assert.ok(err instanceof ShaleError, `${what}: threw ${String(err)}`)
    }
  }
  await db.close()
  // Without options the engine uses the real file system: give it a scratch directory.
  const dir = memoryTempDir('bad-input')
  try {
    const other = await DB.open(dir, null as unknown as DBOptions)
    await other.close()
  } catch (err) {
    assert.ok(err instanceof ShaleError, `DB.open(location, null): threw ${String(err)}`)
  } finally {
    removeTempDir(dir)
  }
})

test('a closed snapshot gives abstract-level\'s LEVEL_SNAPSHOT_NOT_OPEN', async () => {
  const db = await DB.open(DIR, { env: new MemEnv() })
  try {
    const snapshot = db.snapshot()
    snapshot.close()
    await expectCode(() => db.getSync(bytes('a'), { snapshot }), ['LEVEL_SNAPSHOT_NOT_OPEN'], 'getSync through a closed snapshot')
    await expectCode(() => db.iterator({ snapshot }), ['LEVEL_SNAPSHOT_NOT_OPEN'], 'iterator through a closed snapshot')
  } finally {
    await db.close()
  }
})

// seek() does not check its target: a string is compared as if it were bytes and the iterator
// lands somewhere arbitrary.
test('iterator.seek with a target that is not bytes is LEVEL_INVALID_KEY', async () => {
  const db = await DB.open(DIR, { env: new MemEnv() })
  try {
    await db.put(bytes('a'), bytes('1'))
    const it = db.iterator()
    try {
      await expectCode(() => it.seek('a' as unknown as Uint8Array), ['LEVEL_INVALID_KEY'], 'seek(string)')
    } finally {
      it.close()
    }
  } finally {
    await db.close()
  }
})

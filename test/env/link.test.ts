// linkFile on each Env, and linkOrCopyFile's fallback to a synced copy where links are impossible.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { statSync } from 'node:fs'
import { linkOrCopyFile, systemErrorCode, writeFileSynced, type Env } from '../../src/env/env.js'
import { MemEnv } from '../../src/env/mem-env.js'
import { NodeEnv } from '../../src/env/node-env.js'
import { FaultEnv } from '../../src/env/fault-env.js'
import { removeTempDir, tempDir } from '../db/helpers.js'

const DATA = new Uint8Array([1, 2, 3, 4, 5])

function setup (env: Env, dir: string): void {
  env.createDir(`${dir}/a`)
  env.createDir(`${dir}/b`)
  writeFileSynced(env, `${dir}/a/f`, DATA)
}

test('MemEnv: a link shares the bytes, refuses an existing name, and survives power loss once its directory is synced', () => {
  const env = new MemEnv()
  setup(env, '')
  env.syncDir('/')
  env.syncDir('/a')
  env.linkFile('/a/f', '/b/g')
  assert.deepEqual(env.readFile('/b/g'), DATA)
  assert.throws(() => { env.linkFile('/a/f', '/b/g') }, (err) => systemErrorCode(err) === 'EEXIST')
  assert.throws(() => { env.linkFile('/a/missing', '/b/h') }, (err) => systemErrorCode(err) === 'ENOENT')
  // Removing the original leaves the link.
  env.removeFile('/a/f')
  assert.deepEqual(env.readFile('/b/g'), DATA)
  const lost = env.clone()
  lost.powerLoss()
  assert.equal(lost.fileExists('/b/g'), false, 'the link entry was never made durable')
  env.syncDir('/b')
  env.powerLoss()
  assert.deepEqual(env.readFile('/b/g'), DATA)
})

test('NodeEnv: linkFile makes a hard link', () => {
  const dir = tempDir('shale-link')
  try {
    const env = new NodeEnv()
    setup(env, dir)
    assert.equal(linkOrCopyFile(env, `${dir}/a/f`, `${dir}/b/g`), 0)
    assert.equal(statSync(`${dir}/b/g`).nlink, 2)
    assert.deepEqual(env.readFile(`${dir}/b/g`), DATA)
  } finally {
    removeTempDir(dir)
  }
})

test('linkOrCopyFile copies on an Env without links, and FaultEnv counts and forwards links', () => {
  const mem = new MemEnv()
  setup(mem, '')
  const fault = new FaultEnv(mem)
  assert.equal(linkOrCopyFile(fault, '/a/f', '/b/linked'), 0)
  assert.equal(fault.counts.link, 1)
  // An Env with no linkFile at all (a user's own): the bytes are copied and synced.
  const plain: Env = Object.create(mem) as Env
  Object.defineProperty(plain, 'linkFile', { value: undefined })
  assert.equal(linkOrCopyFile(plain, '/a/f', '/b/copied'), DATA.length)
  // FaultEnv over such an Env reports ENOTSUP, which linkOrCopyFile turns into a copy.
  const over = new FaultEnv(plain)
  assert.equal(linkOrCopyFile(over, '/a/f', '/b/copied2'), DATA.length)
  assert.deepEqual(mem.readFile('/b/copied2'), DATA)
  // A copy is its own file: removing the original leaves it, and a write to the link shows in both.
  const w = mem.newAppendableFile('/b/linked')
  w.append(new Uint8Array([6]))
  w.close()
  assert.equal(mem.getFileSize('/a/f'), DATA.length + 1)
  assert.equal(mem.getFileSize('/b/copied'), DATA.length)
})

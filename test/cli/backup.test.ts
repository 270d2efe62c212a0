// `shale backup`, `shale backup list|verify|purge` and `shale restore`: exit codes, --json, damage
// found (exit 1), usage errors (exit 2), and a restored database that holds the model.

import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { DB } from '../../src/db/db.js'
import { makeEngineDb, removeDir, shale, shaleJson, sorted, tempDir } from './helpers.js'

async function contents (dir: string): Promise<Array<[string, string]>> {
  const db = await DB.open(dir, { createIfMissing: false })
  try {
    const dec = new TextDecoder()
    const it = db.iterator()
    const out: Array<[string, string]> = []
    for (let e = it.next(); e !== undefined; e = it.next()) out.push([dec.decode(e[0]), dec.decode(e[1])])
    it.close()
    return out
  } finally {
    await db.close()
  }
}

describe('backup and restore commands', () => {
  let root: string
  let model: Map<string, string>
  before(async () => {
    root = tempDir('cli-backup')
    model = await makeEngineDb(join(root, 'db'), 4000)
  })
  after(() => { removeDir(root) })

  test('backup twice, list, verify, restore; the second backup adds little', async () => {
    const bk = join(root, 'bk')
    const first = shaleJson(['backup', join(root, 'db'), bk, '--json', '--quiet'])
    assert.equal(first.code, 0, first.stderr)
    assert.equal(first.json.id, 1)
    const second = shaleJson(['backup', join(root, 'db'), bk, '--json'])
    assert.equal(second.json.id, 2)
    assert.ok(second.json.bytesAdded < first.json.bytesAdded / 10)
    assert.match(second.stderr, /backup: done/, 'progress lines off a terminal')
    const list = shaleJson(['backup', 'list', bk, '--json'])
    assert.deepEqual(list.json.map((b: { id: number }) => b.id), [1, 2])
    const verify = shale(['backup', 'verify', bk, '--quiet'])
    assert.equal(verify.code, 0)
    assert.match(verify.stdout, /backup 1: ok/)
    const target = join(root, 'restored')
    const r = shaleJson(['restore', bk, '2', target, '--json', '--quiet'])
    assert.equal(r.code, 0, r.stderr)
    assert.deepEqual(await contents(target), sorted(model))
    // The target is no longer empty: refused.
    assert.equal(shale(['restore', bk, '2', target, '--quiet']).code, 1)
  })

  test('a damaged stored table: verify exits 1 naming it, restore refuses', () => {
    const bk = join(root, 'bk-damaged')
    assert.equal(shale(['backup', join(root, 'db'), bk, '--quiet']).code, 0)
    const name = readdirSync(join(bk, 'shared'))[0]!
    const path = join(bk, 'shared', name)
    const bytes = readFileSync(path)
    bytes[50] = bytes[50]! ^ 0x01
    writeFileSync(path, bytes)
    const v = shaleJson(['backup', 'verify', bk, '1', '--json', '--quiet'])
    assert.equal(v.code, 1)
    assert.equal(v.json.ok, false)
    assert.match(v.json.backups[0].problems.join('\n'), new RegExp(name.replace('.', '\\.')))
    const r = shale(['restore', bk, '1', join(root, 'never'), '--quiet'])
    assert.equal(r.code, 1)
    assert.match(r.stderr, /damaged.*LEVEL_CORRUPTION/)
  })

  test('purge keeps the newest; usage errors exit 2', () => {
    const bk = join(root, 'bk-purge')
    for (let i = 0; i < 3; i++) assert.equal(shale(['backup', join(root, 'db'), bk, '--quiet']).code, 0)
    const p = shaleJson(['backup', 'purge', bk, '--keep', '1', '--json'])
    assert.equal(p.code, 0)
    assert.deepEqual(p.json.removed, [1, 2])
    assert.deepEqual(p.json.kept, [3])
    for (const args of [['backup'], ['backup', 'purge', bk], ['backup', 'verify', bk, 'x'], ['restore', bk, '0', join(root, 'x')], ['backup', 'list']]) {
      const r = shale(args)
      assert.equal(r.code, 2, args.join(' '))
      assert.equal(r.stdout, '')
    }
    for (const sub of ['list', 'verify', 'purge']) {
      const h = shale(['backup', sub, '--help'])
      assert.equal(h.code, 0)
      assert.ok(h.stdout.startsWith(`Usage: shale backup ${sub}`), h.stdout)
    }
  })
})

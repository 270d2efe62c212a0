// exportDatabase and importDatabase across the browser boundary (doc/transfer.md): a database
// classic-level (LevelDB) wrote in Node is imported on OpfsEnv in Chromium and read there with the
// same entries; one written on OpfsEnv is exported, its files written to a directory in Node, and
// classic-level reads the same entries from it. The files travel through the mailbox server.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { bundleWorker, launch, runCase, serve, serverUrl, TEST_SEED, assertWorkerOk as assertOk } from './harness.js'
import { openMailbox } from './mailbox.js'
import { exportDatabase, importDatabase, type DatabaseChunk } from '../../src/db/transfer.js'
import { NodeEnv } from '../../src/env/node-env.js'
import { readWithClassic, sortedModel, writeWithClassic } from '../interop/classic-fixture.js'

const SEED = TEST_SEED


test('LevelDB files into and out of OPFS in Chromium, read by the other side', { timeout: 300_000 }, async (t) => {
  const bundle = await bundleWorker(fileURLToPath(new URL('./export-import-worker.js', import.meta.url)))
  const server = await serve(bundle, 0)
  const url = serverUrl(server)
  const mailbox = await openMailbox()
  const dir = mkdtempSync(join(tmpdir(), 'shale-transfer-'))
  const browser = await launch(join(dir, 'profile'))
  try {
    const page = await browser.newPage()
    const node = new NodeEnv()

    await t.test('classic-level\'s database, imported on OpfsEnv, reads the same there', async (t) => {
      const model = await writeWithClassic(join(dir, 'leveldb'), { seed: SEED, operations: 1500, keySpace: 600, maxValue: 400, compression: true, writeBufferSize: 32 * 1024 })
      const list: Array<Omit<DatabaseChunk, 'data'>> = []
      for await (const c of exportDatabase(node, join(dir, 'leveldb'), { chunkSize: 64 * 1024 })) {
        mailbox.put(`/in/${list.length}`, Buffer.from(c.data))
        list.push({ name: c.name, offset: c.offset, size: c.size })
      }
      mailbox.put('/in/list', Buffer.from(JSON.stringify(list)))
      const from = mailbox.posts.length
      assertOk(t, await runCase(page, url, { case: 'import', mb: mailbox.url }), 'import')
      const { post } = await mailbox.next('/entries', from, 10_000)
      const expected = sortedModel(model).map(([k, v]) => [k.toString('hex'), v.toString('hex')])
      assert.ok(expected.length > 100, `a real database: ${expected.length} entries`)
      assert.deepEqual(JSON.parse(post.body.toString()), expected, `entries read on OPFS (seed ${SEED})`)
    })

    await t.test('a database written on OpfsEnv, exported to Node, reads the same in classic-level', async (t) => {
      const from = mailbox.posts.length
      assertOk(t, await runCase(page, url, { case: 'write-export', mb: mailbox.url, seed: SEED }), 'write-export')
      const { post } = await mailbox.next('/entries', from, 10_000)
      const expected = JSON.parse(post.body.toString()) as Array<[string, string]>
      const chunks: DatabaseChunk[] = mailbox.posts.slice(from).filter((p) => p.path === '/out').map((p) => ({
        name: p.query.get('name')!, offset: Number(p.query.get('offset')), size: Number(p.query.get('size')), data: p.body
      }))
      const names = [...new Set(chunks.map((c) => c.name))]
      t.diagnostic(`files: ${names.join(' ')}`)
      assert.ok(names.some((n) => n.endsWith('.ldb')) && names.at(-1) === 'CURRENT', `tables, CURRENT last: ${names.join(' ')}`)
      await importDatabase(node, join(dir, 'from-browser'), chunks)
      const read = await readWithClassic(join(dir, 'from-browser'))
      assert.ok(expected.length > 100, `a real database: ${expected.length} entries`)
      assert.deepEqual(read.map(([k, v]) => [k.toString('hex'), v.toString('hex')]), expected, `classic-level reads the export (seed ${SEED})`)
    })
  } finally {
    await browser.close()
    mailbox.close()
    server.close()
    rmSync(dir, { recursive: true, force: true })
  }
})

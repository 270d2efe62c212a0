// Unit tests of the forwarding layer's pieces (src/level/remote/): packing entries, copying views
// to their own bytes, errors across the wire, the synchronous reply buffer, liveness probes (with
// a real worker thread for a thread that dies), and the port transport's batching.

import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { Worker } from 'node:worker_threads'
import type { Entry } from '../../src/index.js'
import { CLIENT_CELL, Liveness, newLivenessBuffer, OWNER_CELL } from '../../src/level/remote/liveness.js'
import { PortTransport, type RawEndpoint } from '../../src/level/remote/port-transport.js'
import { fromWireError, ownBytes, packEntries, toWireError, unpackEntries, unpackPieces } from '../../src/level/remote/protocol.js'
import { DB } from '../../src/db/db.js'
import { MemEnv } from '../../src/env/mem-env.js'
import type { TextIteratorOptions, UserIterator } from '../../src/db/user-iterator.js'
import { Utf8Batch } from '../../src/util/utf8-batch.js'
import { armSyncBuffer, SyncKind, SYNC_HEADER_BYTES, waitSyncAnswer, writeSyncAnswer } from '../../src/level/remote/sync-reply.js'
import { Random } from '../../src/util/random.js'
import { ShaleError } from '../../src/util/errors.js'

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text)

describe('protocol', () => {
  test('packEntries and unpackEntries round-trip keys, values and absent slots', () => {
    const seed = 0x5a1e
    const rng = new Random(seed)
    const entries: Entry[] = []
    for (let i = 0; i < 500; i++) {
      const key = rng.nextU32() % 5 === 0 ? undefined : bytes('k'.repeat(rng.nextU32() % 40))
      const value = rng.nextU32() % 4 === 0 ? undefined : bytes('v'.repeat(rng.nextU32() % 300))
      entries.push([key, value])
    }
    const packed = packEntries(entries)
    assert.equal(packed.lengths.length, 1000)
    const back = unpackEntries(structuredClone(packed))
    assert.deepEqual(back, entries, `seed ${seed}`)
    // All views of the one buffer that arrived.
    const buffers = new Set(back.flatMap(([k, v]) => [k?.buffer, v?.buffer]).filter((b) => b !== undefined))
    assert.equal(buffers.size, 1)
    assert.deepEqual(unpackEntries(packEntries([])), [])
  })

  test('packEntries carries string keys and values in one string, bytes beside them', () => {
    const seed = 0x7e47
    const rng = new Random(seed)
    for (const [keyText, valueText] of [[true, true], [true, false], [false, true]] as const) {
      const entries: Entry[] = []
      for (let i = 0; i < 300; i++) {
        // Strings with characters of 1 to 4 UTF-8 bytes: their lengths are UTF-16 code units.
        const text = (n: number): string => Array.from({ length: n }, () => ['a', 'é', '€', '😀'][rng.nextU32() % 4]).join('')
        const slot = (isText: boolean, n: number): Uint8Array | undefined => {
          if (rng.nextU32() % 5 === 0) return undefined
          return (isText ? text(n) : bytes(text(n))) as Uint8Array
        }
        entries.push([slot(keyText, rng.nextU32() % 20), slot(valueText, rng.nextU32() % 120)])
      }
      const back = unpackEntries(structuredClone(packEntries(entries)))
      assert.deepEqual(back, entries, `seed ${seed}, keyText ${String(keyText)}, valueText ${String(valueText)}`)
    }
  })

  test('an iterator\'s batch travels as bytes and unpacks to what nextv gives, strings or bytes, keys or values', async () => {
    const seed = 0x91ec
    const rng = new Random(seed)
    const db = await DB.open('/db', { env: new MemEnv(), createIfMissing: true })
    try {
      const words = ['plain', 'caf\u00e9', '\u20ac', '\ud83d\ude00', '\ufeffbom', '']
      for (let i = 0; i < 300; i++) {
        const key = `k${String(i).padStart(4, '0')}${words[rng.nextU32() % words.length]!}`
        const value = rng.nextU32() % 7 === 0 ? new Uint8Array([0xc3, 0x28, 0xff]) : bytes(words[rng.nextU32() % words.length]!.repeat(rng.nextU32() % 50))
        await db.put(bytes(key), value)
      }
      await db.put(bytes('k9999big'), bytes('x'.repeat(5000)))
      const pieces = new Utf8Batch({ keepBytes: true })
      for (const keyText of [false, true]) {
        for (const valueText of [false, true]) {
          for (const [keys, values] of [[true, true], [true, false], [false, true]] as const) {
            const format = (text: boolean): 'utf8' | 'bytes' => text ? 'utf8' : 'bytes'
            const expected = db.iterator({ keys, values, keyFormat: format(keyText), valueFormat: format(valueText) } as TextIteratorOptions).all()
            const it = db.iterator({ keys, values }) as UserIterator
            const got: Entry[] = []
            for (;;) {
              const count = it.nextvInto(97, pieces)
              if (count === 0) break
              got.push(...unpackPieces(structuredClone({ ...pieces.takeBytes(), count }), { keys, values, keyText, valueText }))
            }
            it.close()
            assert.deepEqual(got, expected, `seed ${seed}, keyText ${keyText}, valueText ${valueText}, keys ${keys}, values ${values}`)
          }
        }
      }
    } finally {
      await db.close()
    }
  })

  test('ownBytes copies a view down to its bytes and passes a whole buffer through', () => {
    const big = new Uint8Array(65536)
    big.set([1, 2, 3], 100)
    const view = big.subarray(100, 103)
    const own = ownBytes(view)
    assert.notEqual(own.buffer, big.buffer)
    assert.equal(own.buffer.byteLength, 3)
    assert.deepEqual([...own], [1, 2, 3])
    const whole = new Uint8Array([9, 9])
    assert.equal(ownBytes(whole), whole)
    const pooled = Buffer.from('abc') // a view of Node's 8 KiB pool
    assert.equal(ownBytes(pooled).buffer.byteLength, 3)
    const shared = new Uint8Array(new SharedArrayBuffer(4))
    assert.ok(!(ownBytes(shared).buffer instanceof SharedArrayBuffer), 'shared memory is copied out')
  })

  test('errors keep their code across the wire', () => {
    const err = fromWireError(structuredClone(toWireError(new ShaleError('LEVEL_CORRUPTION', 'bad block'))))
    assert.equal((err as { code?: string }).code, 'LEVEL_CORRUPTION')
    assert.match(err.message, /bad block/)
    const plain = fromWireError(toWireError(new TypeError('nope')))
    assert.equal((plain as { code?: string }).code, undefined)
    assert.equal(plain.message, 'nope')
  })
})

describe('synchronous replies', () => {
  test('an answer written before the wait is read at once, and a copy is returned', () => {
    const buffer = new SharedArrayBuffer(SYNC_HEADER_BYTES + 8)
    armSyncBuffer(buffer)
    assert.equal(writeSyncAnswer(buffer, SyncKind.Bytes, bytes('value')), true)
    const answer = waitSyncAnswer(buffer, 10, () => assert.fail('no probe needed'))
    assert.equal(answer?.kind, SyncKind.Bytes)
    assert.equal(new TextDecoder().decode(answer?.payload), 'value')
    assert.ok(!(answer!.payload!.buffer instanceof SharedArrayBuffer))

    armSyncBuffer(buffer)
    writeSyncAnswer(buffer, SyncKind.Undefined, undefined)
    assert.deepEqual(waitSyncAnswer(buffer, 10, () => true), { kind: SyncKind.Undefined, payload: undefined })
  })

  test('an answer too large says how large; a wait nobody answers ends when the probe says so', () => {
    const buffer = new SharedArrayBuffer(SYNC_HEADER_BYTES + 8)
    armSyncBuffer(buffer)
    assert.equal(writeSyncAnswer(buffer, SyncKind.Bytes, new Uint8Array(100)), false)
    const answer = waitSyncAnswer(buffer, 10, () => true)
    assert.equal(answer?.kind, SyncKind.TooLarge)
    assert.equal(answer?.payload?.byteLength, 100)

    armSyncBuffer(buffer)
    let probes = 0
    assert.equal(waitSyncAnswer(buffer, 5, () => ++probes < 3), undefined)
    assert.equal(probes, 3)
  })
})

describe('liveness', () => {
  test('a live end answers probes, a stopped one does not', async () => {
    const buffer = newLivenessBuffer()
    const owner = new Liveness(buffer, OWNER_CELL)
    const client = new Liveness(buffer, CLIENT_CELL)
    for (let i = 0; i < 100; i++) {
      assert.equal(owner.peerAlive(), true, `probe ${i}`)
      assert.equal(client.peerAlive(), true, `probe ${i}`)
      await new Promise((resolve) => setImmediate(resolve)) // the probed end parks its waiter again
    }
    client.stop()
    assert.equal(owner.peerAlive(), false)
    owner.stop()
    assert.equal(client.peerAlive(), false)
  })

  test('a busy thread is alive, a terminated one is not', async () => {
    const buffer = newLivenessBuffer()
    const owner = new Liveness(buffer, OWNER_CELL)
    const livenessUrl = new URL('../../src/level/remote/liveness.js', import.meta.url).href
    const worker = new Worker(`
      import { parentPort, workerData } from 'node:worker_threads'
      const { Liveness, CLIENT_CELL } = await import(workerData.url)
      new Liveness(workerData.buffer, CLIENT_CELL)
      parentPort.postMessage('parked')
      parentPort.on('message', () => { const end = Date.now() + 300; while (Date.now() < end); parentPort.postMessage('done') })
    `, { eval: true, workerData: { url: livenessUrl, buffer } })
    try {
      const message = (): Promise<unknown> => new Promise((resolve) => { worker.once('message', resolve) })
      await message()
      assert.equal(owner.peerAlive(), true)
      const done = message()
      worker.postMessage('be busy')
      await new Promise((resolve) => setTimeout(resolve, 100))
      for (let i = 0; i < 5; i++) assert.equal(owner.peerAlive(), true, 'busy, not dead')
      await done
    } finally {
      await worker.terminate()
    }
    assert.equal(owner.peerAlive(), false)
    owner.stop()
  })
})

describe('port transport', () => {
  /** Two PortTransports over a fake endpoint pair that counts the messages really posted. */
  function pair (): { a: PortTransport, b: PortTransport, posted: () => number } {
    let posted = 0
    const listeners: Array<Array<(event: { data: unknown }) => void>> = [[], []]
    const end = (self: number): RawEndpoint => ({
      postMessage: (message) => {
        posted++
        const data = structuredClone(message)
        setImmediate(() => { for (const l of listeners[1 - self]!) l({ data }) })
      },
      addEventListener: (_type, listener) => { listeners[self]!.push(listener) }
    })
    return { a: new PortTransport(end(0)), b: new PortTransport(end(1)), posted: () => posted }
  }

  test('messages posted in one task travel as one, in order, each on its channel', async () => {
    const { a, b, posted } = pair()
    const got: string[] = []
    for (const name of ['x', 'y']) b.join(name).addEventListener('message', (event) => { got.push(`${name}:${String(event.data)}`) })
    const x = a.join('x')
    const y = a.join('y')
    const sent: string[] = []
    for (let i = 0; i < 100; i++) {
      const [channel, name] = i % 3 === 0 ? [y, 'y'] : [x, 'x']
      channel.postMessage(i)
      sent.push(`${name}:${i}`)
    }
    assert.equal(posted(), 0, 'nothing posted before the task ends')
    await new Promise((resolve) => setImmediate(resolve))
    await new Promise((resolve) => setImmediate(resolve))
    assert.equal(posted(), 1)
    assert.deepEqual(got, sent)
    x.postMessage('alone')
    await new Promise((resolve) => setImmediate(resolve))
    await new Promise((resolve) => setImmediate(resolve))
    assert.equal(posted(), 2)
    assert.deepEqual(got.at(-1), 'x:alone')
  })

  test('flush sends at once what was posted (a caller about to block)', () => {
    const { a, posted } = pair()
    const x = a.join('x')
    x.postMessage(1)
    x.postMessage(2)
    x.flush?.()
    assert.equal(posted(), 1)
    x.flush?.()
    assert.equal(posted(), 1, 'nothing left to send')
  })
})

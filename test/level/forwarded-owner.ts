// A worker thread that owns databases for tests whose ShaleLevel is a client of another thread
// (abstract-suite-runner.ts's forwarded mode, multithreading.test.ts). It opens and closes
// ShaleLevels with multithreading on request, over its parentPort, and answers how many clients
// its engine host serves.

import { parentPort } from 'node:worker_threads'
import { ShaleLevel } from '../../src/index.js'
import { EngineHost } from '../../src/level/remote/host.js'
import { nodeTransport } from '../../src/level/remote/node-transport.js'

export type OwnerRequest =
  | { id: number, op: 'open', location: string, options: object }
  | { id: number, op: 'close', location: string }
  | { id: number, op: 'clients', location: string }

export type OwnerReply = { id: number, ok: true, result: unknown } | { id: number, ok: false, code: string | undefined, message: string }

const open = new Map<string, ShaleLevel>()

async function serve (r: OwnerRequest): Promise<unknown> {
  switch (r.op) {
    case 'open': {
      const db = new ShaleLevel(r.location, { ...r.options, multithreading: true })
      await db.open()
      open.set(r.location, db)
      return undefined
    }
    case 'close': {
      const db = open.get(r.location)
      open.delete(r.location)
      await db?.close()
      return undefined
    }
    case 'clients':
      return EngineHost.here(nodeTransport.databaseName(r.location))?.clientCount ?? 0
  }
}

parentPort!.on('message', (r: OwnerRequest) => {
  serve(r).then(
    (result) => { parentPort!.postMessage({ id: r.id, ok: true, result } satisfies OwnerReply) },
    (err: { code?: string, message: string }) => { parentPort!.postMessage({ id: r.id, ok: false, code: err.code, message: err.message } satisfies OwnerReply) }
  )
})

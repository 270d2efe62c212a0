// A page's side of a database whose engine runs in a dedicated worker (doc/browser.md, "From a
// page"). A page's main thread has no OPFS sync access handles, so a ShaleLevel there starts the
// engine worker script (src/engine-worker.ts; engine-worker.ts here is its body), asks it to open
// the database, and becomes a client of it through the forwarding layer, over the worker's own
// message port. Closing closes the connection, waits for the worker to close the database, and
// ends the worker.

import type { DBOptions } from '../../db/options.js'
import { ShaleError } from '../../util/errors.js'
import type { OpenedDatabase } from '../default-open.js'
import { Connection, Dialer } from './connection.js'
import { CONTROL_CHANNEL, type ControlReply, type ControlRequest } from './engine-worker.js'
import { PortTransport, type RawEndpoint } from './port-transport.js'
import { fromWireError } from './protocol.js'
import { RemoteDatabase } from './remote-database.js'
import type { MessageEndpoint } from './transport.js'

/** How long the page waits for the worker to start and open, and to close. */
const WORKER_DEADLINE_MS = 30_000
const HELLO_WAIT_MS = 250

interface PageWorker {
  postMessage (message: unknown): void
  addEventListener (type: 'message' | 'error', listener: (event: { data?: unknown, message?: string }) => void): void
  terminate (): void
}
type PageWorkerConstructor = new (url: string | URL, options: { type: 'module', name?: string }) => PageWorker

/** Starts the engine worker: the given script, or the package's own (a form bundlers recognise). */
function startWorker (url: string | URL | undefined): PageWorker {
  const Worker = (globalThis as unknown as { Worker: PageWorkerConstructor }).Worker
  if (url !== undefined) return new Worker(url, { type: 'module', name: 'shale-engine' })
  return new Worker(new URL('../../engine-worker.js', import.meta.url), { type: 'module', name: 'shale-engine' })
}

/** Sends `request` on the control channel and waits for a reply of type `expected`. */
async function ask (worker: PageWorker, control: MessageEndpoint, request: ControlRequest, expected: ControlReply['type']): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => { done(); reject(new ShaleError('LEVEL_IO_ERROR', `the engine worker did not answer '${request.type}'`)) }, WORKER_DEADLINE_MS)
    const onMessage = (event: { data: unknown }): void => {
      const reply = event.data as ControlReply
      if (reply.type === 'failed') {
        done()
        const err = fromWireError(reply.error)
        if (reply.cause !== undefined) Object.defineProperty(err, 'cause', { value: fromWireError(reply.cause), configurable: true, writable: true })
        reject(err)
      } else if (reply.type === expected) {
        done()
        resolve()
      }
    }
    const onError = (event: { message?: string }): void => {
      done()
      reject(new ShaleError('LEVEL_IO_ERROR', `the engine worker failed: ${event.message ?? 'it did not load'}`))
    }
    let finished = false
    const done = (): void => {
      finished = true
      clearTimeout(timer)
      control.removeEventListener('message', onMessage)
    }
    control.addEventListener('message', onMessage)
    worker.addEventListener('error', (event) => { if (!finished) onError(event) })
    control.postMessage(request)
  })
}

export async function openInEngineWorker (location: string, options: DBOptions, url: string | URL | undefined): Promise<OpenedDatabase> {
  const worker = startWorker(url)
  try {
    const transport = new PortTransport(worker as unknown as RawEndpoint)
    const control = transport.join(CONTROL_CHANNEL)
    await ask(worker, control, { type: 'open', location, options }, 'opened')
    const dialer = new Dialer(transport, transport.databaseName(location))
    let connection: Connection | 'refused' | undefined
    const deadline = Date.now() + WORKER_DEADLINE_MS
    try {
      do connection = await dialer.hello(HELLO_WAIT_MS)
      while (connection === undefined && Date.now() < deadline)
    } finally {
      dialer.abandon()
    }
    if (!(connection instanceof Connection)) throw new ShaleError('LEVEL_IO_ERROR', 'the engine worker did not serve the database')
    control.postMessage({ type: 'connected' } satisfies ControlRequest)
    return {
      remote: new RemoteDatabase(connection),
      release: async () => {
        try {
          await ask(worker, control, { type: 'close' }, 'closed')
        } finally {
          worker.terminate()
        }
      }
    }
  } catch (err) {
    worker.terminate()
    throw err
  }
}

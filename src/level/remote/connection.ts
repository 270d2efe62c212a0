// A client thread's connection to the owner of a database (doc/multithreading.md): requests with a
// reply are promises matched by id; fire-and-forget requests are ordered with them; synchronous
// calls block on the shared reply buffer. Once the owner is found gone, every pending and later
// call fails with LEVEL_DATABASE_NOT_OPEN instead of waiting for an answer that cannot come.

import { ShaleError } from '../../util/errors.js'
import { randomHex } from '../../util/random.js'
import { CLIENT_CELL, Liveness, livenessSupported, newLivenessBuffer } from './liveness.js'
import { connectionName, fromWireError, type Hello, type HelloReply, type Reply, type Request, type WireData, type WireError } from './protocol.js'
import { armSyncBuffer, SYNC_HEADER_BYTES, SYNC_INITIAL_BYTES, SyncKind, waitSyncAnswer } from './sync-reply.js'
import type { MessageEndpoint, Transport } from './transport.js'

/** How often a client with calls in flight probes the owner. */
const PROBE_MS = 1000

/** Requests that expect a reply, without their id (the connection assigns it). */
type AsyncRequest = Request extends infer R ? R extends { id: number } ? Omit<R, 'id'> : never : never
/** Requests without a reply. */
type OneWayRequest = Exclude<Request, { id: number }>
/** Requests answered synchronously, without their id and buffer. */
type SyncRequest = { op: 'getSync', key: WireData, options: Extract<Request, { op: 'getSync' }>['options'] } | { op: 'getProperty', name: string }

interface Pending {
  resolve: (result: unknown) => void
  reject: (err: Error) => void
}

export class Connection {
  private readonly endpoint: MessageEndpoint
  /** Undefined where the runtime cannot probe the owner (no Atomics.waitAsync). */
  private readonly liveness: Liveness | undefined
  /** Undefined without SharedArrayBuffer: synchronous calls are then not supported. */
  private syncBuffer: SharedArrayBuffer | undefined
  private readonly pending = new Map<number, Pending>()
  private nextId = 1
  private probeTimer: ReturnType<typeof setInterval> | undefined
  private lost: ShaleError | undefined

  constructor (endpoint: MessageEndpoint, liveness: Liveness | undefined, syncBuffer: SharedArrayBuffer | undefined) {
    this.endpoint = endpoint
    this.liveness = liveness
    this.syncBuffer = syncBuffer
    endpoint.addEventListener('message', this.onReply)
  }

  /** A request whose reply is awaited. */
  call (request: AsyncRequest): Promise<unknown> {
    if (this.lost !== undefined) return Promise.reject(this.lost)
    const id = this.nextId++
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject })
      if (this.pending.size === 1) this.waiting(true)
      this.endpoint.postMessage({ ...request, id })
    })
  }

  /** A request without a reply, ordered with every other. */
  send (request: OneWayRequest): void {
    if (this.lost === undefined) this.endpoint.postMessage(request)
  }

  /** A synchronous request: blocks this thread until the owner answered in the shared buffer. */
  callSync (request: SyncRequest): Uint8Array | undefined {
    if (this.lost !== undefined) throw this.lost
    if (this.syncBuffer === undefined) {
      throw new ShaleError('LEVEL_NOT_SUPPORTED', `${request.op}() on a database served by another thread needs SharedArrayBuffer (in a browser: a cross-origin isolated page)`)
    }
    let answer = this.waitSync({ ...request, id: -1 })
    if (answer.kind === SyncKind.TooLarge) {
      // The owner keeps the answer; take it with a buffer that fits.
      this.syncBuffer = new SharedArrayBuffer(SYNC_HEADER_BYTES + answer.payload!.byteLength)
      answer = this.waitSync({ op: 'syncTake', id: -1, sync: this.syncBuffer })
    }
    if (answer.kind === SyncKind.Error) {
      throw fromWireError(JSON.parse(new TextDecoder().decode(answer.payload)) as WireError)
    }
    return answer.payload
  }

  /** Ends the connection: the owner releases what this client still holds. */
  async close (): Promise<void> {
    if (this.lost === undefined) {
      try {
        await this.call({ op: 'close' })
      } catch {
        // The owner is gone: nothing is left to release there.
      }
    }
    this.loseWith(new ShaleError('LEVEL_DATABASE_NOT_OPEN', 'Database is not open'))
    this.endpoint.removeEventListener('message', this.onReply)
    this.endpoint.close()
  }

  private waitSync (request: Request): { kind: SyncKind, payload: Uint8Array | undefined } {
    const buffer = this.syncBuffer!
    armSyncBuffer(buffer)
    this.endpoint.postMessage(request)
    this.endpoint.flush?.()
    const answer = waitSyncAnswer(buffer, PROBE_MS, () => this.liveness?.peerAlive() ?? true)
    if (answer === undefined) {
      this.ownerGone()
      throw this.lost!
    }
    return answer
  }

  private readonly onReply = (event: { data: unknown }): void => {
    const reply = event.data as Reply
    const waiter = this.pending.get(reply.id)
    if (waiter === undefined) return
    this.pending.delete(reply.id)
    if (this.pending.size === 0) this.waiting(false)
    if (reply.ok) waiter.resolve(reply.result)
    else waiter.reject(fromWireError(reply.error))
  }

  /**
   * While a reply is awaited, the channel keeps this thread alive (as a local call's pending I/O
   * would) and the owner is probed, so that its death fails the calls instead of hanging them.
   * One probe timer serves a whole run of calls (setting up and clearing a timer per awaited call
   * costs more than a browser's round trip between threads); it stops at the first tick with
   * nothing awaited, and never keeps a process alive by itself.
   */
  private waiting (on: boolean): void {
    if (on) {
      this.endpoint.ref?.()
      if (this.liveness !== undefined && this.probeTimer === undefined) {
        const liveness = this.liveness
        const timer = setInterval(() => {
          if (this.pending.size === 0) this.stopProbes()
          else if (!liveness.peerAlive()) this.ownerGone()
        }, PROBE_MS)
        ;(timer as { unref?: () => void }).unref?.()
        this.probeTimer = timer
      }
    } else {
      this.endpoint.unref?.()
    }
  }

  private stopProbes (): void {
    if (this.probeTimer !== undefined) clearInterval(this.probeTimer)
    this.probeTimer = undefined
  }

  private ownerGone (): void {
    this.loseWith(new ShaleError('LEVEL_DATABASE_NOT_OPEN', 'the thread that owns the database is gone'))
  }

  private loseWith (err: ShaleError): void {
    this.lost ??= err
    this.liveness?.stop()
    const pending = [...this.pending.values()]
    this.pending.clear()
    this.waiting(false)
    this.stopProbes()
    for (const p of pending) p.reject(this.lost)
  }
}

/**
 * One open's attempts to join the owner of `database`: one client id, channel and set of buffers
 * for all of them, so a welcome that comes late (after its hello timed out) still counts, and the
 * owner, which knows the id, answers a repeated hello without a second session.
 */
export class Dialer {
  private readonly transport: Transport
  private readonly database: string
  private readonly client = randomHex(12)
  private readonly endpoint: MessageEndpoint
  // Without Atomics.waitAsync the owner cannot be probed, and without SharedArrayBuffer no call
  // can be synchronous (a page that is not cross-origin isolated); the rest works the same.
  private readonly cells = livenessSupported() ? newLivenessBuffer() : undefined
  private readonly liveness = this.cells === undefined ? undefined : new Liveness(this.cells, CLIENT_CELL)
  private readonly sync = typeof SharedArrayBuffer === 'function' ? new SharedArrayBuffer(SYNC_INITIAL_BYTES) : undefined
  private answer: HelloReply | undefined
  private notify: (() => void) | undefined
  private done = false

  constructor (transport: Transport, database: string) {
    this.transport = transport
    this.database = database
    this.endpoint = transport.join(connectionName(database, this.client))
    this.endpoint.addEventListener('message', this.onAnswer)
  }

  /**
   * Says hello (again) and waits up to `waitMs` for the answer: the connection, 'refused' if the
   * owner is closing, or undefined if nobody answered yet.
   */
  async hello (waitMs: number): Promise<Connection | 'refused' | undefined> {
    if (this.answer === undefined) {
      const discovery = this.transport.join(this.database)
      discovery.postMessage({ type: 'hello', client: this.client, cells: this.cells, sync: this.sync } satisfies Hello)
      discovery.close()
      this.endpoint.ref?.()
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, waitMs)
        this.notify = () => { clearTimeout(timer); resolve() }
      })
      this.notify = undefined
      this.endpoint.unref?.()
    }
    const answer = this.answer
    this.answer = undefined
    if (answer?.type !== 'welcome') return answer === undefined ? undefined : 'refused'
    this.done = true
    this.endpoint.removeEventListener('message', this.onAnswer)
    return new Connection(this.endpoint, this.liveness, this.sync)
  }

  /** Gives up: an owner that welcomed this id late finds it gone at its next probe. */
  abandon (): void {
    if (this.done) return
    this.done = true
    this.endpoint.removeEventListener('message', this.onAnswer)
    this.liveness?.stop()
    this.endpoint.close()
  }

  private readonly onAnswer = (event: { data: unknown }): void => {
    const data = event.data as HelloReply
    if (data?.type !== 'welcome' && data?.type !== 'refused') return
    this.answer = data
    this.notify?.()
  }
}

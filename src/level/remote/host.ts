// The owner's side of a database shared between threads (doc/multithreading.md): the thread that
// opened the engine serves the others over the transport. One EngineHost per open engine and
// thread; it counts the users in this thread (ShaleLevels opened with multithreading) and the
// connections from other threads, and closes the engine when both are gone, so the engine stays
// open while any thread has the database open, as in classic-level.

import type { DB } from '../../db/db.js'
import { Liveness, OWNER_CELL } from './liveness.js'
import { connectionName, type Hello, type HelloReply } from './protocol.js'
import { Session } from './session.js'
import type { MessageEndpoint, Transport } from './transport.js'

/** How often the owner probes its clients for liveness. */
const PROBE_MS = 1000

/** Open hosts of this thread, by database name: a second open here shares the engine. */
const hostsHere = new Map<string, EngineHost>()

export class EngineHost {
  readonly name: string
  readonly engine: DB
  private readonly transport: Transport
  private readonly discovery: MessageEndpoint
  private readonly sessions = new Map<string, Session>()
  private localUsers = 0
  private probeTimer: ReturnType<typeof setInterval> | undefined
  /** Set once the engine started closing: no new users. */
  closed: Promise<void> | undefined

  private constructor (name: string, engine: DB, transport: Transport) {
    this.name = name
    this.engine = engine
    this.transport = transport
    this.discovery = transport.join(name)
    this.discovery.addEventListener('message', this.onHello)
  }

  /** A host for an engine this thread just opened, with one local user. */
  static start (name: string, engine: DB, transport: Transport): EngineHost {
    const host = new EngineHost(name, engine, transport)
    host.localUsers = 1
    hostsHere.set(name, host)
    return host
  }

  /** The open host of this thread for a database name, if any. */
  static here (name: string): EngineHost | undefined {
    return hostsHere.get(name)
  }

  /** Another user in this thread; false if the engine is already closing. */
  addLocalUser (): boolean {
    if (this.closed !== undefined) return false
    this.localUsers++
    return true
  }

  /** A user in this thread is done. The engine closes when no user and no client is left. */
  async releaseLocalUser (): Promise<void> {
    this.localUsers--
    await this.closeIfUnused()
  }

  get clientCount (): number {
    return this.sessions.size
  }

  private readonly onHello = (event: { data: unknown }): void => {
    const hello = event.data as Hello
    if (hello?.type !== 'hello' || typeof hello.client !== 'string') return
    const known = this.sessions.get(hello.client)
    if (known !== undefined) {
      // A hello repeated because the welcome was slow: the same session, welcomed again.
      known.post({ type: 'welcome' } satisfies HelloReply)
      return
    }
    const endpoint = this.transport.join(connectionName(this.name, hello.client))
    if (this.closed !== undefined) {
      endpoint.postMessage({ type: 'refused', reason: 'closing' } satisfies HelloReply)
      endpoint.close()
      return
    }
    const liveness = hello.cells === undefined ? undefined : new Liveness(hello.cells, OWNER_CELL)
    const session = new Session(this.engine, endpoint, liveness, hello.sync, (ended) => { this.endSession(hello.client, ended) })
    this.sessions.set(hello.client, session)
    this.keepThreadAlive()
    endpoint.postMessage({ type: 'welcome' } satisfies HelloReply)
  }

  private endSession (client: string, session: Session): void {
    if (this.sessions.get(client) !== session) return
    this.sessions.delete(client)
    this.keepThreadAlive()
    this.closeIfUnused().catch(() => {
      // Nobody is left to tell: the engine's close failed with no user in any thread.
    })
  }

  /**
   * While clients are connected, the discovery channel keeps this thread alive, so an owner thread
   * with nothing else to do goes on serving them; the probe timer finds clients whose thread died.
   */
  private keepThreadAlive (): void {
    if (this.sessions.size > 0) {
      this.discovery.ref?.()
      this.probeTimer ??= setInterval(() => { this.probe() }, PROBE_MS)
    } else {
      this.discovery.unref?.()
      if (this.probeTimer !== undefined) clearInterval(this.probeTimer)
      this.probeTimer = undefined
    }
  }

  private probe (): void {
    for (const session of [...this.sessions.values()]) {
      if (!session.clientAlive()) session.end()
    }
  }

  private async closeIfUnused (): Promise<void> {
    if (this.localUsers > 0 || this.sessions.size > 0 || this.closed !== undefined) return
    this.discovery.removeEventListener('message', this.onHello)
    this.discovery.close()
    this.closed = this.engine.close().finally(() => {
      if (hostsHere.get(this.name) === this) hostsHere.delete(this.name)
    })
    await this.closed
  }
}


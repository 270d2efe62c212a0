// A Transport between exactly two threads over one message endpoint (doc/browser.md, "From a
// page"): a dedicated Worker on one side and its global scope on the other, or the two ports of a
// MessageChannel. The forwarding layer wants named channels (the database's discovery channel, one
// channel per connection); here they are multiplexed over the one endpoint, each message tagged
// with the name of its channel. What a member posts reaches the members of that name on the other
// side, which is all the layer needs: the owner and its client are never in the same thread.
//
// Messages posted during one task go out together when it ends (a microtask), as one message: in
// a browser each postMessage costs tens of microseconds on each side, most of it waking the
// other thread, so 64 gets in flight cost one round of wake-ups instead of 64. A caller about to
// block for an answer (a synchronous call) flushes first.

import type { MessageEndpoint, Transport } from './transport.js'

type Listener = (event: { data: unknown }) => void

/** A Worker, a worker's global scope or a started MessagePort. */
export interface RawEndpoint {
  postMessage (message: unknown): void
  addEventListener (type: 'message', listener: Listener): void
}

/** A message on the endpoint: the channel's name and what was posted on it. */
interface Tagged { shaleChannel: string, data: unknown }
/** Several, in the order they were posted. */
interface Batch { shaleBatch: Tagged[] }

export class PortTransport implements Transport {
  private readonly raw: RawEndpoint
  private readonly members = new Map<string, Set<Listener>>()
  /** Posted in this task, not sent yet. */
  private queue: Tagged[] = []

  constructor (raw: RawEndpoint) {
    this.raw = raw
    raw.addEventListener('message', (event) => {
      const message = event.data as Partial<Tagged & Batch> | null
      if (Array.isArray(message?.shaleBatch)) for (const tagged of message.shaleBatch) this.deliver(tagged)
      else if (typeof message?.shaleChannel === 'string') this.deliver(message as Tagged)
    })
  }

  private deliver (message: Tagged): void {
    const listeners = this.members.get(message.shaleChannel)
    if (listeners === undefined) return
    for (const listener of [...listeners]) listener({ data: message.data })
  }

  private send (message: Tagged): void {
    this.queue.push(message)
    if (this.queue.length === 1) queueMicrotask(this.flush)
  }

  /** Sends what was posted and not sent yet. */
  private readonly flush = (): void => {
    const queue = this.queue
    if (queue.length === 0) return
    this.queue = []
    this.raw.postMessage(queue.length === 1 ? queue[0] : { shaleBatch: queue } satisfies Batch)
  }

  /** Both sides open databases by the name the page gave: there is nothing to resolve. */
  databaseName (location: string): string {
    return 'shale-db:' + location
  }

  join (name: string): MessageEndpoint {
    const mine = new Set<Listener>()
    let closed = false
    const listenersOf = (): Set<Listener> => {
      let set = this.members.get(name)
      if (set === undefined) this.members.set(name, set = new Set())
      return set
    }
    return {
      postMessage: (data: unknown) => {
        if (!closed) this.send({ shaleChannel: name, data })
      },
      flush: this.flush,
      addEventListener: (_type, listener) => {
        if (closed) return
        mine.add(listener)
        listenersOf().add(listener)
      },
      removeEventListener: (_type, listener) => {
        mine.delete(listener)
        this.members.get(name)?.delete(listener)
      },
      close: () => {
        closed = true
        const set = this.members.get(name)
        for (const listener of mine) set?.delete(listener)
        mine.clear()
        if (set?.size === 0) this.members.delete(name)
      }
    }
  }
}

// What the forwarding layer needs from the platform to reach another thread (doc/multithreading.md).
//
// Nothing here is Node's: a channel is anything with postMessage and a 'message' event (a
// BroadcastChannel, a MessagePort, a dedicated Worker and its global scope), so the same protocol
// can later link a page and its worker. The Node adapter (node-transport.ts) names databases by
// their real path and opens BroadcastChannels.

/** One end of a message channel. Messages are structured-cloned; nothing is transferred. */
export interface MessageEndpoint {
  postMessage (message: unknown): void
  addEventListener (type: 'message', listener: (event: { data: unknown }) => void): void
  removeEventListener (type: 'message', listener: (event: { data: unknown }) => void): void
  close (): void
  /** Sends at once what was posted, where a transport holds messages back to send them together; optional. */
  flush? (): void
  /** Whether an open channel keeps its thread alive (Node's ref/unref); optional. */
  ref? (): void
  unref? (): void
}

export interface Transport {
  /**
   * The name every thread derives for one database, whatever path it was opened by (Node: the real
   * path of the directory). Called only once the directory exists.
   */
  databaseName (location: string): string
  /** Joins the channel called `name`: what one member posts, every other member receives. */
  join (name: string): MessageEndpoint
}

// The Node adapter of the forwarding layer: a database is named by the real path of its directory
// (so 'db', './db' and a symlink to it meet), and threads meet on BroadcastChannels, which reach
// every thread of the process. A BroadcastChannel can carry a SharedArrayBuffer, which the
// protocol needs, but cannot transfer a MessagePort, hence a channel per connection
// (doc/multithreading.md).

import { platform } from '../../db/platform-node.js'
import type { MessageEndpoint, Transport } from './transport.js'

export const nodeTransport: Transport = {
  databaseName (location: string): string {
    return 'shale-db:' + platform.canonicalLocation(location)
  },

  join (name: string): MessageEndpoint {
    const channel = new BroadcastChannel(name)
    // Node's BroadcastChannel keeps its thread alive until closed; the protocol refs it only while
    // it waits for something (doc/multithreading.md, "Lifetime").
    const node = channel as unknown as { unref?: () => void }
    node.unref?.()
    return channel as unknown as MessageEndpoint
  }
}

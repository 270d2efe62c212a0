// What the engine uses from Node's globals and a browser's worker lacks, for the bundled worker
// of opfs-worker.ts: imported first, so that it runs before any engine module.

const scope = globalThis as unknown as { setImmediate?: unknown }
if (scope.setImmediate === undefined) {
  // A MessageChannel post, not setTimeout: browsers clamp nested timeouts to 4 ms.
  const channel = new MessageChannel()
  const queue: Array<() => void> = []
  const port = channel.port1 as unknown as { onmessage: () => void }
  port.onmessage = () => { queue.shift()?.() }
  scope.setImmediate = (fn: (...args: unknown[]) => void, ...args: unknown[]) => {
    queue.push(() => { fn(...args) })
    channel.port2.postMessage(0)
  }
}

// The next turn of the event loop: a macrotask, run after pending I/O callbacks and timers, unlike
// a microtask. The engine uses it to let other work in (a long compaction, a run of awaited
// writes, a long scan), so that one caller never starves the rest.
//
// Node, Bun and Deno have setImmediate, which is the cheapest. A browser has none: there a
// MessageChannel message is the fastest macrotask (setTimeout(0) is clamped to 4 ms once nested).
// The global is looked up as a property of globalThis, so that code for browsers names no Node
// global (doc/browser.md).

type Callback = () => void

const immediate = (globalThis as { setImmediate?: (callback: Callback) => unknown }).setImmediate

/** The part of a MessageChannel's ports this uses (browsers' and Node's alike). */
interface Port { postMessage: (message: null) => void, onmessage: (() => void) | null, ref?: () => void, unref?: () => void }
interface Channel { port1: Port, port2: Port }

let channel: Channel | undefined
const queue: Callback[] = []

function postTask (callback: Callback): void {
  if (channel === undefined) {
    channel = new (globalThis as unknown as { MessageChannel: new () => Channel }).MessageChannel()
    const receiver = channel.port1
    receiver.onmessage = () => {
      // Where a port keeps a process alive (Node, in tests without setImmediate), it does so
      // only while a task waits, as setImmediate would.
      if (queue.length === 1) receiver.unref?.()
      queue.shift()?.()
    }
  }
  if (queue.length === 0) channel.port1.ref?.()
  queue.push(callback)
  channel.port2.postMessage(null)
}

/** Runs `callback` on a later turn of the event loop. */
export const onNextMacrotask: (callback: Callback) => void = immediate !== undefined
  ? (callback) => { immediate(callback) }
  : postTask

/** Resolves on a later turn of the event loop. */
export function nextMacrotask (): Promise<void> {
  return new Promise((resolve) => { onNextMacrotask(resolve) })
}

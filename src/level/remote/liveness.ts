// Whether the thread at the other end of a connection still exists (doc/multithreading.md,
// "Liveness"). A BroadcastChannel says nothing when a thread exits, and a thread whose event loop
// is busy looks the same as a dead one to any message-based ping. Atomics can tell them apart:
// each end parks a few asynchronous waiters (Atomics.waitAsync) on its own cell of a shared
// buffer, and the other end probes with Atomics.notify(cell, 1), which returns how many waiters
// it woke. Waiters belong to their thread and disappear with it (exit or terminate), but stay
// parked while it is merely busy: a probe of a live thread wakes one (which it parks again when
// its event loop next runs), a probe of a dead one wakes none.
//
// A thread that blocks its event loop through WAITERS probes in a row runs out of parked waiters
// and is taken for dead; with the probe periods used (at most one probe a second) that takes
// more than half a minute of blocking.

/** The two ends' cells in a connection's liveness buffer. */
export const OWNER_CELL = 0
export const CLIENT_CELL = 1

/** Waiters each end keeps parked. */
const WAITERS = 32

type WaitAsync = (cells: Int32Array, index: number, value: number) => { async: boolean, value: Promise<string> | string }
const waitAsync = (Atomics as unknown as { waitAsync?: WaitAsync }).waitAsync

/** Whether this runtime can run the liveness protocol (Atomics.waitAsync and SharedArrayBuffer). */
export function livenessSupported (): boolean {
  return typeof waitAsync === 'function' && typeof SharedArrayBuffer === 'function'
}

export function newLivenessBuffer (): SharedArrayBuffer {
  return new SharedArrayBuffer(8)
}

export class Liveness {
  private readonly cells: Int32Array
  private readonly mine: number
  private readonly peer: number
  private stopped = false

  constructor (buffer: SharedArrayBuffer, mine: number) {
    this.cells = new Int32Array(buffer)
    this.mine = mine
    this.peer = mine === OWNER_CELL ? CLIENT_CELL : OWNER_CELL
    for (let i = 0; i < WAITERS; i++) this.park()
  }

  /** Probes the other end: false once its thread is gone or it stopped. */
  peerAlive (): boolean {
    if (Atomics.load(this.cells, this.peer) !== 0) return false
    return Atomics.notify(this.cells, this.peer, 1) > 0
  }

  /** This end is done: its waiters leave, and the other end's probes say so. */
  stop (): void {
    if (this.stopped) return
    this.stopped = true
    Atomics.store(this.cells, this.mine, 1)
    Atomics.notify(this.cells, this.mine)
  }

  private park (): void {
    const result = waitAsync!(this.cells, this.mine, 0)
    if (result.async) {
      (result.value as Promise<string>).then(() => { if (!this.stopped) this.park() }, () => {})
    }
  }
}

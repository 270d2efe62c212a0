// Synchronous calls (getSync, getProperty) across threads (doc/multithreading.md, "Synchronous
// calls"). The client posts the request as usual, then blocks in Atomics.wait on a shared buffer;
// the owner answers in that buffer instead of posting. The owner never waits for a client, so a
// client blocked here is always answered while the owner lives; it probes the owner's liveness
// between waits, so it fails rather than hangs when the owner is gone.
//
// Layout: four Int32 header words — state (0 waiting, 1 answered), kind, payload length, unused —
// then the payload. A result larger than the buffer is answered TOO_LARGE with its length and kept
// by the owner; the client sends a large enough buffer to take it (op 'syncTake').

export const SYNC_HEADER_BYTES = 16
export const SYNC_INITIAL_BYTES = 64 * 1024

export const enum SyncKind {
  /** get found nothing. */
  Undefined = 0,
  Bytes = 1,
  /** Payload: a JSON WireError. */
  Error = 2,
  /** Payload length is the size needed; nothing written. */
  TooLarge = 3
}

interface SyncAnswer {
  kind: SyncKind
  payload: Uint8Array | undefined
}

/** Owner side: writes the answer into `buffer` and wakes the client. False if it does not fit. */
export function writeSyncAnswer (buffer: SharedArrayBuffer, kind: SyncKind, payload: Uint8Array | undefined): boolean {
  const header = new Int32Array(buffer, 0, 4)
  const length = payload?.byteLength ?? 0
  const fits = SYNC_HEADER_BYTES + length <= buffer.byteLength
  if (fits) {
    if (payload !== undefined) new Uint8Array(buffer, SYNC_HEADER_BYTES, length).set(payload)
    header[1] = kind
  } else {
    header[1] = SyncKind.TooLarge
  }
  header[2] = length
  Atomics.store(header, 0, 1)
  Atomics.notify(header, 0)
  return fits
}

/** Client side: marks the buffer as waiting, before the request is posted. */
export function armSyncBuffer (buffer: SharedArrayBuffer): void {
  Atomics.store(new Int32Array(buffer, 0, 4), 0, 0)
}

/**
 * Client side: blocks until answered. `stillThere` is asked every `probeMs` of waiting; when it
 * says no, this returns undefined.
 */
export function waitSyncAnswer (buffer: SharedArrayBuffer, probeMs: number, stillThere: () => boolean): SyncAnswer | undefined {
  const header = new Int32Array(buffer, 0, 4)
  if (mayBlock()) {
    while (Atomics.wait(header, 0, 0, probeMs) === 'timed-out') {
      if (!stillThere()) return undefined
    }
  } else {
    // A browser page's main thread may not Atomics.wait, but may read the buffer in a loop: the
    // owner runs in another thread and answers all the same.
    let probeAt = Date.now() + probeMs
    while (Atomics.load(header, 0) === 0) {
      if (Date.now() >= probeAt) {
        if (!stillThere()) return undefined
        probeAt = Date.now() + probeMs
      }
    }
  }
  const kind = header[1] as SyncKind
  const length = header[2]!
  if (kind === SyncKind.TooLarge) return { kind, payload: new Uint8Array(length) }
  // A copy: the buffer is reused by the next call.
  const payload = kind === SyncKind.Undefined ? undefined : new Uint8Array(buffer, SYNC_HEADER_BYTES, length).slice()
  return { kind, payload }
}

let blockingAllowed: boolean | undefined

/** Whether this thread may block in Atomics.wait (not a browser page's main thread). */
function mayBlock (): boolean {
  if (blockingAllowed === undefined) {
    try {
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0)
      blockingAllowed = true
    } catch {
      blockingAllowed = false
    }
  }
  return blockingAllowed
}

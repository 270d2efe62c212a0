// A FIFO async mutex: one holder at a time, waiters served in arrival order. The engine runs on one
// thread, but its background steps await file syncs; this keeps two of them from interleaving.

export class Mutex {
  private locked = false
  private readonly waiters: Array<() => void> = []

  get isLocked (): boolean {
    return this.locked
  }

  async lock (): Promise<void> {
    if (!this.locked) {
      this.locked = true
      return
    }
    await new Promise<void>((resolve) => { this.waiters.push(resolve) })
  }

  unlock (): void {
    const next = this.waiters.shift()
    if (next !== undefined) next()
    else this.locked = false
  }

  async run<T> (fn: () => Promise<T> | T): Promise<T> {
    await this.lock()
    try {
      return await fn()
    } finally {
      this.unlock()
    }
  }
}

/**
 * A condition a task can wait on until another signals a change (of background state, for
 * example). Waiters re-check their own condition after each signal.
 */
export class Signal {
  private waiters: Array<() => void> = []

  async wait (): Promise<void> {
    await new Promise<void>((resolve) => { this.waiters.push(resolve) })
  }

  notifyAll (): void {
    const w = this.waiters
    this.waiters = []
    for (const resolve of w) resolve()
  }
}

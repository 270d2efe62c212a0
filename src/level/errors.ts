// Errors with abstract-level codes that only the adapter raises, so they are not among the
// engine's ShaleError codes: an aborted iterator read and a read through a closed snapshot.

/** An error carrying an abstract-level code, shaped like abstract-level's own (module-error). */
export class LevelError extends Error {
  readonly code: string

  constructor (code: string, message: string) {
    super(message)
    this.code = code
  }
}

/** abstract-level's error for an aborted read: code LEVEL_ABORTED, name AbortError. */
export class LevelAbortError extends LevelError {
  constructor () {
    super('LEVEL_ABORTED', 'Operation has been aborted')
  }

  // A getter, as in abstract-level, so that the name matches the DOM's AbortError.
  override get name (): string {
    return 'AbortError'
  }
}

export function snapshotNotOpen (): LevelError {
  return new LevelError('LEVEL_SNAPSHOT_NOT_OPEN', 'Snapshot is not open: cannot use snapshot after close()')
}

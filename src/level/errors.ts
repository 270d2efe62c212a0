// Errors only the adapter raises: an aborted iterator read and a read through a closed snapshot.
// Both are ShaleErrors with abstract-level's codes, like every other error of the package.

import { ShaleError } from '../util/errors.js'

/** abstract-level's error for an aborted read: code LEVEL_ABORTED, name AbortError. */
export class LevelAbortError extends ShaleError {
  constructor () {
    super('LEVEL_ABORTED', 'Operation has been aborted')
  }

  // A getter, as in abstract-level, so that the name matches the DOM's AbortError.
  override get name (): string {
    return 'AbortError'
  }

  override set name (_: string) {}
}

export function snapshotNotOpen (): ShaleError {
  return new ShaleError('LEVEL_SNAPSHOT_NOT_OPEN', 'Snapshot is not open: cannot use snapshot after close()')
}

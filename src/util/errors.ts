// Errors carry abstract-level's codes (DESIGN.md, contract 8) so that every layer, from a block
// decoder up to the abstract-level adapter, speaks the same language to the caller.

export type ShaleErrorCode =
  | 'LEVEL_CORRUPTION'
  | 'LEVEL_IO_ERROR'
  | 'LEVEL_INVALID_KEY'
  | 'LEVEL_INVALID_VALUE'
  | 'LEVEL_NOT_FOUND'
  | 'LEVEL_INVALID_ARGUMENT'
  | 'LEVEL_LOCKED'
  | 'LEVEL_DATABASE_NOT_OPEN'
  | 'LEVEL_NOT_SUPPORTED'
  | 'LEVEL_ITERATOR_NOT_OPEN'
  | 'LEVEL_SNAPSHOT_NOT_OPEN'

export interface ShaleErrorOptions {
  /** File the problem was found in, if any. */
  file?: string
  /** Byte offset within `file`, if known. */
  offset?: number
  cause?: unknown
}

export class ShaleError extends Error {
  readonly code: ShaleErrorCode
  readonly file: string | undefined
  readonly offset: number | undefined

  constructor (code: ShaleErrorCode, message: string, options: ShaleErrorOptions = {}) {
    const where = options.file === undefined
      ? ''
      : options.offset === undefined ? ` (in ${options.file})` : ` (in ${options.file} at offset ${options.offset})`
    super(message + where, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'ShaleError'
    this.code = code
    this.file = options.file
    this.offset = options.offset
  }
}

export function corruption (message: string, options?: ShaleErrorOptions): ShaleError {
  return new ShaleError('LEVEL_CORRUPTION', message, options)
}

export function ioError (message: string, options?: ShaleErrorOptions): ShaleError {
  return new ShaleError('LEVEL_IO_ERROR', message, options)
}

export function invalidArgument (message: string, options?: ShaleErrorOptions): ShaleError {
  return new ShaleError('LEVEL_INVALID_ARGUMENT', message, options)
}

export function isCorruption (err: unknown): boolean {
  return err instanceof ShaleError && err.code === 'LEVEL_CORRUPTION'
}

/**
 * Adds file context to a corruption raised by a decoder that only knows bytes. Other errors pass
 * through unchanged.
 */
export function withFile (err: unknown, file: string, offset?: number): unknown {
  if (err instanceof ShaleError && err.code === 'LEVEL_CORRUPTION' && err.file === undefined) {
    const message = err.message
    return new ShaleError('LEVEL_CORRUPTION', message, { file, offset: offset ?? err.offset, cause: err.cause })
  }
  return err
}

// Errors carry abstract-level's codes (README contract 8) so that every layer, from a block
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
  | 'LEVEL_ABORTED'
  | 'LEVEL_READONLY'

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

/**
 * An error as plain data, to cross a thread boundary: structured clone keeps an Error's message
 * but drops `code`, `file`, `offset` and the fields of its cause, which callers rely on (the
 * abstract-level code, systemErrorCode()).
 */
export interface PlainError {
  name: string
  message: string
  stack?: string
  code?: string
  file?: string
  offset?: number
  syscall?: string
  path?: string
  cause?: PlainError
}

export function toPlainError (err: unknown, depth = 0): PlainError {
  if (!(err instanceof Error)) return { name: 'Error', message: String(err) }
  const e = err as Error & Partial<Record<'code' | 'file' | 'syscall' | 'path', unknown>> & { offset?: unknown }
  const plain: PlainError = { name: e.name, message: e.message }
  if (e.stack !== undefined) plain.stack = e.stack
  if (typeof e.code === 'string') plain.code = e.code
  if (typeof e.file === 'string') plain.file = e.file
  if (typeof e.offset === 'number') plain.offset = e.offset
  if (typeof e.syscall === 'string') plain.syscall = e.syscall
  if (typeof e.path === 'string') plain.path = e.path
  if (e.cause !== undefined && depth < 4) plain.cause = toPlainError(e.cause, depth + 1)
  return plain
}

/** The error toPlainError described: a ShaleError again when it was one, with the same fields. */
export function fromPlainError (plain: PlainError): Error {
  const err: Error = plain.name === 'ShaleError'
    ? Object.create(ShaleError.prototype) as Error
    : new Error(plain.message)
  Object.defineProperty(err, 'message', { value: plain.message, writable: true, configurable: true })
  err.name = plain.name
  if (plain.stack !== undefined) err.stack = plain.stack
  const fields = err as unknown as Record<string, unknown>
  if (plain.name === 'ShaleError') {
    fields.file = plain.file
    fields.offset = plain.offset
  }
  for (const key of ['code', 'syscall', 'path'] as const) {
    if (plain[key] !== undefined) fields[key] = plain[key]
  }
  if (plain.cause !== undefined) {
    Object.defineProperty(err, 'cause', { value: fromPlainError(plain.cause), writable: true, configurable: true })
  }
  return err
}

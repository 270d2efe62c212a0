// Where the command's words go. Data goes to stdout, so that it can be piped; errors, warnings and
// progress go to stderr. Writes honour stdout's back-pressure (a scan of millions of entries into a
// slow pipe must not buffer them all in memory), and a reader that goes away early (`| head`)
// ends the command quietly instead of with an EPIPE stack trace.

/** Exit codes (the issue fixes them): success, a problem with the database or file, a usage error. */
export const EXIT_OK = 0
export const EXIT_PROBLEM = 1
export const EXIT_USAGE = 2

interface Writable {
  write (chunk: string): boolean
  once (event: 'drain', listener: () => void): unknown
  readonly writableNeedDrain?: boolean
}

export class Output {
  private readonly stream: Writable

  constructor (stream: Writable = process.stdout) {
    this.stream = stream
  }

  line (text = ''): void {
    this.stream.write(text + '\n')
  }

  /** Text as is, no newline added. */
  write (text: string): void {
    this.stream.write(text)
  }

  /** Pretty-printed JSON, one document. */
  json (value: unknown): void {
    this.stream.write(JSON.stringify(value, null, 2) + '\n')
  }

  /** True when the stream's buffer is full and a loop should `await drain()` before writing more. */
  get needsDrain (): boolean {
    return this.stream.writableNeedDrain === true
  }

  async drain (): Promise<void> {
    if (!this.needsDrain) return
    await new Promise<void>((resolve) => { this.stream.once('drain', resolve) })
  }
}

/**
 * Writes a JSON array element by element, so that a long listing streams instead of being built
 * in memory first. The result is one valid JSON document.
 */
export class JsonArrayWriter {
  private readonly out: Output
  private count = 0

  constructor (out: Output) {
    this.out = out
  }

  async push (value: unknown): Promise<void> {
    this.out.write((this.count === 0 ? '[\n  ' : ',\n  ') + JSON.stringify(value))
    this.count++
    if (this.out.needsDrain) await this.out.drain()
  }

  end (): void {
    this.out.line(this.count === 0 ? '[]' : '\n]')
  }
}

/** A line on stderr. */
export function printError (text: string): void {
  process.stderr.write(text + '\n')
}

/** Ends the process quietly when stdout's reader has gone away (EPIPE). */
export function exitQuietlyOnClosedPipe (): void {
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? EXIT_OK)
    throw err
  })
}

/** Bytes as a short human figure: 512 B, 4.0 KiB, 2.3 MiB. */
export function formatSize (bytes: number): string {
  if (bytes < 1024) return `${bytes} B`
  const units = ['KiB', 'MiB', 'GiB', 'TiB']
  let v = bytes / 1024
  let u = 0
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024
    u++
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[u]}`
}

/** "1 file", "2 files". */
export function plural (n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`
}

/** Left-aligned columns: each row's cells padded to the widest cell of their column. */
export function columns (rows: ReadonlyArray<readonly string[]>, gap = 2): string[] {
  const widths: number[] = []
  for (const row of rows) row.forEach((cell, i) => { widths[i] = Math.max(widths[i] ?? 0, cell.length) })
  return rows.map((row) => row.map((cell, i) => i === row.length - 1 ? cell : cell.padEnd(widths[i]! + gap)).join('').trimEnd())
}

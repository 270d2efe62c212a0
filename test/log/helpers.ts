// In-memory test doubles for the log layer: a growable WritableFile, a SequentialFile that can be
// made to fail, a reporter that totals what was dropped, and a harness in the spirit of LevelDB's
// log tests (write records, damage the bytes, read them back).

import type { SequentialFile, WritableFile } from '../../src/env/env.js'
import { encodeFixed32 } from '../../src/util/coding.js'
import type { ShaleError } from '../../src/util/errors.js'
import { HEADER_SIZE, recordChecksum } from '../../src/log/format.js'
import { LogReader, type LogReporter } from '../../src/log/reader.js'
import { LogWriter } from '../../src/log/writer.js'

/** A growable in-memory WritableFile, shared by the log and table tests. */
export class MemoryWritableFile implements WritableFile {
  private buf = new Uint8Array(1024)
  private length = 0
  appendCalls = 0
  closed = false
  /** When set, the next append throws this error (and writes nothing). */
  failNextAppend: Error | undefined

  constructor (initial?: Uint8Array) {
    if (initial !== undefined) this.append(initial)
    this.appendCalls = 0
  }

  append (data: Uint8Array): void {
    if (this.closed) throw new Error('append after close')
    if (this.failNextAppend !== undefined) {
      const err = this.failNextAppend
      this.failNextAppend = undefined
      throw err
    }
    this.appendCalls++
    if (this.length + data.length > this.buf.length) {
      let cap = this.buf.length * 2
      while (cap < this.length + data.length) cap *= 2
      const next = new Uint8Array(cap)
      next.set(this.buf.subarray(0, this.length))
      this.buf = next
    }
    // Copies: a writer may reuse the array it passed in.
    this.buf.set(data, this.length)
    this.length += data.length
  }

  sync (): void {}
  async syncAsync (): Promise<void> {}
  close (): void { this.closed = true }

  get size (): number {
    return this.length
  }

  /** A copy of the file's bytes. */
  contents (): Uint8Array {
    return this.buf.slice(0, this.length)
  }
}

export class MemorySequentialFile implements SequentialFile {
  private readonly data: Uint8Array
  private pos = 0
  /** When set, the next read throws an error with this message. */
  failNextRead: string | undefined
  /** When set, no read returns more than this many bytes (a file that reads short). */
  maxChunk: number | undefined
  reads = 0

  constructor (data: Uint8Array) {
    this.data = data
  }

  read (n: number): Uint8Array {
    this.reads++
    if (this.failNextRead !== undefined) {
      const message = this.failNextRead
      this.failNextRead = undefined
      throw new Error(message)
    }
    const take = Math.min(n, this.maxChunk ?? n, this.data.length - this.pos)
    // A copy, like a real file read into a fresh buffer.
    const out = this.data.slice(this.pos, this.pos + take)
    this.pos += take
    return out
  }

  skip (n: number): void {
    this.pos = Math.min(this.data.length, this.pos + n)
  }

  close (): void {}
}

export interface Report {
  bytes: number
  reason: string
  error: ShaleError
}

export class CollectingReporter implements LogReporter {
  readonly reports: Report[] = []

  corruption (bytes: number, reason: string, error: ShaleError): void {
    this.reports.push({ bytes, reason, error })
  }

  get droppedBytes (): number {
    let total = 0
    for (const r of this.reports) total += r.bytes
    return total
  }

  get messages (): string {
    return this.reports.map(r => r.reason).join('; ')
  }
}

/** Writes records to memory, lets a test damage the bytes, then reads them back. */
export class LogHarness {
  dest = new MemoryWritableFile()
  writer = new LogWriter(this.dest)
  reporter = new CollectingReporter()
  private reader: LogReader | undefined
  private bytes: Uint8Array | undefined
  source: MemorySequentialFile | undefined
  private initialOffset = 0

  write (record: string | Uint8Array): void {
    if (this.reader !== undefined) throw new Error('write after read')
    this.writer.addRecord(typeof record === 'string' ? Buffer.from(record, 'latin1') : record)
  }

  get writtenBytes (): number {
    return this.bytes?.length ?? this.dest.size
  }

  /** Reopens the file for appending, as a database reusing its log would. */
  reopenForAppend (): void {
    this.dest = new MemoryWritableFile(this.dest.contents())
    this.writer = new LogWriter(this.dest, this.dest.size)
  }

  /** The file's bytes, editable until reading starts. */
  contents (): Uint8Array {
    if (this.bytes === undefined) this.bytes = this.dest.contents()
    return this.bytes
  }

  incrementByte (offset: number, delta: number): void {
    const b = this.contents()
    b[offset] = (b[offset]! + delta) & 0xff
  }

  setByte (offset: number, value: number): void {
    this.contents()[offset] = value
  }

  shrinkSize (bytes: number): void {
    const b = this.contents()
    this.bytes = b.subarray(0, b.length - bytes)
  }

  /** Recomputes the checksum of the physical record at `headerOffset` with `length` payload bytes. */
  fixChecksum (headerOffset: number, length: number): void {
    const b = this.contents()
    const type = b[headerOffset + 6]!
    const start = headerOffset + HEADER_SIZE
    encodeFixed32(b, headerOffset, recordChecksum(type, b, start, start + length))
  }

  startReadingAt (offset: number): void {
    this.initialOffset = offset
  }

  /** Makes the next read from the file fail. */
  forceReadError (message: string): void {
    this.openReader()
    this.source!.failNextRead = message
  }

  get lastRecordOffset (): number {
    return this.openReader().lastRecordOffset
  }

  /** The next record as a latin1 string, or 'EOF'. */
  read (): string {
    const record = this.openReader().readRecord()
    return record === null ? 'EOF' : Buffer.from(record).toString('latin1')
  }

  private openReader (): LogReader {
    if (this.reader === undefined) {
      this.source = new MemorySequentialFile(this.contents())
      this.reader = new LogReader(this.source, { reporter: this.reporter, initialOffset: this.initialOffset, fileName: '000003.log' })
    }
    return this.reader
  }
}

/** `n` bytes made by repeating `partial`, as a latin1 string. */
export function bigString (partial: string, n: number): string {
  let s = ''
  while (s.length < n) s += partial
  return s.slice(0, n)
}

/** A small deterministic generator (xorshift32), so tests need no external randomness. */
export class TestRandom {
  private state: number

  constructor (seed: number) {
    this.state = (seed >>> 0) || 0x9e3779b9
  }

  next (): number {
    let x = this.state
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    this.state = x >>> 0
    return this.state
  }

  /** Uniform in [0, n). */
  uniform (n: number): number {
    return this.next() % n
  }

  /** Picks a bit count in [0, maxLog] uniformly, then a value below 2^bits: small values dominate. */
  skewed (maxLog: number): number {
    return this.uniform(1 << this.uniform(maxLog + 1))
  }

  fill (out: Uint8Array): Uint8Array {
    for (let i = 0; i < out.length; i++) out[i] = this.next() & 0xff
    return out
  }
}

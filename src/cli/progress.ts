// Progress of long operations (compact, repair, verify), on stderr so that stdout stays data. On a
// terminal it is one line redrawn in place (a bar, or a spinner when the amount of work is not
// known); otherwise — a log file, CI, a pipe — plain lines, few enough to read: every step when
// there are a handful, else every tenth of the way.

import { formatSize } from './output.js'

export interface ProgressStream {
  write (chunk: string): boolean
  readonly isTTY?: boolean
  readonly columns?: number
}

interface ProgressOptions {
  /** Units of the total: shown as sizes or as counts. */
  unit?: 'bytes' | 'count'
  /** Default process.stderr. */
  stream?: ProgressStream
  /** False: print nothing at all (--quiet). */
  enabled?: boolean
}

const BAR_WIDTH = 24
const REDRAW_MS = 100
const SPINNER = ['|', '/', '-', '\\']

export class Progress {
  private readonly label: string
  private readonly total: number | undefined
  private readonly unit: 'bytes' | 'count'
  private readonly stream: ProgressStream
  private readonly enabled: boolean
  private readonly tty: boolean
  private readonly started = performance.now()
  private done = 0
  private detail = ''
  private lastDraw = 0
  private lastTenth = -1
  private spin = 0
  private timer: ReturnType<typeof setInterval> | undefined
  private finished = false

  /** `total` undefined: the amount of work is unknown (a spinner, or a start and an end line). */
  constructor (label: string, total: number | undefined, options: ProgressOptions = {}) {
    this.label = label
    this.total = total
    this.unit = options.unit ?? 'count'
    this.stream = options.stream ?? process.stderr
    this.enabled = options.enabled ?? true
    this.tty = this.stream.isTTY === true
    if (!this.enabled) return
    if (this.tty) {
      this.draw()
      if (total === undefined) {
        // The spinner turns whenever the event loop is free; unref'd so it never keeps the process up.
        this.timer = setInterval(() => { this.spin++; this.draw() }, REDRAW_MS)
        this.timer.unref()
      }
    } else {
      this.stream.write(`${label}: started${total === undefined ? '' : ` (${this.amount(total)})`}\n`)
    }
  }

  /** Sets how much is done (out of the total) and what is being worked on. */
  update (done: number, detail = ''): void {
    this.done = done
    this.detail = detail
    if (!this.enabled || this.finished) return
    if (this.tty) {
      const now = performance.now()
      if (now - this.lastDraw >= REDRAW_MS || (this.total !== undefined && done >= this.total)) this.draw()
      return
    }
    if (this.total === undefined || this.total <= 0) return
    // Plain lines: each step when there are at most ten, else each tenth.
    const tenth = this.total <= 10 ? done : Math.floor((done / this.total) * 10)
    if (tenth > this.lastTenth) {
      this.lastTenth = tenth
      this.stream.write(`${this.label}: ${this.percent()}% (${this.amount(done)} of ${this.amount(this.total)})${detail === '' ? '' : ' ' + detail}\n`)
    }
  }

  /** Ends the display with a closing line. */
  finish (summary = 'done'): void {
    if (this.finished) return
    this.finished = true
    if (this.timer !== undefined) clearInterval(this.timer)
    if (!this.enabled) return
    const seconds = ((performance.now() - this.started) / 1000).toFixed(1)
    const line = `${this.label}: ${summary} in ${seconds} s`
    this.stream.write(this.tty ? `\r\x1b[K${line}\n` : `${line}\n`)
  }

  private percent (): number {
    if (this.total === undefined || this.total <= 0) return 100
    return Math.min(100, Math.floor((this.done / this.total) * 100))
  }

  private amount (n: number): string {
    return this.unit === 'bytes' ? formatSize(n) : String(n)
  }

  private draw (): void {
    this.lastDraw = performance.now()
    let line: string
    if (this.total === undefined) {
      const seconds = ((this.lastDraw - this.started) / 1000).toFixed(0)
      line = `${SPINNER[this.spin % SPINNER.length]} ${this.label} ${seconds} s ${this.detail}`
    } else {
      const filled = Math.round((this.percent() / 100) * BAR_WIDTH)
      const bar = '#'.repeat(filled) + '.'.repeat(BAR_WIDTH - filled)
      line = `${this.label} [${bar}] ${String(this.percent()).padStart(3)}% ${this.amount(this.done)}/${this.amount(this.total)} ${this.detail}`
    }
    const width = (this.stream.columns ?? 80) - 1
    if (line.length > width) line = line.slice(0, width)
    this.stream.write(`\r\x1b[K${line}`)
  }
}

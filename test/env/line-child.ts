// A child Node process driven line by line: commands go to its stdin, and each line it prints
// is handed to the next nextLine() (or kept until one asks). The lock tests use it to hold a
// database from another process. Its stderr is passed through when it exits.

import { spawn } from 'node:child_process'
import type { ChildProcessWithoutNullStreams } from 'node:child_process'

export class LineChild {
  readonly proc: ChildProcessWithoutNullStreams
  readonly exited: Promise<void>
  private readonly lines: string[] = []
  private readonly waiting: Array<(line: string) => void> = []
  private buffered = ''

  /** Runs `script` as an ES module (`node -e`), with `args` after it. */
  constructor (script: string, args: readonly string[] = []) {
    this.proc = spawn(process.execPath, ['--input-type=module', '-e', script, ...args])
    this.proc.stdout.setEncoding('utf8')
    this.proc.stdout.on('data', (chunk: string) => {
      this.buffered += chunk
      let nl
      while ((nl = this.buffered.indexOf('\n')) >= 0) {
        const line = this.buffered.slice(0, nl)
        this.buffered = this.buffered.slice(nl + 1)
        const waiter = this.waiting.shift()
        if (waiter !== undefined) waiter(line)
        else this.lines.push(line)
      }
    })
    let stderr = ''
    this.proc.stderr.on('data', (chunk) => { stderr += String(chunk) })
    this.exited = new Promise((resolve) => this.proc.on('close', () => {
      if (stderr !== '') process.stderr.write(stderr)
      resolve()
    }))
  }

  async nextLine (): Promise<string> {
    const line = this.lines.shift()
    if (line !== undefined) return line
    return await new Promise((resolve) => this.waiting.push(resolve))
  }

  /** Writes `line` to the child's stdin and returns the next line it prints. */
  async request (line: string): Promise<string> {
    this.proc.stdin.write(line + '\n')
    return await this.nextLine()
  }

  async kill (): Promise<void> {
    this.proc.kill('SIGKILL')
    await this.exited
  }
}

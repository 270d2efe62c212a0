// abstract-level's official test suite (abstract-level/test, under tape) in a browser, bundled by
// harness.ts with tape's shims: runs the suite on databases made by `factory` and reads tape's TAP
// output into a summary, as test/level/abstract-suite-tap.ts does for Node.

import tape from 'tape'
// @ts-expect-error abstract-level ships no declarations for its test suite
import suite from 'abstract-level/test/index.js'

export interface SuiteSummary {
  tests: number
  pass: number
  fail: number
  /** Each failure: the test's name, the `not ok` line and the first lines of its YAML block. */
  failures: string[]
}

export async function runAbstractSuite (factory: (options?: object) => unknown): Promise<SuiteSummary> {
  const lines: string[] = []
  let partial = ''
  const stream = tape.createStream()
  stream.on('data', (chunk: unknown) => {
    partial += String(chunk)
    const parts = partial.split('\n')
    partial = parts.pop()!
    lines.push(...parts)
  })
  const ended = new Promise<void>((resolve) => { stream.on('end', () => { resolve() }) })
  ;(suite as (options: { test: typeof tape, factory: (options?: object) => unknown }) => void)({ test: tape, factory })
  await ended
  if (partial !== '') lines.push(partial)
  const count = (label: string): number => {
    const line = lines.find((l) => l.startsWith(`# ${label} `))
    return line === undefined ? (label === 'fail' ? 0 : -1) : Number(line.slice(label.length + 2).trim())
  }
  const failures: string[] = []
  let current = ''
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!
    if (line.startsWith('# ')) current = line
    if (line.startsWith('not ok')) failures.push([current, ...lines.slice(i, i + 8)].join('\n'))
  }
  return { tests: count('tests'), pass: count('pass'), fail: count('fail'), failures }
}

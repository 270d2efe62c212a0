// abstract-level's official test suite (abstract-level/test, under tape) in a browser, bundled by
// harness.ts with tape's shims: runs the suite on databases made by `factory` and reads tape's TAP
// output into a summary, as test/level/abstract-suite-tap.ts does for Node.

import tape from 'tape'
import { tapCounts, type TapCounts } from '../level/tap-counts.js'
// @ts-expect-error abstract-level ships no declarations for its test suite
import suite from 'abstract-level/test/index.js'

export type SuiteSummary = TapCounts

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
  return tapCounts(lines)
}

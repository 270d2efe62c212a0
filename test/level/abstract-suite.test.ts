// The official abstract-level suite (abstract-level/test, run by tape) against ShaleLevel, twice:
// default options, and a 1 KiB write buffer so that the suite's data goes through tables and
// compaction. Each run is a child process (tape owns its process: it reports at exit); this file
// reads its TAP summary and fails unless every assertion passed and there were at least as many
// as classic-level passes with the same suite version.

import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

/** Assertions classic-level 3.0.0 passes with abstract-level 3.1.1 (measured with the runner's classic mode). */
const CLASSIC_LEVEL_ASSERTIONS = 5168
const runner = fileURLToPath(new URL('./abstract-suite-runner.js', import.meta.url))

interface TapSummary {
  exitCode: number | null
  tests: number
  pass: number
  fail: number
  failures: string[]
  comments: string[]
}

async function runSuite (mode: string): Promise<TapSummary> {
  const child = spawn(process.execPath, [runner, mode], { stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  let err = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => { out += chunk })
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => { err += chunk })
  const exitCode = await new Promise<number | null>((resolve) => { child.on('close', resolve) })
  const lines = out.split('\n')
  const count = (label: string): number => {
    const line = lines.find((l) => l.startsWith(`# ${label} `))
    return line === undefined ? -1 : Number(line.slice(label.length + 2).trim())
  }
  // Each failure with the test name above it and the first lines of its YAML block.
  const failures: string[] = []
  let currentTest = ''
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!
    if (line.startsWith('# ')) currentTest = line
    if (line.startsWith('not ok')) failures.push([currentTest, ...lines.slice(i, i + 8)].join('\n'))
  }
  if (err.trim() !== '') failures.push(`stderr:\n${err.slice(0, 4000)}`)
  return {
    exitCode,
    tests: count('tests'),
    pass: count('pass'),
    fail: lines.some((l) => l.startsWith('# fail ')) ? count('fail') : 0,
    failures,
    comments: lines.filter((l) => l.startsWith('# shale '))
  }
}

function check (summary: TapSummary, diagnostic: (message: string) => void): void {
  diagnostic(`abstract-level suite: ${summary.pass} passed, ${summary.fail} failed, of ${summary.tests} assertions`)
  for (const c of summary.comments) diagnostic(c.slice(2))
  assert.equal(summary.failures.length, 0, `failures:\n${summary.failures.slice(0, 20).join('\n\n')}`)
  assert.equal(summary.fail, 0)
  assert.equal(summary.exitCode, 0, 'tape exits non-zero on any failure or unfinished plan')
  assert.ok(summary.pass >= CLASSIC_LEVEL_ASSERTIONS, `only ${summary.pass} assertions passed; classic-level passes ${CLASSIC_LEVEL_ASSERTIONS}`)
  assert.equal(summary.pass, summary.tests)
}

/** Runs and checks one mode, and returns the numbers of the runner's comment that starts with `proof`. */
async function checkedRun (mode: string, proof: string, diagnostic: (message: string) => void): Promise<number[]> {
  const summary = await runSuite(mode)
  check(summary, diagnostic)
  const line = summary.comments.find((c) => c.startsWith(proof))
  assert.ok(line !== undefined, `the runner reports "${proof}"`)
  return line.match(/\d+/g)!.map(Number)
}

// The runs at once: each spends most of its time waiting on fsync, not on a core.
describe('abstract-level test suite', { concurrency: true }, () => {
  test('ShaleLevel with default options', async (t) => {
    check(await runSuite('default'), (m) => { t.diagnostic(m) })
  })

  test('ShaleLevel with writeBufferSize 1 KiB (data through tables and compaction)', async (t) => {
    const [written, deleted] = await checkedRun('small-buffer', '# shale tables written', (m) => { t.diagnostic(m) })
    assert.ok(written! > 0, 'flushes wrote tables')
    assert.ok(deleted! > 0, 'compactions replaced tables')
  })

  test('ShaleLevel as a client of another thread (multithreading)', async (t) => {
    const [forwarded, owned] = await checkedRun('forwarded', '# shale forwarded opens', (m) => { t.diagnostic(m) })
    assert.ok(owned! > 500, `the suite opened ${owned} databases owned by another thread`)
    assert.equal(forwarded, owned, 'every one of them was served to this thread as a client')
  })
})

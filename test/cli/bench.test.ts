// `shale bench` runs the benchmark script in a child process with the same flags, and says clearly
// what to do when the script is not there (as in the published package, which leaves bench/ out).

import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync, type SpawnSyncReturns } from 'node:child_process'
import { existsSync, mkdirSync, symlinkSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { removeDir, shale, tempDir } from './helpers.js'

const DIST_SRC = fileURLToPath(new URL('../../src', import.meta.url))
const BENCH = fileURLToPath(new URL('../../bench/db-bench.js', import.meta.url))

describe('shale bench', () => {
  test('--help shows the command\'s help and the benchmark\'s own flags', () => {
    assert.ok(existsSync(BENCH), 'the benchmark is built with the tree')
    const r = shale(['bench', '--help'])
    assert.equal(r.code, 0, r.stderr)
    assert.ok(r.stdout.startsWith('Usage: shale bench'))
    assert.match(r.stdout, /usage: node dist\/bench\/db-bench\.js/)
    assert.match(r.stdout, /--stores/)
  })

  test('flags are passed through, and the benchmark\'s exit code comes back', () => {
    const r = shale(['bench', '--no-such-flag'])
    assert.notEqual(r.code, 0)
    assert.match(r.stderr, /no-such-flag/)
  })

  /**
   * Runs `shale bench <args>` from a tree with dist/src but no dist/bench, as the installed package
   * is, through symlinks kept as they are, so that the CLI looks for the script beside itself there.
   */
  function benchWithoutScript (args: string[]): SpawnSyncReturns<string> {
    const root = tempDir('bench-missing')
    try {
      mkdirSync(join(root, 'dist'))
      symlinkSync(DIST_SRC, join(root, 'dist', 'src'), 'dir')
      return spawnSync(process.execPath, ['--preserve-symlinks', '--preserve-symlinks-main', join(root, 'dist', 'src', 'cli', 'main.js'), 'bench', ...args], {
        encoding: 'utf8', timeout: 30_000
      })
    } finally {
      removeDir(root)
    }
  }

  test('without the benchmark script: a clear message and exit 1', () => {
    const run = benchWithoutScript(['--quick'])
    assert.equal(run.status, 1, run.stderr)
    assert.match(run.stderr, /the benchmark is not built: .*dist\/bench\/db-bench\.js does not exist/)
    assert.match(run.stderr, /needs a checkout/)
    assert.match(run.stderr, /npm run build/)
  })

  test('without the benchmark script, --help and -h still work: the help, why flags are missing, exit 0', () => {
    for (const flag of ['--help', '-h']) {
      const run = benchWithoutScript([flag])
      assert.equal(run.status, 0, `${flag}: ${run.stderr}`)
      assert.equal(run.stderr, '')
      assert.ok(run.stdout.startsWith('Usage: shale bench'), flag)
      assert.match(run.stdout, /Its flags cannot be listed here: the benchmark is not built/)
      assert.match(run.stdout, /needs a checkout of the shale repository/)
    }
  })
})

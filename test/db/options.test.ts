// Option ranges: every number option is clipped to its range at each bound (below, at and just
// inside each floor and ceiling), and README.md's options table states each range exactly as
// NUMBER_OPTIONS holds it, so that the two cannot drift apart.

import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { type DBOptions, NUMBER_OPTIONS, type NumberOptionSpec, resolveOptions } from '../../src/db/options.js'

const NAMES = Object.keys(NUMBER_OPTIONS) as Array<keyof typeof NUMBER_OPTIONS>

function resolved (name: keyof typeof NUMBER_OPTIONS, value: number): number {
  return resolveOptions({ [name]: value } as DBOptions)[name]
}

const UNITS: Array<[number, string]> = [[1024 ** 3, 'GiB'], [1024 ** 2, 'MiB'], [1024, 'KiB']]

/** A bound as README.md writes it: sizes in KiB/MiB/GiB when exact, counts with thousands separators. */
function bound (n: number, unit: NumberOptionSpec['unit']): string {
  if (unit === 'bytes' && n > 0) {
    for (const [size, name] of UNITS) if (n % size === 0) return `${n / size} ${name}`
  }
  return n.toLocaleString('en-US')
}

function rangeText (spec: NumberOptionSpec): string {
  return spec.max === Number.MAX_SAFE_INTEGER
    ? `${bound(spec.min, spec.unit)} and up`
    : `${bound(spec.min, spec.unit)} to ${bound(spec.max, spec.unit)}`
}

describe('option ranges', () => {
  test('LevelDB\'s ranges where Shale keeps them, and the two lower floors', () => {
    const KiB = 1024
    const MiB = 1024 * KiB
    const GiB = 1024 * MiB
    assert.deepEqual([NUMBER_OPTIONS.maxOpenFiles.min, NUMBER_OPTIONS.maxOpenFiles.max], [64 + 10, 50000])
    assert.deepEqual([NUMBER_OPTIONS.blockSize.min, NUMBER_OPTIONS.blockSize.max], [1 * KiB, 4 * MiB])
    assert.equal(NUMBER_OPTIONS.writeBufferSize.max, 1 * GiB)
    assert.equal(NUMBER_OPTIONS.maxFileSize.max, 1 * GiB)
    // Below LevelDB's 64 KiB and 1 MiB, on purpose (README.md says so).
    assert.equal(NUMBER_OPTIONS.writeBufferSize.min, 1 * KiB)
    assert.equal(NUMBER_OPTIONS.maxFileSize.min, 1 * KiB)
  })

  for (const name of NAMES) {
    const spec: NumberOptionSpec = NUMBER_OPTIONS[name]
    test(`${name}: clipped to [${spec.min}, ${spec.max}] at each bound; default ${spec.fallback}`, () => {
      assert.equal(resolveOptions({})[name], spec.fallback)
      assert.ok(spec.fallback >= spec.min && spec.fallback <= spec.max, 'the default is in range')
      if (spec.min > 0) assert.equal(resolved(name, spec.min - 1), spec.min, 'below the floor')
      assert.equal(resolved(name, spec.min), spec.min, 'at the floor')
      assert.equal(resolved(name, spec.min + 1), spec.min + 1, 'above the floor')
      assert.equal(resolved(name, spec.max - 1), spec.max - 1, 'below the ceiling')
      assert.equal(resolved(name, spec.max), spec.max, 'at the ceiling')
      // Past MAX_SAFE_INTEGER numbers are not exact; 2 ** 53 and twice the ceiling still are.
      assert.equal(resolved(name, spec.max * 2), spec.max, 'above the ceiling')
      assert.equal(resolved(name, spec.min + 1.75), spec.min + 1, 'fractions are floored')
      assert.throws(() => resolved(name, -1), { code: 'LEVEL_INVALID_ARGUMENT' })
    })
  }

  test('README.md states every range as the code holds it', () => {
    const readme = readFileSync(fileURLToPath(new URL('../../../README.md', import.meta.url)), 'utf8')
    for (const name of NAMES) {
      const row = readme.split('\n').find((l) => l.startsWith(`| \`${name}\` |`))
      assert.ok(row !== undefined, `README.md's options table has a row for ${name}`)
      assert.ok(row.includes(`(${rangeText(NUMBER_OPTIONS[name])}`), `${name}: README says ${row}; the code's range is ${rangeText(NUMBER_OPTIONS[name])}`)
    }
  })
})

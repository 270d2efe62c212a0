// The db_bench harness: its arithmetic (ratios, best peer), its chart, its option parsing, its
// result checks (a store that loses writes must be caught, in every encoding), and small
// end-to-end runs of the real command with Shale and memory-level only.

import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { formatSummary, parseOptions, summarize, type BenchRun } from '../../bench/db-bench.js'
import { makeKey, makeKeyString, runAdapter, type PhaseResult, type StoreResult, type WorkerMessage } from '../../bench/db-bench-worker.js'
import { axisExponents, escapeXml, renderRatioChart } from '../../bench/chart.js'
import { MemoryLevelStore } from '../../bench/stores/memory-level.js'
import { ENCODINGS, loadStore, type BenchData, type BenchEncoding } from '../../bench/stores/store.js'

function storeResult (store: string, phases: Array<[PhaseResult['name'], number]>, extra: Partial<StoreResult> = {}): StoreResult {
  return {
    store,
    version: '0',
    configuration: '',
    strings: false,
    phases: phases.map(([name, opsPerSec]) => ({ name, ops: 1, seconds: 1 / opsPerSec, opsPerSec })),
    writeMeter: 'proc-io',
    peakRssBytes: 0,
    problems: [],
    ...extra
  }
}

describe('summary', () => {
  const results = [
    storeResult('shale-level', [['fillseq', 100_000], ['readseq', 500]], { diskBytes: 110 << 20, peakRssBytes: 300 << 20 }),
    storeResult('classic-level', [['fillseq', 20_000], ['readseq', 1000]], { diskBytes: 100 << 20, peakRssBytes: 200 << 20 }),
    storeResult('lmdb', [['fillseq', 2_000], ['readseq', 4000]], { diskBytes: 180 << 20, peakRssBytes: 500 << 20 }),
    storeResult('memory-level', [['fillseq', 50_000], ['readseq', 2000]], { peakRssBytes: 150 << 20 })
  ]
  const summary = summarize(results)
  const row = (key: string): ReturnType<typeof summarize>[number] => summary.find((r) => r.key === key)!

  test('ratios to classic-level and to the best peer, where higher is better', () => {
    assert.equal(row('fillseq').ratios['shale-level']!.classic, 5)
    assert.equal(row('fillseq').ratios['shale-level']!.bestPeer, 'memory-level')
    assert.equal(row('fillseq').ratios['shale-level']!.best, 2)
    assert.equal(row('readseq').ratios['shale-level']!.bestPeer, 'lmdb')
    assert.equal(row('readseq').ratios['shale-level']!.best, 0.125)
  })

  test('where lower is better the best peer is the lowest, and stores without the figure are skipped', () => {
    assert.equal(row('disk').better, 'lower')
    assert.equal(row('disk').ratios['shale-level']!.bestPeer, 'classic-level')
    assert.equal(row('disk').ratios['shale-level']!.best, 1.1)
    assert.equal(row('rss').ratios['shale-level']!.bestPeer, 'memory-level')
    assert.equal(row('rss').ratios['shale-level']!.best, 2)
  })

  test('a figure nobody has gives no ratio, and a phase a store skipped shows as a dash', () => {
    assert.deepEqual(row('fillsync').ratios['shale-level'], {})
    assert.deepEqual(row('writeAmp').ratios['shale-level'], {})
    const text = formatSummary(summary, results.map((r) => r.store))
    const fillsync = text.split('\n').find((l) => l.startsWith('fillsync '))!
    assert.match(fillsync, /^fillsync\s+ops\/s(\s+—){4}\s+—\s+—$/)
    const fillseq = text.split('\n').find((l) => l.startsWith('fillseq '))!
    assert.match(fillseq, /100\.0k\s+20\.0k\s+2\.0k\s+50\.0k\s+5\.00×\s+2\.00× mem$/)
  })

  test('a zero denominator gives no ratio rather than Infinity', () => {
    const s = summarize([
      storeResult('shale-db', [], { eventLoopDelay: { p50: 0.5, p99: 1, max: 2, samples: 10 } }),
      storeResult('classic-level', [], { eventLoopDelay: { p50: 0, p99: 1, max: 4, samples: 10 } })
    ])
    const p50 = s.find((r) => r.key === 'eldP50')!
    assert.equal(p50.ratios['shale-db']!.classic, undefined)
    assert.equal(s.find((r) => r.key === 'eldMax')!.ratios['shale-db']!.classic, 0.5)
  })
})

describe('chart', () => {
  test('one bar per usable ratio, labels escaped, an axis that covers the data', () => {
    const svg = renderRatioChart({
      title: 'a <b> & "c"',
      series: ['x', 'y'],
      rows: [
        { label: 'fill<seq>', better: 'higher', ratios: [2, 0.5] },
        { label: 'disk', better: 'lower', ratios: [undefined, 100] },
        { label: 'rss', better: 'lower', ratios: [0, Number.NaN] }
      ]
    })
    assert.ok(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"'))
    assert.ok(svg.trimEnd().endsWith('</svg>'))
    assert.equal(svg.match(/<rect class="bar"/g)?.length, 3)
    assert.equal(svg.match(/>n\/a</g)?.length, 3)
    assert.ok(svg.includes('a &lt;b&gt; &amp; &quot;c&quot;'))
    assert.ok(svg.includes('fill&lt;seq&gt;'))
    assert.ok(!svg.includes('fill<seq>'))
    assert.ok(svg.includes('128×'), 'the axis reaches past 100')
  })

  test('the axis is at least 1/4..4 and at most 2^-10..2^10', () => {
    assert.deepEqual(axisExponents([{ label: '', better: 'higher', ratios: [1.1] }]), [-2, 2])
    assert.deepEqual(axisExponents([{ label: '', better: 'higher', ratios: [0.01, 5] }]), [-7, 3])
    assert.deepEqual(axisExponents([{ label: '', better: 'higher', ratios: [1e-9, 1e9] }]), [-10, 10])
  })

  test('escapeXml escapes all five characters', () => {
    assert.equal(escapeXml(`<a href="x">'&'</a>`), '&lt;a href=&quot;x&quot;&gt;&apos;&amp;&apos;&lt;/a&gt;')
  })
})

describe('options and keys', () => {
  test('defaults as db_bench, quick mode, and bad input rejected', () => {
    const d = parseOptions([])
    assert.equal(d.n, 1_000_000)
    assert.equal(d.reads, 1_000_000)
    assert.equal(d.syncOps, 10_000)
    assert.equal(d.batchSize, 1000)
    assert.equal(d.concurrency, 64)
    assert.deepEqual(d.stores, ['shale-db', 'shale-level', 'classic-level', 'lmdb', 'memory-level'])
    const q = parseOptions(['--quick', '--stores', 'memory-level,shale-level', '--n', '1_000'])
    assert.equal(q.n, 1000)
    assert.equal(q.reads, 1000)
    assert.equal(q.syncOps, 1000)
    assert.deepEqual(q.stores, ['shale-level', 'memory-level'])
    assert.throws(() => parseOptions(['--n', '0']), /positive integer/)
    assert.throws(() => parseOptions(['--stores', 'leveldown']), /unknown store/)
    assert.throws(() => parseOptions(['--phases', 'fillrandom,readmissing']), /unknown phase/)
    assert.throws(() => parseOptions(['--bogus']))
    assert.equal(d.cpuProfDir, undefined)
    assert.equal(parseOptions(['--cpu-prof', '/tmp/p']).cpuProfDir, '/tmp/p')
    assert.equal(d.cacheSize, undefined)
    assert.equal(parseOptions(['--cache-size', '67_108_864']).cacheSize, 64 * 1024 * 1024)
    assert.throws(() => parseOptions(['--cache-size', '0']), /--cache-size must be a positive integer/)
  })

  test('--cache-size reaches the stores that have a block cache, and their configuration says so', async () => {
    for (const name of ['shale-db', 'shale-level', 'classic-level'] as const) {
      assert.match((await loadStore(name, 'utf8')).configuration, /8 MiB block cache/, name)
      assert.match((await loadStore(name, 'utf8', 64 * 1024 * 1024)).configuration, /64\.0 MiB block cache \(--cache-size\)/, name)
    }
  })

  test('encodings: utf8 by default, one or several in the order given, bad ones rejected', () => {
    assert.deepEqual(parseOptions([]).encodings, ['utf8'])
    assert.deepEqual(parseOptions(['--encoding', 'buffer']).encodings, ['buffer'])
    assert.deepEqual(parseOptions(['--encodings', 'view,utf8,json,buffer']).encodings, ['view', 'utf8', 'json', 'buffer'])
    assert.throws(() => parseOptions(['--encoding', 'hex']), /unknown encoding hex/)
    assert.throws(() => parseOptions(['--encodings', 'utf8,utf8']), /named twice/)
    assert.throws(() => parseOptions(['--encodings', ',']), /at least one/)
    assert.throws(() => parseOptions(['--encoding', 'utf8', '--encodings', 'buffer']), /not both/)
  })

  test('keys are "%016d"', () => {
    assert.equal(makeKey(0).toString('latin1'), '0000000000000000')
    assert.equal(makeKey(42).toString('latin1'), '0000000000000042')
    assert.equal(makeKey(999_999).toString('latin1'), '0000000000999999')
    assert.equal(makeKey(1234567890123456).toString('latin1'), '1234567890123456')
    for (const k of [0, 42, 999_999, 1234567890123456]) assert.equal(makeKeyString(k), makeKey(k).toString('latin1'))
  })
})

describe('result checks', () => {
  // memory-level with every put of a key ending in 7 silently dropped.
  class LossyStore extends MemoryLevelStore {
    override async put (key: BenchData, value: BenchData, sync: boolean): Promise<void> {
      if (typeof key === 'string' ? key.endsWith('7') : key[key.length - 1] === 0x37) return
      await super.put(key, value, sync)
    }
  }

  for (const encoding of ENCODINGS) {
    test(`a store that loses writes is reported, phase by phase (${encoding})`, async () => {
      await lossyRun(encoding)
    })
  }

  async function lossyRun (encoding: BenchEncoding): Promise<void> {
    const dir = mkdtempSync(join(tmpdir(), 'shale-bench-test-'))
    try {
      const messages: WorkerMessage[] = []
      const store = new LossyStore(encoding)
      assert.equal(store.strings, encoding === 'utf8' || encoding === 'json')
      assert.ok(store.configuration.includes(`${encoding} encoding`), store.configuration)
      const result = await runAdapter(store, {
        store: 'memory-level', n: 1000, reads: 1000, syncOps: 10, batchSize: 100, concurrency: 8, dir, phases: ['readrandom', 'readseq']
      }, (m) => messages.push(m))
      assert.deepEqual(result.phases.map((p) => p.name), ['fillrandom', 'overwrite', 'readrandom', 'readseq'])
      // The peak RSS so far, per phase: positive and never falling.
      const peaks = result.phases.map((p) => p.peakRssSoFarBytes ?? 0)
      assert.ok(peaks[0]! > 0 && peaks.every((b, i) => i === 0 || b >= peaks[i - 1]!), peaks.join(', '))
      assert.equal(result.problems.length, 2, result.problems.join('; '))
      assert.match(result.problems[0]!, /^readrandom: found \d+, expected \d+$/)
      assert.match(result.problems[1]!, /^readseq: found \d+, expected \d+$/)
      const readseq = result.phases.find((p) => p.name === 'readseq')!
      assert.ok(readseq.found! < readseq.expectedFound!)
      assert.equal(messages.filter((m) => m.type === 'phase').length, 4)
      assert.equal(result.strings, store.strings)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }
})

describe('end to end', () => {
  test('npm run bench, small: Shale (both APIs) and memory-level', () => {
    const root = mkdtempSync(join(tmpdir(), 'shale-bench-e2e-'))
    const dbs = join(root, 'dbs')
    const out = join(root, 'out')
    try {
      const script = fileURLToPath(new URL('../../bench/db-bench.js', import.meta.url))
      const run = spawnSync(process.execPath, [script, '--n', '2000', '--sync-ops', '200', '--stores', 'shale-db,shale-level,memory-level', '--dir', dbs, '--out', out], {
        encoding: 'utf8', timeout: 60_000
      })
      assert.equal(run.status, 0, run.stderr + run.stdout)
      // Not a terminal: plain lines, no progress line redrawn in place.
      assert.ok(!run.stdout.includes('\r'))
      assert.match(run.stdout, /\[2\/3 shale-level\] fillrandom\s+2,000 ops/)
      assert.match(run.stdout, /^metric\s+unit\s+shale-db\s+shale-level\s+memory-level\s+Level\/CL\s+Level\/best\s+DB\/CL\s+DB\/best$/m)
      assert.match(run.stdout, /^readrandom\s+ops\/s(\s+\S+){3}\s+—\s+\d+\.\d+× mem\s+—\s+\d+\.\d+× mem$/m)
      assert.ok(!run.stdout.includes('WRONG'))
      // Every store directory was removed.
      assert.deepEqual(readdirSync(dbs), [])

      const files = readdirSync(out).sort()
      assert.equal(files.length, 2)
      const json = JSON.parse(readFileSync(join(out, files.find((f) => f.endsWith('.json'))!), 'utf8')) as BenchRun
      const svg = readFileSync(join(out, files.find((f) => f.endsWith('.svg'))!), 'utf8')
      assert.deepEqual(json.stores.map((s) => s.store), ['shale-db', 'shale-level', 'memory-level'])
      assert.deepEqual(json.errors, [])
      // utf8 by default: the abstract-level stores are given strings, the engine API bytes.
      assert.equal(json.encoding, 'utf8')
      assert.ok(files.every((f) => f.includes('-utf8.')), files.join(', '))
      assert.deepEqual(json.stores.map((s) => s.strings), [false, true, true])
      for (const s of json.stores.slice(1)) assert.ok(s.configuration.includes('utf8 encoding'), s.configuration)
      const all = ['fillseq', 'fillbatch', 'fillrandom-64', 'fillsync', 'fillsync-64', 'fillrandom', 'overwrite', 'readrandom',
        'readrandom-64', 'readrandom-getsync', 'readseq', 'readreverse', 'seekrandom', 'readwhilewriting']
      for (const s of json.stores) {
        assert.deepEqual(s.problems, [])
        const expected = s.store === 'memory-level' ? all.filter((p) => !p.startsWith('fillsync')) : all
        assert.deepEqual(s.phases.map((p) => p.name), expected, s.store)
        for (const p of s.phases) {
          assert.ok(p.opsPerSec > 0 && Number.isFinite(p.opsPerSec), `${s.store} ${p.name}`)
          if (p.expectedFound !== undefined) assert.equal(p.found, p.expectedFound, `${s.store} ${p.name}`)
          const write = p.name.startsWith('fill') || p.name === 'overwrite' || p.name === 'readwhilewriting'
          assert.equal(p.eventLoopDelay !== undefined, write, `${s.store} ${p.name}`)
        }
        assert.equal(s.phases.find((p) => p.name === 'fillsync')?.ops, s.store === 'memory-level' ? undefined : 200)
        assert.equal(s.phases.find((p) => p.name === 'fillbatch')!.ops, 2000)
        assert.ok(s.peakRssBytes > 10 << 20)
      }
      // The stores agree on what the read database holds.
      const readseq = json.stores.map((s) => s.phases.find((p) => p.name === 'readseq')!.ops)
      assert.ok(readseq[0]! > 1000 && readseq[0]! < 2000)
      assert.deepEqual(readseq, [readseq[0], readseq[0], readseq[0]])
      for (const s of json.stores.slice(0, 2)) {
        assert.ok(s.diskBytes! > 100_000, `${s.store} disk ${s.diskBytes}`)
        assert.ok(s.writeAmp! > 0.5 && s.writeAmp! < 5, `${s.store} write amplification ${s.writeAmp}`)
      }
      assert.equal(json.stores[2]!.diskBytes, undefined)
      assert.equal(json.stores[2]!.writeAmp, undefined)
      const fillseq = json.summary.find((r) => r.key === 'fillseq')!
      assert.equal(fillseq.ratios['shale-level']!.bestPeer, 'memory-level')
      assert.equal(fillseq.ratios['shale-level']!.best, fillseq.values['shale-level']! / fillseq.values['memory-level']!)
      // Two series per Shale store: one bar per metric and series that has a ratio.
      const usable = json.summary.reduce((c, r) => c + ['shale-level', 'shale-db'].filter((s) => r.ratios[s]?.best !== undefined).length, 0)
      assert.equal(svg.match(/<rect class="bar"/g)?.length, usable)
    } finally {
      rmSync(root, { recursive: true, force: true })
    }
  })

  test('--encodings: one run, one table and one pair of files per encoding, in order', () => {
    const root = mkdtempSync(join(tmpdir(), 'shale-bench-enc-'))
    try {
      const script = fileURLToPath(new URL('../../bench/db-bench.js', import.meta.url))
      const out = join(root, 'out')
      const run = spawnSync(process.execPath, [script, '--n', '1000', '--stores', 'shale-level,memory-level', '--phases', 'fillbatch,readseq,seekrandom',
        '--encodings', 'json,buffer', '--dir', join(root, 'dbs'), '--out', out], { encoding: 'utf8', timeout: 60_000 })
      assert.equal(run.status, 0, run.stderr + run.stdout)
      assert.ok(!run.stdout.includes('WRONG'))
      const headings = run.stdout.split('\n').filter((l) => /^\w+ encoding \(/.test(l))
      assert.deepEqual(headings.map((l) => l.split(' ')[0]), ['json', 'buffer'])
      assert.equal(run.stdout.match(/^metric\s+unit\s+shale-level\s+memory-level/gm)?.length, 2)
      assert.match(run.stdout, /\[json 1\/2 shale-level\] fillbatch/)
      const files = readdirSync(out).sort()
      assert.equal(files.length, 4, files.join(', '))
      for (const encoding of ['json', 'buffer']) {
        const file = files.find((f) => f.endsWith(`-${encoding}.json`))!
        const json = JSON.parse(readFileSync(join(out, file), 'utf8')) as BenchRun
        assert.equal(json.encoding, encoding)
        assert.deepEqual(json.options.encodings, ['json', 'buffer'])
        for (const s of json.stores) {
          assert.equal(s.strings, encoding === 'json', s.store)
          assert.ok(s.configuration.includes(`${encoding} encoding`), s.configuration)
          assert.deepEqual(s.problems, [])
          const seek = s.phases.find((p) => p.name === 'seekrandom')!
          assert.equal(seek.found, seek.expectedFound, `${encoding} ${s.store}`)
        }
      }
    } finally {
      rmSync(root, { recursive: true, force: true })
    }
  })

  test('--cpu-prof writes a profile for every thread of the store processes', () => {
    const root = mkdtempSync(join(tmpdir(), 'shale-bench-prof-'))
    try {
      const script = fileURLToPath(new URL('../../bench/db-bench.js', import.meta.url))
      const prof = join(root, 'prof')
      const run = spawnSync(process.execPath, [script, '--n', '2000', '--stores', 'shale-db,memory-level', '--phases', 'fillseq',
        '--dir', join(root, 'dbs'), '--out', join(root, 'out'), '--cpu-prof', prof], { encoding: 'utf8', timeout: 60_000 })
      assert.equal(run.status, 0, run.stderr + run.stdout)
      const files = readdirSync(prof).filter((f) => f.endsWith('.cpuprofile'))
      // Two store processes; Shale's main thread, at least, and memory-level's.
      assert.ok(files.length >= 2, files.join(', '))
      const pids = new Set(files.map((f) => f.split('.')[3]))
      assert.equal(pids.size, 2, files.join(', '))
      for (const f of files) {
        const profile = JSON.parse(readFileSync(join(prof, f), 'utf8')) as { nodes: unknown[], samples: unknown[] }
        assert.ok(profile.nodes.length > 0 && Array.isArray(profile.samples), f)
      }
    } finally {
      rmSync(root, { recursive: true, force: true })
    }
  })

  test('the file-size write meter, where /proc/self/io is not used', () => {
    const root = mkdtempSync(join(tmpdir(), 'shale-bench-e2e-'))
    try {
      const script = fileURLToPath(new URL('../../bench/db-bench.js', import.meta.url))
      const run = spawnSync(process.execPath, [script, '--n', '2000', '--stores', 'shale-db', '--phases', 'fillseq',
        '--write-meter', 'files', '--dir', join(root, 'dbs'), '--out', join(root, 'out')], { encoding: 'utf8', timeout: 30_000 })
      assert.equal(run.status, 0, run.stderr + run.stdout)
      const file = readdirSync(join(root, 'out')).find((f) => f.endsWith('.json'))!
      const json = JSON.parse(readFileSync(join(root, 'out', file), 'utf8')) as BenchRun
      const s = json.stores[0]!
      assert.equal(s.writeMeter, 'file-sizes')
      // 2,000 entries stay in the memtable: the log alone is written, a little over the user bytes.
      const wa = s.phases[0]!.writeAmp!
      assert.ok(wa > 1 && wa < 1.3, `write amplification ${wa}`)
      assert.ok(existsSync(join(root, 'dbs')))
    } finally {
      rmSync(root, { recursive: true, force: true })
    }
  })
})

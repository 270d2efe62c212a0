// Prints a db_bench JSON result (dist/bench-results/*.json) as the Markdown tables that
// bench/RESULTS.md and the README carry, with the issue's targets checked against it:
//   node dist/bench/results-table.js bench/results/<file>.json

import { readFileSync } from 'node:fs'

interface Row {
  key: string
  unit: string
  better: 'higher' | 'lower'
  values: Record<string, number | undefined>
  ratios: Record<string, { classic?: number, best?: number, bestPeer?: string }>
}

interface Result {
  meta: { date: string, node: string, platform: string, cpus: number, cpuModel: string, memoryBytes: number, commit: string, dirty: boolean }
  options: { n: number, reads: number, syncOps: number, batchSize: number, concurrency: number }
  summary: Row[]
}

const STORES = ['shale-level', 'shale-db', 'classic-level', 'lmdb', 'memory-level']

function figure (v: number | undefined, unit: string): string {
  if (v === undefined || !Number.isFinite(v)) return '—'
  if (unit === 'MiB' || unit === '×' || unit === 'ms') return v.toFixed(unit === 'ms' ? 2 : unit === '×' ? 2 : 1)
  if (v >= 1e6) return `${(v / 1e6).toFixed(2)}M`
  if (v >= 1e3) return `${(v / 1e3).toFixed(1)}k`
  return v.toFixed(0)
}

function ratio (r: number | undefined): string {
  return r === undefined || !Number.isFinite(r) ? '—' : `${r.toFixed(2)}×`
}

/** The issue's targets: [row key, store, peer, target ratio, higher is better]. */
const TARGETS: Array<[string, string, 'classic-level' | 'lmdb', number, string]> = [
  ['fillseq', 'shale-level', 'classic-level', 5, 'awaited put ≥ 5× classic-level'],
  ['fillrandom', 'shale-level', 'classic-level', 5, 'awaited put ≥ 5× classic-level'],
  ['overwrite', 'shale-level', 'classic-level', 5, 'awaited put ≥ 5× classic-level'],
  ['readrandom', 'shale-level', 'classic-level', 5, 'awaited get ≥ 5× classic-level'],
  ['fillrandom-64', 'shale-level', 'classic-level', 2, '64 puts in flight ≥ 2× classic-level'],
  ['readrandom-64', 'shale-level', 'classic-level', 2, '64 gets in flight ≥ 2× classic-level'],
  ['fillbatch', 'shale-level', 'classic-level', 1.5, 'fillbatch ≥ 1.5× classic-level'],
  ['readseq', 'shale-level', 'classic-level', 3, 'readseq ≥ 3× classic-level'],
  ['readseq', 'shale-level', 'lmdb', 1, 'readseq ≥ 1× lmdb'],
  ['readreverse', 'shale-level', 'classic-level', 3, 'readreverse ≥ 3× classic-level'],
  ['readreverse', 'shale-level', 'lmdb', 1, 'readreverse ≥ 1× lmdb'],
  ['readrandom-getsync', 'shale-level', 'lmdb', 1, 'getSync ≥ 1× lmdb'],
  ['fillsync', 'shale-level', 'classic-level', 1.2, 'fillsync ≥ 1.2× classic-level'],
  ['fillsync-64', 'shale-level', 'classic-level', 10, 'fillsync, 64 in flight, ≥ 10× classic-level'],
  ['disk', 'shale-level', 'classic-level', 1.05, 'on-disk size ≤ 1.05× classic-level'],
  ['rss', 'shale-level', 'classic-level', 1.5, 'peak RSS ≤ 1.5× classic-level'],
  ['writeAmp', 'shale-level', 'classic-level', 1, 'write amplification ≤ LevelDB\'s']
]

const file = process.argv[2]
if (file === undefined) {
  console.error('usage: node dist/bench/results-table.js <result.json>')
  process.exit(2)
}
const result = JSON.parse(readFileSync(file, 'utf8')) as Result
const m = result.meta
console.log(`N = ${result.options.n.toLocaleString('en-US')}, ${result.options.reads.toLocaleString('en-US')} reads, ` +
  `${result.options.syncOps.toLocaleString('en-US')} sync writes; ${m.cpus} × ${m.cpuModel}, ` +
  `${(m.memoryBytes / 2 ** 30).toFixed(0)} GiB, ${m.platform}, Node ${m.node}; ${m.date}, commit ${m.commit}${m.dirty ? ' (dirty)' : ''}\n`)
console.log(`| metric | unit | ${STORES.join(' | ')} | Level/CL | Level/best |`)
console.log(`|---|---|${STORES.map(() => '---:').join('|')}|---:|---:|`)
for (const row of result.summary) {
  const r = row.ratios['shale-level']
  const best = r?.best === undefined ? '—' : `${ratio(r.best)} ${r.bestPeer ?? ''}`.trim()
  console.log(`| ${row.key} | ${row.unit} | ${STORES.map((s) => figure(row.values[s], row.unit)).join(' | ')} | ${ratio(r?.classic)} | ${best} |`)
}

console.log('\n| target | figure | met |')
console.log('|---|---|---|')
for (const [key, store, peer, target, label] of TARGETS) {
  const row = result.summary.find((x) => x.key === key)
  const a = row?.values[store]
  const b = row?.values[peer]
  if (row === undefined || a === undefined || b === undefined) {
    console.log(`| ${label} | not measured | — |`)
    continue
  }
  const x = a / b
  const met = row.better === 'higher' ? x >= target : x <= target
  console.log(`| ${label} | ${key}: ${x.toFixed(2)}× | ${met ? 'yes' : 'no'} |`)
}
const eld = result.summary.find((x) => x.key === 'eldP99')
const p99 = eld?.values['shale-level']
console.log(`| event-loop delay p99 ≤ 10 ms during the write phases | ${p99 === undefined ? '—' : `${p99.toFixed(2)} ms (worst write phase)`} | ${p99 !== undefined && p99 <= 10 ? 'yes' : 'no'} |`)

// Summarises V8 CPU profiles (the .cpuprofile files `node --cpu-prof` writes) by self time per
// function: where the samples landed, not which callers led there.
//
// Each sample counts for the profile's mean sampling interval. The recorded time since the
// previous sample is not used: on a loaded machine the sampler is itself descheduled now and
// then, and the whole gap would be charged to whatever function the next sample lands in.
//
//   node dist/scripts/profile-summary.js PROFILE.cpuprofile... [--top 30]
//
// Several files are added together (say, the main thread's and the workers'). Functions are keyed
// by name, file and line, so two functions of one name stay apart.

import { readFileSync } from 'node:fs'
import { basename } from 'node:path'

interface ProfileNode {
  id: number
  callFrame: { functionName: string, url: string, lineNumber: number }
}

interface Profile {
  nodes: ProfileNode[]
  samples: number[]
  timeDeltas: number[]
}

const args = process.argv.slice(2)
const topAt = args.indexOf('--top')
const top = topAt < 0 ? 30 : Number(args[topAt + 1])
const files = args.filter((a, i) => a !== '--top' && (topAt < 0 || i !== topAt + 1))
if (files.length === 0 || !Number.isInteger(top) || top < 1) {
  console.error('usage: node dist/scripts/profile-summary.js PROFILE.cpuprofile... [--top N]')
  process.exit(2)
}

const selfMicros = new Map<string, number>()
let total = 0
for (const file of files) {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile
  const label = new Map<number, string>()
  for (const { id, callFrame: f } of profile.nodes) {
    const where = f.url === '' ? '' : ` ${basename(f.url)}:${f.lineNumber + 1}`
    label.set(id, `${f.functionName === '' ? '(anonymous)' : f.functionName}${where}`)
  }
  let span = 0
  for (const delta of profile.timeDeltas) span += delta
  const micros = profile.samples.length > 0 ? span / profile.samples.length : 0
  for (const id of profile.samples) {
    const name = label.get(id) ?? '?'
    selfMicros.set(name, (selfMicros.get(name) ?? 0) + micros)
    total += micros
  }
}

const rows = [...selfMicros].sort((a, b) => b[1] - a[1]).slice(0, top)
console.log(`${(total / 1000).toFixed(0)} ms sampled in ${files.length} profile(s); self time per function:`)
for (const [name, micros] of rows) {
  console.log(`${(micros / 1000).toFixed(1).padStart(9)} ms ${(100 * micros / total).toFixed(1).padStart(5)}%  ${name}`)
}

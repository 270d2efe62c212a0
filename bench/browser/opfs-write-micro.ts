// Runs in a dedicated worker of headless Chromium (bundled by opfs-write-bench.ts), the case
// named by `?case=`: `writes`, the cost of one FileSystemSyncAccessHandle.write() in the ways a
// log could write (growing the file, in place after a truncate ahead, with and without `at`, of
// several sizes); `turns`, one write per microtask or macrotask; `utf8` and `microtasks`, costs
// of the put path besides its write; `puts`, awaited ShaleLevel puts with the log written and
// with its appends made no-ops, so that the write and the rest of a put can be told apart
// (doc/opfs.md, "Awaited puts"). Posts { ok, lines, error } to the page, as
// test/browser/harness.ts expects.

import '../../test/browser/browser-globals.js'
import { ShaleLevel } from '../../src/level/shale-level.js'
import { OpfsEnv } from '../../src/env/opfs-env.js'
import type { Env } from '../../src/env/env.js'

interface Handle {
  write: (b: Uint8Array, o?: { at?: number }) => number
  truncate: (n: number) => void
  getSize: () => number
  flush: () => void
  close: () => void
}
interface Dir {
  getFileHandle: (n: string, o?: { create?: boolean }) => Promise<{ createSyncAccessHandle: (o?: { mode?: string }) => Promise<Handle> }>
  removeEntry: (n: string, o?: { recursive?: boolean }) => Promise<void>
}

const lines: string[] = []
const BATCH = 500
const BATCHES = 40

function median (xs: number[]): number {
  const s = xs.slice().sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)]!
}

interface Variant { label: string, setup: () => void, op: (i: number) => void, means: number[] }

/**
 * The mean µs of one call in a batch of BATCH, for BATCHES batches of each variant, the variants
 * taking turns batch by batch (so that a busy moment of the machine hits them all alike); prints
 * the median and the lowest batch of each.
 */
function measure (variants: Array<Omit<Variant, 'means'>>): void {
  const all: Variant[] = variants.map((v) => ({ ...v, means: [] }))
  for (let b = 0; b < BATCHES; b++) {
    for (const v of all) {
      v.setup()
      const t0 = performance.now()
      for (let k = 0; k < BATCH; k++) v.op(k)
      v.means.push((performance.now() - t0) * 1000 / BATCH)
    }
  }
  for (const v of all) lines.push(`${v.label}: median ${median(v.means).toFixed(1)} µs, lowest batch ${Math.min(...v.means).toFixed(1)}`)
}

async function writes (): Promise<void> {
  const root = await (globalThis as unknown as { navigator: { storage: { getDirectory: () => Promise<Dir> } } }).navigator.storage.getDirectory()
  const file = await root.getFileHandle('micro.bin', { create: true })
  const h = await file.createSyncAccessHandle({ mode: 'readwrite-unsafe' })
  try {
    for (const size of [130, 1024, 4096, 32768]) {
      const buf = new Uint8Array(size).fill(7)
      const room = BATCH * size
      let end = 0
      measure([
        // (a) append at the end: the file grows with each write
        { label: `${size} B append, at, growing`, setup: () => { h.truncate(0); end = 0 }, op: () => { end += h.write(buf, { at: end }) } },
        { label: `${size} B append, no at, growing`, setup: () => { h.truncate(0); h.write(new Uint8Array(0), { at: 0 }) }, op: () => { h.write(buf) } },
        // (b) in place, inside a file grown ahead with truncate
        { label: `${size} B in place after truncate(bigger), at`, setup: () => { h.truncate(0); h.truncate(room); end = 0 }, op: () => { end += h.write(buf, { at: end }) } },
        { label: `${size} B in place after truncate(bigger), no at`, setup: () => { h.truncate(0); h.truncate(room); h.write(new Uint8Array(0), { at: 0 }) }, op: () => { h.write(buf) } },
        // (b') over bytes written before (no truncate in between)
        { label: `${size} B over written bytes, at`, setup: () => { end = 0 }, op: () => { end += h.write(buf, { at: end }) } }
      ])
    }
    let size = 0
    measure([
      { label: 'truncate(+1 MiB) grow step', setup: () => { h.truncate(0); size = 0 }, op: () => { size += 1 << 20; h.truncate(size) } },
      { label: 'getSize()', setup: () => {}, op: () => { h.getSize() } },
      { label: 'empty loop', setup: () => {}, op: () => {} }
    ])
  } finally {
    h.close()
    await root.removeEntry('micro.bin')
  }
}

/** One write per turn of the event loop, as awaited puts make them, against the same turns without writes. */
async function turns (): Promise<void> {
  const root = await (globalThis as unknown as { navigator: { storage: { getDirectory: () => Promise<Dir> } } }).navigator.storage.getDirectory()
  const file = await root.getFileHandle('micro2.bin', { create: true })
  const h = await file.createSyncAccessHandle({ mode: 'readwrite-unsafe' })
  const buf = new Uint8Array(130).fill(7)
  const channel = new MessageChannel()
  const pending: Array<() => void> = []
  ;(channel.port1 as unknown as { onmessage: () => void }).onmessage = () => { pending.shift()!() }
  const macrotask = async (): Promise<void> => { await new Promise<void>((resolve) => { pending.push(resolve); channel.port2.postMessage(0) }) }
  const microtask = async (): Promise<void> => { await Promise.resolve() }
  const results: Record<string, number[]> = {}
  let end = 0
  try {
    for (let b = 0; b < BATCHES; b++) {
      for (const [label, wait, write] of [['microtask, write', microtask, true], ['microtask, no write', microtask, false], ['macrotask, write', macrotask, true], ['macrotask, no write', macrotask, false]] as const) {
        h.truncate(0)
        end = 0
        const t0 = performance.now()
        for (let k = 0; k < BATCH; k++) {
          if (write) end += h.write(buf, { at: end })
          await wait()
        }
        ;(results[label] ??= []).push((performance.now() - t0) * 1000 / BATCH)
      }
    }
  } finally {
    h.close()
    await root.removeEntry('micro2.bin')
  }
  for (const [k, us] of Object.entries(results)) lines.push(`130 B write per ${k}: median ${median(us).toFixed(1)} µs, lowest batch ${Math.min(...us).toFixed(1)}`)
}

/** A string's UTF-8 bytes written into a buffer: TextEncoder.encodeInto on a view against a loop for ASCII. */
function utf8 (): void {
  const encoder = new TextEncoder()
  const buf = new Uint8Array(4096)
  const loop = (str: string, out: Uint8Array, pos: number): number => {
    for (let i = 0; i < str.length; i++) {
      const c = str.charCodeAt(i)
      if (c > 0x7f) return -1
      out[pos + i] = c
    }
    return str.length
  }
  for (const len of [16, 100, 400]) {
    const strs = Array.from({ length: 64 }, (_, i) => String(i).padStart(len, 'x'))
    let sink = 0
    measure([
      { label: `${len} chars, encodeInto(subarray)`, setup: () => {}, op: (k) => { sink += encoder.encodeInto(strs[k & 63]!, buf.subarray(7)).written } },
      { label: `${len} chars, encodeInto(buf) at 0`, setup: () => {}, op: (k) => { sink += encoder.encodeInto(strs[k & 63]!, buf).written } },
      { label: `${len} chars, JS loop`, setup: () => {}, op: (k) => { sink += loop(strs[k & 63]!, buf, 7) } }
    ])
    if (sink === 0) lines.push('')
  }
}

/** The ways to run a function in a microtask: queueMicrotask against a resolved promise's then. */
async function microtasks (): Promise<void> {
  const results: Record<string, number[]> = {}
  let count = 0
  const fn = (): void => { count++ }
  const resolved = Promise.resolve()
  for (let b = 0; b < BATCHES * 4; b++) {
    for (const [label, schedule] of [['queueMicrotask', () => { queueMicrotask(fn) }], ['Promise.resolve().then', () => { void resolved.then(fn) }]] as const) {
      const t0 = performance.now()
      for (let k = 0; k < BATCH; k++) schedule()
      await resolved
      await resolved
      ;(results[label] ??= []).push((performance.now() - t0) * 1000 / BATCH)
    }
  }
  let t = 0
  measure([
    { label: 'performance.now()', setup: () => {}, op: () => { t += performance.now() } },
    { label: 'Date.now()', setup: () => {}, op: () => { t += Date.now() } }
  ])
  if (t === 0) lines.push('')
  for (const [k, us] of Object.entries(results)) lines.push(`${k}, scheduled and run: median ${median(us).toFixed(2)} µs, lowest batch ${Math.min(...us).toFixed(2)} (${count})`)
}

/** An Env whose log files' appends do nothing: the put path without its OPFS write. */
function withoutLogWrites (env: OpfsEnv): Env {
  return new Proxy(env, {
    get (target, key) {
      const v = Reflect.get(target, key) as unknown
      if (key === 'newWritableFile') {
        return (path: string) => {
          const f = target.newWritableFile(path)
          if (path.endsWith('.log')) f.append = () => {}
          return f
        }
      }
      return typeof v === 'function' ? v.bind(target) : v
    }
  })
}

/** N awaited puts, with the log written, or with its appends made no-ops (the rest of the put). */
async function puts (n: number, rounds: number, modes: boolean[]): Promise<void> {
  const env = await OpfsEnv.open('micro-puts')
  const value = 'v'.repeat(100)
  const results: Record<string, number[]> = { written: [], 'no log write': [] }
  for (let r = 0; r < rounds; r++) {
    for (const noWrite of modes) {
      const name = `/db${r}${noWrite ? 'n' : 'w'}`
      const db = new ShaleLevel(name, { env: noWrite ? withoutLogWrites(env) : env })
      await db.open()
      const t0 = performance.now()
      for (let i = 0; i < n; i++) await db.put(String(i).padStart(16, '0'), value)
      results[noWrite ? 'no log write' : 'written']!.push((performance.now() - t0) * 1000 / n)
      await db.close()
      await ShaleLevel.destroy(name, { env })
    }
  }
  for (const [k, us] of Object.entries(results)) if (us.length > 0) lines.push(`${n} awaited puts, ${k}: median ${median(us).toFixed(1)} µs each (${us.map((u) => u.toFixed(1)).join(', ')})`)
  await env.close()
}

async function main (): Promise<void> {
  const q = new URLSearchParams((globalThis as unknown as { location: { search: string } }).location.search)
  const c = q.get('case') ?? 'writes'
  if (c === 'writes') await writes()
  else if (c === 'turns') await turns()
  else if (c === 'utf8') utf8()
  else if (c === 'microtasks') await microtasks()
  else if (c !== 'puts') throw new Error(`unknown case ${c}`)
  else {
    const mode = q.get('mode') ?? 'both'
    await puts(Number(q.get('n') ?? 20000), Number(q.get('rounds') ?? 3), mode === 'both' ? [false, true] : [mode === 'nowrite'])
  }
}

const post = (globalThis as unknown as { postMessage: (m: unknown) => void }).postMessage
main().then(() => { post({ ok: true, lines }) }, (err) => { post({ ok: false, lines, error: String(err?.stack ?? err) }) })

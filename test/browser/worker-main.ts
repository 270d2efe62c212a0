// The shared end of the worker scripts of export-import.test.ts and kill-loop.test.ts: runs the case
// the page's query names and posts { ok, lines, error } back to the page (harness.ts reads it), and
// the small tools those cases share: a scan of a database, and posts to the test's mailbox.

import './browser-globals.js'
import type { DB } from '../../src/db/db.js'

export const lines: string[] = []
export const say = (line: string): void => { lines.push(line) }

/** Every entry of `db` in key order, keys and values as hex. */
export function scanHex (db: DB): Array<[string, string]> {
  const out: Array<[string, string]> = []
  const it = db.iterator()
  for (let e = it.next(); e !== undefined; e = it.next()) out.push([hex(e[0]!), hex(e[1]!)])
  it.close()
  return out
}

export function hex (b: Uint8Array): string {
  let s = ''
  for (const x of b) s += x.toString(16).padStart(2, '0')
  return s
}

/** Posts `body` to the mailbox at `base` + `path`; fails unless the mailbox took it. */
export async function post (base: string, path: string, body: string | Uint8Array): Promise<void> {
  const res = await fetch(base + path, { method: 'POST', body })
  if (!res.ok) throw new Error(`POST ${path}: ${res.status}`)
}

export async function fetchBytes (base: string, path: string): Promise<Uint8Array> {
  const res = await fetch(base + path)
  if (!res.ok) throw new Error(`GET ${path}: ${res.status}`)
  return new Uint8Array(await res.arrayBuffer())
}

/** Removes the OPFS directory `name` with everything in it, if it is there. */
export async function removeOpfsRoot (name: string): Promise<void> {
  const root = await (globalThis as unknown as { navigator: { storage: { getDirectory: () => Promise<{ removeEntry: (n: string, o: object) => Promise<void> }> } } })
    .navigator.storage.getDirectory()
  try { await root.removeEntry(name, { recursive: true }) } catch { /* not there */ }
}

export function runWorkerCases (cases: Record<string, (arg: URLSearchParams) => Promise<void>>): void {
  const scope = globalThis as unknown as { location: { search: string }, postMessage: (m: unknown) => void }
  const params = new URLSearchParams(scope.location.search)
  const name = params.get('case') ?? ''
  const fn = cases[name]
  const done = fn === undefined ? Promise.reject(new Error(`no case ${name}`)) : fn(params)
  done.then(
    () => { scope.postMessage({ ok: true, lines }) },
    (err: unknown) => { scope.postMessage({ ok: false, lines, error: err instanceof Error ? `${err.name}: ${err.message}\n${err.stack ?? ''}` : String(err) }) }
  )
}

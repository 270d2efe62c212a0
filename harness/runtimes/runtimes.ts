// The JavaScript runtimes the tests run Shale under (README.md, "Runtimes"): Node (the one running
// the tests), and Bun and Deno from their npm packages, devDependencies pinned in package.json.
//
// Both npm packages install their binary with an install script, which an npm that does not run
// install scripts skips. The binary itself always arrives: each runtime ships it in a per-platform
// optional dependency (@oven/bun-linux-x64, @deno/linux-x64-glibc, ...), and the install script
// only moves or links it into the main package. So the binary is looked up in the platform package
// first, then where the install script would have put it. The main packages' own bin entries are
// never used: `deno`'s is a Node wrapper that spawns the real binary, so a SIGKILL meant for the
// runtime would kill only the wrapper, and `bun`'s is a placeholder until its script has run.

import { spawn } from 'node:child_process'
import { existsSync, statSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import process from 'node:process'

export type RuntimeName = 'node' | 'bun' | 'deno'

export interface Runtime {
  readonly name: RuntimeName
  /** The runtime's own executable (never a wrapper script). */
  readonly executable: string
  /** The version its npm package declares, which `--version` must report; Node's own for node. */
  readonly packageVersion: string
  /** Arguments to the executable that run the ES module `script` with `args`. */
  argv: (script: string, args?: readonly string[]) => string[]
  /**
   * The child's environment: no update check (Deno would look one up on the network at every
   * start) and no telemetry or crash uploads; the test machines reach only the npm registry.
   */
  readonly env: NodeJS.ProcessEnv
}

const require = createRequire(import.meta.url)

/** A real binary, not the few-hundred-byte placeholder that bun's package carries before its install script. */
function isBinary (path: string): boolean {
  return existsSync(path) && statSync(path).size > 1 << 20
}

/** The directory of an installed package, or undefined if it is not installed. */
function packageDir (name: string): string | undefined {
  try {
    return dirname(require.resolve(`${name}/package.json`))
  } catch {
    return undefined
  }
}

function packageVersion (name: string): string {
  return (require(`${name}/package.json`) as { version: string }).version
}

/** The first candidate that is a real binary; an error listing them all otherwise. */
function firstBinary (what: string, candidates: Array<string | undefined>): string {
  const paths = candidates.filter((p): p is string => p !== undefined)
  const found = paths.find(isBinary)
  if (found === undefined) {
    throw new Error(`no ${what} binary for ${process.platform}-${process.arch}; looked at ${paths.join(', ') || 'nothing (platform package not installed)'}`)
  }
  return found
}

function bunExecutable (): string {
  const arch = process.arch === 'arm64' ? 'aarch64' : process.arch
  const exe = process.platform === 'win32' ? 'bun.exe' : 'bun'
  // glibc builds first; the musl builds are what npm installs on Alpine and the like.
  const platformPackages = [`@oven/bun-${process.platform}-${arch}`, `@oven/bun-${process.platform}-${arch}-musl`]
  const main = packageDir('bun')
  return firstBinary('bun', [
    ...platformPackages.map((p) => { const d = packageDir(p); return d === undefined ? undefined : join(d, 'bin', exe) }),
    // Where bun's install script moves the binary.
    main === undefined ? undefined : join(main, 'bin', 'bun.exe')
  ])
}

function denoExecutable (): string {
  const target = process.platform === 'linux' ? `linux-${process.arch}-glibc` : `${process.platform}-${process.arch}`
  const exe = process.platform === 'win32' ? 'deno.exe' : 'deno'
  const platformDir = packageDir(`@deno/${target}`)
  const main = packageDir('deno')
  return firstBinary('deno', [
    platformDir === undefined ? undefined : join(platformDir, exe),
    // Where deno's install script links it.
    main === undefined ? undefined : join(main, exe)
  ])
}

const quiet: NodeJS.ProcessEnv = { DENO_NO_UPDATE_CHECK: '1', DENO_NO_PROMPT: '1', DO_NOT_TRACK: '1' }

const cache = new Map<RuntimeName, Runtime>()

/** The runtime `name`; throws, naming the paths it tried, if its binary is not installed. */
export function runtime (name: RuntimeName): Runtime {
  let r = cache.get(name)
  if (r !== undefined) return r
  const env = { ...process.env, ...quiet }
  switch (name) {
    case 'node':
      r = { name, executable: process.execPath, packageVersion: process.versions.node, env, argv: (script, args = []) => [script, ...args] }
      break
    case 'bun':
      r = { name, executable: bunExecutable(), packageVersion: packageVersion('bun'), env, argv: (script, args = []) => [script, ...args] }
      break
    case 'deno':
      // -A: the engine reads and writes files, spawns workers and reads /proc and the environment.
      r = { name, executable: denoExecutable(), packageVersion: packageVersion('deno'), env, argv: (script, args = []) => ['run', '-A', script, ...args] }
      break
  }
  cache.set(name, r)
  return r
}

export function isRuntimeName (s: string): s is RuntimeName {
  return s === 'node' || s === 'bun' || s === 'deno'
}

export interface ScriptRun {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
  /** Wall time from spawn to exit, in milliseconds. */
  ms: number
  /** Whether it was killed for running longer than the time it was given. */
  timedOut: boolean
}

/**
 * Runs the compiled ES module `script` under `r` to its end and collects what it printed. A child
 * still running after `timeoutMs` is killed (a hung runtime must fail the test, not stall npm test).
 */
export async function runScript (r: Runtime, script: string, args: readonly string[] = [], timeoutMs = 600_000): Promise<ScriptRun> {
  const started = performance.now()
  const child = spawn(r.executable, r.argv(script, args), { stdio: ['ignore', 'pipe', 'pipe'], env: r.env })
  let timedOut = false
  const timer = setTimeout(() => {
    timedOut = true
    child.kill('SIGKILL')
  }, timeoutMs)
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => { stdout += chunk })
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk })
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
    child.on('error', reject)
    child.on('close', (c, s) => { resolve([c, s]) })
  })
  clearTimeout(timer)
  if (timedOut) stderr += `\n(killed after ${timeoutMs} ms)`
  return { code, signal, stdout, stderr, ms: performance.now() - started, timedOut }
}

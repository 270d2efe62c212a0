// The SIGKILL crash loop (doc/crash-testing.md, "Process kills"; README contracts 1 and 3).
//
// A child process (harness/crash/kill-child.ts) writes the generator's batches to a real database
// and reports each acknowledged one; this parent kills it with SIGKILL at a random moment, reopens
// the database itself, and checks that it holds exactly the generator's state after some batch N,
// with N at least the last acknowledged batch and at most the last one the child can have issued.
// The next child resumes in the same directory from batch N + 1, so the database keeps growing
// through flushes and compactions across kills. After a failure (when the loop does not stop on
// it) the directory is kept aside and a new generation starts in a fresh one.
//
//   npm run crash:kill -- --duration 600 --seed 7     (seconds; a seed is drawn and printed if omitted)
//   npm run crash:kill -- --runtime bun               (the child under Bun or Deno; the checks stay in Node)
//
// Also imported by test/crash/kill-loop.test.ts, which runs a bounded number of kills, and by
// test/runtimes/bun-deno.test.ts, which runs them with the child under Bun and Deno.

import { spawn } from 'node:child_process'
import { mkdtempSync, renameSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import process from 'node:process'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { DB } from '../src/db/db.js'
import { Random } from '../src/util/random.js'
import { L0_STOP_WRITES_TRIGGER } from '../src/version/policy.js'
import { NUM_LEVELS } from '../src/version/version-edit.js'
import {
  dbOptions, diffAgainstModel, KillModel, parseChildLine, readMarker, type ChildDBOptions, type ChildParams
} from '../harness/crash/kill-shared.js'
import { isRuntimeName, runtime, type Runtime } from '../harness/runtimes/runtimes.js'

const CHILD = join(dirname(fileURLToPath(import.meta.url)), '..', 'harness', 'crash', 'kill-child.js')
const KiB = 1024
/** A child that is not ready after this long is stuck: a failure in itself. */
const READY_TIMEOUT_MS = 30_000

export interface KillLoopOptions {
  seed: number
  /** Stop after this many kills ... */
  kills?: number
  /** ... or after this long, whichever comes first. */
  durationMs?: number
  /** Stop at the first failure (tests) rather than keep the directory aside and go on (soaks). */
  stopOnFailure: boolean
  /** Where generations live; default a new temporary directory. */
  baseDir?: string
  log?: (line: string) => void
  /** Makes every child misbehave, to show that the loop catches it (tests only). */
  childFault?: ChildParams['fault']
  /** Called after every kill's check, with the running totals. */
  onKill?: (result: KillLoopResult) => void
  /** What runs the child; Node by default. The parent (and so every check) is always this process. */
  runtime?: Runtime
}

export interface KillFailure {
  kill: number
  generation: number
  message: string
  /** The database directory as it was when the failure was found. */
  dir: string
}

export interface KillLoopResult {
  seed: number
  baseDir: string
  kills: number
  failures: KillFailure[]
  /** Kills that landed before the child had opened the database (during recovery). */
  killsBeforeReady: number
  /** Kills after which the database held more batches than were acknowledged (in-flight ones). */
  killsWithUnacknowledgedBatches: number
  /** Acknowledged batches, over all children. */
  batchesAcknowledged: number
  /** The deepest level that held a table at any check: compaction reached it. */
  deepestLevel: number
  /** The largest number of table files seen at a check. */
  maxTables: number
  /** The largest number of level-0 tables seen at a check. */
  maxLevel0: number
  /** Checks after which the parent let compaction catch up, level 0 having reached the stop trigger. */
  parentCompactions: number
  startedAt: number
  elapsedMs: number
}

interface ChildRun {
  sawReady: boolean
  lastAck: number | undefined
  errors: string[]
  /** Set when the child ended by itself rather than by our SIGKILL. */
  exit: string | undefined
}

/** Starts a child, kills it `delayMs` after its start (beforeReady) or after it is ready, and collects what it said. */
async function runChild (r: Runtime, params: ChildParams, beforeReady: boolean, delayMs: number): Promise<ChildRun> {
  const run: ChildRun = { sawReady: false, lastAck: undefined, errors: [], exit: undefined }
  // The runtime's own binary, not a wrapper script: the SIGKILL must hit the process that writes.
  const child = spawn(r.executable, r.argv(CHILD, [JSON.stringify(params)]), { stdio: ['pipe', 'pipe', 'pipe'], env: r.env })
  let killedByUs = false
  const kill = (): void => {
    killedByUs = true
    child.kill('SIGKILL')
  }
  let timer: NodeJS.Timeout | undefined = setTimeout(() => {
    run.errors.push(`not ready after ${READY_TIMEOUT_MS} ms`)
    kill()
  }, READY_TIMEOUT_MS)
  const armKill = (): void => {
    clearTimeout(timer)
    timer = setTimeout(kill, delayMs)
  }
  if (beforeReady) armKill()

  let buffered = ''
  let stderr = ''
  child.stdout.setEncoding('utf8')
  child.stdout.on('data', (chunk: string) => {
    buffered += chunk
    let nl
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, nl)
      buffered = buffered.slice(nl + 1)
      const msg = parseChildLine(line)
      if (msg === undefined) run.errors.push(`unexpected line from child: ${line.slice(0, 200)}`)
      else if (msg.kind === 'ready') {
        run.sawReady = true
        if (!beforeReady) armKill()
      } else if (msg.kind === 'ack') run.lastAck = msg.n
      else run.errors.push(`child reported: ${msg.message}`)
    }
  })
  child.stderr.setEncoding('utf8')
  child.stderr.on('data', (chunk: string) => { stderr += chunk })
  child.on('error', (err) => { run.errors.push(`spawning the child: ${err.message}`) })
  // 'close' comes after the exit and after both pipes drained: every line the child wrote is in.
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => {
    child.on('close', (c, s) => resolve([c, s]))
  })
  clearTimeout(timer)
  if (!killedByUs || signal !== 'SIGKILL') {
    run.exit = `child ended by itself (code ${String(code)}, signal ${String(signal)})${stderr === '' ? '' : ': ' + stderr.trim().slice(0, 2000)}`
  }
  return run
}

interface Generation {
  number: number
  dir: string
  model: KillModel
}

function streamSeed (seed: number, generation: number): number {
  return (seed + Math.imul(generation, 0x9e3779b9)) >>> 0
}

/** Levels holding tables and the number of tables, from the open database's properties. */
function tableShape (db: DB): { deepest: number, tables: number, level0: number } {
  let deepest = -1
  let tables = 0
  let level0 = 0
  for (let level = 0; level < NUM_LEVELS; level++) {
    const n = Number(db.getProperty(`shale.num-files-at-level${level}`) ?? '0')
    if (n > 0) deepest = level
    if (level === 0) level0 = n
    tables += n
  }
  return { deepest, tables, level0 }
}

export async function runKillLoop (options: KillLoopOptions): Promise<KillLoopResult> {
  const log = options.log ?? (() => {})
  const started = Date.now()
  const baseDir = options.baseDir ?? mkdtempSync(join(tmpdir(), 'shale-kill-'))
  const rnd = new Random(options.seed)
  const result: KillLoopResult = {
    seed: options.seed,
    baseDir,
    kills: 0,
    failures: [],
    killsBeforeReady: 0,
    killsWithUnacknowledgedBatches: 0,
    batchesAcknowledged: 0,
    deepestLevel: -1,
    maxTables: 0,
    maxLevel0: 0,
    parentCompactions: 0,
    startedAt: started,
    elapsedMs: 0
  }
  const newGeneration = (number: number): Generation =>
    ({ number, dir: join(baseDir, `gen-${number}`), model: new KillModel(streamSeed(options.seed, number)) })
  let gen = newGeneration(0)
  const r = options.runtime ?? runtime('node')
  log(`kill-loop: seed ${options.seed}, child under ${r.name}, directory ${baseDir}`)

  const done = (): boolean =>
    (options.kills !== undefined && result.kills >= options.kills) ||
    (options.durationMs !== undefined && Date.now() - started >= options.durationMs)

  while (!done()) {
    const kill = result.kills + 1
    const dbOpts: ChildDBOptions = {
      writeBufferSize: rnd.pick([16, 32, 64]) * KiB,
      maxFileSize: rnd.pick([8, 16, 32, 64]) * KiB,
      compression: !rnd.oneIn(4)
    }
    const start = gen.model.applied + 1
    const params: ChildParams = {
      ...dbOpts, dir: gen.dir, seed: gen.model.seed, start, window: rnd.pick([1, 1, 2, 4, 8, 16]), maxMillis: 60_000,
      ...(options.childFault === undefined ? {} : { fault: options.childFault })
    }
    // One kill in eight is timed from the spawn, so that some land while the child recovers; one
    // in sixteen comes late, so that the child can finish a compaction of a grown level 0 (longer
    // than the usual 20-200 ms) and later kills land in the last steps of others.
    const timing = rnd.uniform(16)
    const beforeReady = timing < 2
    const delay = beforeReady ? rnd.range(0, 120) : timing === 2 ? rnd.range(250, 800) : rnd.range(20, 200)
    const run = await runChild(r, params, beforeReady, delay)
    result.kills = kill
    if (!run.sawReady) result.killsBeforeReady++
    const acked = run.lastAck ?? start - 1
    result.batchesAcknowledged += acked - (start - 1)

    const problem = await check(gen, run, params, result)
    if (problem === undefined) {
      options.onKill?.(result)
      continue
    }
    const failure: KillFailure = { kill, generation: gen.number, message: problem, dir: gen.dir }
    result.failures.push(failure)
    log(`FAIL kill #${kill} (seed ${options.seed}, generation ${gen.number}, child params ${JSON.stringify({ ...params, dir: undefined })}): ${problem}`)
    options.onKill?.(result)
    if (options.stopOnFailure) break
    const kept = `${gen.dir}.failed-kill-${kill}`
    renameSync(gen.dir, kept)
    failure.dir = kept
    log(`  database kept in ${kept}; generation ${gen.number + 1} starts afresh`)
    gen = newGeneration(gen.number + 1)
  }
  result.elapsedMs = Date.now() - started
  return result
}

/** Reopens the killed child's database and checks the prefix property; a message if it fails. */
async function check (gen: Generation, run: ChildRun, params: ChildParams, result: KillLoopResult): Promise<string | undefined> {
  if (run.errors.length > 0) return run.errors.join('; ')
  if (run.exit !== undefined) return run.exit
  const previous = params.start - 1
  // Contract 1: every acknowledged batch survives a process crash, sync or not.
  const lowest = run.lastAck ?? previous
  // Nothing is issued before "ready"; after it, at most `window` batches beyond the last ack.
  const highest = run.sawReady ? lowest + params.window : previous
  let db: DB
  try {
    db = await DB.open(gen.dir, dbOptions(params))
  } catch (err) {
    return `reopen failed: ${describeError(err)}`
  }
  let problem: string | undefined
  try {
    problem = checkOpened(db, gen, lowest, highest, result)
    // Children killed young never finish compacting level 0, and the compaction that would grows
    // with every kill: at the stop trigger, let it run here so the database keeps a real shape.
    if (problem === undefined && tableShape(db).level0 >= L0_STOP_WRITES_TRIGGER) {
      result.parentCompactions++
      await db.waitForIdle()
    }
  } finally {
    try {
      await db.close()
    } catch (err) {
      problem ??= `close after the check failed: ${describeError(err)}`
    }
  }
  return problem
}

function checkOpened (db: DB, gen: Generation, lowest: number, highest: number, result: KillLoopResult): string | undefined {
  let n: number
  try {
    n = readMarker(db)
  } catch (err) {
    return `reading the marker: ${describeError(err)}`
  }
  if (n < lowest) return `lost acknowledged batches: the database holds batch ${n}, the child acknowledged up to ${lowest}`
  if (n > highest) return `the database holds batch ${n}, but the child can have issued only up to ${highest}`
  if (n > lowest) result.killsWithUnacknowledgedBatches++
  gen.model.advanceTo(n)
  let diff: string | undefined
  try {
    diff = diffAgainstModel(db, gen.model)
  } catch (err) {
    diff = `reading failed: ${describeError(err)}`
  }
  if (diff !== undefined) return `after batch ${n} (acknowledged ${lowest}): ${diff}`
  const shape = tableShape(db)
  result.deepestLevel = Math.max(result.deepestLevel, shape.deepest)
  result.maxTables = Math.max(result.maxTables, shape.tables)
  result.maxLevel0 = Math.max(result.maxLevel0, shape.level0)
  return undefined
}

function describeError (err: unknown): string {
  if (err instanceof Error) return `${(err as { code?: string }).code ?? err.name}: ${err.message}`
  return String(err)
}

interface Args { durationMs: number, seed: number, kills: number | undefined, dir: string | undefined, keep: boolean, runtime: Runtime }

function parseArgs (argv: string[]): Args {
  const out: Args = { durationMs: 60_000, seed: Math.floor(Math.random() * 0x7fffffff), kills: undefined, dir: undefined, keep: false, runtime: runtime('node') }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    const value = (): string => {
      const v = argv[++i]
      if (v === undefined) throw new Error(`${arg} needs a value`)
      return v
    }
    const number = (): number => {
      const v = Number(value())
      if (!Number.isSafeInteger(v) || v < 0) throw new Error(`${arg} needs a non-negative integer`)
      return v
    }
    if (arg === '--duration') out.durationMs = number() * 1000
    else if (arg === '--seed') out.seed = number()
    else if (arg === '--kills') out.kills = number()
    else if (arg === '--dir') out.dir = value()
    else if (arg === '--keep') out.keep = true
    else if (arg === '--runtime') {
      const name = value()
      if (!isRuntimeName(name)) throw new Error(`--runtime takes node, bun or deno, not ${name}`)
      out.runtime = runtime(name)
    } else throw new Error(`unknown argument ${arg}; use --duration <seconds> --seed <n> [--kills <n>] [--dir <path>] [--keep] [--runtime node|bun|deno]`)
  }
  return out
}

async function main (): Promise<void> {
  const args = parseArgs(process.argv.slice(2))
  const log = (line: string): void => { console.log(line) }
  let lastReport = Date.now()
  const result = await runKillLoop({
    seed: args.seed,
    durationMs: args.durationMs,
    kills: args.kills,
    stopOnFailure: false,
    baseDir: args.dir,
    runtime: args.runtime,
    log,
    onKill: (r) => {
      if (Date.now() - lastReport < 10_000) return
      lastReport = Date.now()
      log(`kills done ${r.kills}, failures ${r.failures.length} (${Math.round((Date.now() - r.startedAt) / 1000)} s)`)
    }
  })
  log(`seed ${result.seed}: kills done ${result.kills}, failures ${result.failures.length} in ${(result.elapsedMs / 1000).toFixed(1)} s; ` +
    `${result.batchesAcknowledged} batches acknowledged, ${result.killsBeforeReady} kills during open, ` +
    `${result.killsWithUnacknowledgedBatches} kills left in-flight batches in the database, ` +
    `deepest level ${result.deepestLevel}, at most ${result.maxTables} tables and ${result.maxLevel0} at level 0, ` +
    `${result.parentCompactions} times the parent let compaction catch up`)
  for (const f of result.failures) log(`  failure at kill #${f.kill}: ${f.message} (database kept in ${f.dir})`)
  if (result.failures.length === 0 && !args.keep) rmSync(result.baseDir, { recursive: true, force: true })
  else log(`databases kept under ${result.baseDir}`)
  process.exitCode = result.failures.length === 0 ? 0 : 1
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err) => {
    console.error(err)
    process.exitCode = 2
  })
}

// The unbounded crash soak (doc/crash-testing.md): workload after workload, each from its own seed
// with its own shape (phase lengths, key space, share of sync writes, extra reopens, event-loop
// turns between writes, values larger than a log block) and options, crashed after every
// sync-family call and a sample of the other calls, in all four crash modes, and judged by
// contract 3 exactly as `npm test` judges its fixed seeds.
//
//   npm run crash:soak -- --seed 1000 --duration 600    (seconds; without --duration, until killed)
//   npm run crash:soak -- --seed 1234 --call 517        (replay the crash after call 517 of seed 1234)
//
// Options: --seed N (first seed; drawn from the clock and printed if omitted), --duration S,
// --sample R (share of non-sync calls crashed after, default 0.2), --modes a,b (default all four),
// --call K (only the crash after call K, as a failure line names it), --recoveries N (crashed
// disks per seed whose recovery is cut after every call, default 3), --stop (stop at the first
// failing seed), --lie log|table|manifest|dir (run on a disk whose syncs of those files do nothing:
// the soak must then report failures). Every failure line names the seed, the mode, the crash
// point and the call; the exit code is 1 if any check failed.

import process from 'node:process'
import type { CrashMode } from '../src/env/mem-env.js'
import { ALL_MODES, describeFailure, exploreWorkload, type CrashFailure } from '../harness/crash/explore.js'
import { generateWorkload, shapeForSeed } from '../harness/crash/workload.js'
import { LyingMemEnv, type Lies } from '../harness/crash/broken-env.js'
import { exploreRecoveryCrashes } from '../harness/crash/recovery-crash.js'

interface Args {
  seed: number
  duration: number
  sample: number
  modes: CrashMode[]
  /** Replay only the crash after this call. */
  call: number | undefined
  stop: boolean
  /** Crashed disks per seed whose recovery is itself crashed after every call. */
  recoveries: number
  /** A disk that ignores some syncs: the soak must then fail (a check of the checker). */
  lie: Lies | undefined
}

const LIES: Record<string, Lies> = {
  log: { skipSync: (p) => p.endsWith('.log') },
  table: { skipSync: (p) => p.endsWith('.ldb') },
  manifest: { skipSync: (p) => p.includes('/MANIFEST-') },
  dir: { skipSyncDir: true }
}

function usage (message: string): never {
  console.error(`crash-soak: ${message}`)
  console.error('usage: crash-soak [--seed N] [--duration SECONDS] [--sample RATE] [--modes m1,m2] [--call K] [--recoveries N] [--stop] [--lie log|table|manifest|dir]')
  process.exit(2)
}

function parseArgs (argv: string[]): Args {
  const args: Args = {
    seed: Date.now() % 1_000_000_000,
    duration: Infinity,
    sample: 0.2,
    modes: [...ALL_MODES],
    call: undefined,
    stop: false,
    recoveries: 3,
    lie: undefined
  }
  const number = (flag: string, value: string | undefined): number => {
    const n = Number(value)
    if (value === undefined || !Number.isFinite(n) || n < 0) usage(`${flag} needs a non-negative number`)
    return n
  }
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!
    switch (flag) {
      case '--seed': args.seed = Math.floor(number(flag, argv[++i])); break
      case '--duration': args.duration = number(flag, argv[++i]); break
      case '--sample': args.sample = Math.min(1, number(flag, argv[++i])); break
      case '--call': args.call = Math.floor(number(flag, argv[++i])); break
      case '--stop': args.stop = true; break
      case '--recoveries': args.recoveries = Math.floor(number(flag, argv[++i])); break
      case '--lie': {
        const name = argv[++i] ?? ''
        args.lie = LIES[name] ?? usage(`--lie takes one of ${Object.keys(LIES).join(', ')}`)
        break
      }
      case '--modes': {
        const modes = (argv[++i] ?? '').split(',').filter((m) => m !== '')
        for (const m of modes) if (!(ALL_MODES as readonly string[]).includes(m)) usage(`unknown mode ${m} (${ALL_MODES.join(', ')})`)
        if (modes.length === 0) usage('--modes needs at least one mode')
        args.modes = modes as CrashMode[]
        break
      }
      default: usage(`unknown argument ${flag}`)
    }
  }
  return args
}

async function main (): Promise<void> {
  const args = parseArgs(process.argv.slice(2))
  const started = performance.now()
  const deadline = started + args.duration * 1000
  const failingSeeds: number[] = []
  let failures = 0
  let points = 0
  let checks = 0
  let seeds = 0
  let interrupted = false

  const summary = (): void => {
    const seconds = (performance.now() - started) / 1000
    console.log(`crash-soak: ${seeds} seeds from ${args.seed}, ${points} crash points, ${checks} recoveries checked, ` +
      `${failures} failures in ${seconds.toFixed(0)} s` + (failingSeeds.length > 0 ? `; failing seeds: ${failingSeeds.join(' ')}` : ''))
  }
  process.on('SIGINT', () => {
    interrupted = true
    console.log('crash-soak: interrupted')
    summary()
    process.exit(failures > 0 ? 1 : 130)
  })

  console.log(`crash-soak: first seed ${args.seed}, modes ${args.modes.join(',')}, sample ${args.sample}, ` +
    (args.lie !== undefined ? 'ON A LYING DISK, ' : '') +
    (args.call !== undefined ? `only the crash after call ${args.call}` : Number.isFinite(args.duration) ? `${args.duration} s` : 'until killed'))
  for (let seed = args.seed; !interrupted; seed++) {
    const shape = shapeForSeed(seed)
    const workload = generateWorkload(seed, shape)
    const seedFailures: CrashFailure[] = []
    const t0 = performance.now()
    let lastProgress = t0
    const r = await exploreWorkload({
      workload,
      modes: args.modes,
      sampleRate: args.sample,
      only: args.call === undefined ? undefined : [args.call],
      newEnv: args.lie === undefined ? undefined : () => new LyingMemEnv(args.lie!),
      onFailure: (f) => {
        seedFailures.push(f)
        console.log(`FAIL ${describeFailure(f)}`)
      },
      onPoint: (done, total) => {
        // Long seeds report progress twice a minute.
        if (performance.now() - lastProgress >= 30_000) {
          lastProgress = performance.now()
          console.log(`seed ${seed}: ${done}/${total} crash points`)
        }
      }
    })
    // A few of the crashed disks are recovered with a crash after every call of the recovery.
    let recoveryPoints = 0
    if (args.call === undefined && args.lie === undefined && args.recoveries > 0) {
      const rr = await exploreRecoveryCrashes({
        workload,
        states: args.recoveries,
        modes: args.modes.filter((m) => m !== 'processCrash'),
        onFailure: (f) => {
          seedFailures.push(f)
          console.log(`FAIL (recovery) ${describeFailure(f)}`)
        }
      })
      recoveryPoints = rr.points
      checks += rr.checks
    }
    seeds++
    points += r.points + recoveryPoints
    checks += r.checks
    failures += seedFailures.length
    if (seedFailures.length > 0) failingSeeds.push(seed)
    const ms = performance.now() - t0
    console.log(`seed ${seed}: ${workload.writes.length} writes, ${r.calls} calls, ${r.points} crash points ` +
      `(${r.syncPoints} sync-family) + ${recoveryPoints} inside recoveries, ${seedFailures.length} failures, ` +
      `${(ms / 1000).toFixed(1)} s [shape ${JSON.stringify(shape)}]`)
    if (args.call !== undefined) break
    if (args.stop && seedFailures.length > 0) break
    if (performance.now() >= deadline) break
  }
  summary()
  process.exit(failures > 0 ? 1 : 0)
}

main().catch((err: unknown) => {
  console.error('crash-soak: the harness itself failed:', err)
  process.exit(1)
})

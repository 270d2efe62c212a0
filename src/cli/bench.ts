// `shale bench [flags]`: the project's benchmark (bench/db-bench.ts, built to dist/bench/db-bench.js),
// run in a child process with the same flags. The benchmark is part of the repository, not of the
// published package, so outside a built checkout this says how to get it.

import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { constants } from 'node:os'
import { fileURLToPath } from 'node:url'
import { formatHelp, type ParsedArgs } from './args.js'
import type { Command } from './command.js'
import { EXIT_OK, EXIT_PROBLEM, printError } from './output.js'

/** dist/src/cli/bench.js -> dist/bench/db-bench.js */
function benchScriptPath (): string {
  return fileURLToPath(new URL('../../bench/db-bench.js', import.meta.url))
}

export const bench: Command = {
  spec: {
    name: 'bench',
    summary: 'Run the benchmark (bench/db-bench.ts); every flag is passed on to it.',
    description: 'Runs node dist/bench/db-bench.js with the flags given, showing its own progress and results:\n' +
      'Shale against classic-level, lmdb-js and memory-level (doc/db-bench.md). The benchmark is built with\n' +
      'the repository (npm run build); it is not in the published package, so bench needs a checkout.\n' +
      'Its flags follow.',
    positionals: [],
    options: [],
    passThrough: true,
    examples: ['shale bench --quick', 'shale bench --n 200000 --stores shale-db,classic-level']
  },

  async run (args: ParsedArgs): Promise<number> {
    const script = benchScriptPath()
    const help = args.rest.includes('--help') || args.rest.includes('-h')
    if (help) process.stdout.write(formatHelp(this.spec) + '\n')
    if (!existsSync(script)) {
      const why = `the benchmark is not built: ${script} does not exist.\n` +
        'shale bench needs a checkout of the shale repository: the benchmark (bench/db-bench.ts) is not in the\n' +
        'installed package. In a checkout, run "npm run build", then "shale bench" (or "npm run bench").'
      // Help is still help: it says what bench is and why its own flags cannot be listed here.
      if (help) {
        process.stdout.write(`Its flags cannot be listed here: ${why}\n`)
        return EXIT_OK
      }
      printError(`shale bench: ${why}`)
      return EXIT_PROBLEM
    }
    if (help) {
      // The benchmark prints its flags for --help (and exits non-zero, as for any bad flag).
      const child = spawn(process.execPath, [script, '--help'], { stdio: ['ignore', 'inherit', 'pipe'] })
      let text = ''
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => { text += chunk })
      await new Promise((resolve) => child.on('close', resolve))
      process.stdout.write(text.replace(/^Error: /, ''))
      return EXIT_OK
    }
    return await new Promise<number>((resolve) => {
      const child = spawn(process.execPath, [script, ...args.rest], { stdio: 'inherit' })
      child.on('error', (err) => {
        printError(`shale bench: could not start ${script}: ${err.message}`)
        resolve(EXIT_PROBLEM)
      })
      child.on('exit', (code, signal) => { resolve(code ?? (signal !== null ? 128 + (constants.signals[signal] ?? 0) : EXIT_PROBLEM)) })
    })
  }
}

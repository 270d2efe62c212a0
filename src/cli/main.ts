#!/usr/bin/env node
// The `shale` command: inspect, verify, repair and benchmark Shale and LevelDB databases, and draw
// their LSM tree. This file finds the subcommand, parses its arguments (args.ts), runs it and turns
// the outcome into an exit code: 0 ok, 1 a problem with the database (or file), 2 a usage error.
// Errors go to stderr as one line; SHALE_DEBUG=1 adds the stack.

import { readFileSync } from 'node:fs'
import { formatHelp, parseArgs, UsageError } from './args.js'
import { type Command, newContext } from './command.js'
import { EXIT_OK, EXIT_PROBLEM, EXIT_USAGE, exitQuietlyOnClosedPipe, printError } from './output.js'
import { info } from './info.js'
import { manifest } from './manifest.js'
import { sst } from './sst.js'
import { wal } from './wal.js'
import { get } from './get.js'
import { put } from './put.js'
import { del } from './del.js'
import { scan } from './scan.js'
import { verify } from './verify.js'
import { compact } from './compact.js'
import { repair } from './repair.js'
import { destroy } from './destroy.js'
import { bench } from './bench.js'
import { map } from './map.js'
import { backup } from './backup.js'
import { restore } from './restore.js'

export const COMMANDS: readonly Command[] = [info, manifest, sst, wal, get, put, del, scan, verify, compact, repair, destroy, backup, restore, bench, map]

function version (): string {
  try {
    // dist/src/cli/main.js -> package.json at the package root.
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version?: string }
    return pkg.version ?? 'unknown'
  } catch {
    return 'unknown'
  }
}

function generalHelp (): string {
  const width = Math.max(...COMMANDS.map((c) => c.spec.name.length))
  return [
    'Usage: shale <command> [arguments] [options]',
    '',
    'Inspect, verify, repair and benchmark Shale and LevelDB (classic-level) databases.',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.spec.name.padEnd(width)}  ${c.spec.summary}`),
    '',
    'Run "shale <command> --help" for a command\'s arguments and options.',
    'Keys and values: --encoding utf8|hex|auto (auto: text when printable, else 0x-prefixed hex).',
    'Exit codes: 0 ok, 1 the database (or file) has a problem, 2 usage error.',
    ''
  ].join('\n')
}

function errorText (err: unknown): string {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code
    return typeof code === 'string' && code.startsWith('LEVEL_') ? `${err.message} [${code}]` : err.message
  }
  return String(err)
}

export async function main (argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv
  if (name === undefined) {
    process.stderr.write(generalHelp())
    return EXIT_USAGE
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    const topic = rest[0]
    if (topic === undefined) {
      process.stdout.write(generalHelp())
      return EXIT_OK
    }
    const command = COMMANDS.find((c) => c.spec.name === topic)
    if (command === undefined) {
      printError(`shale: unknown command ${JSON.stringify(topic)}\nRun "shale --help" for the list of commands.`)
      return EXIT_USAGE
    }
    process.stdout.write(formatHelp(command.spec))
    return EXIT_OK
  }
  if (name === '--version' || name === '-V') {
    process.stdout.write(`shale ${version()}\n`)
    return EXIT_OK
  }
  const command = COMMANDS.find((c) => c.spec.name === name)
  if (command === undefined) {
    printError(`shale: unknown command ${JSON.stringify(name)}\nRun "shale --help" for the list of commands.`)
    return EXIT_USAGE
  }
  try {
    const args = parseArgs(command.spec, rest)
    if (args.options.get('help') === true) {
      process.stdout.write(formatHelp(command.spec))
      return EXIT_OK
    }
    return await command.run(args, newContext())
  } catch (err) {
    if (err instanceof UsageError) {
      printError(`shale ${name}: ${err.message}\nRun "shale ${name} --help" for usage.`)
      return EXIT_USAGE
    }
    printError(`shale ${name}: ${errorText(err)}`)
    if ((process.env.SHALE_DEBUG ?? '') !== '' && err instanceof Error && err.stack !== undefined) printError(err.stack)
    return EXIT_PROBLEM
  }
}

exitQuietlyOnClosedPipe()
process.exitCode = await main(process.argv.slice(2))

// What every subcommand is: a description (which drives parsing and --help) and a run function
// that returns the exit code. Plus the few things several subcommands share: the --json and
// --quiet options, and opening a database that must already exist.

import { DB } from '../db/db.js'
import type { DBOptions } from '../db/options.js'
import { NodeEnv } from '../env/node-env.js'
import { currentFileName } from '../dbformat/filename.js'
import { ShaleError } from '../util/errors.js'
import type { CommandSpec, OptionSpec, ParsedArgs } from './args.js'
import { Output } from './output.js'

export interface Context {
  env: NodeEnv
  out: Output
}

export interface Command {
  spec: CommandSpec
  run (args: ParsedArgs, ctx: Context): Promise<number>
}

export function newContext (): Context {
  return { env: new NodeEnv(), out: new Output() }
}

export const JSON_OPTION: OptionSpec = { name: 'json', type: 'boolean', description: 'print the result as JSON' }
export const QUIET_OPTION: OptionSpec = { name: 'quiet', short: 'q', type: 'boolean', description: 'no progress display' }

/**
 * Opens the database at `dir`, which must exist: opening a missing one would create the directory
 * (LevelDB does so even without createIfMissing), which a read command must not do. get and scan
 * pass readOnly: no lock, nothing written.
 */
export async function openExisting (ctx: Context, dir: string, options: DBOptions = {}): Promise<DB> {
  if (!ctx.env.fileExists(currentFileName(dir))) {
    throw new ShaleError('LEVEL_NOT_FOUND', `${dir} is not a database: it has no CURRENT file`)
  }
  return await DB.open(dir, { ...options, createIfMissing: false, env: ctx.env })
}

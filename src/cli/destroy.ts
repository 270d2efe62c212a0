// `shale destroy <dir>`: deletes a database's files (LevelDB's DestroyDB: only files with LevelDB
// names, then the directory if nothing else is left). It asks first, on the terminal; without a
// terminal to ask on it refuses unless --yes was given, so that no script destroys by accident.

import { createInterface } from 'node:readline'
import { destroyDB } from '../db/destroy.js'
import { ShaleError } from '../util/errors.js'
import { flag, type ParsedArgs, UsageError } from './args.js'
import { type Command, type Context } from './command.js'
import { isDirectory, listDir } from './db-dir.js'
import { EXIT_OK, EXIT_PROBLEM, formatSize, printError } from './output.js'

async function ask (question: string): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stderr })
  try {
    return await new Promise<string>((resolve) => {
      rl.question(question, resolve)
      // Ctrl-D: no answer is a no.
      rl.once('close', () => { resolve('') })
    })
  } finally {
    rl.close()
  }
}

export const destroy: Command = {
  spec: {
    name: 'destroy',
    summary: 'Delete a database (asks first unless --yes).',
    description: 'Deletes every file with a LevelDB name, then the directory if nothing else is in it. Takes\n' +
      'the lock first, so it fails on a database that is open. Without --yes it asks on the terminal;\n' +
      'when standard input is not a terminal it refuses (exit 2).',
    positionals: [{ name: 'dir', required: true, description: 'database directory' }],
    options: [{ name: 'yes', short: 'y', type: 'boolean', description: 'do not ask' }],
    examples: ['shale destroy ./db', 'shale destroy ./db --yes']
  },

  async run (args: ParsedArgs, ctx: Context): Promise<number> {
    const dir = args.positionals[0]!
    if (!isDirectory(ctx.env, dir)) throw new ShaleError('LEVEL_NOT_FOUND', `${dir} does not exist or is not a directory`)
    const entries = listDir(ctx.env, dir)
    const ours = entries.filter((e) => e.type !== 'other')
    if (!ours.some((e) => e.type === 'current' || e.type === 'manifest' || e.type === 'table' || e.type === 'log')) {
      throw new ShaleError('LEVEL_NOT_FOUND', `${dir} does not look like a database (no CURRENT, MANIFEST, table or log); nothing deleted`)
    }
    const bytes = ours.reduce((s, e) => s + Math.max(0, e.size), 0)
    if (!flag(args, 'yes')) {
      if (process.stdin.isTTY !== true) {
        throw new UsageError('refusing to destroy without --yes: standard input is not a terminal to ask on')
      }
      const answer = await ask(`Destroy the database at ${dir} (${ours.length} files, ${formatSize(bytes)})? [y/N] `)
      if (!/^y(es)?$/i.test(answer.trim())) {
        printError('not destroyed')
        return EXIT_PROBLEM
      }
    }
    destroyDB(ctx.env, dir)
    const left = isDirectory(ctx.env, dir) ? ctx.env.getChildren(dir) : []
    ctx.out.line(`destroyed ${dir}: ${ours.length} files, ${formatSize(bytes)}` +
      (left.length > 0 ? `; the directory stays, holding ${left.join(', ')}` : ''))
    return EXIT_OK
  }
}

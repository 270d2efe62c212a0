// `shale put <dir> <key> <value>`: one write, through the engine's write path (log, then memtable),
// so it is as durable as any other write: with --sync, against power loss.

import { flag, type ParsedArgs } from './args.js'
import { ENCODING_OPTIONS, encodingsOf, parseBytes } from './codec.js'
import { type Command, type Context, openExisting } from './command.js'
import { DB } from '../db/db.js'
import { EXIT_OK } from './output.js'

export const put: Command = {
  spec: {
    name: 'put',
    summary: 'Write one key and value.',
    positionals: [
      { name: 'dir', required: true, description: 'database directory' },
      { name: 'key', required: true, description: 'the key (auto: 0x-prefixed hex, else UTF-8)' },
      { name: 'value', required: true, description: 'the value (same rules)' }
    ],
    options: [
      { name: 'sync', type: 'boolean', description: 'sync the log before returning (survives power loss)' },
      { name: 'create', type: 'boolean', description: 'create the database if it does not exist' },
      ...ENCODING_OPTIONS
    ],
    examples: ['shale put ./db user:42 \'{"name":"Ada"}\'', 'shale put ./db 0x0001 0xff --sync', 'shale put ./new-db hello world --create']
  },

  async run (args: ParsedArgs, ctx: Context): Promise<number> {
    const [dir, keyArg, valueArg] = args.positionals as [string, string, string]
    const { key: keyEnc, value: valueEnc } = encodingsOf(args)
    const key = parseBytes(keyArg, keyEnc, 'key')
    const value = parseBytes(valueArg, valueEnc, 'value')
    const db = flag(args, 'create') ? await DB.open(dir, { env: ctx.env, createIfMissing: true }) : await openExisting(ctx, dir)
    try {
      await db.put(key, value, { sync: flag(args, 'sync') })
    } finally {
      await db.close()
    }
    return EXIT_OK
  }
}

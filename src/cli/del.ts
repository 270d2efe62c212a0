// `shale del <dir> <key>`: one deletion, through the engine's write path. Deleting a key that is
// not there is not an error (a deletion marker is written all the same, as in LevelDB).

import { flag, type ParsedArgs } from './args.js'
import { ENCODING_OPTIONS, encodingsOf, parseBytes } from './codec.js'
import { type Command, type Context, openExisting } from './command.js'
import { EXIT_OK } from './output.js'

export const del: Command = {
  spec: {
    name: 'del',
    summary: 'Delete one key.',
    positionals: [
      { name: 'dir', required: true, description: 'database directory' },
      { name: 'key', required: true, description: 'the key (auto: 0x-prefixed hex, else UTF-8)' }
    ],
    options: [
      { name: 'sync', type: 'boolean', description: 'sync the log before returning (survives power loss)' },
      ...ENCODING_OPTIONS
    ],
    examples: ['shale del ./db user:42']
  },

  async run (args: ParsedArgs, ctx: Context): Promise<number> {
    const [dir, keyArg] = args.positionals as [string, string]
    const key = parseBytes(keyArg, encodingsOf(args).key, 'key')
    const db = await openExisting(ctx, dir)
    try {
      await db.del(key, { sync: flag(args, 'sync') })
    } finally {
      await db.close()
    }
    return EXIT_OK
  }
}

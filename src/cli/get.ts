// `shale get <dir> <key>`: one value. The database is opened read-only (no lock, nothing written,
// the logs replayed into memory), so it works on read-only media and on a database another
// process holds, showing the state at the moment it opened.

import { flag, type ParsedArgs } from './args.js'
import { ENCODING_OPTIONS, encodingsOf, formatBytes, parseBytes } from './codec.js'
import { type Command, type Context, JSON_OPTION, openExisting } from './command.js'
import { EXIT_OK, EXIT_PROBLEM, printError } from './output.js'

export const get: Command = {
  spec: {
    name: 'get',
    summary: 'Print the value of one key.',
    description: 'Exits 1 when the key is not found (with --json, {"found": false} is printed too), so that\n' +
      'scripts can test for a key; a value is printed in the value encoding, followed by a newline.\n' +
      'Opens the database read-only: no lock is taken and nothing is written, so it works on read-only\n' +
      'media and while another process has the database open (it then sees the state at that moment).',
    positionals: [
      { name: 'dir', required: true, description: 'database directory' },
      { name: 'key', required: true, description: 'the key (auto: 0x-prefixed hex, else UTF-8)' }
    ],
    options: [JSON_OPTION, ...ENCODING_OPTIONS],
    examples: ['shale get ./db user:42', 'shale get ./db 0x00ff --value-encoding hex']
  },

  async run (args: ParsedArgs, ctx: Context): Promise<number> {
    const [dir, keyArg] = args.positionals as [string, string]
    const { key: keyEnc, value: valueEnc } = encodingsOf(args)
    const key = parseBytes(keyArg, keyEnc, 'key')
    const db = await openExisting(ctx, dir, { readOnly: true })
    let value: Uint8Array | undefined
    try {
      value = await db.get(key)
    } finally {
      await db.close()
    }
    if (flag(args, 'json')) {
      ctx.out.json(value === undefined
        ? { key: formatBytes(key, keyEnc), found: false }
        : { key: formatBytes(key, keyEnc), found: true, value: formatBytes(value, valueEnc) })
    } else if (value !== undefined) {
      ctx.out.line(formatBytes(value, valueEnc))
    }
    if (value === undefined) {
      printError(`not found: ${formatBytes(key, keyEnc)}`)
      return EXIT_PROBLEM
    }
    return EXIT_OK
  }
}

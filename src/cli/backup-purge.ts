// `shale backup purge <backupDir> --keep N`: keeps the newest N backups, deletes the others and
// every stored file no remaining backup names.

import { Backup } from '../backup/backup.js'
import { flag, integerOption, type ParsedArgs, UsageError } from './args.js'
import { type Command, type Context, JSON_OPTION } from './command.js'
import { EXIT_OK, formatSize, plural } from './output.js'

export const backupPurge: Command = {
  spec: {
    name: 'backup purge',
    summary: 'Delete all but the newest backups, and the files only they named.',
    positionals: [{ name: 'backupDir', required: true, description: 'backup directory' }],
    options: [
      { name: 'keep', type: 'integer', valueName: 'N', description: 'how many of the newest backups to keep (required)' },
      JSON_OPTION
    ],
    examples: ['shale backup purge ./backups --keep 3']
  },

  async run (args: ParsedArgs, ctx: Context): Promise<number> {
    const keep = integerOption(args, 'keep')
    if (keep === undefined || keep < 0) throw new UsageError('--keep N is required (N >= 0)')
    const result = await Backup.purge(args.positionals[0]!, keep, { env: ctx.env })
    if (flag(args, 'json')) {
      ctx.out.json(result)
      return EXIT_OK
    }
    ctx.out.line(`removed ${plural(result.removed.length, 'backup')}${result.removed.length > 0 ? ` (${result.removed.join(', ')})` : ''}, ` +
      `kept ${result.kept.length}; deleted ${plural(result.filesDeleted, 'file')}, ${formatSize(result.bytesFreed)}`)
    return EXIT_OK
  }
}

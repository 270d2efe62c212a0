// `shale restore <backupDir> <id> <target>`: rebuilds a backup as a database in a new or empty
// directory. The backup is verified first and refused (exit 1) if anything in it is damaged.

import { Backup } from '../backup/backup.js'
import { flag, type ParsedArgs } from './args.js'
import { type Command, type Context, JSON_OPTION, QUIET_OPTION } from './command.js'
import { columns, EXIT_OK, formatSize } from './output.js'
import { StepProgress } from './backup-progress.js'
import { parseBackupId } from './backup-verify.js'

export const restore: Command = {
  spec: {
    name: 'restore',
    summary: 'Rebuild a database from a backup (made by shale backup or Backup.create).',
    description: 'Verifies the backup, copies its tables, writes its log and MANIFEST, and writes CURRENT\n' +
      'last: an interrupted restore leaves a directory that does not open. <target> must not exist\n' +
      'or be empty.',
    positionals: [
      { name: 'backupDir', required: true, description: 'backup directory' },
      { name: 'id', required: true, description: 'backup id (shale backup list)' },
      { name: 'target', required: true, description: 'new database directory' }
    ],
    options: [QUIET_OPTION, JSON_OPTION],
    examples: ['shale restore ./backups 3 ./db-restored']
  },

  async run (args: ParsedArgs, ctx: Context): Promise<number> {
    const [dir, idText, target] = args.positionals as [string, string, string]
    const id = parseBackupId(idText)
    const progress = new StepProgress('restore', !flag(args, 'quiet'))
    let result
    try {
      result = await Backup.restore(dir, id, target, { env: ctx.env, onProgress: progress.update })
    } finally {
      progress.finish()
    }
    if (flag(args, 'json')) {
      ctx.out.json({ target, ...result })
      return EXIT_OK
    }
    for (const l of columns([
      ['restored', `backup ${id} to ${target}`],
      ['sequence', String(result.sequence)],
      ['tables', String(result.tablesCopied)],
      ['written', formatSize(result.bytesWritten)]
    ])) ctx.out.line(l)
    return EXIT_OK
  }
}

// `shale backup list <backupDir>`: the backups in a backup directory, oldest first.

import { Backup } from '../backup/backup.js'
import { flag, type ParsedArgs } from './args.js'
import { type Command, type Context, JSON_OPTION } from './command.js'
import { columns, EXIT_OK, formatSize } from './output.js'

export const backupList: Command = {
  spec: {
    name: 'backup list',
    summary: 'List the backups in a backup directory.',
    positionals: [{ name: 'backupDir', required: true, description: 'backup directory' }],
    options: [JSON_OPTION],
    examples: ['shale backup list ./backups', 'shale backup list ./backups --json']
  },

  async run (args: ParsedArgs, ctx: Context): Promise<number> {
    const list = await Backup.list(args.positionals[0]!, { env: ctx.env })
    if (flag(args, 'json')) {
      ctx.out.json(list)
      return EXIT_OK
    }
    if (list.length === 0) {
      ctx.out.line('no backups')
      return EXIT_OK
    }
    const rows = [['id', 'created', 'sequence', 'tables', 'size', 'added']]
    for (const b of list) {
      rows.push([String(b.id), b.createdAt, String(b.sequence), String(b.tables), formatSize(b.size), formatSize(b.bytesAdded)])
    }
    for (const l of columns(rows)) ctx.out.line(l)
    return EXIT_OK
  }
}

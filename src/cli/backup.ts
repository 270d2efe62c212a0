// `shale backup <dir> <backupDir>`: an incremental backup of a database (doc/backup.md), and the
// dispatcher of `shale backup list|verify|purge`, whose files are backup-<name>.ts. The database
// is opened, so it must not be open elsewhere; a process that keeps a database open backs it up
// itself with Backup.create.

import { Backup, type BackupInfo } from '../backup/backup.js'
import { flag, formatHelp, parseArgs, type CommandSpec, type ParsedArgs } from './args.js'
import { type Command, type Context, JSON_OPTION, openExisting, QUIET_OPTION } from './command.js'
import { columns, EXIT_OK, formatSize } from './output.js'
import { StepProgress } from './backup-progress.js'
import { backupList } from './backup-list.js'
import { backupVerify } from './backup-verify.js'
import { backupPurge } from './backup-purge.js'

const SUBCOMMANDS: readonly Command[] = [backupList, backupVerify, backupPurge]

const createSpec: CommandSpec = {
  name: 'backup',
  summary: 'Back up a database incrementally (also: backup list | verify | purge).',
  description: 'Copies into <backupDir> the tables it does not hold yet, the memtable\'s entries and a\n' +
    'manifest naming them, written last: a backup exists whole or not at all. The database is\n' +
    'opened (and locked) for the copy.\n\n' +
    'Subcommands on a backup directory:\n' +
    '  shale backup list <backupDir>            the backups, oldest first\n' +
    '  shale backup verify <backupDir> [id]     every checksum of one backup, or of all\n' +
    '  shale backup purge <backupDir> --keep N  keep the newest N, delete the rest\n' +
    'and "shale restore <backupDir> <id> <target>" to rebuild a database.',
  positionals: [
    { name: 'dir', required: true, description: 'database directory' },
    { name: 'backupDir', required: true, description: 'backup directory (created if missing)' }
  ],
  options: [QUIET_OPTION, JSON_OPTION],
  examples: ['shale backup ./db ./backups', 'shale backup list ./backups', 'shale backup verify ./backups 3']
}

const create: Command = {
  spec: createSpec,
  async run (args: ParsedArgs, ctx: Context): Promise<number> {
    const [dir, backupDir] = args.positionals as [string, string]
    const progress = new StepProgress('backup', !flag(args, 'quiet'))
    const db = await openExisting(ctx, dir)
    let info: BackupInfo
    try {
      info = await Backup.create(db, backupDir, { env: ctx.env, onProgress: progress.update })
    } finally {
      progress.finish()
      await db.close()
    }
    if (flag(args, 'json')) {
      ctx.out.json(info)
      return EXIT_OK
    }
    for (const l of columns(backupRows(info))) ctx.out.line(l)
    return EXIT_OK
  }
}

function backupRows (info: BackupInfo): string[][] {
  return [
    ['backup', String(info.id)],
    ['created', info.createdAt],
    ['sequence', String(info.sequence)],
    ['tables', String(info.tables)],
    ['size', formatSize(info.size)],
    ['added', `${formatSize(info.bytesAdded)} (tables not already stored, the log and the manifest)`]
  ]
}

export const backup: Command = {
  spec: { ...createSpec, passThrough: true },
  async run (args: ParsedArgs, ctx: Context): Promise<number> {
    const [first, ...more] = args.rest
    const sub = SUBCOMMANDS.find((c) => c.spec.name === `backup ${first ?? ''}`)
    const command = sub ?? create
    const parsed = parseArgs(command.spec, sub === undefined ? args.rest : more)
    if (flag(parsed, 'help')) {
      ctx.out.write(formatHelp(command.spec))
      return EXIT_OK
    }
    return await command.run(parsed, ctx)
  }
}

// `shale backup verify <backupDir> [id]`: checks every checksum of one backup or of all (each
// table's blocks and whole file, the log's records, the manifest). Exit 1 if anything is damaged.

import { Backup } from '../backup/backup.js'
import { flag, type ParsedArgs, UsageError } from './args.js'
import { type Command, type Context, JSON_OPTION, QUIET_OPTION } from './command.js'
import { EXIT_OK, EXIT_PROBLEM, plural, printError } from './output.js'
import { StepProgress } from './backup-progress.js'

/** A backup id argument: a positive integer, else a usage error. */
export function parseBackupId (text: string): number {
  if (!/^[1-9]\d*$/.test(text) || !Number.isSafeInteger(Number(text))) throw new UsageError(`backup id must be a positive integer, got ${JSON.stringify(text)}`)
  return Number(text)
}

export const backupVerify: Command = {
  spec: {
    name: 'backup verify',
    summary: 'Check every checksum of a backup (or of all of them).',
    positionals: [
      { name: 'backupDir', required: true, description: 'backup directory' },
      { name: 'id', required: false, description: 'the backup to check (default: all)' }
    ],
    options: [QUIET_OPTION, JSON_OPTION],
    examples: ['shale backup verify ./backups', 'shale backup verify ./backups 3 --json']
  },

  async run (args: ParsedArgs, ctx: Context): Promise<number> {
    const [dir, idText] = args.positionals as [string, string | undefined]
    const id = idText === undefined ? undefined : parseBackupId(idText)
    const progress = new StepProgress('verify', !flag(args, 'quiet'))
    let results
    try {
      results = await Backup.verify(dir, id, { env: ctx.env, onProgress: progress.update })
    } finally {
      progress.finish()
    }
    const ok = results.every((r) => r.ok)
    if (flag(args, 'json')) {
      ctx.out.json({ ok, backups: results })
    } else {
      for (const r of results) {
        ctx.out.line(`backup ${r.id}: ${r.ok ? 'ok' : 'DAMAGED'} (${plural(r.tablesChecked, 'table')}, ${plural(r.blocksChecked, 'block')} checked)`)
        for (const p of r.problems) printError(`backup ${r.id}: ${p}`)
      }
      if (results.length === 0) ctx.out.line('no backups')
    }
    return ok ? EXIT_OK : EXIT_PROBLEM
  }
}

// `shale repair <dir>`: rebuilds the MANIFEST from the tables and logs in the directory (the
// engine's repair, doc/repair.md), then says what it kept, what it recovered and what was lost.
// Nothing is deleted that held data: damaged originals are archived in lost/.

import { repairDB, type RepairReport } from '../db/repair.js'
import { flag, type ParsedArgs } from './args.js'
import { type Command, type Context, JSON_OPTION, QUIET_OPTION } from './command.js'
import { columns, EXIT_OK, plural, printError } from './output.js'
import { Progress } from './progress.js'
import { isDirectory } from './db-dir.js'
import { ShaleError } from '../util/errors.js'

export const repair: Command = {
  spec: {
    name: 'repair',
    summary: 'Rebuild a damaged database from its tables and logs (damaged files go to lost/).',
    description: 'Takes the lock, so the database must be closed. Every log becomes tables, every table is\n' +
      'checked, damaged tables keep their readable entries, and a new MANIFEST names the result.\n' +
      'Refuses (exit 1, nothing written) a database made under a comparator other than the bytewise one.\n' +
      'Exits 0 when the database was repaired, even if data was lost (the report says what).',
    positionals: [{ name: 'dir', required: true, description: 'database directory' }],
    options: [QUIET_OPTION, JSON_OPTION],
    examples: ['shale repair ./db', 'shale repair ./db --json']
  },

  async run (args: ParsedArgs, ctx: Context): Promise<number> {
    const dir = args.positionals[0]!
    if (!isDirectory(ctx.env, dir)) throw new ShaleError('LEVEL_NOT_FOUND', `${dir} is not a directory`)
    // The engine's repair reports no progress of its own: a spinner (or a start and an end line),
    // begun only once it holds the lock, so that a refusal or a locked database prints the error alone.
    let progress: Progress | undefined
    let report: RepairReport
    try {
      report = await repairDB(ctx.env, dir, {}, {
        started: () => { progress = new Progress('repair', undefined, { enabled: !flag(args, 'quiet') }) }
      })
    } catch (err) {
      progress?.finish('failed')
      throw err
    }
    progress?.finish()
    if (flag(args, 'json')) {
      ctx.out.json(report)
      return EXIT_OK
    }
    const levels = new Map<number, number>()
    for (const f of report.files) levels.set(f.level, (levels.get(f.level) ?? 0) + 1)
    const rows: string[][] = [
      ['logs', `${report.logsConverted} converted into ${plural(report.tablesFromLogs, 'table')}, ${report.logsObsolete} already flushed (archived unread)`],
      ['log damage', `${report.recordsDropped} records or regions dropped (${report.logBytesDropped} bytes), ${report.recordsSkippedInPlace} of them skipped in place`],
      ['tables', `${report.tablesKept} intact, ${report.tablesRecovered} rewritten from their readable entries, ${report.tablesLost} lost`],
      ['result', `MANIFEST-${String(report.manifestNumber).padStart(6, '0')}: ${plural(report.files.length, 'table')}` +
        ` (${[...levels].sort((a, b) => a[0] - b[0]).map(([l, n]) => `L${l}: ${n}`).join(', ') || 'none'})` +
        `${report.consolidated ? ', merged into one sorted run' : ''}, last sequence ${report.lastSequence}`],
      ['archived', report.filesMovedToLost.length === 0 ? 'nothing' : report.filesMovedToLost.join(', ')],
      ['removed', report.filesRemoved.length === 0 ? 'nothing' : report.filesRemoved.join(', ')]
    ]
    for (const l of columns(rows)) ctx.out.line(l)
    for (const d of report.damage) {
      printError(`damage: ${d.file}: ${d.reason}${d.bytes === undefined ? '' : ` (${d.bytes} bytes)`}`)
    }
    return EXIT_OK
  }
}

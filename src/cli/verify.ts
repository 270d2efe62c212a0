// `shale verify <dir>`: reads every block of every live file with checksums verified — the MANIFEST,
// each table the current tree names (and checks it against what the MANIFEST says of it), and the
// logs whose writes are not yet in tables — and reports damage per file. Exit 1 on any damage.
// Reads only, without the lock: verify a database that no process is writing.

import { baseName, joinPath } from '../env/env.js'
import { bytesEqual } from '../util/coding.js'
import { flag, type ParsedArgs } from './args.js'
import { ENCODING_OPTIONS, encodingsOf, internalKeyText } from './codec.js'
import { type Command, type Context, JSON_OPTION, QUIET_OPTION } from './command.js'
import { currentManifest, foreignComparatorNote, keyOrderOf, listDir, readManifestHistory, tablePath } from './db-dir.js'
import { summarizeLog } from './log-scan.js'
import { EXIT_OK, EXIT_PROBLEM, formatSize, plural, printError } from './output.js'
import { Progress } from './progress.js'
import { scanTable } from './table-scan.js'

interface FileResult {
  file: string
  kind: 'manifest' | 'table' | 'log'
  level?: number
  bytes: number
  /** What was read: blocks and entries, records. */
  detail: string
  problems: string[]
  /** Oddities that are not damage (keys out of bytewise order when the comparator is unknown). */
  notes: string[]
}

export const verify: Command = {
  spec: {
    name: 'verify',
    summary: 'Read every block of every live file with checksums; report damage per file; exit 1 on any.',
    description: 'Checks the MANIFEST, every table it names (existence, size, each block\'s checksum, key order,\n' +
      'the key range the MANIFEST records, the bloom filter) and the live logs. Opens nothing: no lock is\n' +
      'taken, so verify a database no process is writing. Key order is checked only when the MANIFEST\n' +
      'names the bytewise comparator; under another one it is skipped and only the rest is checked.',
    positionals: [{ name: 'dir', required: true, description: 'database directory' }],
    options: [
      { name: 'verbose', short: 'v', type: 'boolean', description: 'list intact files too' },
      QUIET_OPTION,
      JSON_OPTION,
      ...ENCODING_OPTIONS
    ],
    examples: ['shale verify ./db', 'shale verify ./db --json --quiet']
  },

  async run (args: ParsedArgs, ctx: Context): Promise<number> {
    const dir = args.positionals[0]!
    const enc = encodingsOf(args).key
    const json = flag(args, 'json')
    const verbose = flag(args, 'verbose')
    const results: FileResult[] = []

    const manifestPath = currentManifest(ctx.env, dir)
    const history = readManifestHistory(ctx.env, manifestPath)
    results.push({
      file: baseName(manifestPath), kind: 'manifest', bytes: history.scan.fileSize, detail: `${history.edits.length} edits`, problems: history.problems, notes: []
    })
    const keyOrder = keyOrderOf(history)
    const comparator = history.state.comparator
    const tables = history.state.levels.flat()
    const logNumber = history.state.logNumber ?? 0
    const logs = listDir(ctx.env, dir).filter((e) => e.type === 'log' && (e.number >= logNumber || e.number === history.state.prevLogNumber))
    const total = tables.reduce((s, f) => s + f.fileSize, 0) + logs.reduce((s, l) => s + Math.max(0, l.size), 0)
    const progress = new Progress('verify', total, { unit: 'bytes', enabled: !flag(args, 'quiet') })
    let done = 0

    for (const f of tables) {
      const path = tablePath(ctx.env, dir, f.number)
      const name = path === undefined ? `${String(f.number).padStart(6, '0')}.ldb` : baseName(path)
      const result: FileResult = { file: name, kind: 'table', level: f.level, bytes: f.fileSize, detail: '', problems: [], notes: [] }
      results.push(result)
      progress.update(done, name)
      if (path === undefined) {
        result.problems.push('missing: the MANIFEST names it but it is not in the directory')
      } else {
        const actual = ctx.env.getFileSize(path)
        if (actual !== f.fileSize) result.problems.push(`${actual} bytes on disk, the MANIFEST says ${f.fileSize}`)
        const base = done
        const report = await scanTable(ctx.env, path, {
          fileSize: Math.min(actual, f.fileSize),
          keyOrder,
          onProgress: (offset) => { progress.update(base + offset, name) }
        })
        result.problems.push(...report.problems)
        result.notes.push(...report.notes)
        result.detail = `${report.blocks.length} blocks, ${report.entries} entries`
        if (report.smallest !== undefined && !bytesEqual(report.smallest, f.smallest)) {
          result.problems.push(`smallest key is ${internalKeyText(report.smallest, enc)}; the MANIFEST says ${internalKeyText(f.smallest, enc)}`)
        }
        if (report.largest !== undefined && !bytesEqual(report.largest, f.largest)) {
          result.problems.push(`largest key is ${internalKeyText(report.largest, enc)}; the MANIFEST says ${internalKeyText(f.largest, enc)}`)
        }
      }
      done += f.fileSize
    }
    for (const l of logs) {
      progress.update(done, l.name)
      const summary = summarizeLog(ctx.env, joinPath(dir, l.name))
      results.push({ file: l.name, kind: 'log', bytes: summary.bytes, detail: `${summary.batches} batches, ${summary.writes} writes`, problems: summary.damage, notes: [] })
      done += Math.max(0, l.size)
    }
    const damaged = results.filter((r) => r.problems.length > 0)
    progress.update(total)
    progress.finish(damaged.length === 0 ? 'all intact' : `${damaged.length} damaged`)

    if (json) {
      ctx.out.json({ dir, ok: damaged.length === 0, comparator, keyOrder, files: results, damaged: damaged.length, bytes: total })
    } else {
      if (keyOrder === 'foreign') ctx.out.line(`note: ${foreignComparatorNote(comparator!)}`)
      if (keyOrder === 'unknown') ctx.out.line('note: the MANIFEST\'s comparator record is unreadable: keys out of bytewise order are noted, not counted as damage')
      for (const r of results) {
        const where = r.kind === 'table' ? `L${r.level!}` : r.kind
        if (r.problems.length === 0) {
          if (verbose || r.notes.length > 0) ctx.out.line(`${r.file}  ${where}  ok  ${formatSize(r.bytes)}, ${r.detail}`)
          for (const n of r.notes) ctx.out.line(`  note: ${n}`)
          continue
        }
        ctx.out.line(`${r.file}  ${where}  DAMAGED${r.detail === '' ? '' : ` (${r.detail})`}`)
        for (const p of r.problems) ctx.out.line(`  ${p}`)
        for (const n of r.notes) ctx.out.line(`  note: ${n}`)
      }
      ctx.out.line(`verified ${plural(tables.length, "table")}, ${plural(logs.length, "log")} and the MANIFEST (${formatSize(total + history.scan.fileSize)}): ` +
        (damaged.length === 0 ? 'no damage' : `${damaged.length} damaged ${damaged.length === 1 ? 'file' : 'files'}`))
    }
    if (damaged.length > 0) {
      printError(`damage in ${damaged.map((r) => r.file).join(', ')}`)
      printError(keyOrder === 'foreign'
        ? `"shale repair" refuses a database ordered by comparator ${comparator!}: repair it with the program that made it`
        : `"shale repair ${dir}" rebuilds the database from what is readable (damaged files go to lost/)`)
    }
    return damaged.length > 0 ? EXIT_PROBLEM : EXIT_OK
  }
}

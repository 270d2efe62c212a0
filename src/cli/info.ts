// `shale info <dir>`: the shape of a database without opening it — levels, files, bytes, key
// ranges, sequence numbers, the log and MANIFEST numbers, the logs whose writes are not yet in
// any table, and the last lines of the info log LOG. Reads only; a database in use by another
// process may be a moment out of date.

import type { Env } from '../env/env.js'
import { baseName, joinPath } from '../env/env.js'
import { infoLogFileName } from '../dbformat/filename.js'
import { fromUtf8 } from '../util/coding.js'
import { flag, integerOption, type ParsedArgs } from './args.js'
import { ENCODING_OPTIONS, encodingsOf, type Encoding, formatBytes, internalKeyText, userKeyBytes, userKeyText } from './codec.js'
import { type Command, type Context, JSON_OPTION } from './command.js'
import {
  currentManifest, type DirEntry, foreignComparatorNote, icmp, isBytewise, listDir, type LiveFile, readManifestHistory, type ManifestHistory
} from './db-dir.js'
import { type LogSummary, summarizeLog } from './log-scan.js'
import { columns, EXIT_OK, EXIT_PROBLEM, formatSize, type Output, printError } from './output.js'

interface LevelInfo {
  level: number
  files: LiveFile[]
  bytes: number
  /** User keys bounding the level (undefined when it is empty). */
  smallest: string | undefined
  largest: string | undefined
}

interface InfoReport {
  dir: string
  manifest: string
  history: ManifestHistory
  levels: LevelInfo[]
  logs: LogSummary[]
  /** The highest sequence number in the live logs, if they hold any write. */
  lastLogSequence: number | undefined
  others: Array<{ name: string, bytes: number, note: string }>
  /** The last lines of LOG, when there is one and they were asked for. */
  infoLog: { lines: string[], totalLines: number } | undefined
  problems: string[]
}

/** Lines of the info log shown unless --log says otherwise. */
const DEFAULT_LOG_LINES = 10

/** The last `n` lines of the directory's LOG (LevelDB's or Shale's), or undefined if it has none. */
function infoLogTail (env: Env, dir: string, n: number): InfoReport['infoLog'] {
  const path = infoLogFileName(dir)
  if (n <= 0 || !env.fileExists(path)) return undefined
  const text = fromUtf8(env.readFile(path))
  const lines = text.split('\n')
  if (lines[lines.length - 1] === '') lines.pop()
  return { lines: lines.slice(Math.max(0, lines.length - n)), totalLines: lines.length }
}

/** The least smallest and greatest largest key of a level (level 0's files overlap). */
function levelRange (files: readonly LiveFile[]): [Uint8Array, Uint8Array] | undefined {
  if (files.length === 0) return undefined
  let lo = userKeyBytes(files[0]!.smallest)
  let hi = userKeyBytes(files[0]!.largest)
  for (const f of files) {
    if (icmp.user.compare(userKeyBytes(f.smallest), lo) < 0) lo = userKeyBytes(f.smallest)
    if (icmp.user.compare(userKeyBytes(f.largest), hi) > 0) hi = userKeyBytes(f.largest)
  }
  return [lo, hi]
}

function noteFor (e: DirEntry, manifest: string): string {
  switch (e.type) {
    case 'table': return 'obsolete: not in the MANIFEST'
    case 'log': return 'obsolete: already in tables'
    case 'manifest': return 'obsolete MANIFEST'
    case 'current': return `names ${manifest}`
    case 'lock': return 'the lock file'
    case 'infoLog': return 'info log (--log N shows its last lines)'
    case 'temp': return 'left-over temporary file'
    default: return e.size < 0 ? 'directory' : 'not a LevelDB file'
  }
}

function gather (env: Env, dir: string, enc: Encoding, logLines: number): InfoReport {
  const manifestPath = currentManifest(env, dir)
  const manifest = baseName(manifestPath)
  const history = readManifestHistory(env, manifestPath)
  const state = history.state
  const problems = history.problems.map((p) => `${manifest}: ${p}`)

  const entries = listDir(env, dir)
  const onDisk = new Map(entries.map((e) => [e.name, e]))
  const live = new Set<string>([manifest])
  for (const f of state.levels.flat()) {
    const n = String(f.number).padStart(6, '0')
    const entry = onDisk.get(`${n}.ldb`) ?? onDisk.get(`${n}.sst`)
    if (entry === undefined) {
      problems.push(`table #${f.number} (level ${f.level}) is missing`)
      continue
    }
    live.add(entry.name)
    if (entry.size !== f.fileSize) problems.push(`${entry.name}: ${entry.size} bytes on disk, the MANIFEST says ${f.fileSize}`)
  }
  // The logs recovery would replay: the current one and any newer, and the previous one if named.
  const logs: LogSummary[] = []
  for (const e of entries) {
    if (e.type !== 'log' || (e.number < (state.logNumber ?? 0) && e.number !== state.prevLogNumber)) continue
    live.add(e.name)
    const summary = summarizeLog(env, joinPath(dir, e.name))
    logs.push(summary)
    for (const d of summary.damage) problems.push(`${e.name}: ${d}`)
  }
  const lastLogSequence = logs.reduce<number | undefined>(
    (m, l) => l.lastSequence === undefined ? m : Math.max(m ?? 0, l.lastSequence), undefined)

  // A level's range needs the key order; under another comparator only each file's own is known.
  const ordered = isBytewise(state.comparator)
  const levels = state.levels.map((files, level): LevelInfo => {
    const range = ordered ? levelRange(files) : undefined
    return {
      level,
      files,
      bytes: files.reduce((sum, f) => sum + f.fileSize, 0),
      smallest: range === undefined ? undefined : formatBytes(range[0], enc),
      largest: range === undefined ? undefined : formatBytes(range[1], enc)
    }
  })
  const others = entries.filter((e) => !live.has(e.name)).map((e) => ({ name: e.name, bytes: e.size, note: noteFor(e, manifest) }))
  const infoLog = infoLogTail(env, dir, logLines)
  return { dir, manifest, history, levels, logs, lastLogSequence, others, infoLog, problems }
}

function toJson (r: InfoReport, enc: Encoding): object {
  const s = r.history.state
  return {
    dir: r.dir,
    manifest: { name: r.manifest, bytes: r.history.scan.fileSize, edits: r.history.edits.length },
    comparator: s.comparator,
    keyOrderChecked: isBytewise(s.comparator),
    logNumber: s.logNumber,
    prevLogNumber: s.prevLogNumber,
    nextFileNumber: s.nextFileNumber,
    lastSequence: s.lastSequence,
    lastSequenceInLogs: r.lastLogSequence,
    levels: r.levels.map((l) => ({
      level: l.level,
      files: l.files.length,
      bytes: l.bytes,
      smallest: l.smallest,
      largest: l.largest,
      fileList: l.files.map((f) => ({
        number: f.number,
        bytes: f.fileSize,
        smallest: userKeyText(f.smallest, enc),
        largest: userKeyText(f.largest, enc),
        smallestKey: internalKeyText(f.smallest, enc),
        largestKey: internalKeyText(f.largest, enc)
      }))
    })),
    logs: r.logs,
    otherFiles: r.others,
    infoLog: r.infoLog === undefined ? null : { file: 'LOG', totalLines: r.infoLog.totalLines, lastLines: r.infoLog.lines },
    problems: r.problems,
    warnings: r.history.warnings
  }
}

function print (out: Output, r: InfoReport, enc: Encoding, listFiles: boolean): void {
  const s = r.history.state
  const withLogs = r.lastLogSequence !== undefined && r.lastLogSequence > (s.lastSequence ?? 0) ? ` (${r.lastLogSequence} with the logs)` : ''
  for (const l of columns([
    ['database', r.dir],
    ['MANIFEST', `${r.manifest} (${formatSize(r.history.scan.fileSize)}, ${r.history.edits.length} edits)`],
    ['comparator', s.comparator ?? '(none recorded)'],
    ...(isBytewise(s.comparator) ? [] : [['', foreignComparatorNote(s.comparator!)]]),
    ['log number', `${s.logNumber ?? '?'} (previous ${s.prevLogNumber ?? 0})`],
    ['next file', String(s.nextFileNumber ?? '?')],
    ['last sequence', `${s.lastSequence ?? '?'}${withLogs}`]
  ])) out.line(l)

  out.line()
  // Levels down to the deepest one holding files (at least level 0).
  const deepest = Math.max(0, ...r.levels.filter((l) => l.files.length > 0).map((l) => l.level))
  const rows: string[][] = [['level', 'files', 'bytes', 'key range']]
  for (const l of r.levels.slice(0, deepest + 1)) {
    rows.push([String(l.level), String(l.files.length), formatSize(l.bytes),
      l.files.length === 0 ? '' : l.smallest === undefined ? '(not known in this order: see --files)' : `${l.smallest} .. ${l.largest!}`])
  }
  rows.push(['total', String(r.levels.reduce((n, l) => n + l.files.length, 0)), formatSize(r.levels.reduce((n, l) => n + l.bytes, 0)), ''])
  for (const line of columns(rows)) out.line(line)

  if (listFiles) {
    for (const l of r.levels) {
      if (l.files.length === 0) continue
      out.line()
      out.line(`level ${l.level}${l.level === 0 ? ' (newest first)' : ''}:`)
      for (const line of columns(l.files.map((f) => [
        `  #${f.number}`, formatSize(f.fileSize), `${internalKeyText(f.smallest, enc)} .. ${internalKeyText(f.largest, enc)}`
      ]))) out.line(line)
    }
  }

  out.line()
  if (r.logs.length === 0) {
    out.line('logs: none')
  } else {
    out.line('logs (writes not yet in tables):')
    for (const line of columns(r.logs.map((l) => [
      `  ${l.name}`, formatSize(l.bytes),
      `${l.batches} batches, ${l.writes} writes${l.firstSequence === undefined ? '' : `, sequences ${l.firstSequence}..${l.lastSequence ?? l.firstSequence}`}`
    ]))) out.line(line)
  }
  if (r.others.length > 0) {
    out.line('other files:')
    for (const line of columns(r.others.map((o) => [`  ${o.name}`, o.bytes < 0 ? '' : formatSize(o.bytes), o.note]))) out.line(line)
  }
  if (r.infoLog !== undefined) {
    const { lines, totalLines } = r.infoLog
    out.line()
    out.line(`info log (LOG, ${lines.length < totalLines ? `last ${lines.length} of ${totalLines} lines` : `${totalLines} lines`}):`)
    for (const l of lines) out.line(`  ${l}`)
  }
}

export const info: Command = {
  spec: {
    name: 'info',
    summary: 'Show levels, files, bytes, key ranges, sequence numbers, and the log and MANIFEST numbers.',
    description: 'Reads CURRENT, the MANIFEST, the live logs and the info log LOG without opening the database\n' +
      '(no lock, no writes).\n' +
      'Exits 1 if the MANIFEST is damaged or names files that are missing or of the wrong size. Under a\n' +
      'comparator other than the bytewise one, says so and shows no level key ranges nor overlap checks.',
    positionals: [{ name: 'dir', required: true, description: 'database directory' }],
    options: [
      { name: 'files', short: 'f', type: 'boolean', description: 'list every table file under its level' },
      { name: 'log', type: 'integer', valueName: 'N', description: `show the last N lines of the info log LOG (default ${DEFAULT_LOG_LINES}, 0 for none)` },
      JSON_OPTION,
      ...ENCODING_OPTIONS
    ],
    examples: ['shale info ./db', 'shale info ./db --files --encoding hex', 'shale info ./db --log 50', 'shale info ./db --json']
  },

  async run (args: ParsedArgs, ctx: Context): Promise<number> {
    const enc = encodingsOf(args).key
    const logLines = integerOption(args, 'log') ?? DEFAULT_LOG_LINES
    const report = gather(ctx.env, args.positionals[0]!, enc, logLines)
    if (flag(args, 'json')) ctx.out.json(toJson(report, enc))
    else print(ctx.out, report, enc, flag(args, 'files'))
    for (const w of report.history.warnings) printError(`warning: ${w}`)
    for (const p of report.problems) printError(`problem: ${p}`)
    return report.problems.length > 0 ? EXIT_PROBLEM : EXIT_OK
  }
}

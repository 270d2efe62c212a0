// `shale manifest <dir|file>`: every VersionEdit of a MANIFEST in order, decoded — the history of
// state transitions that led to the current tree: which files each flush and compaction added and
// removed, which moved down a level, and how the counters advanced.

import { baseName } from '../env/env.js'
import type { VersionEdit } from '../version/version-edit.js'
import { flag, type ParsedArgs, UsageError } from './args.js'
import { ENCODING_OPTIONS, encodingsOf, type Encoding, internalKeyText } from './codec.js'
import { type Command, type Context, JSON_OPTION } from './command.js'
import {
  currentManifest, type EditEffect, type EditRecord, foreignComparatorNote, isBytewise, isDirectory, readManifestHistory
} from './db-dir.js'
import { fileKindOf } from './log-scan.js'
import { EXIT_OK, EXIT_PROBLEM, formatSize, printError } from './output.js'

/** What an edit was, from what it did: a flush adds tables, a compaction replaces them, a move relevels one. */
export function editKind (index: number, effect: EditEffect): string {
  const { added, removed, moved } = effect
  if (added.length === 0 && removed.length === 0) return 'counters'
  if (index === 0 && removed.length === 0) return 'snapshot'
  if (removed.length === 0) return 'flush'
  if (moved.length > 0 && moved.length === removed.length && moved.length === added.length) return 'move'
  if (added.length === 0) return 'delete'
  return 'compaction'
}

/** The edit's counter fields, as "name value" pairs, in encoding order. */
function editCounters (edit: VersionEdit): Array<[string, string | number]> {
  const out: Array<[string, string | number]> = []
  if (edit.comparatorName !== undefined) out.push(['comparator', edit.comparatorName])
  if (edit.logNumber !== undefined) out.push(['log number', edit.logNumber])
  if (edit.prevLogNumber !== undefined) out.push(['previous log', edit.prevLogNumber])
  if (edit.nextFileNumber !== undefined) out.push(['next file', edit.nextFileNumber])
  if (edit.lastSequence !== undefined) out.push(['last sequence', edit.lastSequence])
  return out
}

/** An edit as readable lines (also the map's hover text). */
export function describeEdit (record: EditRecord, effect: EditEffect, enc: Encoding): string[] {
  const { edit } = record
  const lines: string[] = []
  const counters = editCounters(edit)
  if (counters.length > 0) lines.push(counters.map(([k, v]) => `${k} ${v}`).join(' · '))
  for (const { level, key } of edit.compactPointers) lines.push(`compact pointer L${level}: ${internalKeyText(key, enc)}`)
  const movedNumbers = new Set(effect.moved.map((m) => m.number))
  for (const m of effect.moved) {
    const f = effect.added.find((a) => a.number === m.number)!
    lines.push(`move #${m.number} L${m.from} -> L${m.to}  ${formatSize(f.fileSize)}`)
  }
  for (const r of effect.removed) {
    if (!movedNumbers.has(r.number)) lines.push(`- L${r.level} #${r.number}${r.file === undefined ? ' (was not there)' : `  ${formatSize(r.file.fileSize)}`}`)
  }
  for (const f of effect.added) {
    if (movedNumbers.has(f.number)) continue
    lines.push(`+ L${f.level} #${f.number}  ${formatSize(f.fileSize)}  ${internalKeyText(f.smallest, enc)} .. ${internalKeyText(f.largest, enc)}`)
  }
  return lines
}

function editJson (record: EditRecord, effect: EditEffect, enc: Encoding): object {
  const { edit } = record
  return {
    index: record.index,
    offset: record.offset,
    bytes: record.bytes,
    kind: editKind(record.index, effect),
    comparator: edit.comparatorName,
    logNumber: edit.logNumber,
    prevLogNumber: edit.prevLogNumber,
    nextFileNumber: edit.nextFileNumber,
    lastSequence: edit.lastSequence,
    compactPointers: edit.compactPointers.map((p) => ({ level: p.level, key: internalKeyText(p.key, enc) })),
    deletedFiles: edit.deletedFiles,
    newFiles: edit.newFiles.map(({ level, file }) => ({
      level, number: file.number, bytes: file.fileSize, smallest: internalKeyText(file.smallest, enc), largest: internalKeyText(file.largest, enc)
    })),
    moved: effect.moved
  }
}

export const manifest: Command = {
  spec: {
    name: 'manifest',
    summary: 'Print every VersionEdit of a MANIFEST in order, decoded: the history of state transitions.',
    description: 'Given a directory, reads the MANIFEST that CURRENT names; given a file, reads that file.\n' +
      'Exits 1 if records are damaged or do not decode, or the resulting tree is one recovery would refuse\n' +
      '(overlapping files below level 0: checked only under the bytewise comparator). A log or table file\n' +
      '(by its name, or a log by its records decoding as write batches) is refused with a pointer (exit 2).',
    positionals: [{ name: 'path', required: true, description: 'database directory or MANIFEST file' }],
    options: [JSON_OPTION, ...ENCODING_OPTIONS],
    examples: ['shale manifest ./db', 'shale manifest ./db/MANIFEST-000005 --json']
  },

  async run (args: ParsedArgs, ctx: Context): Promise<number> {
    const path = args.positionals[0]!
    const file = isDirectory(ctx.env, path) ? currentManifest(ctx.env, path) : path
    const kind = file === path ? fileKindOf(ctx.env, path) : 'manifest'
    if (kind === 'log') throw new UsageError(`${path} is a write-ahead log, not a MANIFEST: run "shale wal ${path}"`)
    if (kind === 'table') throw new UsageError(`${path} is a table file, not a MANIFEST: run "shale sst ${path}"`)
    const enc = encodingsOf(args).key
    const json = flag(args, 'json')
    const out = ctx.out
    const edits: object[] = []
    if (!json) out.line(baseName(file))
    const history = readManifestHistory(ctx.env, file, (record, effect) => {
      if (json) {
        edits.push(editJson(record, effect, enc))
        return
      }
      out.line()
      out.line(`edit ${record.index}  ${editKind(record.index, effect)}  at offset ${record.offset} (${record.bytes} bytes)`)
      for (const l of describeEdit(record, effect, enc)) out.line(`  ${l}`)
    })
    const live = history.state.levels.map((files) => files.length)
    if (json) {
      out.json({
        manifest: file,
        bytes: history.scan.fileSize,
        edits,
        filesPerLevel: live,
        lastSequence: history.state.lastSequence,
        comparator: history.state.comparator,
        keyOrderChecked: isBytewise(history.state.comparator),
        dropped: history.scan.drops,
        problems: history.problems,
        warnings: history.warnings
      })
    } else {
      out.line()
      out.line(`${history.edits.length} edits; files per level now: ${live.join(' ')}; last sequence ${history.state.lastSequence ?? '?'}`)
      if (!isBytewise(history.state.comparator)) out.line(`note: ${foreignComparatorNote(history.state.comparator!)}`)
      for (const d of history.scan.drops) if (!d.reported) out.line(`note: ${d.bytes} bytes at offset ${d.offset ?? '?'}: ${d.reason}`)
    }
    for (const w of history.warnings) printError(`warning: ${w}`)
    for (const p of history.problems) printError(`problem: ${p}`)
    return history.problems.length > 0 ? EXIT_PROBLEM : EXIT_OK
  }
}

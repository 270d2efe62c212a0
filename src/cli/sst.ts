// `shale sst <file>`: one table file laid open — footer, index, metaindex and filter, statistics
// for every data block, and with --entries every entry. Every block's checksum is verified; damage
// is listed and the walk goes on, and the exit code is 1 if there was any.

import { baseName } from '../env/env.js'
import { parseInternalKey, ValueType } from '../dbformat/internal-key.js'
import { flag, type ParsedArgs } from './args.js'
import { ENCODING_OPTIONS, type Encoding, encodingsOf, formatBytes, internalKeyText } from './codec.js'
import { type Command, type Context, JSON_OPTION } from './command.js'
import { type DataBlockInfo, scanTable, type TableReport } from './table-scan.js'
import { comparatorBeside, foreignComparatorNote } from './db-dir.js'
import { columns, EXIT_OK, EXIT_PROBLEM, formatSize, JsonArrayWriter, printError } from './output.js'

function entryJson (ikey: Uint8Array, value: Uint8Array, keyEnc: Encoding, valueEnc: Encoding): object {
  try {
    const p = parseInternalKey(ikey)
    return {
      key: formatBytes(p.userKey, keyEnc),
      sequence: p.sequence,
      type: p.type === ValueType.Value ? 'put' : 'del',
      value: p.type === ValueType.Value ? formatBytes(value, valueEnc) : undefined
    }
  } catch {
    return { key: internalKeyText(ikey, keyEnc), sequence: -1, type: 'bad key', value: formatBytes(value, valueEnc) }
  }
}

function blockJson (b: DataBlockInfo, enc: Encoding): object {
  return {
    offset: b.offset,
    size: b.size,
    rawSize: b.rawSize,
    compression: b.compression,
    entries: b.entries,
    restarts: b.restarts,
    firstKey: b.firstKey === undefined ? undefined : internalKeyText(b.firstKey, enc),
    lastKey: b.lastKey === undefined ? undefined : internalKeyText(b.lastKey, enc),
    error: b.error
  }
}

type ComparatorInfo = ReturnType<typeof comparatorBeside>

function summaryJson (r: TableReport, enc: Encoding, cmp: ComparatorInfo): object {
  return {
    file: r.path,
    comparator: cmp.comparator,
    comparatorSource: cmp.source,
    keyOrder: r.keyOrder,
    bytes: r.fileSize,
    footer: r.footer,
    index: r.index,
    metaindex: r.metaindex,
    filter: r.filter,
    entries: r.entries,
    puts: r.puts,
    deletions: r.deletions,
    keyBytes: r.keyBytes,
    valueBytes: r.valueBytes,
    smallest: r.smallest === undefined ? undefined : internalKeyText(r.smallest, enc),
    largest: r.largest === undefined ? undefined : internalKeyText(r.largest, enc),
    minSequence: r.minSequence,
    maxSequence: r.maxSequence,
    dataBlocks: r.blocks.length,
    blocks: r.blocks.map((b) => blockJson(b, enc)),
    problems: r.problems,
    notes: r.notes
  }
}

export const sst: Command = {
  spec: {
    name: 'sst',
    summary: 'Show a table file: footer, index, filter, per-block statistics, and entries with --entries.',
    description: 'Reads every block with its checksum verified, and checks that keys are internal keys in order,\n' +
      'within their index entries, and admitted by the bloom filter. Exits 1 on any damage. The comparator\n' +
      'comes from the MANIFEST beside the file: under one that is not bytewise, order is not checked; with\n' +
      'none readable, keys out of bytewise order are a note (a custom comparator\'s order), not damage.',
    positionals: [{ name: 'file', required: true, description: 'a .ldb or .sst file' }],
    options: [
      { name: 'entries', type: 'boolean', description: 'print every entry (key @ sequence : type, then the value)' },
      { name: 'blocks', type: 'boolean', description: 'per-block statistics (default on; --no-blocks hides them)' },
      JSON_OPTION,
      ...ENCODING_OPTIONS
    ],
    examples: ['shale sst ./db/000005.ldb', 'shale sst ./db/000005.ldb --entries --encoding hex', 'shale sst ./db/000005.ldb --json --no-blocks']
  },

  async run (args: ParsedArgs, ctx: Context): Promise<number> {
    const path = args.positionals[0]!
    const { key: keyEnc, value: valueEnc } = encodingsOf(args)
    const json = flag(args, 'json')
    const showEntries = flag(args, 'entries')
    const showBlocks = args.options.get('blocks') !== false
    const out = ctx.out
    const cmp = comparatorBeside(ctx.env, path)

    let report: TableReport
    if (json) {
      // The summary comes first but is known only at the end: stream entries into an array field last.
      let entries: JsonArrayWriter | undefined
      if (showEntries) {
        out.line('{"entries":')
        entries = new JsonArrayWriter(out)
      }
      report = await scanTable(ctx.env, path, {
        keyOrder: cmp.order,
        onEntry: entries === undefined ? undefined : async (k, v) => { await entries!.push(entryJson(k, v, keyEnc, valueEnc)) }
      })
      const summary = summaryJson(report, keyEnc, cmp) as Record<string, unknown>
      if (!showBlocks) delete summary.blocks
      if (entries !== undefined) {
        entries.end()
        out.line(', "table": ' + JSON.stringify(summary, null, 2) + '}')
      } else {
        out.json(summary)
      }
    } else {
      let lastBlock = -1
      report = await scanTable(ctx.env, path, {
        keyOrder: cmp.order,
        onEntry: !showEntries
          ? undefined
          : async (k, v, block) => {
            if (block !== lastBlock) {
              lastBlock = block
              out.line(`-- block ${block}`)
            }
            let line: string
            try {
              const p = parseInternalKey(k)
              line = `${formatBytes(p.userKey, keyEnc)} @ ${p.sequence} : ${p.type === ValueType.Value ? 'put' : 'del'}`
              if (p.type === ValueType.Value) line += `  ${formatBytes(v, valueEnc)}`
            } catch {
              line = `${internalKeyText(k, keyEnc)}  ${formatBytes(v, valueEnc)}`
            }
            out.line(line)
            if (out.needsDrain) await out.drain()
          }
      })
      if (showEntries) out.line()
      printSummary(ctx, report, keyEnc, showBlocks, cmp)
    }
    for (const p of report.problems) printError(`problem: ${p}`)
    return report.problems.length > 0 ? EXIT_PROBLEM : EXIT_OK
  }
}

function printSummary (ctx: Context, r: TableReport, enc: Encoding, showBlocks: boolean, cmp: ComparatorInfo): void {
  const out = ctx.out
  const rows: string[][] = [['file', `${baseName(r.path)} (${r.fileSize} bytes)`]]
  rows.push(['comparator', cmp.comparator === undefined ? `unknown (${cmp.source})` : `${cmp.comparator} (from ${cmp.source})`])
  if (r.footer !== undefined) {
    rows.push(['footer', `metaindex at ${r.footer.metaindex.offset} (${r.footer.metaindex.size} bytes), index at ${r.footer.index.offset} (${r.footer.index.size} bytes)`])
  }
  if (r.index !== undefined) {
    rows.push(['index', `${r.index.entries} entries, ${r.index.size} bytes stored (${r.index.compression}), ${r.index.rawSize} raw`])
  }
  if (r.metaindex !== undefined) {
    rows.push(['metaindex', r.metaindex.names.length === 0 ? 'empty' : r.metaindex.names.map((n) => `${n.name} at ${n.offset} (${n.size} bytes)`).join(', ')])
  }
  if (r.filter !== undefined) {
    const f = r.filter
    const check = !f.checked ? 'not checked (unknown policy)' : f.falseNegatives === 0 ? 'admits every key' : `DENIES ${f.falseNegatives} keys`
    rows.push(['filter', `${f.name}: ${f.filters} filters, ${formatSize(f.size)}, one per ${2 ** f.baseLg} bytes of data, k=${f.probes.join('/') || '-'}; ${check}`])
  } else {
    rows.push(['filter', 'none'])
  }
  const stored = r.blocks.reduce((s, b) => s + b.size, 0)
  const raw = r.blocks.reduce((s, b) => s + Math.max(0, b.rawSize), 0)
  rows.push(['data blocks', `${r.blocks.length}, ${formatSize(stored)} stored, ${formatSize(raw)} raw${raw > 0 ? ` (${(stored / raw).toFixed(2)} of raw)` : ''}`])
  rows.push(['entries', `${r.entries} (${r.puts} puts, ${r.deletions} deletions); keys ${formatSize(r.keyBytes)}, values ${formatSize(r.valueBytes)}`])
  if (r.minSequence !== undefined) rows.push(['sequences', `${r.minSequence}..${r.maxSequence}`])
  if (r.smallest !== undefined && r.largest !== undefined) {
    rows.push(['smallest', internalKeyText(r.smallest, enc)])
    rows.push(['largest', internalKeyText(r.largest, enc)])
  }
  for (const l of columns(rows)) out.line(l)
  if (r.keyOrder === 'foreign') out.line(`note: ${foreignComparatorNote(cmp.comparator!)}`)
  for (const n of r.notes) out.line(`note: ${n}`)
  if (showBlocks && r.blocks.length > 0) {
    out.line()
    const table: string[][] = [['block', 'offset', 'stored', 'raw', 'compression', 'entries', 'restarts', 'first key .. last key']]
    r.blocks.forEach((b, i) => {
      table.push([
        String(i), String(b.offset), String(b.size), b.rawSize < 0 ? '-' : String(b.rawSize), b.compression, String(b.entries), String(b.restarts),
        b.error !== undefined ? `DAMAGED: ${b.error}` : b.firstKey === undefined ? '' : `${internalKeyText(b.firstKey, enc)} .. ${internalKeyText(b.lastKey!, enc)}`
      ])
    })
    for (const l of columns(table)) out.line(l)
  }
}

// `shale wal <file>`: the write batches in a log with their sequence numbers, and an account of
// every byte recovery would not replay: reported damage (exit 1) and what a reader drops without a
// word — the torn tail a crash leaves, zeroed space — which is normal and keeps the exit code 0.

import { baseName } from '../env/env.js'
import { WriteBatch } from '../dbformat/write-batch.js'
import { flag, type ParsedArgs, UsageError } from './args.js'
import { ENCODING_OPTIONS, encodingsOf, formatBytes } from './codec.js'
import { type Command, type Context, JSON_OPTION } from './command.js'
import { fileKindOf, scanLog } from './log-scan.js'
import { EXIT_OK, EXIT_PROBLEM, printError } from './output.js'

interface Op {
  type: 'put' | 'del'
  key: string
  value?: string
}

interface BatchInfo {
  offset: number
  bytes: number
  sequence: number
  count: number
  ops?: Op[]
  error?: string
}

export const wal: Command = {
  spec: {
    name: 'wal',
    summary: 'Show the batches in a log file with sequence numbers, and what a reader would drop and why.',
    description: 'Reads the log as recovery does, with checksums verified. Damage the reader reports, and records\n' +
      'that are not write batches, make the exit code 1; a torn tail (the normal result of a crash) does not.\n' +
      'A MANIFEST (by its name, or by its records decoding as VersionEdits) is refused with a pointer to\n' +
      '"shale manifest" (exit 2).',
    positionals: [{ name: 'file', required: true, description: 'a NNNNNN.log file' }],
    options: [
      { name: 'entries', type: 'boolean', description: 'print each batch\'s puts and deletes' },
      JSON_OPTION,
      ...ENCODING_OPTIONS
    ],
    examples: ['shale wal ./db/000007.log', 'shale wal ./db/000007.log --entries --encoding utf8']
  },

  async run (args: ParsedArgs, ctx: Context): Promise<number> {
    const path = args.positionals[0]!
    const kind = fileKindOf(ctx.env, path)
    if (kind === 'manifest') throw new UsageError(`${path} is a MANIFEST, not a write-ahead log: run "shale manifest ${path}"`)
    if (kind === 'table') throw new UsageError(`${path} is a table file, not a write-ahead log: run "shale sst ${path}"`)
    const { key: keyEnc, value: valueEnc } = encodingsOf(args)
    const json = flag(args, 'json')
    const withOps = flag(args, 'entries')
    const out = ctx.out
    const batches: BatchInfo[] = []
    const problems: string[] = []
    const warnings: string[] = []
    let writes = 0
    let lastSequence: number | undefined

    if (!json) out.line(baseName(path))
    const scan = scanLog(ctx.env, path, (payload, offset) => {
      const info: BatchInfo = { offset, bytes: payload.length, sequence: -1, count: 0 }
      const ops: Op[] = []
      try {
        const batch = WriteBatch.fromContents(payload)
        info.sequence = batch.sequence
        info.count = batch.count
        batch.iterate({
          put: (k, v) => { if (withOps) ops.push({ type: 'put', key: formatBytes(k, keyEnc), value: formatBytes(v, valueEnc) }) },
          del: (k) => { if (withOps) ops.push({ type: 'del', key: formatBytes(k, keyEnc) }) }
        })
        if (lastSequence !== undefined && info.sequence <= lastSequence) {
          warnings.push(`batch at offset ${offset}: sequence ${info.sequence} does not follow ${lastSequence}`)
        }
        if (info.count > 0) lastSequence = info.sequence + info.count - 1
        writes += info.count
      } catch (err) {
        info.error = err instanceof Error ? err.message : String(err)
        problems.push(`record at offset ${offset} is not a write batch: ${info.error}`)
      }
      if (withOps) info.ops = ops
      if (json) {
        batches.push(info)
        return
      }
      const seq = info.count > 1 ? `${info.sequence}..${info.sequence + info.count - 1}` : String(info.sequence)
      out.line(`batch at ${offset}  sequence ${seq}  ${info.count} ${info.count === 1 ? 'write' : 'writes'}  ${info.bytes} bytes` +
        (info.error !== undefined ? `  NOT A BATCH: ${info.error}` : ''))
      for (const op of ops) out.line(op.type === 'put' ? `  put ${op.key} = ${op.value!}` : `  del ${op.key}`)
    })
    for (const d of scan.drops) {
      if (d.reported) problems.push(`${d.bytes} bytes dropped at offset ${d.offset ?? '?'}: ${d.reason}`)
    }
    if (json) {
      out.json({ file: path, bytes: scan.fileSize, batches, records: scan.records, writes, lastSequence, dropped: scan.drops, problems, warnings })
    } else {
      out.line()
      out.line(`${scan.records} records, ${writes} writes${lastSequence === undefined ? '' : `, last sequence ${lastSequence}`}, ${scan.fileSize} bytes`)
      if (scan.drops.length === 0) out.line('a reader drops nothing')
      for (const d of scan.drops) {
        out.line(`${d.reported ? 'dropped' : 'dropped silently'}: ${d.bytes} bytes at offset ${d.offset ?? '?'}: ${d.reason}`)
      }
    }
    for (const w of warnings) printError(`warning: ${w}`)
    for (const p of problems) printError(`problem: ${p}`)
    return problems.length > 0 ? EXIT_PROBLEM : EXIT_OK
  }
}

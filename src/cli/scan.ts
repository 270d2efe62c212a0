// `shale scan <dir>`: entries in key order (or reverse) over a range, with a limit. Text output is
// one "key<TAB>value" line per entry, ready for cut and awk; --json streams one JSON array. The
// database is opened read-only, as for get.

import type { IteratorOptions } from '../db/api.js'
import { flag, integerOption, type ParsedArgs, stringOption, UsageError } from './args.js'
import { ENCODING_OPTIONS, encodingsOf, formatBytes, parseBytes } from './codec.js'
import { type Command, type Context, JSON_OPTION, openExisting } from './command.js'
import { EXIT_OK, JsonArrayWriter } from './output.js'

/** The smallest key greater than every key starting with `prefix`; undefined when there is none (all 0xff). */
export function prefixEnd (prefix: Uint8Array): Uint8Array | undefined {
  let n = prefix.length
  while (n > 0 && prefix[n - 1] === 0xff) n--
  if (n === 0) return undefined
  const end = prefix.slice(0, n)
  end[n - 1]!++
  return end
}

const BATCH = 1000

export const scan: Command = {
  spec: {
    name: 'scan',
    summary: 'Print entries in key order over a range, with a limit, optionally in reverse.',
    description: 'Bounds are keys in the key encoding. --start/--end are --gte/--lt; --prefix selects the keys\n' +
      'that start with the given bytes. Output: one "key<TAB>value" line per entry, or a JSON array.\n' +
      'Opens the database read-only: no lock is taken and nothing is written, so it works on read-only\n' +
      'media and while another process has the database open (it then sees the state at that moment).',
    positionals: [{ name: 'dir', required: true, description: 'database directory' }],
    options: [
      { name: 'gte', type: 'string', valueName: 'K', description: 'keys >= K' },
      { name: 'gt', type: 'string', valueName: 'K', description: 'keys > K' },
      { name: 'lte', type: 'string', valueName: 'K', description: 'keys <= K' },
      { name: 'lt', type: 'string', valueName: 'K', description: 'keys < K' },
      { name: 'start', short: 's', type: 'string', valueName: 'K', description: 'same as --gte' },
      { name: 'end', type: 'string', valueName: 'K', description: 'same as --lt' },
      { name: 'prefix', short: 'p', type: 'string', valueName: 'P', description: 'keys starting with P' },
      { name: 'limit', short: 'n', type: 'integer', valueName: 'N', description: 'at most N entries' },
      { name: 'reverse', short: 'r', type: 'boolean', description: 'from the last key backwards' },
      { name: 'keys-only', type: 'boolean', description: 'print keys only' },
      { name: 'count', short: 'c', type: 'boolean', description: 'print only the number of entries' },
      JSON_OPTION,
      ...ENCODING_OPTIONS
    ],
    examples: [
      'shale scan ./db --limit 10',
      'shale scan ./db --prefix user: --reverse --json',
      'shale scan ./db --gte 0x00 --lt 0x10 --encoding hex --keys-only'
    ]
  },

  async run (args: ParsedArgs, ctx: Context): Promise<number> {
    const dir = args.positionals[0]!
    const { key: keyEnc, value: valueEnc } = encodingsOf(args)
    const bound = (name: string): Uint8Array | undefined => {
      const v = stringOption(args, name)
      return v === undefined ? undefined : parseBytes(v, keyEnc, `--${name}`)
    }
    const options: IteratorOptions = {}
    const lower = [['gte', bound('gte')], ['gt', bound('gt')], ['start', bound('start')]].filter(([, v]) => v !== undefined)
    const upper = [['lte', bound('lte')], ['lt', bound('lt')], ['end', bound('end')]].filter(([, v]) => v !== undefined)
    const prefix = bound('prefix')
    if (lower.length > 1 || upper.length > 1 || (prefix !== undefined && (lower.length > 0 || upper.length > 0))) {
      throw new UsageError('give at most one lower bound (--gte, --gt, --start) and one upper bound (--lte, --lt, --end), or --prefix alone')
    }
    for (const [name, v] of [...lower, ...upper] as Array<[string, Uint8Array]>) {
      const key = name === 'start' ? 'gte' : name === 'end' ? 'lt' : name as 'gte' | 'gt' | 'lte' | 'lt'
      options[key] = v
    }
    if (prefix !== undefined) {
      options.gte = prefix
      const end = prefixEnd(prefix)
      if (end !== undefined) options.lt = end
    }
    const limit = integerOption(args, 'limit')
    if (limit !== undefined) {
      if (limit < 0) throw new UsageError('--limit must not be negative')
      options.limit = limit
    }
    options.reverse = flag(args, 'reverse')
    const keysOnly = flag(args, 'keys-only')
    const countOnly = flag(args, 'count')
    options.values = !keysOnly && !countOnly
    options.fillCache = false

    const out = ctx.out
    const json = flag(args, 'json')
    const array = json && !countOnly ? new JsonArrayWriter(out) : undefined
    let count = 0
    const db = await openExisting(ctx, dir, { readOnly: true })
    try {
      const it = db.iterator(options)
      try {
        for (;;) {
          const entries = it.nextv(BATCH)
          if (entries.length === 0) break
          count += entries.length
          if (countOnly) continue
          for (const [k, v] of entries) {
            const key = formatBytes(k!, keyEnc)
            if (array !== undefined) {
              await array.push(keysOnly ? { key } : { key, value: formatBytes(v!, valueEnc) })
            } else {
              out.line(keysOnly ? key : `${key}\t${formatBytes(v!, valueEnc)}`)
            }
          }
          if (out.needsDrain) await out.drain()
        }
      } finally {
        it.close()
      }
    } finally {
      await db.close()
    }
    if (countOnly) {
      if (json) out.json({ count })
      else out.line(String(count))
    } else {
      array?.end()
    }
    return EXIT_OK
  }
}

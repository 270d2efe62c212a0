// `shale compact <dir> [--start K --end K]`: flushes the memtable and compacts every level over the
// range (the whole key space by default) into the next, as classic-level's compactRange does; the
// steps (one per level) drive the progress display. Prints the tree before and after.

import type { DB } from '../db/db.js'
import { flag, type ParsedArgs, stringOption } from './args.js'
import { encodingsOf, ENCODING_OPTIONS, parseBytes } from './codec.js'
import { type Command, type Context, JSON_OPTION, openExisting, QUIET_OPTION } from './command.js'
import { currentManifest, NUM_LEVELS, readManifestHistory } from './db-dir.js'
import { columns, EXIT_OK, formatSize, plural } from './output.js'
import { Progress } from './progress.js'

interface LevelShape { files: number, bytes: number }

function shape (ctx: Context, dir: string): LevelShape[] {
  const { levels } = readManifestHistory(ctx.env, currentManifest(ctx.env, dir)).state
  return levels.map((files) => ({ files: files.length, bytes: files.reduce((s, f) => s + f.fileSize, 0) }))
}

/** As the engine's compactRange: at least level 0 into level 1, down to the deepest level holding files. */
function deepestLevelWithFiles (db: DB): number {
  let deepest = 1
  for (let level = 0; level < NUM_LEVELS; level++) {
    if (Number(db.getProperty(`shale.num-files-at-level${level}`)) > 0) deepest = level
  }
  return deepest
}

export const compact: Command = {
  spec: {
    name: 'compact',
    summary: 'Compact the key range (default: everything) down through the levels.',
    description: 'Opens the database (taking its lock), flushes the memtable, then compacts each level\'s files\n' +
      'that overlap [start, end] into the next level, as compactRange does.',
    positionals: [{ name: 'dir', required: true, description: 'database directory' }],
    options: [
      { name: 'start', short: 's', type: 'string', valueName: 'K', description: 'first key of the range (default: the first key)' },
      { name: 'end', type: 'string', valueName: 'K', description: 'last key of the range, inclusive (default: the last key)' },
      QUIET_OPTION,
      JSON_OPTION,
      ...ENCODING_OPTIONS
    ],
    examples: ['shale compact ./db', 'shale compact ./db --start user: --end user;']
  },

  async run (args: ParsedArgs, ctx: Context): Promise<number> {
    const dir = args.positionals[0]!
    const enc = encodingsOf(args).key
    const startArg = stringOption(args, 'start')
    const endArg = stringOption(args, 'end')
    const start = startArg === undefined ? undefined : parseBytes(startArg, enc, '--start')
    const end = endArg === undefined ? undefined : parseBytes(endArg, enc, '--end')
    const began = performance.now()

    const db = await openExisting(ctx, dir)
    const before = shape(ctx, dir)
    let progress: Progress | undefined
    try {
      await db.flush()
      const deepest = deepestLevelWithFiles(db)
      const steps = deepest
      progress = new Progress('compact', steps, { enabled: !flag(args, 'quiet') })
      for (let level = 0; level < deepest; level++) {
        progress.update(level, `level ${level} -> ${level + 1}`)
        await db.compactLevel(level, start, end)
      }
      progress.update(steps)
    } finally {
      await db.close()
    }
    const after = shape(ctx, dir)
    const seconds = (performance.now() - began) / 1000
    progress?.finish(plural(after.reduce((s, l) => s + l.files, 0), 'file'))

    if (flag(args, 'json')) {
      ctx.out.json({ dir, seconds, before, after })
      return EXIT_OK
    }
    const rows: string[][] = [['level', 'files before', 'after', 'bytes before', 'after']]
    for (let level = 0; level < NUM_LEVELS; level++) {
      const b = before[level]!
      const a = after[level]!
      if (b.files === 0 && a.files === 0) continue
      rows.push([String(level), String(b.files), String(a.files), formatSize(b.bytes), formatSize(a.bytes)])
    }
    for (const l of columns(rows)) ctx.out.line(l)
    ctx.out.line(`compacted in ${seconds.toFixed(2)} s`)
    return EXIT_OK
  }
}

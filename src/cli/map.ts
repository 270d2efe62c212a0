// `shale map <dir> -o map.html`: draws the LSM tree and the history of its VersionEdits as one
// self-contained HTML page (map-model.ts gathers the data, map-page.ts draws it). Reads only.

import { writeFileSync } from 'node:fs'
import { integerOption, type ParsedArgs, stringOption, UsageError } from './args.js'
import { ENCODING_OPTIONS, encodingsOf } from './codec.js'
import { type Command, type Context } from './command.js'
import { type AxisMode, buildMapModel } from './map-model.js'
import { renderMapPage } from './map-page.js'
import { EXIT_OK, EXIT_PROBLEM, formatSize, plural, printError } from './output.js'

export const map: Command = {
  spec: {
    name: 'map',
    summary: 'Draw the LSM tree and the timeline of VersionEdits as one self-contained HTML page.',
    description: 'Each level is a row of file boxes placed by key range and sized by bytes; the timeline lists every\n' +
      'VersionEdit of the MANIFEST (files added, removed and moved between levels). Hover for details, click\n' +
      'an edit to see the tree right after it. The page needs no network. Reads only.\n' +
      'Level targets are the engine\'s: 10 MiB at level 1 and ten times more at each level below, fixed as\n' +
      'in LevelDB 1.20 (no option, such as the write buffer or file size, changes them), so map takes none.',
    positionals: [{ name: 'dir', required: true, description: 'database directory' }],
    options: [
      { name: 'output', short: 'o', type: 'string', valueName: 'file', description: 'where to write the page (default: map.html)' },
      { name: 'axis', type: 'string', choices: ['key', 'rank'], description: 'place keys by value (key, default) or evenly by rank' },
      { name: 'max-edits', type: 'integer', valueName: 'N', description: 'show at most the last N edits (default 2000)' },
      ...ENCODING_OPTIONS
    ],
    examples: ['shale map ./db -o map.html', 'shale map ./db -o map.html --encoding hex']
  },

  async run (args: ParsedArgs, ctx: Context): Promise<number> {
    const dir = args.positionals[0]!
    const output = stringOption(args, 'output') ?? 'map.html'
    const maxEdits = integerOption(args, 'max-edits') ?? 2000
    if (maxEdits < 1) throw new UsageError('--max-edits must be at least 1')
    const axis = (stringOption(args, 'axis') ?? 'key') as AxisMode
    const model = buildMapModel(ctx.env, dir, { maxEdits, encoding: encodingsOf(args).key, axis })
    const html = renderMapPage(model, new Date())
    writeFileSync(output, html)
    const live = model.stints.filter((s) => s.until === undefined).length
    ctx.out.line(`wrote ${output} (${formatSize(Buffer.byteLength(html))}): ${plural(live, 'file')}, ${plural(model.totalEdits, 'edit')}`)
    for (const n of model.notes) printError(`note: ${n}`)
    for (const p of model.problems) printError(`problem: ${p}`)
    return model.problems.length > 0 ? EXIT_PROBLEM : EXIT_OK
  }
}

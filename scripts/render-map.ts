// Renders a page made by `shale map` to a PNG with headless Chromium, for a person to look at (or
// for a change to the page to be checked by eye). Not part of `npm test`: it needs a browser.
//
//   node dist/scripts/render-map.js map.html [map.png] [--width 1400] [--height 1000] [--edit N]
//
// --edit N shows the tree right after VersionEdit N (the page's #edit=N), as a click on it would.
// Chromium is found as $CHROMIUM, else chromium, chromium-browser or google-chrome on the PATH.
// On Debian: apt-get install chromium.

import { spawnSync } from 'node:child_process'
import { existsSync, statSync } from 'node:fs'
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'

const CANDIDATES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable']

function findChromium (): string | undefined {
  const fromEnv = process.env.CHROMIUM
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv
  for (const name of CANDIDATES) {
    const found = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' })
    if (found.status === 0 && found.stdout.trim() !== '') return found.stdout.trim()
  }
  return undefined
}

function usage (message: string): never {
  process.stderr.write(`${message}\nUsage: node dist/scripts/render-map.js <map.html> [out.png] [--width N] [--height N] [--edit N]\n`)
  process.exit(2)
}

function main (): number {
  const args = process.argv.slice(2)
  const positional: string[] = []
  let width = 1400
  let height = 1000
  let edit: number | undefined
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!
    if (a === '--width' || a === '--height') {
      const v = Number(args[++i])
      if (!Number.isInteger(v) || v < 100) usage(`${a} needs a number of pixels (at least 100)`)
      if (a === '--width') width = v
      else height = v
    } else if (a === '--edit') {
      edit = Number(args[++i])
      if (!Number.isInteger(edit) || edit < 0) usage('--edit needs an edit number')
    } else if (a.startsWith('-')) {
      usage(`unknown option ${a}`)
    } else {
      positional.push(a)
    }
  }
  const input = positional[0]
  if (input === undefined) usage('missing <map.html>')
  if (!existsSync(input)) usage(`${input} does not exist`)
  const output = resolve(positional[1] ?? input.replace(/\.html?$/, '') + '.png')

  const chromium = findChromium()
  if (chromium === undefined) {
    process.stderr.write('render-map: no Chromium found (tried $CHROMIUM, ' + CANDIDATES.join(', ') + ').\n' +
      'Install it with:  sudo apt-get install chromium   (Debian, Ubuntu: chromium-browser)\n' +
      'or point CHROMIUM at a Chrome or Chromium binary.\n')
    return 1
  }
  const run = spawnSync(chromium, [
    '--headless', '--no-sandbox', '--disable-gpu', '--hide-scrollbars', '--no-first-run',
    `--window-size=${width},${height}`, `--screenshot=${output}`,
    pathToFileURL(resolve(input)).href + (edit === undefined ? '' : `#edit=${edit}`)
  ], { encoding: 'utf8', timeout: 120_000 })
  if (run.status !== 0 || !existsSync(output) || statSync(output).size === 0) {
    process.stderr.write(`render-map: ${chromium} failed (exit ${run.status ?? run.signal ?? '?'})\n${run.stderr}`)
    return 1
  }
  process.stdout.write(`wrote ${output} (${width}x${height})\n`)
  return 0
}

process.exitCode = main()

// Per-level compaction statistics and the text of the `shale.*` properties, in the layout of
// LevelDB's `leveldb.stats`.

import { NUM_LEVELS } from '../version/version-edit.js'

export class LevelStats {
  micros = 0
  bytesRead = 0
  bytesWritten = 0
  count = 0

  add (micros: number, bytesRead: number, bytesWritten: number): void {
    this.micros += micros
    this.bytesRead += bytesRead
    this.bytesWritten += bytesWritten
    this.count++
  }
}

export function newLevelStats (): LevelStats[] {
  return Array.from({ length: NUM_LEVELS }, () => new LevelStats())
}

const MB = 1048576

/**
 * The `shale.stats` text: one row per level that has files or has seen compaction work: files,
 * size, and the time, bytes read and bytes written by the compactions that produced it.
 */
export function formatStats (stats: readonly LevelStats[], files: (level: number) => number, bytes: (level: number) => number): string {
  const lines = [
    '                               Compactions',
    'Level  Files Size(MB) Time(sec) Read(MB) Write(MB)',
    '--------------------------------------------------'
  ]
  for (let level = 0; level < NUM_LEVELS; level++) {
    const s = stats[level]!
    const n = files(level)
    if (n === 0 && s.micros === 0) continue
    lines.push(
      String(level).padStart(3) + ' ' +
      String(n).padStart(8) + ' ' +
      (bytes(level) / MB).toFixed(0).padStart(8) + ' ' +
      (s.micros / 1e6).toFixed(0).padStart(9) + ' ' +
      (s.bytesRead / MB).toFixed(0).padStart(8) + ' ' +
      (s.bytesWritten / MB).toFixed(0).padStart(9)
    )
  }
  return lines.join('\n') + '\n'
}

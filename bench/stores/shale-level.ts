// ShaleLevel, the abstract-level database over Shale's engine, with its default options (which
// are classic-level's), keys and values in the run's encoding.

import { ShaleLevel } from '../../src/level/shale-level.js'
import { AbstractLevelStore, type LevelLike } from './abstract-level-store.js'
import type { BenchEncoding } from './store.js'
import { blockCacheLabel, shaleVersion } from './store.js'

export class ShaleLevelStore extends AbstractLevelStore {
  readonly name = 'shale-level'
  readonly version = shaleVersion()
  readonly durable = true
  constructor (encoding: BenchEncoding, private readonly cacheSize?: number) {
    super(encoding)
  }

  get configuration (): string {
    return `ShaleLevel, default options (4 MiB write buffer, ${blockCacheLabel(this.cacheSize)}, Snappy, 10-bit bloom), ${this.encoding} encoding`
  }

  protected override readonly statsProperty = 'shale.stats'

  protected create (dir: string): LevelLike {
    return new ShaleLevel<unknown, unknown>(dir, { keyEncoding: this.encoding, valueEncoding: this.encoding, ...(this.cacheSize === undefined ? {} : { cacheSize: this.cacheSize }) }) as unknown as LevelLike
  }
}

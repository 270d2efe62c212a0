// classic-level 3 (LevelDB 1.20 in a native addon), with its default options, keys and values in
// the run's encoding (abstract-level's encodings; utf8 is classic-level's default, encoded and
// decoded in its C++ half).

import { ClassicLevel } from 'classic-level'
import { AbstractLevelStore, type LevelLike } from './abstract-level-store.js'
import type { BenchEncoding } from './store.js'
import { blockCacheLabel, packageVersion } from './store.js'

export class ClassicLevelStore extends AbstractLevelStore {
  readonly name = 'classic-level'
  readonly version = packageVersion('classic-level')
  readonly durable = true
  constructor (encoding: BenchEncoding, private readonly cacheSize?: number) {
    super(encoding)
  }

  get configuration (): string {
    return `classic-level, default options (4 MiB write buffer, ${blockCacheLabel(this.cacheSize)}, Snappy, 10-bit bloom), ${this.encoding} encoding`
  }

  protected override readonly statsProperty = 'leveldb.stats'

  protected create (dir: string): LevelLike {
    return new ClassicLevel<unknown, unknown>(dir, { keyEncoding: this.encoding, valueEncoding: this.encoding, ...(this.cacheSize === undefined ? {} : { cacheSize: this.cacheSize }) }) as unknown as LevelLike
  }
}

// classic-level 3 (LevelDB 1.20 in a native addon), with its default options, keys and values as
// Buffers (its native format, so nothing is transcoded).

import { ClassicLevel } from 'classic-level'
import { AbstractLevelStore, type LevelLike } from './abstract-level-store.js'
import { packageVersion } from './store.js'

export class ClassicLevelStore extends AbstractLevelStore {
  readonly name = 'classic-level'
  readonly version = packageVersion('classic-level')
  readonly durable = true
  readonly configuration = 'classic-level, default options (4 MiB write buffer, 8 MiB block cache, Snappy, 10-bit bloom), buffer encoding'
  protected override readonly statsProperty = 'leveldb.stats'

  protected create (dir: string): LevelLike {
    return new ClassicLevel<Buffer, Buffer>(dir, { keyEncoding: 'buffer', valueEncoding: 'buffer' }) as unknown as LevelLike
  }
}

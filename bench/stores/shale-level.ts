// ShaleLevel, the abstract-level database over Shale's engine, with its default options (which
// are classic-level's), keys and values as Uint8Array ('view', one of its native formats).

import { ShaleLevel } from '../../src/level/shale-level.js'
import { AbstractLevelStore, type LevelLike } from './abstract-level-store.js'
import { shaleVersion } from './store.js'

export class ShaleLevelStore extends AbstractLevelStore {
  readonly name = 'shale-level'
  readonly version = shaleVersion()
  readonly durable = true
  readonly configuration = 'ShaleLevel, default options (4 MiB write buffer, 8 MiB block cache, Snappy, 10-bit bloom), view encoding'
  protected override readonly statsProperty = 'shale.stats'

  protected create (dir: string): LevelLike {
    return new ShaleLevel<Uint8Array, Uint8Array>(dir, { keyEncoding: 'view', valueEncoding: 'view' }) as unknown as LevelLike
  }
}

// ShaleLevel, the abstract-level database over Shale's engine, with its default options (which
// are classic-level's), keys and values in the run's encoding.

import { ShaleLevel } from '../../src/level/shale-level.js'
import { AbstractLevelStore, type LevelLike } from './abstract-level-store.js'
import { shaleVersion } from './store.js'

export class ShaleLevelStore extends AbstractLevelStore {
  readonly name = 'shale-level'
  readonly version = shaleVersion()
  readonly durable = true
  get configuration (): string {
    return `ShaleLevel, default options (4 MiB write buffer, 8 MiB block cache, Snappy, 10-bit bloom), ${this.encoding} encoding`
  }

  protected override readonly statsProperty = 'shale.stats'

  protected create (dir: string): LevelLike {
    return new ShaleLevel<unknown, unknown>(dir, { keyEncoding: this.encoding, valueEncoding: this.encoding }) as unknown as LevelLike
  }
}

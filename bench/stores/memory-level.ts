// memory-level: abstract-level over a red-black tree in RAM, pure JavaScript. It writes nothing to
// disk, so the harness skips its sync phases, on-disk size and write amplification; it stays in
// the comparison as the ceiling for what an abstract-level store can do from JavaScript. Keys and
// values are in the run's encoding over its default store encoding (Buffers).

import { MemoryLevel } from 'memory-level'
import { AbstractLevelStore, type LevelLike } from './abstract-level-store.js'
import { packageVersion } from './store.js'

export class MemoryLevelStore extends AbstractLevelStore {
  readonly name = 'memory-level'
  readonly version = packageVersion('memory-level')
  readonly durable = false
  get configuration (): string {
    return `memory-level, ${this.encoding} encoding over its default buffer store (RAM only)`
  }

  protected create (_dir: string): LevelLike {
    return new MemoryLevel<unknown, unknown>({ keyEncoding: this.encoding, valueEncoding: this.encoding }) as unknown as LevelLike
  }
}

// memory-level: abstract-level over a red-black tree in RAM, pure JavaScript. It writes nothing to
// disk, so the harness skips its sync phases, on-disk size and write amplification; it stays in
// the comparison as the ceiling for what an abstract-level store can do from JavaScript.

import { MemoryLevel } from 'memory-level'
import { AbstractLevelStore, type LevelLike } from './abstract-level-store.js'
import { packageVersion } from './store.js'

export class MemoryLevelStore extends AbstractLevelStore {
  readonly name = 'memory-level'
  readonly version = packageVersion('memory-level')
  readonly durable = false
  readonly configuration = 'memory-level, buffer store and encoding (RAM only)'

  protected create (_dir: string): LevelLike {
    return new MemoryLevel<Buffer, Buffer>({ keyEncoding: 'buffer', valueEncoding: 'buffer' }) as unknown as LevelLike
  }
}

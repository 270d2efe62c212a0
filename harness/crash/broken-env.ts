// A MemEnv that lies about durability, to show that the crash checker catches the bugs it exists
// for: an engine that forgot an fsync behaves exactly like a correct engine on a disk whose fsync
// does nothing for those files.

import type { WritableFile } from '../../src/env/env.js'
import { MemEnv } from '../../src/env/mem-env.js'

export interface Lies {
  /** sync()/syncAsync() of these files do nothing. */
  skipSync?: (path: string) => boolean
  /** syncDir() does nothing. */
  skipSyncDir?: boolean
}

export class LyingMemEnv extends MemEnv {
  private readonly lies: Lies

  constructor (lies: Lies) {
    super()
    this.lies = lies
  }

  override newWritableFile (path: string): WritableFile {
    const file = super.newWritableFile(path)
    return this.lies.skipSync?.(path) === true ? withoutSync(file) : file
  }

  override newAppendableFile (path: string): WritableFile {
    const file = super.newAppendableFile(path)
    return this.lies.skipSync?.(path) === true ? withoutSync(file) : file
  }

  override syncDir (path: string): void {
    if (this.lies.skipSyncDir !== true) super.syncDir(path)
  }
}

function withoutSync (file: WritableFile): WritableFile {
  return {
    get size () { return file.size },
    append: (data) => { file.append(data) },
    sync: () => {},
    syncAsync: async () => {},
    close: () => { file.close() }
  }
}

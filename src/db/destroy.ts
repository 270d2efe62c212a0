// DestroyDB (doc/engine.md): deletes every LevelDB file of a closed database, then the lock
// file and the directory if nothing foreign is left. Taking the lock first makes it fail, rather
// than pull files from under, a database that is open.

import { type Env, joinPath } from '../env/env.js'
import { lockFileName, parseFileName } from '../dbformat/filename.js'

export function destroyDB (env: Env, location: string): void {
  let names: string[]
  try {
    names = env.getChildren(location)
  } catch {
    return // Nothing there to destroy.
  }
  const lock = env.lockFile(lockFileName(location))
  try {
    for (const name of names) {
      const parsed = parseFileName(name)
      if (parsed === undefined || parsed.type === 'lock') continue
      env.removeFile(joinPath(location, name))
    }
  } finally {
    env.unlockFile(lock)
  }
  try { env.removeFile(lockFileName(location)) } catch { /* already gone */ }
  try { env.removeDir(location) } catch { /* foreign files remain */ }
}

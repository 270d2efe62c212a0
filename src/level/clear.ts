// clear() over the engine, shared by ShaleLevel and the owner of a database shared between threads.

import type { IteratorOptions } from '../db/api.js'
import type { DB } from '../db/db.js'
import { WriteBatch } from '../dbformat/write-batch.js'

/** Entries deleted per engine batch by clear(). */
const CLEAR_BATCH_ENTRIES = 1000

/**
 * Deletes a range in batches of CLEAR_BATCH_ENTRIES keys, reading the keys from an iterator
 * created at the call, so a key written after clear() began is deleted only if it existed
 * before (as classic-level). Not atomic, as abstract-level allows. `options` are the engine
 * iterator's (range, reverse, limit, snapshot); only keys are read.
 */
export async function clearRange (engine: DB, options: IteratorOptions): Promise<void> {
  const it = engine.iterator({ ...options, keys: true, values: false })
  try {
    for (;;) {
      const entries = it.nextv(CLEAR_BATCH_ENTRIES)
      if (entries.length === 0) break
      const batch = new WriteBatch()
      for (const [key] of entries) batch.del(key!)
      await engine.write(batch)
      if (entries.length < CLEAR_BATCH_ENTRIES) break
    }
  } finally {
    it.close()
  }
}

// Databases written by the real LevelDB (classic-level, a devDependency) and a model of what they
// hold, for the interop tests. The workload is deterministic for a given seed.

import { ClassicLevel } from 'classic-level'
import { Random } from '../../src/util/random.js'

export type Model = Map<string, Buffer> // hex(user key) -> value

export { tempDir, removeTempDir as removeDir } from '../db/helpers.js'

function keyFor (rnd: Random, space: number): Buffer {
  // Variable-length keys with shared prefixes, so blocks use prefix compression and separators.
  const n = rnd.uniform(space)
  const base = `key${String(n).padStart(7, '0')}`
  return Buffer.from(rnd.oneIn(4) ? base + '.' + 'x'.repeat(rnd.uniform(40)) : base)
}

export interface ClassicWorkload {
  seed: number
  operations: number
  keySpace: number
  maxValue: number
  compression: boolean
  writeBufferSize: number
}

/**
 * Writes a workload with classic-level: puts, overwrites, deletes and batches, with compactRange
 * calls part-way so that tables sit at several levels, and a last few writes left in the log.
 * Returns the model of the final contents.
 */
export async function writeWithClassic (dir: string, w: ClassicWorkload): Promise<Model> {
  const rnd = new Random(w.seed)
  const model: Model = new Map()
  const db = new ClassicLevel<Buffer, Buffer>(dir, {
    keyEncoding: 'buffer',
    valueEncoding: 'buffer',
    compression: w.compression,
    writeBufferSize: w.writeBufferSize
  })
  await db.open()
  const compactAt = new Set([Math.floor(w.operations * 0.4), Math.floor(w.operations * 0.7)])
  for (let i = 0; i < w.operations; i++) {
    const r = rnd.uniform(10)
    if (r < 6) {
      const key = keyFor(rnd, w.keySpace)
      const value = Buffer.from(rnd.compressibleBytes(rnd.uniform(w.maxValue)))
      await db.put(key, value)
      model.set(key.toString('hex'), value)
    } else if (r < 8) {
      const key = keyFor(rnd, w.keySpace)
      await db.del(key)
      model.delete(key.toString('hex'))
    } else {
      const ops: Array<{ type: 'put', key: Buffer, value: Buffer } | { type: 'del', key: Buffer }> = []
      const n = rnd.range(1, 20)
      for (let j = 0; j < n; j++) {
        const key = keyFor(rnd, w.keySpace)
        if (rnd.oneIn(4)) {
          ops.push({ type: 'del', key })
          model.delete(key.toString('hex'))
        } else {
          const value = Buffer.from(rnd.compressibleBytes(rnd.uniform(w.maxValue)))
          ops.push({ type: 'put', key, value })
          model.set(key.toString('hex'), value)
        }
      }
      await db.batch(ops)
    }
    if (compactAt.has(i)) {
      // Compact part of the key space, leaving the rest spread over level 0 and upper levels.
      await db.compactRange(Buffer.from('key0000000'), Buffer.from(`key${String(Math.floor(w.keySpace / 2)).padStart(7, '0')}`))
    }
  }
  // Leave recent writes in the log, unflushed.
  for (let i = 0; i < 20; i++) {
    const key = keyFor(rnd, w.keySpace)
    const value = Buffer.from(`tail-${i}`)
    await db.put(key, value)
    model.set(key.toString('hex'), value)
  }
  await db.close()
  return model
}

/** Everything classic-level reads from `dir`, in key order. */
export async function readWithClassic (dir: string): Promise<Array<[Buffer, Buffer]>> {
  const db = new ClassicLevel<Buffer, Buffer>(dir, { keyEncoding: 'buffer', valueEncoding: 'buffer', createIfMissing: false })
  await db.open()
  try {
    return await db.iterator().all()
  } finally {
    await db.close()
  }
}

export function sortedModel (model: Model): Array<[Buffer, Buffer]> {
  return [...model.entries()]
    .map(([k, v]): [Buffer, Buffer] => [Buffer.from(k, 'hex'), v])
    .sort((a, b) => Buffer.compare(a[0], b[0]))
}

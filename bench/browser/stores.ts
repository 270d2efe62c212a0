// The two stores of the browser benchmark: ShaleLevel on an OpfsEnv (only in a dedicated worker:
// OPFS sync access handles exist nowhere else) and browser-level on IndexedDB (anywhere). Both
// with their default options and utf8 keys and values, unless Shale is given a write buffer size.

import { BrowserLevel } from 'browser-level'
import { ShaleLevel } from '../../src/level/shale-level.js'
import { OpfsEnv } from '../../src/env/opfs-env.js'
import type { BenchDb, StoreMaker } from './workload.js'

export const BROWSER_STORES = ['shale', 'browser-level'] as const
export type BrowserStore = typeof BROWSER_STORES[number]

async function shaleMaker (writeBufferSize: number | undefined): Promise<StoreMaker> {
  const env = await OpfsEnv.open('shale-bench')
  const levels = (db: ShaleLevel): string => {
    const files = []
    for (let level = 0; level < 7; level++) files.push(db.getProperty(`shale.num-files-at-level${level}`))
    return `tables per level ${files.join('/')}`
  }
  return {
    make: async (name) => {
      const db = new ShaleLevel('/' + name, writeBufferSize === undefined ? { env } : { env, writeBufferSize })
      await db.open()
      return db as unknown as BenchDb
    },
    remove: async (name) => { await ShaleLevel.destroy('/' + name, { env }) },
    describe: (db) => levels(db as unknown as ShaleLevel)
  }
}

function browserLevelMaker (): StoreMaker {
  return {
    make: async (name) => {
      const db = new BrowserLevel<string, string>(name)
      await db.open()
      return db as unknown as BenchDb
    },
    remove: async (name) => { await BrowserLevel.destroy(name) }
  }
}

/** `writeBufferSize` (Shale only): a small one makes flushes and compactions run at a small N. */
export async function storeMaker (store: BrowserStore, writeBufferSize?: number): Promise<StoreMaker> {
  return store === 'shale' ? await shaleMaker(writeBufferSize) : browserLevelMaker()
}

// Shared pieces of the ShaleLevel tests: temporary directories and a look at the table files.

import { readdirSync } from 'node:fs'

export { tempDir, removeTempDir as removeDir } from '../db/helpers.js'

/** The table files (.ldb) in a database directory, sorted. */
export function tableFiles (dir: string): string[] {
  return readdirSync(dir).filter((name) => name.endsWith('.ldb')).sort()
}

/** Rejects unless `promise` fails with `code` (and, if given, a cause with `causeCode`). */
export async function rejectsWithCode (promise: Promise<unknown>, code: string, causeCode?: string): Promise<void> {
  let caught: unknown
  try {
    await promise
  } catch (err) {
    caught = err
  }
  if (caught === undefined) throw new Error(`expected an error with code ${code}, got none`)
  const err = caught as { code?: string, cause?: { code?: string } }
  if (err.code !== code) throw new Error(`expected code ${code}, got ${String(err.code)}`, { cause: caught })
  if (causeCode !== undefined && err.cause?.code !== causeCode) {
    throw new Error(`expected cause code ${causeCode}, got ${String(err.cause?.code)}`, { cause: caught })
  }
}

export function padded (n: number, width = 6): string {
  return String(n).padStart(width, '0')
}

// The database lock seen from Bun or Deno (bun-deno.test.ts): the other side of each check is
// Node, classic-level, or a killed process of the same runtime.
//
//   <runtime> dist/test/runtimes/lock-script.js open <dir>
//     Opens the database and closes it. Prints "opened", or "refused <code>: <message>".
//   <runtime> dist/test/runtimes/lock-script.js hold <dir>
//     Opens the database, prints "ready", and holds it until its stdin closes.

import process from 'node:process'
import { DB } from '../../src/db/db.js'

async function main (): Promise<void> {
  const [mode, dir] = process.argv.slice(2)
  if ((mode !== 'open' && mode !== 'hold') || dir === undefined) throw new Error('usage: lock-script.js open|hold <dir>')
  let db: DB
  try {
    db = await DB.open(dir)
  } catch (err) {
    const code = (err as { code?: unknown }).code
    console.log(`refused ${String(code)}: ${err instanceof Error ? err.message : String(err)}`)
    return
  }
  if (mode === 'hold') {
    console.log('ready')
    await new Promise((resolve) => { process.stdin.on('end', resolve).resume() })
  } else {
    console.log('opened')
  }
  await db.close()
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.stack : String(err))
  process.exit(1)
})

// How a ShaleLevel opened with `multithreading: true` gets its database (doc/multithreading.md,
// "Opening"): from this thread's own host if it already has the engine open, by opening the engine
// (and becoming its owner) if nobody holds it, or as a client of the thread that holds it.

import { DB } from '../../db/db.js'
import type { DBOptions } from '../../db/options.js'
import { isLockedByAnotherThread, lockedError } from '../../env/env.js'
import { ShaleError } from '../../util/errors.js'
import { Connection, Dialer } from './connection.js'
import { EngineHost } from './host.js'
import { livenessSupported } from './liveness.js'
import { RemoteDatabase } from './remote-database.js'
import type { Transport } from './transport.js'

/** Options for sharing one database between the threads of a process. */
export interface ShaleShareOptions {
  /**
   * Share the database with other threads of this process that open it with this option too, as
   * classic-level's option of the same name (doc/multithreading.md). Default false.
   */
  multithreading?: boolean | undefined
}

/** How long one hello waits for the owner's answer. */
const HELLO_WAIT_MS = 250
/** How long an open keeps trying to find the holder of the lock, or to take the lock itself. */
const OPEN_DEADLINE_MS = 3000

/** The owner's engine and how to let go of it, or the connection to the thread that owns it. */
type SharedDatabase =
  | { engine: DB, release: () => Promise<void>, remote?: undefined }
  | { engine?: undefined, release?: undefined, remote: RemoteDatabase }

export async function openSharedDatabase (location: string, options: DBOptions, transport: Transport): Promise<SharedDatabase> {
  if (!livenessSupported()) throw new ShaleError('LEVEL_NOT_SUPPORTED', 'multithreading needs SharedArrayBuffer and Atomics.waitAsync')
  const deadline = Date.now() + OPEN_DEADLINE_MS
  let dialer: Dialer | undefined
  try {
    for (;;) {
      const here = hostHere(location, transport)
      if (here !== undefined) {
        if (here.addLocalUser()) return local(here)
        await here.closed?.catch(() => {}) // closing: once it is closed, the lock is free
        continue
      }
      let engine: DB
      try {
        engine = await DB.open(location, options)
      } catch (err) {
        if (!isLockedByAnotherThread(err)) throw err
        dialer ??= new Dialer(transport, transport.databaseName(location))
        const connection = await dialer.hello(HELLO_WAIT_MS)
        if (connection instanceof Connection) {
          dialer = undefined
          if (options.errorIfExists === true) {
            await connection.close()
            throw new ShaleError('LEVEL_INVALID_ARGUMENT', `${location} exists (errorIfExists is true)`)
          }
          return { remote: new RemoteDatabase(connection) }
        }
        // Refused (the owner is closing) or unanswered (the holder did not open it with this
        // option, or has not started serving yet): try again until the deadline.
        if (Date.now() > deadline) {
          throw lockedError(location, 'the database is open in this process (another thread) and nobody serves it: ' +
            'every thread must open it with the multithreading option')
        }
        continue
      }
      return local(EngineHost.start(transport.databaseName(location), engine, transport))
    }
  } finally {
    dialer?.abandon()
  }
}

function local (host: EngineHost): SharedDatabase {
  let released = false
  return {
    engine: host.engine,
    release: async () => {
      if (released) return
      released = true
      await host.releaseLocalUser()
    }
  }
}

/** This thread's host for the database at `location`, if it has one (the directory may not exist yet). */
function hostHere (location: string, transport: Transport): EngineHost | undefined {
  let name: string
  try {
    name = transport.databaseName(location)
  } catch {
    return undefined
  }
  return EngineHost.here(name)
}

// db.batch() without arguments: operations go straight into an engine WriteBatch as they are
// added (its encoded form is the log record, so nothing is re-encoded at write()), and write()
// hands that batch to the engine in one atomic log record. abstract-level runs the prewrite hook,
// emits the write event and tracks the batch's status; this class only holds the bytes.

import { AbstractChainedBatch } from 'abstract-level'
import type { DB } from '../db/db.js'
import { WriteBatch } from '../dbformat/write-batch.js'
import { toData } from './formats.js'

/** Where the batch goes: the engine, or the connection to the thread that owns it (remote/). */
type BatchWriter = Pick<DB, 'write'>

export class ShaleChainedBatch<TDatabase, KDefault, VDefault> extends AbstractChainedBatch<TDatabase, KDefault, VDefault> {
  private readonly engine: BatchWriter
  private readonly batch = new WriteBatch()

  constructor (db: TDatabase, engine: BatchWriter) {
    super(db)
    this.engine = engine
  }

  _put (key: unknown, value: unknown): void {
    this.batch.putUtf8(toData(key, 'key'), toData(value, 'value'))
  }

  _del (key: unknown): void {
    this.batch.delUtf8(toData(key, 'key'))
  }

  _clear (): void {
    this.batch.clear()
  }

  async _write (options: { sync?: boolean }): Promise<void> {
    await this.engine.write(this.batch, { sync: options.sync === true })
  }

  async _close (): Promise<void> {
    // Nothing to release: the batch is plain memory.
  }
}

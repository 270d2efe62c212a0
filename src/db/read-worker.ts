// A read worker (doc/read-workers.md): reads data blocks of tables on the real file system for
// the main thread, checks their checksums and decompresses them, and posts the decoded contents
// back (transferred, not copied). It holds no state of the database: the main thread keeps the
// Versions that keep those files alive while it waits, and caches what comes back.

import { parentPort } from 'node:worker_threads'
import type { RandomAccessFile } from '../env/env.js'
import { NodeEnv } from '../env/node-env.js'
import { readBlock } from '../table/format.js'
import { LruCache } from '../util/lru-cache.js'
import { toPlainError, type PlainError } from '../util/errors.js'

export interface BlockRequest {
  path: string
  offset: number
  size: number
  verifyChecksums: boolean
}

export interface ReadRequest { id: number, blocks: BlockRequest[] }

export type BlockResult = { ok: true, contents: Uint8Array } | { ok: false, error: PlainError }

export interface ReadReply { id: number, results: BlockResult[] }

/** Table files this worker keeps open; tables are immutable, so an open file never goes stale. */
const MAX_OPEN_FILES = 256

const env = new NodeEnv()
const files = new LruCache<string, RandomAccessFile>(MAX_OPEN_FILES, { onEvict: (_path, file) => { file.close() } })

function fileOf (path: string): RandomAccessFile {
  let file = files.get(path)
  if (file === undefined) {
    file = env.newRandomAccessFile(path)
    files.set(path, file, 1)
  }
  return file
}

/** Contents that own their whole ArrayBuffer can be transferred; others are copied once. */
function owned (bytes: Uint8Array): Uint8Array {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice()
}

function readOne (block: BlockRequest): BlockResult {
  try {
    const contents = readBlock(fileOf(block.path), { offset: block.offset, size: block.size },
      { verifyChecksums: block.verifyChecksums, fileName: block.path })
    return { ok: true, contents: owned(contents) }
  } catch (err) {
    return { ok: false, error: toPlainError(err) }
  }
}

const port = parentPort
if (port !== null) {
  port.on('message', (request: ReadRequest) => {
    const results = request.blocks.map(readOne)
    const transfer: ArrayBuffer[] = []
    for (const r of results) if (r.ok) transfer.push(r.contents.buffer as ArrayBuffer)
    port.postMessage({ id: request.id, results } satisfies ReadReply, transfer)
  })
}

// Snappy raw format (no framing), as LevelDB stores compressed blocks (doc/format.md, "Snappy").
// STUB: being written; the signatures below are the contract.

import { corruption } from './errors.js'

/** Compresses `input` into a new array in the raw Snappy format. */
export function snappyCompress (input: Uint8Array): Uint8Array {
  void input
  throw new Error('snappyCompress: not implemented yet')
}

/** The uncompressed length recorded in the header; throws LEVEL_CORRUPTION if malformed. */
export function snappyUncompressedLength (input: Uint8Array): number {
  void input
  throw corruption('snappy: not implemented yet')
}

/**
 * Decompresses raw Snappy. Throws LEVEL_CORRUPTION on malformed input, and if the header claims
 * more than `maxLength` bytes (callers pass a bound derived from the compressed size).
 */
export function snappyUncompress (input: Uint8Array, maxLength?: number): Uint8Array {
  void input; void maxLength
  throw corruption('snappy: not implemented yet')
}

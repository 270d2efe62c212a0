// How keys and values cross the command line: bytes shown as UTF-8 text, as hex, or "auto" (text
// when the bytes are printable UTF-8, else hex with a 0x prefix), and arguments read back the same
// way. Auto is symmetric: whatever it prints can be pasted back as an argument and names the same
// bytes, which is why printable text that itself looks like 0x-hex is shown as hex.

import { fromHex, toHex, utf8 } from '../util/coding.js'
import { escapeBytes, parseInternalKey, TAG_SIZE } from '../dbformat/internal-key.js'
import { type OptionSpec, type ParsedArgs, stringOption, UsageError } from './args.js'

export type Encoding = 'utf8' | 'hex' | 'auto'
const ENCODINGS: readonly Encoding[] = ['utf8', 'hex', 'auto']

interface Encodings {
  key: Encoding
  value: Encoding
}

export const ENCODING_OPTIONS: readonly OptionSpec[] = [
  { name: 'encoding', short: 'e', type: 'string', choices: ENCODINGS, description: 'keys and values as utf8, hex or auto (default auto)' },
  { name: 'key-encoding', type: 'string', choices: ENCODINGS, description: 'keys only (overrides --encoding)' },
  { name: 'value-encoding', type: 'string', choices: ENCODINGS, description: 'values only (overrides --encoding)' }
]

export function encodingsOf (args: ParsedArgs): Encodings {
  const both = (stringOption(args, 'encoding') ?? 'auto') as Encoding
  return {
    key: (stringOption(args, 'key-encoding') ?? both) as Encoding,
    value: (stringOption(args, 'value-encoding') ?? both) as Encoding
  }
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true })
const lossyUtf8 = new TextDecoder('utf-8')
const HEX_ARGUMENT = /^0x([0-9a-fA-F]{2})*$/
const HEX_DIGITS = /^(0x)?([0-9a-fA-F]{2})*$/

/** Printable UTF-8 text, or undefined: control characters (C0, DEL, C1) do not count as printable. */
function printableText (b: Uint8Array): string | undefined {
  let s: string
  try {
    s = strictUtf8.decode(b)
  } catch {
    return undefined
  }
  if (/[\u0000-\u001f\u007f-\u009f]/.test(s)) return undefined
  return s
}

export function formatBytes (b: Uint8Array, encoding: Encoding): string {
  switch (encoding) {
    case 'utf8': return lossyUtf8.decode(b)
    case 'hex': return toHex(b)
    case 'auto': {
      const text = printableText(b)
      return text !== undefined && !HEX_ARGUMENT.test(text) ? text : '0x' + toHex(b)
    }
  }
}

/** Bytes named by a command-line argument; `what` names it in the usage error. */
export function parseBytes (arg: string, encoding: Encoding, what: string): Uint8Array {
  switch (encoding) {
    case 'utf8': return utf8(arg)
    case 'hex':
      if (!HEX_DIGITS.test(arg)) throw new UsageError(`${what} is not hex: ${JSON.stringify(arg)}`)
      return fromHex(arg.startsWith('0x') ? arg.slice(2) : arg)
    case 'auto':
      return HEX_ARGUMENT.test(arg) ? fromHex(arg.slice(2)) : utf8(arg)
  }
}

/** Shortens a display string to `max` characters, saying how much was cut. */
export function truncate (s: string, max: number): string {
  if (s.length <= max) return s
  return `${s.slice(0, max)}… (+${s.length - max})`
}

interface DecodedInternalKey {
  userKey: string
  sequence: number
  type: 'put' | 'del' | 'seek' | string
}

/**
 * An internal key for display: the user key in `encoding`, its sequence and type. A key too short
 * to be an internal key is shown escaped, with sequence -1, rather than throwing: inspection tools
 * show damage, they do not stop at it.
 */
function decodeInternalKey (ikey: Uint8Array, encoding: Encoding): DecodedInternalKey {
  if (ikey.length < TAG_SIZE) return { userKey: escapeBytes(ikey), sequence: -1, type: 'bad key' }
  const type = ikey[ikey.length - TAG_SIZE]!
  try {
    const p = parseInternalKey(ikey)
    return { userKey: formatBytes(p.userKey, encoding), sequence: p.sequence, type: p.type === 1 ? 'put' : 'del' }
  } catch {
    return { userKey: formatBytes(ikey.subarray(0, ikey.length - TAG_SIZE), encoding), sequence: -1, type: `type ${type}` }
  }
}

/** "key @ seq : put" — the one-line form of an internal key. */
export function internalKeyText (ikey: Uint8Array, encoding: Encoding): string {
  const d = decodeInternalKey(ikey, encoding)
  const seq = d.sequence >= 2 ** 53 ? 'max' : String(d.sequence)
  return `${d.userKey} @ ${seq} : ${d.type}`
}

/** The user-key part of an internal key (the whole key when it is too short to have a tag). */
export function userKeyBytes (ikey: Uint8Array): Uint8Array {
  return ikey.length >= TAG_SIZE ? ikey.subarray(0, ikey.length - TAG_SIZE) : ikey
}

/** The user-key part of an internal key, for display. */
export function userKeyText (ikey: Uint8Array, encoding: Encoding): string {
  return formatBytes(userKeyBytes(ikey), encoding)
}

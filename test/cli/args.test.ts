// The pieces under every subcommand, in process: the argument parser, the key and value encodings
// (with a property test that whatever "auto" prints names the same bytes when given back), and the
// progress display on a terminal and off one.

import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { type CommandSpec, formatHelp, parseArgs, UsageError } from '../../src/cli/args.js'
import { formatBytes, internalKeyText, parseBytes } from '../../src/cli/codec.js'
import { Progress, type ProgressStream } from '../../src/cli/progress.js'
import { prefixEnd } from '../../src/cli/scan.js'
import { recordEnd } from '../../src/cli/log-scan.js'
import { makeInternalKey, ValueType } from '../../src/dbformat/internal-key.js'

const spec: CommandSpec = {
  name: 'demo',
  summary: 'A demo.',
  positionals: [
    { name: 'dir', required: true, description: 'a directory' },
    { name: 'key', required: false, description: 'a key' }
  ],
  options: [
    { name: 'limit', short: 'n', type: 'integer', description: 'a limit' },
    { name: 'json', type: 'boolean', description: 'json' },
    { name: 'encoding', type: 'string', choices: ['utf8', 'hex'], description: 'an encoding' },
    { name: 'gte', type: 'string', description: 'a bound' }
  ]
}

describe('argument parser', () => {
  test('reads positionals, --name value, --name=value, short options and booleans', () => {
    const a = parseArgs(spec, ['db', '--limit', '5', '--encoding=hex', 'k', '--json'])
    assert.deepEqual(a.positionals, ['db', 'k'])
    assert.equal(a.options.get('limit'), 5)
    assert.equal(a.options.get('encoding'), 'hex')
    assert.equal(a.options.get('json'), true)
    assert.equal(parseArgs(spec, ['db', '-n', '7']).options.get('limit'), 7)
    assert.equal(parseArgs(spec, ['db', '--no-json']).options.get('json'), false)
  })

  test('takes a value that looks like an option as the value, and "--" ends the options', () => {
    assert.equal(parseArgs(spec, ['db', '--gte', '--weird']).options.get('gte'), '--weird')
    assert.deepEqual(parseArgs(spec, ['db', '--', '--json']).positionals, ['db', '--json'])
    assert.deepEqual(parseArgs(spec, ['db', '-1']).positionals, ['db', '-1'], 'a negative-looking key is a positional')
  })

  test('refuses what it does not understand with a UsageError', () => {
    const bad: string[][] = [
      [], ['db', 'k', 'extra'], ['db', '--bogus'], ['db', '-x'], ['db', '--limit'], ['db', '--limit', 'ten'],
      ['db', '--encoding', 'latin1'], ['db', '--json=yes'], ['db', '--no-limit']
    ]
    for (const argv of bad) assert.throws(() => parseArgs(spec, argv), UsageError, argv.join(' '))
  })

  test('--help anywhere wins, and the help lists every option and argument', () => {
    assert.equal(parseArgs(spec, ['--bogus', '-h']).options.get('help'), true)
    const help = formatHelp(spec)
    for (const word of ['Usage: shale demo <dir> [key]', '--limit <value>', '-n,', '--encoding <utf8|hex>', '--json', '--help']) {
      assert.ok(help.includes(word), `help mentions ${word}:\n${help}`)
    }
  })
})

describe('key and value encodings', () => {
  test('auto shows printable UTF-8 as text and anything else as 0x-hex', () => {
    assert.equal(formatBytes(new TextEncoder().encode('user:42 é'), 'auto'), 'user:42 é')
    assert.equal(formatBytes(Uint8Array.of(0, 1, 255), 'auto'), '0x0001ff')
    assert.equal(formatBytes(Uint8Array.of(0x61, 0x0a), 'auto'), '0x610a', 'a control character makes it hex')
    assert.equal(formatBytes(new TextEncoder().encode('0xab'), 'auto'), '0x30786162', 'text that reads as hex is shown as hex')
    assert.equal(formatBytes(Uint8Array.of(0xab), 'hex'), 'ab')
    assert.equal(formatBytes(new TextEncoder().encode('x'), 'utf8'), 'x')
  })

  test('arguments: hex with or without 0x, utf8 as is, auto by the 0x prefix', () => {
    assert.deepEqual(parseBytes('0x00ff', 'auto', 'key'), Uint8Array.of(0, 255))
    assert.deepEqual(parseBytes('00ff', 'hex', 'key'), Uint8Array.of(0, 255))
    assert.deepEqual(parseBytes('0x00ff', 'hex', 'key'), Uint8Array.of(0, 255))
    assert.deepEqual(parseBytes('0x00ff', 'utf8', 'key'), new TextEncoder().encode('0x00ff'))
    assert.deepEqual(parseBytes('0xabc', 'auto', 'key'), new TextEncoder().encode('0xabc'), 'odd digits: not hex, so text')
    assert.throws(() => parseBytes('0xzz', 'hex', 'key'), UsageError)
    assert.throws(() => parseBytes('abc', 'hex', 'key'), UsageError)
  })

  test('whatever auto or hex prints names the same bytes when given back', () => {
    fc.assert(fc.property(
      fc.oneof(fc.uint8Array({ maxLength: 24 }), fc.string({ maxLength: 24 }).map((s) => new TextEncoder().encode(s))),
      (bytes) => {
        assert.deepEqual(parseBytes(formatBytes(bytes, 'auto'), 'auto', 'key'), bytes)
        assert.deepEqual(parseBytes(formatBytes(bytes, 'hex'), 'hex', 'key'), bytes)
      }
    ), { seed: 42, numRuns: 2000 })
  })

  test('internal keys show user key, sequence and type, and damage without throwing', () => {
    const ikey = makeInternalKey(new TextEncoder().encode('k'), 42, ValueType.Deletion)
    assert.equal(internalKeyText(ikey, 'auto'), 'k @ 42 : del')
    assert.match(internalKeyText(Uint8Array.of(1, 2), 'auto'), /bad key/)
  })

  test('a prefix range ends at the next prefix, and an all-0xff prefix has no end', () => {
    assert.deepEqual(prefixEnd(new TextEncoder().encode('ab')), new TextEncoder().encode('ac'))
    assert.deepEqual(prefixEnd(Uint8Array.of(1, 0xff, 0xff)), Uint8Array.of(2))
    assert.equal(prefixEnd(Uint8Array.of(0xff)), undefined)
  })
})

describe('log record extents', () => {
  test('a record\'s end follows the writer\'s fragmentation rules', () => {
    assert.equal(recordEnd(0, 0), 7, 'an empty record is a bare header')
    assert.equal(recordEnd(0, 100), 107)
    // 1000 bytes starting 10 bytes before a block's end: a FIRST of 3 bytes there, the other 997
    // after a header in the next block.
    assert.equal(recordEnd(32758, 1000), 32768 + 7 + 997)
    // Fewer than 7 bytes left: padding, then the whole record in the next block.
    assert.equal(recordEnd(32763, 10), 32768 + 17)
    // Exactly 7 bytes left: an empty FIRST fills the block.
    assert.equal(recordEnd(32761, 10), 32768 + 17)
    // A record spanning a whole block: FIRST, a full MIDDLE, LAST.
    assert.equal(recordEnd(0, 32761 + 32761 + 5), 2 * 32768 + 12)
  })
})

class FakeStream implements ProgressStream {
  text = ''
  readonly isTTY: boolean
  readonly columns = 100
  constructor (tty: boolean) { this.isTTY = tty }
  write (chunk: string): boolean { this.text += chunk; return true }
}

describe('progress display', () => {
  test('on a terminal: a bar redrawn in place on one line, and a closing line', () => {
    const s = new FakeStream(true)
    const p = new Progress('verify', 1000, { stream: s, unit: 'bytes' })
    p.update(1000, 'last.ldb')
    p.finish('all intact')
    assert.ok(s.text.startsWith('\r\x1b[Kverify ['), JSON.stringify(s.text))
    assert.ok(s.text.includes('[########################] 100%'), JSON.stringify(s.text))
    assert.match(s.text, /\r\x1b\[Kverify: all intact in \d+\.\d s\n$/)
    assert.equal(s.text.split('\n').length, 2, 'one line of output in the end')
  })

  test('off a terminal: plain lines, one per tenth however many updates', () => {
    const s = new FakeStream(false)
    const p = new Progress('verify', 1000, { stream: s })
    for (let i = 0; i <= 1000; i++) p.update(i)
    p.finish()
    const lines = s.text.trimEnd().split('\n')
    assert.equal(lines[0], 'verify: started (1000)')
    assert.equal(lines.length, 1 + 11 + 1, s.text)
    assert.ok(lines.every((l) => !l.includes('\r') && !l.includes('\x1b')))
    assert.match(lines[lines.length - 1]!, /^verify: done in /)
  })

  test('few steps: a line for each; unknown total: a start and an end line; --quiet: nothing', () => {
    const s = new FakeStream(false)
    const p = new Progress('compact', 3, { stream: s })
    for (let i = 0; i <= 3; i++) p.update(i, `step ${i}`)
    p.finish()
    assert.equal(s.text.trimEnd().split('\n').length, 1 + 4 + 1)
    const u = new FakeStream(false)
    new Progress('repair', undefined, { stream: u }).finish()
    assert.match(u.text, /^repair: started\nrepair: done in .*\n$/)
    const q = new FakeStream(true)
    const quiet = new Progress('x', 10, { stream: q, enabled: false })
    quiet.update(5)
    quiet.finish()
    assert.equal(q.text, '')
  })
})

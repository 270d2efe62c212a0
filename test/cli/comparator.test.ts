// The inspection commands and repair on a database made under a comparator other than the bytewise
// one. Shale orders keys bytewise only: the readers must say so, skip the order checks they cannot
// make (still verifying every checksum), never call such tables damaged, and repair must refuse
// with nothing written. The database is crafted from the format layers (test/db/foreign-comparator.ts);
// when python3-plyvel is installed, one that LevelDB itself wrote is checked too.

import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { copyFileSync, cpSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { plyvelPython, writeForeignDb, writePlyvelForeignDb } from '../db/foreign-comparator.js'
import { removeDir, shale, shaleJson, tempDir } from './helpers.js'

function snapshot (dir: string): Map<string, string> {
  const out = new Map<string, string>()
  for (const name of readdirSync(dir).sort()) {
    out.set(name, statSync(join(dir, name)).isFile() ? readFileSync(join(dir, name)).toString('base64') : '(dir)')
  }
  return out
}

function flipByte (path: string, offset: number): void {
  const data = readFileSync(path)
  data[offset] = data[offset]! ^ 0x40
  writeFileSync(path, data)
}

const FOREIGN_NOTE = /comparator rev is not leveldb\.BytewiseComparator: key order is not checked/

describe('a database under comparator "rev" (crafted)', () => {
  const scratch = tempDir('comparator')
  const dir = join(scratch, 'rev-db')
  mkdirSync(dir)
  const db = writeForeignDb(dir, 3000)

  test('verify: no damage, exit 0, and says the order is not checked', () => {
    const r = shale(['verify', dir, '-q'])
    assert.equal(r.code, 0, r.stdout + r.stderr)
    assert.match(r.stdout, FOREIGN_NOTE)
    assert.doesNotMatch(r.stdout, /DAMAGED|out of order/)
    assert.match(r.stdout, /verified 3 tables, 1 log and the MANIFEST .*: no damage/)
    const j = shaleJson(['verify', dir, '--json', '-q'])
    assert.equal(j.code, 0)
    assert.equal(j.json.ok, true)
    assert.equal(j.json.comparator, 'rev')
    assert.equal(j.json.keyOrder, 'foreign')
    assert.equal(j.json.files.filter((f: any) => f.kind === 'table').length, 3)
  })

  test('verify still checks every checksum: a damaged block is reported, and repair is not recommended', () => {
    const copy = join(scratch, 'rev-damaged')
    cpSync(dir, copy, { recursive: true })
    flipByte(join(copy, db.tables[0]!.name), 100)
    const r = shale(['verify', copy, '-q'])
    assert.equal(r.code, 1)
    assert.match(r.stdout, new RegExp(`${db.tables[0]!.name}  L1  DAMAGED`))
    assert.match(r.stdout, /checksum mismatch/)
    assert.match(r.stderr, /"shale repair" refuses a database ordered by comparator rev/)
    assert.doesNotMatch(r.stderr, /rebuilds the database/)
  })

  test('repair: exit 1 with a LEVEL_ error and nothing else printed; the directory is unchanged', () => {
    const copy = join(scratch, 'rev-repair')
    cpSync(dir, copy, { recursive: true })
    const before = snapshot(copy)
    const r = shale(['repair', copy])
    assert.equal(r.code, 1)
    assert.equal(r.stdout, '')
    assert.match(r.stderr, /^shale repair: .*comparator rev.*\[LEVEL_INVALID_ARGUMENT\]\n$/)
    assert.deepEqual(snapshot(copy), before)
    // And the engine still refuses to open it, as before.
    const s = shale(['scan', copy, '--count'])
    assert.equal(s.code, 1)
    assert.match(s.stderr, /does not match existing comparator/)
  })

  test('info and manifest: the comparator, no level ranges in a foreign order, no overlap problems, exit 0', () => {
    const i = shale(['info', dir])
    assert.equal(i.code, 0, i.stderr)
    assert.match(i.stdout, /comparator +rev\n/)
    assert.match(i.stdout, FOREIGN_NOTE)
    assert.match(i.stdout, /^1 +2 +\S+ KiB +\(not known in this order: see --files\)$/m)
    const files = shale(['info', dir, '--files'])
    // Each file's own range is known: the MANIFEST's smallest and largest, in the file's order.
    assert.match(files.stdout, /#5 .* k00999 @ 1000 : put \.\. k00000 @ 1 : put/)
    const ij = shaleJson(['info', dir, '--json'])
    assert.equal(ij.json.comparator, 'rev')
    assert.equal(ij.json.keyOrderChecked, false)
    assert.deepEqual(ij.json.problems, [])
    const m = shale(['manifest', dir])
    assert.equal(m.code, 0, m.stderr)
    assert.match(m.stdout, FOREIGN_NOTE)
    assert.doesNotMatch(m.stderr, /problem/)
  })

  test('sst: the comparator comes from the MANIFEST beside the table; alone, order is a note, not damage', () => {
    const table = join(dir, db.tables[2]!.name)
    const r = shale(['sst', table, '--no-blocks'])
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /comparator +rev \(from MANIFEST-000009\)/)
    assert.match(r.stdout, FOREIGN_NOTE)
    const lone = join(scratch, 'lone')
    mkdirSync(lone)
    copyFileSync(table, join(lone, '000007.ldb'))
    const j = shaleJson(['sst', join(lone, '000007.ldb'), '--json', '--no-blocks'])
    assert.equal(j.code, 0, j.stderr)
    assert.equal(j.json.comparator, undefined)
    assert.equal(j.json.keyOrder, 'unknown')
    assert.deepEqual(j.json.problems, [])
    assert.equal(j.json.notes.length, 1, 'one note, then order is not checked further')
    assert.match(j.json.notes[0], /may have been written under a comparator other than bytewise/)
    assert.equal(j.json.entries, 1000)
    assert.equal(j.json.filter.falseNegatives, 0, 'the bloom filter is still checked')
  })

  test('map: draws it, says the axis is not the database\'s order, exit 0', () => {
    const out = join(scratch, 'map.html')
    const r = shale(['map', dir, '-o', out])
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stderr, /note: comparator rev .*The axis is in bytewise order/)
    const html = readFileSync(out, 'utf8')
    assert.match(html, /<p class="note">comparator rev is not/)
  })

  test('a MANIFEST naming the bytewise comparator over reversed tables: verify calls the order damage', () => {
    const liar = join(scratch, 'liar')
    mkdirSync(liar)
    writeForeignDb(liar, 600, { manifestComparator: 'leveldb.BytewiseComparator' })
    const r = shale(['verify', liar, '-q'])
    assert.equal(r.code, 1)
    assert.match(r.stdout, /DAMAGED/)
    assert.match(r.stdout, /keys out of order|past the block's index key/)
  })

  test('the MANIFEST\'s comparator record damaged: the MANIFEST is damage, the tables\' order only a note', () => {
    const lost = join(scratch, 'lost-comparator')
    mkdirSync(lost)
    writeForeignDb(lost, 3000, { isolateComparatorRecord: true })
    // The first record: a 7-byte header, then the comparator edit; change a byte of its name.
    flipByte(join(lost, db.manifest), 7 + 4)
    const j = shaleJson(['verify', lost, '--json', '-q'])
    assert.equal(j.code, 1)
    assert.equal(j.json.keyOrder, 'unknown')
    const [manifest, ...rest] = j.json.files
    assert.equal(manifest.kind, 'manifest')
    assert.match(manifest.problems.join('\n'), /checksum mismatch/)
    const tables = rest.filter((f: any) => f.kind === 'table')
    assert.equal(tables.length, 3, 'the edit naming the tables is still read')
    for (const t of tables) {
      assert.deepEqual(t.problems, [], t.file)
      assert.equal(t.notes.length, 1, t.file)
      assert.match(t.notes[0], /may have been written under a comparator other than bytewise/)
    }
    const i = shale(['info', lost])
    assert.match(i.stderr, /warning: no comparator record could be read: files are not checked for overlaps/)
  })

  test('a MANIFEST naming no comparator is taken as bytewise, as LevelDB accepts it under any', () => {
    const none = join(scratch, 'none')
    mkdirSync(none)
    writeForeignDb(none, 600, { manifestComparator: undefined })
    const j = shaleJson(['verify', none, '--json', '-q'])
    assert.equal(j.json.keyOrder, 'bytewise')
    assert.equal(j.code, 1, 'reversed tables under an unnamed (bytewise) comparator are out of order')
  })

  test.after(() => { removeDir(scratch) })
})

const python = plyvelPython()

describe('a database LevelDB 1.23 wrote under comparator "rev" (python3-plyvel)', { skip: python === undefined ? 'python3-plyvel is not installed' : false }, () => {
  test('verify is clean, repair refuses and changes nothing, scan refuses', () => {
    const scratch = tempDir('plyvel')
    try {
      const dir = join(scratch, 'rc-db')
      writePlyvelForeignDb(python!, dir, 3000)
      const v = shale(['verify', dir, '-q'])
      assert.equal(v.code, 0, v.stdout + v.stderr)
      assert.match(v.stdout, FOREIGN_NOTE)
      const before = snapshot(dir)
      const r = shale(['repair', dir])
      assert.equal(r.code, 1)
      assert.match(r.stderr, /^shale repair: .*comparator rev.*\[LEVEL_INVALID_ARGUMENT\]\n$/)
      assert.deepEqual(snapshot(dir), before)
      const s = shale(['scan', dir, '--count'])
      assert.equal(s.code, 1)
      assert.match(s.stderr, /does not match existing comparator/)
      // The owner can still open it: plyvel reads every key back.
      const check = `import plyvel,sys\nc=lambda a,b:(a<b)-(a>b)\ndb=plyvel.DB(sys.argv[1],comparator=c,comparator_name=b'rev')\nprint(sum(1 for _ in db))`
      const count = spawnSync(python!, ['-c', check, dir], { encoding: 'utf8' })
      assert.equal(count.stdout.trim(), '3000', count.stderr)
    } finally {
      removeDir(scratch)
    }
  })
})

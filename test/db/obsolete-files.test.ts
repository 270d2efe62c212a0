// Which directory entries the engine may delete: only LevelDB names that nothing live refers to.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { obsoleteFiles } from '../../src/db/obsolete-files.js'

const state = { liveTables: new Set([7, 9]), logNumber: 12, prevLogNumber: 0, manifestNumber: 11 }

test('logs before the log number, older MANIFESTs and dead tables are obsolete', () => {
  const names = [
    '000003.log', '000012.log', '000013.log',
    'MANIFEST-000002', 'MANIFEST-000011', 'MANIFEST-000014',
    '000007.ldb', '000008.ldb', '000009.sst', '000010.sst',
    '000005.dbtmp', 'CURRENT', 'LOCK', 'LOG', 'LOG.old'
  ]
  assert.deepEqual(obsoleteFiles(names, state), [
    { name: '000003.log' },
    { name: 'MANIFEST-000002' },
    { name: '000008.ldb', table: 8 },
    { name: '000010.sst', table: 10 },
    { name: '000005.dbtmp' }
  ])
})

test('a temp file numbered like a MANIFEST being made (not yet current) is kept', () => {
  // CURRENT's temp file for MANIFEST-000014 exists while that MANIFEST is written.
  assert.deepEqual(obsoleteFiles(['000014.dbtmp', '000011.dbtmp', '000010.dbtmp'], state), [{ name: '000010.dbtmp' }])
})

test('the previous log number is kept even though it is older', () => {
  assert.deepEqual(obsoleteFiles(['000004.log', '000005.log'], { ...state, prevLogNumber: 4 }), [{ name: '000005.log' }])
})

test('foreign names, lock claims and look-alikes are never candidates', () => {
  const names = ['LOCK.shale-123-456-789', 'notes.txt', '000001.log.bak', 'MANIFEST-', 'MANIFEST-12x', '12.ldbx', 'lost', '-1.log', '0x10.ldb']
  assert.deepEqual(obsoleteFiles(names, state), [])
})

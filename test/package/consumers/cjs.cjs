// A CommonJS consumer: loads every entry point of the installed package with require().
'use strict'
const { run } = require('./workload.cjs')

run(require('shale'), require('shale/sstable'), require('shale/log'), require('shale/testing')).catch((err) => {
  console.error(err)
  process.exitCode = 1
})

// An ES-module consumer: loads every entry point of the installed package with import.
import * as shale from 'shale'
import * as sstable from 'shale/sstable'
import * as log from 'shale/log'
import * as testing from 'shale/testing'
import workload from './workload.cjs'

await workload.run(shale, sstable, log, testing)

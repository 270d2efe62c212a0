// The entry point for a browser's job worker script (`shale/worker`): the application's module
// worker imports serveJobWorker from here and gives it the Env its files are on (doc/browser.md).

export { serveJobWorker } from './db/browser-job-worker.js'
export type { Env, WritableFile, RandomAccessFile, SequentialFile, FileLock } from './env/env.js'

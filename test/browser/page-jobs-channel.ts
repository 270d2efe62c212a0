// What page-jobs-page.ts and its engine worker script (page-jobs-engine.ts) say to each other, on
// a BroadcastChannel that the page, the engine worker and its nested job workers all join.

export const COUNTS_CHANNEL = 'shale-test-job-counts'

export type CountsMessage =
  | { type: 'ask' }
  | { type: 'counts', counts: { worker: number, inline: number, doneOffThread: number }, engineWorker: boolean }
  | { type: 'job-done', job: string, jobWorker: boolean }

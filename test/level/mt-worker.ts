// A worker thread that the multithreading tests drive step by step: each message is the body of
// an async function, run with ShaleLevel, a context object kept between steps, the shared workout,
// and a way to post a message back to the test between steps.

import { parentPort } from 'node:worker_threads'
import { ShaleLevel } from '../../src/index.js'
import { exercise } from './mt-exercise.js'

type Step = (ShaleLevelClass: typeof ShaleLevel, ctx: Record<string, unknown>, workout: typeof exercise, post: (m: unknown) => void) => Promise<unknown>
const AsyncFunction = Object.getPrototypeOf(async function () {}).constructor as new (...args: string[]) => Step

const ctx: Record<string, unknown> = {}
const post = (message: unknown): void => { parentPort!.postMessage({ note: message }) }

parentPort!.on('message', ({ id, code }: { id: number, code: string }) => {
  const step = new AsyncFunction('ShaleLevel', 'ctx', 'exercise', 'post', code)
  step(ShaleLevel, ctx, exercise, post).then(
    (result) => { parentPort!.postMessage({ id, ok: true, result }) },
    (err: { code?: string, message?: string, cause?: { code?: string, message?: string } }) => {
      parentPort!.postMessage({ id, ok: false, error: { code: err.code, message: err.message, cause: err.cause === undefined ? undefined : { code: err.cause.code, message: err.cause.message } } })
    })
})

// `shale/testing`: what the project proves crash safety with, for testing code built on Shale
// (doc/crash-testing.md). MemEnv keeps a file system in memory and can lose power; FaultEnv
// records every file-system call, injects EIO or ENOSPC at chosen ones, and stops the world at a
// chosen call; exploreCrashPoints reruns a workload, crashing it after each call in turn.

export { MemEnv, type CrashMode } from './env/mem-env.js'
export {
  FaultEnv, CrashError, exploreCrashPoints, FILE_OPS,
  type FaultEnvOptions, type FaultRule, type FileCall, type InjectedCode, type CrashPoint, type CrashExploration
} from './env/fault-env.js'
export type { Env, FileOp, WritableFile, RandomAccessFile, SequentialFile, FileLock } from './env/env.js'

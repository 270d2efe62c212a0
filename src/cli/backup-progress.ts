// The progress display of the backup commands, made when the first step reports its total: the
// library calls report (done, total) as they go, and the total is not known before.

import { Progress } from './progress.js'

export class StepProgress {
  private progress: Progress | undefined

  constructor (private readonly label: string, private readonly enabled: boolean) {}

  readonly update = (done: number, total: number): void => {
    this.progress ??= new Progress(this.label, total, { enabled: this.enabled })
    this.progress.update(done)
  }

  finish (summary?: string): void {
    this.progress?.finish(summary)
  }
}

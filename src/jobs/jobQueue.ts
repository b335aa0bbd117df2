/** A unit of background work; it should stop soon after `signal` aborts (Vigil is shutting down). */
export type Job = (signal: AbortSignal) => Promise<void>;

/**
 * The in-process job queue: background work (dataset imports, …) runs here so that requests
 * answer at once. At most `concurrency` jobs run together. On close, running jobs are told to
 * stop and awaited; jobs that never started are dropped — their resources stay in an
 * *_IN_PROGRESS state that the service recovers at the next start.
 */
export class JobQueue {
  private readonly pending: { name: string; job: Job }[] = [];
  private readonly running = new Set<Promise<void>>();
  private readonly abort = new AbortController();
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly concurrency: number,
    private readonly onFailure: (name: string, error: unknown) => void,
  ) {}

  enqueue(name: string, job: Job): void {
    if (this.abort.signal.aborted) throw new Error('the job queue is closed');
    this.pending.push({ name, job });
    this.startNext();
  }

  /** Resolves when no job is running or waiting. */
  idle(): Promise<void> {
    if (this.running.size === 0 && this.pending.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  async close(): Promise<void> {
    this.abort.abort();
    this.pending.length = 0;
    await Promise.allSettled([...this.running]);
  }

  private startNext(): void {
    while (this.running.size < this.concurrency && this.pending.length > 0) {
      const { name, job } = this.pending.shift()!;
      const run = job(this.abort.signal)
        .catch((error: unknown) => this.onFailure(name, error))
        .finally(() => {
          this.running.delete(run);
          this.startNext();
          if (this.running.size === 0 && this.pending.length === 0) {
            for (const resolve of this.idleWaiters.splice(0)) resolve();
          }
        });
      this.running.add(run);
    }
  }
}

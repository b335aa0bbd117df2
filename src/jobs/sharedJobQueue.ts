import type { ClaimedJob, JobKind, JobRepository } from '../store/jobRecords.js';
import type { BackgroundJobs, JobHandler } from './backgroundJobs.js';

export interface SharedJobQueueOptions {
  /** This node's name in the leases it takes (host, process, random suffix). */
  nodeId: string;
  /** Whether this node runs jobs (role worker or all); an api node only queues them. */
  claims: boolean;
  /** How long a lease lasts without a heartbeat: how soon another node takes over the job of a node that died. */
  leaseMs: number;
  /** Jobs this node runs at once. */
  concurrency: number;
  /** How often an idle worker looks for work (a job queued on this node is looked for at once). */
  pollMs: number;
  /** A job that failed (`kind resource`), or the claiming itself (the database did not answer). */
  onFailure(job: string, error: unknown): void;
}

/**
 * The job queue that nodes sharing a PostgreSQL database share: a job is a row; a worker node claims it
 * (SELECT … FOR UPDATE SKIP LOCKED), renews its lease every third of the lease while it runs, and
 * finishes it with a fenced write. A node that dies stops renewing: once the lease runs out, another
 * node claims the job with the next attempt number, and the dead node's writes (should it come back)
 * are refused. A node that shuts down puts its running jobs back in the queue at once.
 */
export class SharedJobQueue implements BackgroundJobs {
  readonly shared = true;
  private readonly handlers = new Map<JobKind, JobHandler>();
  private readonly running = new Map<number, { job: ClaimedJob; abort: AbortController; done: Promise<void> }>();
  private readonly closing = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private polling = false;
  private pollAgain = false;

  constructor(
    private readonly repository: JobRepository,
    private readonly options: SharedJobQueueOptions,
  ) {}

  handle(kind: JobKind, handler: JobHandler): void {
    this.handlers.set(kind, handler);
  }

  /** Starts looking for work (worker nodes only); call once every handler is registered. */
  start(): void {
    if (!this.options.claims || this.timer) return;
    this.timer = setInterval(() => this.poll(), this.options.pollMs);
    this.poll();
  }

  async submit(kind: JobKind, resource: string, payload: unknown): Promise<void> {
    await this.repository.enqueue(kind, resource, payload);
    if (this.timer) this.poll();
  }

  async runHere(kind: JobKind, resource: string, payload: unknown): Promise<{ ended: Promise<void> } | undefined> {
    if (this.closing.signal.aborted) throw new Error('the job queue is closed');
    const job = await this.repository.claimNew(kind, resource, payload, this.options.nodeId, this.options.leaseMs);
    return job && { ended: this.run(job) };
  }

  /** Resolves when this node runs no job. */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running.values()].map((run) => run.done));
  }

  /** Resolves when no node has a job queued or running (tests; polls the table). */
  async drained(): Promise<void> {
    for (;;) {
      await this.idle();
      if ((await this.repository.count()) === 0) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Stops claiming, stops the running jobs and puts them back in the queue for another node. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    this.closing.abort();
    for (const run of this.running.values()) run.abort.abort();
    await this.idle();
  }

  /** Claims jobs while this node has room; one poll at a time, another right after when asked meanwhile. */
  private poll(): void {
    if (this.polling) {
      this.pollAgain = true;
      return;
    }
    this.polling = true;
    void (async () => {
      try {
        do {
          this.pollAgain = false;
          while (!this.closing.signal.aborted && this.running.size < this.options.concurrency) {
            const job = await this.repository.claim(this.options.nodeId, this.options.leaseMs);
            if (!job) break;
            this.run(job);
          }
        } while (this.pollAgain && !this.closing.signal.aborted);
      } catch (error) {
        // The database is unreachable for now: the next poll tries again.
        this.options.onFailure('claiming jobs', error);
      } finally {
        this.polling = false;
      }
    })();
  }

  /** Runs a claimed job under its lease; resolves when it has ended, whatever its outcome. */
  private run(job: ClaimedJob): Promise<void> {
    const abort = new AbortController();
    const handler = this.handlers.get(job.kind);
    let lost = false;
    let renewed = Date.now();
    const giveUp = () => {
      if (lost) return;
      lost = true;
      abort.abort();
    };
    const heartbeat = setInterval(
      () => {
        this.repository.heartbeat(job, this.options.leaseMs).then(
          (held) => {
            if (held) renewed = Date.now();
            else giveUp(); // another node took the job over: stop, and write nothing more
          },
          // The database did not answer: once the lease may have run out, another node may have the job.
          () => {
            if (Date.now() - renewed > this.options.leaseMs) giveUp();
          },
        );
      },
      Math.max(50, Math.floor(this.options.leaseMs / 3)),
    );
    const done = (async () => {
      await Promise.resolve(); // the run is registered before anything of it can end
      try {
        if (!handler) throw new Error(`no handler for ${job.kind} jobs`);
        let finished = false;
        await handler(job.payload, {
          attempt: job.attempt,
          signal: abort.signal,
          finish: async (write) => {
            finished = await this.repository.finish(job, write);
            return finished;
          },
        });
        if (!finished && !abort.signal.aborted) await this.repository.finish(job, async () => {});
        else if (!finished && this.closing.signal.aborted && !lost) await this.repository.release(job);
      } catch (error) {
        // The lease is left to run out: the job is tried again by some node, whose attempt number the handler sees.
        this.options.onFailure(`${job.kind} ${job.resource}`, error);
        if (this.closing.signal.aborted && !lost) await this.repository.release(job).catch(() => {});
      } finally {
        clearInterval(heartbeat);
        this.running.delete(job.id);
        // Room for another job; not on an api node, whose only jobs are those its requests run here.
        if (!this.closing.signal.aborted && this.timer) this.poll();
      }
    })();
    this.running.set(job.id, { job, abort, done });
    return done;
  }
}

import type { JobKind } from '../store/jobRecords.js';
import type { JobQueue } from './jobQueue.js';

export type { JobKind } from '../store/jobRecords.js';

/** What a job's handler is given besides its payload. */
export interface JobContext {
  /** 1 for the first run; more when another node took the job over because this one's lease ran out. */
  attempt: number;
  /** Aborts when Vigil shuts down or the job's lease was lost: stop soon and write nothing more. */
  signal: AbortSignal;
  /**
   * Runs the job's last status write only while this run still owns the job (fencing); false when
   * another node took it over, and then `write` did not run. A handler that returns without calling
   * it has finished too.
   */
  finish(write: () => Promise<void>): Promise<boolean>;
}

export type JobHandler = (payload: unknown, context: JobContext) => Promise<void>;

/**
 * Background work the services hand off: training, dataset imports, model packaging. Embedded, it runs
 * in this process (InProcessJobs); with a shared PostgreSQL database, any worker node claims it
 * (SharedJobQueue). Payloads hold names and ids only, so they can be stored.
 */
export interface BackgroundJobs {
  /** Whether jobs outlive this process (a shared queue): then a restart must not touch other nodes' work. */
  readonly shared: boolean;
  handle(kind: JobKind, handler: JobHandler): void;
  /** Queues a job; a resource that already has a live job of that kind is left to it. */
  submit(kind: JobKind, resource: string, payload: unknown): Promise<void>;
  /**
   * Runs a job on this node now, not waiting for a claim: the work a request starts (StartModel, StopModel).
   * With a shared queue it is first recorded as this node's, under a lease, so that another worker node
   * finishes it should this one die. Resolves once recorded, with the run's end (which never rejects);
   * undefined when a live job of that kind already stands for the resource: the work is left to it.
   */
  runHere(kind: JobKind, resource: string, payload: unknown): Promise<{ ended: Promise<void> } | undefined>;
}

/** The embedded default: jobs run on the in-process queue, as one attempt; a restart's recovery handles the rest. */
export class InProcessJobs implements BackgroundJobs {
  readonly shared = false;
  private readonly handlers = new Map<JobKind, JobHandler>();

  constructor(private readonly queue: JobQueue) {}

  handle(kind: JobKind, handler: JobHandler): void {
    this.handlers.set(kind, handler);
  }

  async submit(kind: JobKind, resource: string, payload: unknown): Promise<void> {
    await this.runHere(kind, resource, payload);
  }

  /** Queued in process like any job (a restart's recovery stands in for a lease). */
  async runHere(kind: JobKind, resource: string, payload: unknown): Promise<{ ended: Promise<void> }> {
    const handler = this.handlers.get(kind);
    if (!handler) throw new Error(`no handler for ${kind} jobs`);
    let ended!: () => void;
    const end = new Promise<void>((resolve) => (ended = resolve));
    this.queue.enqueue(`${kind} ${resource}`, (signal) =>
      handler(payload, {
        attempt: 1,
        signal,
        finish: async (write) => {
          await write();
          return true;
        },
      }).finally(ended),
    );
    return { ended: end };
  }
}
